"""A projection worker through database errors and lost leadership: nothing is skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from events.leadership import leadership, lock_key
from events.model import RecordedEvent
from events.projection import Projection
from projections.runtime import LiveConsumer, ProjectionRunner, consumer_lag
from tests.test_projections import onboard, relay_all, snapshot
from tinget.bootstrap import Platform
from tinget.runner import supervised


@dataclass
class FailingFirst:
    """The tenant directory, whose first batches fail on a real database error."""

    inner: Projection
    failures: int
    failed: asyncio.Event = field(default_factory=asyncio.Event)
    name: str = ""
    event_types: frozenset[str] = frozenset()
    tables: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.name = self.inner.name
        self.event_types = self.inner.event_types
        self.tables = self.inner.tables

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        if self.failures > 0:
            self.failures -= 1
            self.failed.set()
            await conn.execute("SELECT 1 / 0")
        await self.inner.apply(conn, events)


async def test_a_batch_that_failed_is_not_overtaken_by_a_newer_one(platform: Platform) -> None:
    assert platform.js is not None
    js = platform.js
    first = await onboard(platform, 3)
    await relay_all(platform)
    failing = FailingFirst(platform.projections[0].projection, failures=1)
    runner = ProjectionRunner(platform.worker_pool, failing)
    consumer = LiveConsumer([runner], durable="faulty")
    stop = asyncio.Event()
    worker = asyncio.create_task(
        supervised("projections", stop, lambda: platform.consume(consumer, stop))
    )
    try:
        async with asyncio.timeout(10):
            await failing.failed.wait()
        # newer events arrive while the failed batch waits to be applied again
        second = await onboard(platform, 3)
        await relay_all(platform)
        async with asyncio.timeout(30):
            while failing.failures or await consumer_lag(
                js, platform.addresses.stream_name, "faulty"
            ):
                await asyncio.sleep(0.05)
            while len((await snapshot(platform))["directory"]) < 6:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await worker
    live = await snapshot(platform)
    await runner.rebuild(platform.reader)

    assert sorted(r["tenant_id"] for r in live["directory"]) == sorted(first + second)
    assert live == await snapshot(platform)


async def test_a_leader_whose_connection_is_lost_ends_its_term(platform: Platform) -> None:
    stop = asyncio.Event()
    key = lock_key("test:lost")
    async with leadership(platform.worker_pool, "test:lost", stop, check=0.1) as term:
        assert term is not None
        async with platform.worker_pool.acquire() as other:
            assert await other.fetchval("SELECT pg_try_advisory_lock($1)", key) is False
            killed = await other.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = $1::bigint::oid AND granted",
                key,
            )
        assert killed == 1
        async with asyncio.timeout(5):
            await term.wait()
    assert not stop.is_set()
    async with leadership(platform.worker_pool, "test:lost", stop) as again:
        assert again is not None
        assert not again.is_set()


async def test_a_read_model_opens_no_transaction_for_batches_without_its_events(
    platform: Platform,
) -> None:
    """The tally takes no tenant events: while they stream in batches it is left alone, and
    once the stream is drained it records that the store is done up to the head."""
    slugs = await onboard(platform, 4)
    await relay_all(platform)
    by_name = {r.projection.name: r.projection for r in platform.projections}
    directory = ProjectionRunner(platform.worker_pool, by_name["tenant_directory"])
    tallies = ProjectionRunner(platform.worker_pool, by_name["poll_tallies"])
    # many small batches, and no cursor recorded for the interval's sake
    consumer = LiveConsumer([directory, tallies], durable="skipping", batch=3, cursor_interval=3600)
    stop = asyncio.Event()
    worker = asyncio.create_task(platform.consume(consumer, stop, from_store=False))
    head = await platform.reader.head()
    try:
        async with asyncio.timeout(30):
            while await tallies.store_cursor() < head or await directory.store_cursor() < head:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await worker

    assert sorted(r["tenant_id"] for r in (await snapshot(platform))["directory"]) == sorted(slugs)
    assert directory.stats.batches >= 5
    # the first batch (it had never recorded a cursor) and the record when the stream ran dry
    assert 1 <= tallies.stats.batches <= 2
