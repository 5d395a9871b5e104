"""``python -m bench projections``: rebuild every read model from a store of dialogue.

The store is filled with ``--events`` (1,000,000) events over ``--tenants`` (100) tenants made
by the real aggregates (``bench/dialog_store.py``: people, dialogs, posts, comments, supports,
signatures, ballots, edits, withdrawals, report statuses). Every read model is first built by
catching up (which also lets the policies record what they record, as a live deployment
would have); then each is rebuilt from PostgreSQL alone in a process of its own
(``bench/rebuild_one.py``), timed, with that process's peak memory.

The reference is the database's own pace at taking rows one statement each: the store's events
copied with asyncpg ``executemany`` (batches of ``--reference-batch`` rows from one connection)
into a scratch table of the events table's columns, primary key and log index, with no
row-level security. It is measured in the same run, before the rebuilds and after them, and
the faster of the two is the reference each read model's rebuild rate is divided by.
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

import asyncpg

from bench.common import (
    Target,
    figure,
    fresh_database,
    number,
    rate,
    ratio,
    report_targets,
    say,
)
from bench.dialog_store import Mix, new_events
from events.model import NewEvent
from tinget.bootstrap import Addresses, open_platform

TARGET_SLOWEST = 20_000.0
TARGET_SLOWEST_VS_REFERENCE = 0.5  # of the raw executemany rows/s of the same run
TARGET_PEAK_MB = 500.0
_PER_TENANT = 10_000  # events the default Mix makes, roughly


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=1_000_000, help="about (default 1000000)")
    parser.add_argument("--tenants", type=int, default=100, help="tenants (default 100)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="READ_MODEL",
        help="rebuild only these read models (default: every one)",
    )
    parser.add_argument(
        "--reference-batch",
        type=int,
        default=1000,
        help="rows per executemany of the reference (default 1000, as bench append)",
    )


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


_SCRATCH = """
DROP TABLE IF EXISTS reference_events;
CREATE TABLE reference_events (
    tenant_id   text        NOT NULL,
    stream_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    position    bigint      NOT NULL,
    event_id    uuid        NOT NULL,
    context     text        NOT NULL,
    event_type  text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, stream_id, version)
);
CREATE INDEX reference_events_log ON reference_events (position);
"""
_SCRATCH_INSERT = (
    "INSERT INTO reference_events (tenant_id, stream_id, version, position, event_id, context,"
    " event_type, data, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)


async def _reference(database_url: str, batch: int) -> dict[str, Any]:
    """Every stored event copied into a scratch table by ``executemany``, ``batch`` rows a
    call from one connection; only the ``executemany`` calls are timed."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(_SCRATCH)
        after, rows, seconds = 0, 0, 0.0
        while True:
            chunk = await conn.fetch(
                "SELECT tenant_id, stream_id, version, position, event_id, context, event_type,"
                " data::text, metadata::text, recorded_at FROM events WHERE position > $1"
                " ORDER BY position LIMIT $2",
                after,
                batch,
            )
            if not chunk:
                break
            after = chunk[-1]["position"]
            records = [tuple(r) for r in chunk]
            began = time.perf_counter()
            await conn.executemany(_SCRATCH_INSERT, records)
            seconds += time.perf_counter() - began
            rows += len(records)
        await conn.execute("DROP TABLE reference_events")
    finally:
        await conn.close()
    result = {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": rate(rows, seconds)}
    figure(
        "raw asyncpg executemany (reference)",
        result["rows_per_s"],
        "rows/s",
        f"{number(rows)} rows in batches of {batch}, {result['seconds']} s",
    )
    return result


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
            names = await _names(addresses)
            unknown = sorted(set(args.only or ()) - set(names))
            if unknown:
                raise SystemExit(f"no read model named {', '.join(unknown)}; there are {names}")
            before = await _reference(database.owner_url, args.reference_batch)
            results = []
            for name in names:
                if args.only and name not in args.only:
                    continue
                result = await _rebuild(database.owner_url, name)
                result["events_per_s"] = rate(result["events"], result["seconds"])
                figure(
                    f"rebuild {name}",
                    result["events_per_s"],
                    "events/s",
                    f"{result['seconds']} s, peak {result['peak_rss_mb']} MB",
                )
                results.append(result)
            after = await _reference(database.owner_url, args.reference_batch)
    reference = max(before["rows_per_s"], after["rows_per_s"])
    say(f"each read model's rebuild against the reference ({number(reference)} rows/s):")
    for result in results:
        result["vs_reference"] = ratio(result["events_per_s"], reference)
        figure(result["projection"], result["vs_reference"], "x")
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
        Target(
            f"slowest read model ({slowest['projection']}) / raw executemany",
            slowest["vs_reference"],
            TARGET_SLOWEST_VS_REFERENCE,
            unit="x",
        ),
        Target("peak memory of a rebuild", peak, TARGET_PEAK_MB, at_least=False, unit=" MB"),
    ]
    return {
        "events": events,
        "tenants": args.tenants,
        "reference": {"before": before, "after": after, "rows_per_s": reference},
        "projections": results,
        "total_events_per_s": total,
        "ratios": {
            "slowest_vs_raw_executemany": slowest["vs_reference"],
            "all_vs_raw_executemany": ratio(total, reference),
        },
        **report_targets(targets),
    }
