"""``python -m bench projection``: rebuilding the tenant directory from the store.

The store is filled first with ``--events`` Tenant events (200,000) over ``--tenants`` tenants
(1,000): each tenant is a ``Tenant`` aggregate, created, given a host or two, then changed many
times (``change_details`` and ``change_branding``), and saved with ``Repository.save``. Then
``ProjectionRunner(worker_pool, TenantDirectory(codec)).rebuild(LogReader(worker_pool))`` is
timed. The directory is checked against the aggregates afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import asyncpg

from bench.common import (
    Target,
    figure,
    fresh_database,
    rate,
    report_targets,
    say,
    wait_for_horizon,
)
from events.codec import Codec
from events.db import create_pool
from events.repository import EventMetadata, Repository
from events.store import EventStore, LogReader
from projections.runtime import ProjectionRunner
from tenants.directory import TenantDirectory
from tenants.domain import Tenant
from tinget.catalogue import build_catalogue

TARGET_EVENTS_PER_S = 20_000.0

_NAMES = ("Ale", "Borås", "Eda", "Gnosjö", "Hjo", "Lysekil", "Mora", "Orust", "Tibro", "Ydre")
_LANGUAGES = ("sv", "sv", "sv", "fi", "en")
_COLOURS = ("#005aa0", "#e4002b", "#00843d", "#ffcd00", "#1d1d1b", "#f5f5f5", "#6f2c91")
_WELCOME = (
    "Välkommen! Här kan du lämna förslag och tycka till om kommunens arbete.",
    "Berätta vad du tycker om din kommun.",
    None,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events", type=int, default=200_000, help="tenant events in the store (default 200000)"
    )
    parser.add_argument(
        "--tenants", type=int, default=1000, help="tenants the events belong to (default 1000)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=5000,
        help="events per projection batch (default 5000, the runtime default)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the changes")


def slug_of(number: int) -> str:
    return f"kommun-{number:04d}"


def build_tenant(number: int, events: int, rng: random.Random) -> Tenant:
    """A tenant with ``events`` pending events (at least 2: created, one host)."""
    slug = slug_of(number)
    base = _NAMES[number % len(_NAMES)]
    tenant = Tenant(slug=slug, name=f"{base} kommun {number}", default_language="sv")
    tenant.add_host(f"{slug}.tinget.se")
    made = 2
    if events > 2 and number % 3 == 0:
        tenant.add_host(f"dialog.{slug}.se")
        made += 1
    while made < events:
        if rng.random() < 0.5:
            tenant.change_details(
                name=f"{base} kommun {number} ({made})",
                default_language=rng.choice(_LANGUAGES),
            )
        else:
            tenant.change_branding(
                primary_colour=rng.choice(_COLOURS),
                secondary_colour=rng.choice(_COLOURS),
                background_colour=rng.choice(_COLOURS),
                background_image_url=f"https://cdn.tinget.se/{slug}/bg-{made}.jpg",
                welcome_text=rng.choice(_WELCOME),
            )
        made += 1
    return tenant


async def fill(repository: Repository, args: argparse.Namespace) -> tuple[float, dict[str, Tenant]]:
    """Save every tenant's events, 20 tenants at a time; return seconds and the aggregates."""
    rng = random.Random(args.seed)
    per_tenant, extra = divmod(args.events, args.tenants)
    metadata = EventMetadata(actor="platform-admin", role="platform")
    tenants: dict[str, Tenant] = {}
    start = time.perf_counter()
    group: list[Tenant] = []
    for number in range(args.tenants):
        count = per_tenant + (1 if number < extra else 0)
        tenant = build_tenant(number, max(count, 2), rng)
        tenants[tenant.slug] = tenant
        group.append(tenant)
        if len(group) >= 20:
            await asyncio.gather(*(repository.save(t.slug, t, metadata=metadata) for t in group))
            group = []
    if group:
        await asyncio.gather(*(repository.save(t.slug, t, metadata=metadata) for t in group))
    return time.perf_counter() - start, tenants


async def check_directory(conn: asyncpg.Connection, tenants: dict[str, Tenant]) -> int:
    """Entries that differ from their aggregate (0 when the rebuild is right)."""
    rows = await conn.fetch(
        "SELECT tenant_id, name, default_language, hosts, primary_colour, welcome_text"
        " FROM tenant_directory"
    )
    wrong = abs(len(rows) - len(tenants))
    for row in rows:
        tenant = tenants.get(row["tenant_id"])
        if tenant is None or (
            row["name"],
            row["default_language"],
            list(row["hosts"]),
            row["primary_colour"],
            row["welcome_text"],
        ) != (
            tenant.name,
            tenant.default_language,
            tenant.hosts,
            tenant.primary_colour,
            tenant.welcome_text,
        ):
            wrong += 1
    return wrong


async def run(args: argparse.Namespace) -> dict[str, Any]:
    say(
        f"projection: tenant directory rebuild over {args.events:,} events of "
        f"{args.tenants:,} tenants"
    )
    codec = Codec(build_catalogue())
    async with fresh_database() as database:
        app_pool = await create_pool(database.app_url, max_size=8)
        worker_pool = await create_pool(database.worker_url, max_size=4)
        try:
            repository = Repository(EventStore(app_pool), codec)
            fill_seconds, tenants = await fill(repository, args)
            reader = LogReader(worker_pool)
            stored = await reader.count()
            await wait_for_horizon(reader, await reader.head())
            say(
                f"filled: {stored:,} events in {fill_seconds:.2f} s "
                f"({rate(stored, fill_seconds):,.0f} events/s)"
            )

            runner = ProjectionRunner(worker_pool, TenantDirectory(codec))
            start = time.perf_counter()
            count = await runner.rebuild(reader, batch=args.batch)
            elapsed = time.perf_counter() - start

            async with worker_pool.acquire() as conn:
                wrong = await check_directory(conn, tenants)
                hosts = int(await conn.fetchval("SELECT count(*) FROM tenant_hosts"))
        finally:
            await app_pool.close()
            await worker_pool.close()

    say(f"rebuild: {count:,} events applied in {elapsed:.2f} s")
    figure("events/s", rate(count, elapsed))
    figure("batches", runner.stats.batches)
    figure("directory entries", len(tenants), note=f"{wrong} differ from their aggregate")
    figure("hosts", hosts)
    if count != stored or wrong:
        say(f"  warning: {count} of {stored} events applied; {wrong} entries wrong")

    result: dict[str, Any] = {
        "events": stored,
        "tenants": args.tenants,
        "fill_seconds": round(fill_seconds, 3),
        "fill_events_per_s": rate(stored, fill_seconds),
        "rebuild": {
            "seconds": round(elapsed, 3),
            "events": count,
            "events_per_s": rate(count, elapsed),
            "batches": runner.stats.batches,
            "batch": args.batch,
        },
        "directory_entries_wrong": wrong,
        "hosts": hosts,
        "complete": count == stored and wrong == 0,
    }
    result.update(
        report_targets([Target("rebuild events/s", rate(count, elapsed), TARGET_EVENTS_PER_S)])
    )
    return result
