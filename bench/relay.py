"""``python -m bench relay``: publishing a filled store to JetStream, every event acked.

The store is filled first with ``--events`` events (200,000) over ``--tenants`` tenants (100),
in streams of ``--per-stream`` versions, through ``EventStore.append`` with many events per
append. Then one ``Relay`` runs its ``run`` loop (reading ahead while it publishes) until
the head of the log; that is the timed part. The stream's message count is checked.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

from bench.common import (
    Target,
    figure,
    fresh_database,
    fresh_stream,
    rate,
    report_targets,
    sample_data,
    sample_metadata,
    say,
    wait_for_horizon,
)
from events.db import create_pool
from events.model import NewEvent
from events.relay import Relay
from events.store import EventStore, LogReader

TARGET_EVENTS_PER_S = 30_000.0

CONTEXTS = (
    ("dialogue", "ProposalSubmitted"),
    ("dialogue", "CommentAdded"),
    ("dialogue", "ProposalSupported"),
    ("surveys", "AnswerGiven"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events",
        type=int,
        default=200_000,
        help="events in the store before the relay starts (default 200000)",
    )
    parser.add_argument(
        "--tenants", type=int, default=100, help="tenants the events are spread over (default 100)"
    )
    parser.add_argument("--per-stream", type=int, default=10, help="events per stream (default 10)")
    parser.add_argument(
        "--append-size",
        type=int,
        default=1000,
        help="events per append while filling (default 1000)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=2000,
        help="the relay's batch size (default 2000, the Relay default)",
    )
    parser.add_argument(
        "--stall-timeout",
        type=float,
        default=60.0,
        help="give up when the relay makes no progress this long (default 60)",
    )


def generate(events: int, tenants: int, per_stream: int) -> Iterator[NewEvent]:
    """``events`` events: streams of ``per_stream`` versions, tenants taking turns."""
    width = max(3, len(str(tenants - 1)))
    stream_no = 0
    made = 0
    while made < events:
        tenant_id = f"bench-{stream_no % tenants:0{width}d}"
        stream_id = uuid.uuid4()
        for version in range(1, min(per_stream, events - made) + 1):
            context, event_type = CONTEXTS[(made + version) % len(CONTEXTS)]
            yield NewEvent(
                tenant_id=tenant_id,
                stream_id=stream_id,
                version=version,
                context=context,
                event_type=event_type,
                data=sample_data(made + version),
                metadata=sample_metadata(stream_no),
                event_id=uuid.uuid4(),
            )
        made += min(per_stream, events - made)
        stream_no += 1


async def fill(store: EventStore, args: argparse.Namespace) -> float:
    """Append the events in appends of ``--append-size``, several at once; return seconds."""
    start = time.perf_counter()
    chunk: list[NewEvent] = []
    pending: list[list[NewEvent]] = []
    for new in generate(args.events, args.tenants, args.per_stream):
        chunk.append(new)
        if len(chunk) >= args.append_size:
            pending.append(chunk)
            chunk = []
        if len(pending) >= 8:
            await asyncio.gather(*(store.append(c) for c in pending))
            pending = []
    if chunk:
        pending.append(chunk)
    if pending:
        await asyncio.gather(*(store.append(c) for c in pending))
    return time.perf_counter() - start


async def run(args: argparse.Namespace) -> dict[str, Any]:
    say(
        f"relay: {args.events:,} events over {args.tenants} tenants, relay batches of "
        f"{args.batch_size}"
    )
    async with fresh_database() as database, fresh_stream() as stream:
        app_pool = await create_pool(database.app_url, max_size=8)
        worker_pool = await create_pool(database.worker_url, max_size=4)
        try:
            store = EventStore(app_pool)
            fill_seconds = await fill(store, args)
            reader = LogReader(worker_pool)
            stored = await reader.count()
            head = await reader.head()
            await wait_for_horizon(reader, head, patience=args.stall_timeout)
            say(
                f"filled: {stored:,} events in {fill_seconds:.2f} s "
                f"({rate(stored, fill_seconds):,.0f} events/s, "
                f"{store.stats.batches} commits)"
            )

            relay = Relay(
                reader=reader,
                pool=worker_pool,
                js=stream.js,
                nc=stream.nc,
                stream=stream.name,
                prefix=stream.prefix,
                name=f"bench-{stream.prefix}",
                batch_size=args.batch_size,
            )
            stalled = 0.0
            stop = asyncio.Event()
            start = time.perf_counter()
            running = asyncio.create_task(relay.run(stop, idle=0.005))
            progress, seen = start, 0
            try:
                while relay.stats.published + relay.stats.duplicates < stored:
                    await asyncio.sleep(0.005)
                    now = time.perf_counter()
                    done = relay.stats.published + relay.stats.duplicates
                    if done != seen:
                        progress, seen = now, done
                    elif now - progress > args.stall_timeout:
                        # some transaction on the server is still open: the log horizon is
                        # the oldest running transaction, server-wide
                        raise RuntimeError(
                            f"the relay made no progress for {args.stall_timeout:g} s after "
                            f"{done} of {stored} events: is a long transaction open?"
                        )
            finally:
                stop.set()
                await running
            elapsed = time.perf_counter() - start
            saved = await relay.position()
        finally:
            await app_pool.close()
            await worker_pool.close()
        info = await stream.js.stream_info(stream.name)
        in_stream = int(info.state.messages)
        stream_bytes = int(info.state.bytes)

    stats = relay.stats
    say(f"relay: {stats.published:,} events published and acked in {elapsed:.2f} s")
    figure("events/s", rate(stats.published, elapsed))
    figure("relay batches", stats.batches)
    figure("duplicates (already in the stream)", stats.duplicates)
    figure("messages in the stream", in_stream)
    figure("average stored message bytes", stream_bytes / in_stream if in_stream else 0.0)
    if stalled:
        figure("waited below the log horizon", stalled, "s")
    if in_stream != stored or saved != head:
        say(
            f"  warning: {in_stream} messages in the stream, {stored} events in the store; "
            f"relay position {saved}, head {head}"
        )

    result: dict[str, Any] = {
        "events": stored,
        "tenants": args.tenants,
        "fill_seconds": round(fill_seconds, 3),
        "fill_events_per_s": rate(stored, fill_seconds),
        "relay": {
            "seconds": round(elapsed, 3),
            "events_per_s": rate(stats.published, elapsed),
            "published": stats.published,
            "duplicates": stats.duplicates,
            "batches": stats.batches,
            "batch_size": args.batch_size,
            "stalled_seconds": round(stalled, 3),
        },
        "stream_messages": in_stream,
        "stream_bytes": stream_bytes,
        "complete": in_stream == stored and saved == head,
    }
    result.update(
        report_targets(
            [Target("relay events/s", rate(stats.published, elapsed), TARGET_EVENTS_PER_S)]
        )
    )
    return result
