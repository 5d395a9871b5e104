"""``python -m bench append``: single-event appends from many concurrent callers.

Phases, each timed on its own:

1. Tinget's ``EventStore.append`` from ``--tasks`` asyncio tasks (64), all in one tenant;
2. the same, the tasks spread over ``--tenants`` tenants (100; tenant = task index % tenants);
3. the reference: eventsourcing 9.5's own PostgreSQL persistence (``eventsourcing.postgres``,
   an ``Application`` with its default ``PostgresApplicationRecorder``), driven by as many
   threads, each saving one event per save to its own aggregate, in a database of its own;
4. the floor: raw asyncpg ``executemany`` of equivalent rows into a plain table (same columns,
   primary key and log index as ``events``; no row-level security), batches from one connection.

Every task appends to a stream of its own with increasing versions, one event per call; each
call is timed with ``time.perf_counter``. The events table is emptied before each Tinget phase.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.common import (
    BenchDatabase,
    ServerAddress,
    Target,
    figure,
    fresh_database,
    latency_summary,
    number,
    rate,
    ratio,
    report_targets,
    sample_data,
    sample_metadata,
    say,
    server_url,
)
from events.db import create_pool
from events.model import NewEvent
from events.store import EventStore

CONTEXT = "dialogue"
EVENT_TYPE = "ProposalSubmitted"

TARGET_EVENTS_PER_S = 30_000.0
TARGET_VS_EVENTSOURCING = 10.0
TARGET_P99_MS = 20.0
TARGET_MANY_VS_ONE = 0.9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each Tinget phase (default 10)"
    )
    parser.add_argument(
        "--tasks",
        type=int,
        default=64,
        help="concurrent appending tasks, and reference threads (default 64)",
    )
    parser.add_argument(
        "--tenants", type=int, default=100, help="tenants of the many-tenant phase (default 100)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="untimed appends before each Tinget phase, seconds (default 1)",
    )
    parser.add_argument(
        "--pool-size", type=int, default=8, help="connections of the tinget_app pool (default 8)"
    )
    parser.add_argument(
        "--ref-seconds",
        type=float,
        default=5.0,
        help="length of the eventsourcing reference (default 5)",
    )
    parser.add_argument(
        "--ref-pool-size",
        type=int,
        default=16,
        help="connections of eventsourcing's pool (default 16)",
    )
    parser.add_argument(
        "--raw-seconds",
        type=float,
        default=None,
        help="length of the raw executemany floor (default: --seconds, >= 3)",
    )
    parser.add_argument(
        "--raw-batch", type=int, default=1000, help="rows per executemany (default 1000)"
    )
    parser.add_argument(
        "--skip-reference", action="store_true", help="leave out the eventsourcing reference"
    )
    parser.add_argument(
        "--skip-raw", action="store_true", help="leave out the raw executemany floor"
    )


# --- Tinget's store ------------------------------------------------------------------------


@dataclass
class PhaseResult:
    label: str
    tenants: int | None  # None: no tenants (the eventsourcing reference)
    tasks: int
    seconds: float
    latencies: list[float]
    errors: int
    first_error: str | None
    batches: int = 0
    batched_events: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    @property
    def events(self) -> int:
        return len(self.latencies)

    @property
    def events_per_s(self) -> float:
        return rate(self.events, self.seconds)

    @property
    def p99_ms(self) -> float:
        return latency_summary(self.latencies)["p99_ms"]

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.batch_sizes)
        out: dict[str, Any] = {
            "tenants": self.tenants,
            "tasks": self.tasks,
            "seconds": round(self.seconds, 3),
            "events": self.events,
            "errors": self.errors,
            "events_per_s": self.events_per_s,
            **latency_summary(self.latencies),
        }
        if self.batches:
            out.update(
                batches=self.batches,
                avg_batch=round(self.batched_events / self.batches, 2),
                median_batch=ordered[len(ordered) // 2] if ordered else None,
                largest_batch=self.largest_batch,
            )
        if self.first_error:
            out["first_error"] = self.first_error
        return out

    def show(self) -> None:
        summary = latency_summary(self.latencies)
        who = f"{self.tasks} threads" if self.tenants is None else f"{self.tasks} tasks"
        where = "" if self.tenants is None else f", {self.tenants} tenant(s)"
        say(f"{self.label}: {who}{where}, {self.seconds:.2f} s")
        figure("events/s", self.events_per_s)
        figure("events appended", self.events)
        for key in ("p50_ms", "p99_ms", "p999_ms", "max_ms"):
            figure(f"latency {key.removesuffix('_ms')}", summary[key], "ms")
        if self.batches:
            figure("average batch (events per commit)", self.batched_events / self.batches)
            figure("largest batch", self.largest_batch)
            figure("commits", self.batches)
        if self.errors:
            figure("failed appends", self.errors, note=self.first_error or "")


async def drive_store(
    store: EventStore, *, tasks: int, tenants: int, seconds: float, tenant_prefix: str
) -> tuple[list[float], float, int, str | None]:
    """Append one event per call from ``tasks`` tasks until ``seconds`` have passed.

    Returns the latency of every successful call, the elapsed time, the failures and the first.
    """
    errors = 0
    first_error: str | None = None
    width = max(3, len(str(tenants - 1)))
    start = time.perf_counter()
    deadline = start + seconds

    async def worker(index: int) -> list[float]:
        nonlocal errors, first_error
        tenant_id = f"{tenant_prefix}-{index % tenants:0{width}d}"
        stream_id = uuid.uuid4()
        version = 0
        latencies: list[float] = []
        while time.perf_counter() < deadline:
            version += 1
            new = NewEvent(
                tenant_id=tenant_id,
                stream_id=stream_id,
                version=version,
                context=CONTEXT,
                event_type=EVENT_TYPE,
                data=sample_data(index * 1_000_000 + version),
                metadata=sample_metadata(index),
                event_id=uuid.uuid4(),
            )
            began = time.perf_counter()
            try:
                await store.append([new])
            except Exception as error:  # counted and shown; the run goes on
                errors += 1
                first_error = first_error or repr(error)
                continue
            latencies.append(time.perf_counter() - began)
        return latencies

    per_task = await asyncio.gather(*(worker(i) for i in range(tasks)))
    elapsed = time.perf_counter() - start
    return [x for lat in per_task for x in lat], elapsed, errors, first_error


async def store_phase(
    database: BenchDatabase,
    owner: asyncpg.Connection,
    *,
    label: str,
    tenants: int,
    args: argparse.Namespace,
) -> PhaseResult:
    await owner.execute("TRUNCATE events")
    pool = await create_pool(database.app_url, min_size=args.pool_size, max_size=args.pool_size)
    try:
        store = EventStore(pool)
        if args.warmup > 0:
            await drive_store(
                store,
                tasks=args.tasks,
                tenants=tenants,
                seconds=args.warmup,
                tenant_prefix="warmup",
            )
        before_batches, before_events = store.stats.batches, store.stats.events
        before_sizes = len(store.stats.batch_sizes)
        latencies, elapsed, errors, first_error = await drive_store(
            store, tasks=args.tasks, tenants=tenants, seconds=args.seconds, tenant_prefix="bench"
        )
        sizes = store.stats.batch_sizes[before_sizes:]
        result = PhaseResult(
            label=label,
            tenants=tenants,
            tasks=args.tasks,
            seconds=elapsed,
            latencies=latencies,
            errors=errors,
            first_error=first_error,
            batches=store.stats.batches - before_batches,
            batched_events=store.stats.events - before_events,
            largest_batch=max(sizes, default=0),
            batch_sizes=sizes,
        )
    finally:
        await pool.close()
    stored = await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id LIKE 'bench-%'")
    if stored != result.events:
        say(f"  warning: {stored} events stored, {result.events} appends succeeded")
    result.show()
    return result


# --- the eventsourcing reference -----------------------------------------------------------


class BenchProposal(Aggregate):
    """A citizen proposal stream: one aggregate per thread, one event per save."""

    @event("Opened")
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.submissions = 0

    @event("Submitted")
    def submit(self, title: str, category: str, district: str, seq: int, actor: str) -> None:
        self.submissions += 1


class BenchApplication(Application[uuid.UUID]):
    """Stores in table ``benchapplication_events`` of its own database."""

    name = "BenchApplication"


def eventsourcing_env(dbname: str, address: ServerAddress, pool_size: int) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": address.host,
        "POSTGRES_PORT": str(address.port),
        "POSTGRES_USER": address.user,
        "POSTGRES_PASSWORD": address.password,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "30",
    }


_TITLES = (
    "Fler cykelställ vid stationen",
    "Belysning längs gångvägen till skolan",
    "Öppna biblioteket på söndagar",
    "Ny lekplats i Norra parken",
)
_CATEGORIES = ("traffic", "schools", "culture", "parks")


def drive_eventsourcing(
    app: BenchApplication, *, threads: int, seconds: float
) -> tuple[list[float], float, int, str | None]:
    """Save one event per call from ``threads`` threads, each to its own aggregate."""
    lock = threading.Lock()
    errors = 0
    first_error: list[str] = []
    start = time.perf_counter()
    deadline = start + seconds

    def worker(index: int) -> list[float]:
        nonlocal errors
        latencies: list[float] = []
        proposal = BenchProposal(tenant=f"bench-{index % 100:03d}")
        seq = 0
        while True:
            began = time.perf_counter()
            try:
                app.save(proposal)
            except Exception as error:  # counted and shown; this thread stops
                with lock:
                    errors += 1
                    if not first_error:
                        first_error.append(repr(error))
                return latencies
            latencies.append(time.perf_counter() - began)
            if time.perf_counter() >= deadline:
                return latencies
            seq += 1
            proposal.submit(
                title=_TITLES[seq % len(_TITLES)],
                category=_CATEGORIES[seq % len(_CATEGORIES)],
                district="centrum",
                seq=index * 1_000_000 + seq,
                actor=f"citizen-{index:05d}",
            )

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="es-bench") as pool:
        per_thread = list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - start
    return (
        [x for lat in per_thread for x in lat],
        elapsed,
        errors,
        first_error[0] if first_error else None,
    )


async def eventsourcing_phase(args: argparse.Namespace) -> PhaseResult:
    address = ServerAddress.from_url(server_url())
    async with fresh_database(migrated=False, suffix="_es") as database:
        env = eventsourcing_env(database.name, address, args.ref_pool_size)

        def run() -> tuple[list[float], float, int, str | None]:
            app = BenchApplication(env=env)
            try:
                # a short untimed warm-up: opens the pool and prepares statements
                drive_eventsourcing(app, threads=min(args.tasks, 8), seconds=0.3)
                return drive_eventsourcing(app, threads=args.tasks, seconds=args.ref_seconds)
            finally:
                app.close()

        latencies, elapsed, errors, first_error = await asyncio.to_thread(run)
    result = PhaseResult(
        label="eventsourcing.postgres (reference)",
        tenants=None,
        tasks=args.tasks,
        seconds=elapsed,
        latencies=latencies,
        errors=errors,
        first_error=first_error,
    )
    result.show()
    return result


# --- the raw floor -------------------------------------------------------------------------

_RAW_TABLE = """
CREATE TABLE raw_events (
    tenant_id   text        NOT NULL,
    stream_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    position    bigint      NOT NULL,
    event_id    uuid        NOT NULL,
    context     text        NOT NULL,
    event_type  text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, stream_id, version)
);
CREATE INDEX raw_events_log ON raw_events (position);
"""

_RAW_INSERT = (
    "INSERT INTO raw_events (tenant_id, stream_id, version, position, event_id, context,"
    " event_type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
)


async def raw_phase(owner: asyncpg.Connection, args: argparse.Namespace) -> dict[str, Any]:
    seconds = args.raw_seconds if args.raw_seconds is not None else max(args.seconds, 3.0)
    await owner.execute(_RAW_TABLE)
    streams = [(f"bench-{i % args.tenants:03d}", uuid.uuid4()) for i in range(args.tasks)]
    versions = [0] * len(streams)
    position = 0
    rows_written = 0
    batches = 0
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        rows: list[tuple[Any, ...]] = []
        for _ in range(args.raw_batch):
            position += 1
            slot = position % len(streams)
            versions[slot] += 1
            tenant_id, stream_id = streams[slot]
            rows.append(
                (
                    tenant_id,
                    stream_id,
                    versions[slot],
                    position,
                    uuid.uuid4(),
                    CONTEXT,
                    EVENT_TYPE,
                    sample_data(position).decode(),
                    sample_metadata(slot).decode(),
                )
            )
        began = time.perf_counter()
        await owner.executemany(_RAW_INSERT, rows)
        latencies.append(time.perf_counter() - began)
        rows_written += len(rows)
        batches += 1
    elapsed = time.perf_counter() - start
    stored = int(await owner.fetchval("SELECT count(*) FROM raw_events"))
    result = {
        "seconds": round(elapsed, 3),
        "rows": stored,
        "batch_rows": args.raw_batch,
        "batches": batches,
        "rows_per_s": rate(rows_written, elapsed),
        "batch_p50_ms": latency_summary(latencies)["p50_ms"],
        "batch_p99_ms": latency_summary(latencies)["p99_ms"],
    }
    say(
        f"raw asyncpg executemany (floor): batches of {args.raw_batch} rows, one connection, "
        f"{elapsed:.2f} s"
    )
    figure("rows/s", result["rows_per_s"])
    figure("batch latency p50", result["batch_p50_ms"], "ms")
    return result


# --- the bench -----------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    say(f"append: {args.tasks} tasks, single-event appends, {args.seconds:g} s per phase")
    result: dict[str, Any] = {}
    async with fresh_database() as database:
        owner = await asyncpg.connect(database.owner_url)
        try:
            one = await store_phase(
                database, owner, label="Tinget, one tenant", tenants=1, args=args
            )
            many = await store_phase(
                database,
                owner,
                label=f"Tinget, {args.tenants} tenants",
                tenants=args.tenants,
                args=args,
            )
            raw = None if args.skip_raw else await raw_phase(owner, args)
        finally:
            await owner.close()
    reference = None if args.skip_reference else await eventsourcing_phase(args)

    result["one_tenant"] = one.as_dict()
    result["many_tenants"] = many.as_dict()
    if reference is not None:
        result["eventsourcing"] = reference.as_dict()
    if raw is not None:
        result["raw_executemany"] = raw
    ratios = {
        "one_tenant_vs_eventsourcing": (
            ratio(one.events_per_s, reference.events_per_s) if reference else math.nan
        ),
        "many_tenants_vs_one_tenant": ratio(many.events_per_s, one.events_per_s),
        "one_tenant_vs_raw": ratio(one.events_per_s, raw["rows_per_s"]) if raw else math.nan,
    }
    result["ratios"] = ratios
    say("ratios:")
    say(
        f"  Tinget one tenant / eventsourcing      {number(ratios['one_tenant_vs_eventsourcing'])}x"
    )
    say(
        f"  Tinget {args.tenants} tenants / one tenant        "
        f"{number(ratios['many_tenants_vs_one_tenant'])}x"
    )
    say(f"  Tinget one tenant / raw executemany    {number(ratios['one_tenant_vs_raw'])}x")

    targets = [
        Target("one tenant events/s", one.events_per_s, TARGET_EVENTS_PER_S),
        Target(f"{args.tenants} tenants events/s", many.events_per_s, TARGET_EVENTS_PER_S),
        Target(
            "one tenant / eventsourcing",
            ratios["one_tenant_vs_eventsourcing"],
            TARGET_VS_EVENTSOURCING,
            unit="x",
        ),
        Target("one tenant p99", one.p99_ms, TARGET_P99_MS, at_least=False, unit=" ms"),
        Target(
            f"{args.tenants} tenants p99", many.p99_ms, TARGET_P99_MS, at_least=False, unit=" ms"
        ),
        Target(
            f"{args.tenants} tenants / one tenant",
            ratios["many_tenants_vs_one_tenant"],
            TARGET_MANY_VS_ONE,
            unit="x",
        ),
    ]
    result.update(report_targets(targets))
    return result
