"""``python -m bench projections``: rebuild every read model from a store of dialogue.

The store is filled with ``--events`` (1,000,000) events over ``--tenants`` (100) tenants made
by the real aggregates (``bench/dialog_store.py``: people, dialogs, posts, comments, supports,
signatures, ballots, edits, withdrawals, report statuses). Every read model is first built by
catching up (which also lets the policies record what they record, as a live deployment
would have); then each is rebuilt from PostgreSQL alone in a process of its own
(``bench/rebuild_one.py``), timed, with that process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    Target,
    figure,
    fresh_database,
    number,
    rate,
    report_targets,
    say,
)
from bench.dialog_store import Mix, new_events
from events.model import NewEvent
from tinget.bootstrap import Addresses, open_platform

TARGET_SLOWEST = 20_000.0
TARGET_PEAK_MB = 500.0
_PER_TENANT = 10_000  # events the default Mix makes, roughly


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000, help="about (default 1000000)")
    parser.add_argument("--tenants", type=int, default=100, help="tenants (default 100)")
    parser.add_argument("--seed", type=int, default=7)


def _mix(events_per_tenant: int) -> Mix:
    scale = events_per_tenant / _PER_TENANT
    base = Mix()
    return Mix(**{k: max(1, int(v * scale)) for k, v in vars(base).items()})


async def _fill(addresses: Addresses, args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    mix = _mix(args.events // args.tenants)
    async with open_platform(addresses, with_nats=False) as platform:
        pending: list[NewEvent] = []
        began = time.perf_counter()
        for i in range(args.tenants):
            async for group in new_events(
                platform.repository, f"kommun-{i:03d}", mix, rng, platform.keys
            ):
                pending.extend(group)
                while len(pending) >= 20_000:
                    chunk, pending = pending[:20_000], pending[20_000:]
                    await platform.store.append(chunk)
        if pending:
            await platform.store.append(pending)
        count = await platform.reader.count()
        figure(
            "store filled",
            rate(count, time.perf_counter() - began),
            "events/s",
            f"{number(count)} events",
        )
        began = time.perf_counter()
        await platform.catch_up_projections(patience=600)
        figure("first build of every read model", time.perf_counter() - began, "s")
        total = await platform.reader.count()
        if total > count:
            say(f"the policies recorded {total - count} events while building")
    return total


async def _names(addresses: Addresses) -> list[str]:
    async with open_platform(addresses, with_nats=False) as platform:
        return [r.projection.name for r in platform.projections]


async def _rebuild(database_url: str, name: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.rebuild_one",
        database_url,
        name,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"rebuilding {name} failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with fresh_database() as database:
        with tempfile.TemporaryDirectory() as data:
            addresses = Addresses(
                database_url=database.owner_url,
                nats_url=None,
                data_dir=Path(data),
                signing_secret="bench-" + "s" * 40,
            )
            events = await _fill(addresses, args)
            results = []
            for name in await _names(addresses):
                result = await _rebuild(database.owner_url, name)
                result["events_per_s"] = rate(result["events"], result["seconds"])
                figure(
                    f"rebuild {name}",
                    result["events_per_s"],
                    "events/s",
                    f"{result['seconds']} s, peak {result['peak_rss_mb']} MB",
                )
                results.append(result)
    seconds = sum(r["seconds"] for r in results)
    total = rate(sum(r["events"] for r in results), seconds)
    figure("all read models, one after another", total, "events/s", f"{round(seconds, 1)} s")
    slowest = min(results, key=lambda r: r["events_per_s"])
    peak = max(r["peak_rss_mb"] for r in results)
    targets = [
        Target(
            f"slowest read model ({slowest['projection']})",
            slowest["events_per_s"],
            TARGET_SLOWEST,
            unit=" events/s",
        ),
        Target("peak memory of a rebuild", peak, TARGET_PEAK_MB, at_least=False, unit=" MB"),
    ]
    return {
        "events": events,
        "tenants": args.tenants,
        "projections": results,
        "total_events_per_s": total,
        **report_targets(targets),
    }
