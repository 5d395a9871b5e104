"""The event store on asyncpg: append with an expected version, read streams and the global log.

Concurrent appends are grouped: while a commit is in flight, new appends wait in a queue and
the next commit takes them in one statement (``tinget_append``), one transaction and
one round trip, whatever the number of tenants in it. Two commits may be in flight, each
taking a share of what waits (at least ``min_share`` events), so the database works on one
batch while Python prepares the next (measured by ``python -m bench append``).

The queue is bounded: with ``max_queued`` appends waiting (the database is slower than the
callers), a new append is refused at once with ``AppendQueueFull`` instead of waiting behind
them; it was never queued, so nothing of it is written.

Each append keeps its own outcome: one whose version already exists fails with
``ConcurrencyConflict`` and leaves nothing behind, while the others in its batch commit.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import structlog

from events import metrics
from events.model import (
    AppendQueueFull,
    AppendTooLarge,
    ConcurrencyConflict,
    NewEvent,
    RecordedEvent,
)
from events.positions import note_written

log = structlog.get_logger(__name__)

MAX_APPEND = 65_535
MAX_QUEUED = 10_000  # appends that may wait for a commit; TINGET_APPEND_QUEUE_LIMIT
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)

_READ_COLUMNS = (
    "position, tenant_id, stream_id, version, event_id, context, event_type,"
    " convert_to(data::text, 'UTF8') AS data, convert_to(metadata::text, 'UTF8') AS metadata,"
    " recorded_at"
)


@dataclass
class _Pending:
    events: Sequence[NewEvent]
    future: asyncio.Future[list[int]]


@dataclass
class AppendStats:
    """Counters for the append path, read by metrics and the bench."""

    batches: int = 0
    events: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    def record(self, size: int) -> None:
        self.batches += 1
        self.events += size
        self.largest_batch = max(self.largest_batch, size)
        if len(self.batch_sizes) < 100_000:
            self.batch_sizes.append(size)


def _record(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        tenant_id=row["tenant_id"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=row["event_id"],
        context=row["context"],
        event_type=row["event_type"],
        data=row["data"],
        metadata=row["metadata"],
        recorded_at=row["recorded_at"],
    )


async def events_at(conn: asyncpg.Connection, positions: Sequence[int]) -> list[RecordedEvent]:
    """The stored events at ``positions`` (those that exist), in position order: one query on
    the log index, on a connection that may read them (the worker role reads every tenant's)."""
    rows = await conn.fetch(
        f"SELECT {_READ_COLUMNS} FROM events WHERE position = ANY($1::bigint[]) ORDER BY position",
        list(positions),
    )
    return [_record(row) for row in rows]


class EventStore:
    """Appends and reads events in PostgreSQL, the source of truth."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        max_in_flight: int = 2,
        max_batch: int = 4096,
        min_share: int = 16,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._min_share = min_share
        self._max_queued = max_queued
        self._pool = pool
        self._max_in_flight = max_in_flight
        self._max_batch = max_batch
        self._pending: deque[_Pending] = deque()
        self._in_flight = 0
        self._committing = 0
        self.stats = AppendStats()

    async def append(self, events: Sequence[NewEvent]) -> list[int]:
        """Append events atomically; return their global positions.

        Raises ``ConcurrencyConflict`` if any (stream, version) exists already: then none of
        these events is written. Raises ``AppendQueueFull`` at once, writing nothing, when
        ``max_queued`` appends wait already. Returns after the commit.
        """
        if not events:
            return []
        if len(events) > MAX_APPEND:
            raise AppendTooLarge(f"{len(events)} events in one append; at most {MAX_APPEND}")
        if len(self._pending) >= self._max_queued:
            metrics.APPEND_REFUSED.inc()
            raise AppendQueueFull(
                f"{len(self._pending)} appends wait for the database already; try again shortly"
            )
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(events, future))
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            asyncio.get_running_loop().create_task(self._commit_loop())
        positions = await future
        note_written(max(positions))
        return positions

    @property
    def backlog(self) -> int:
        """Batches being committed and appends queued behind them: what waits on the database."""
        return self._committing + len(self._pending)

    async def _commit_loop(self) -> None:
        try:
            while self._pending:
                batch = self._take_batch()
                self._committing += 1
                try:
                    await self._commit(batch)
                finally:
                    self._committing -= 1
        finally:
            self._in_flight -= 1

    def _take_batch(self) -> list[_Pending]:
        """A share of what waits: idle loops split it, so one commit overlaps the next."""
        idle = max(1, self._in_flight - self._committing)
        share = max(self._min_share, -(-len(self._pending) // idle))
        share = min(self._max_batch, share)
        batch: list[_Pending] = []
        size = 0
        while self._pending:
            nxt = len(self._pending[0].events)
            if batch and size + nxt > share:
                break
            batch.append(self._pending.popleft())
            size += nxt
        return batch

    async def _commit(self, batch: list[_Pending]) -> None:
        # One lock order for every batch (tenant, stream, version), so two batches that touch
        # the same streams wait for each other instead of deadlocking.
        rows = sorted(
            ((e, number) for number, pending in enumerate(batch) for e in pending.events),
            key=lambda r: (r[0].tenant_id, r[0].stream_id.bytes, r[0].version, r[1]),
        )
        tenants = [e.tenant_id for e, _ in rows]
        args = (
            [number for _, number in rows],
            tenants,
            [e.stream_id for e, _ in rows],
            [e.version for e, _ in rows],
            [e.event_id for e, _ in rows],
            [e.context for e, _ in rows],
            [e.event_type for e, _ in rows],
            [e.data for e, _ in rows],
            [e.metadata for e, _ in rows],
        )
        began = time.perf_counter()
        for attempt in range(5):
            try:
                async with self._pool.acquire() as conn:
                    result = await conn.fetchrow(
                        "SELECT base, failed FROM"
                        " tinget_append($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        *args,
                    )
                break
            except _RETRYABLE:
                await asyncio.sleep(0.001 * (attempt + 1))
            except Exception as error:  # the whole batch failed: every caller hears why
                metrics.APPEND_FAILURES.inc()
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(error)
                return
        else:
            metrics.APPEND_FAILURES.inc()
            gave_up = asyncpg.DeadlockDetectedError("append kept deadlocking; gave up")
            for pending in batch:
                pending.future.set_exception(gave_up)
            return
        assert result is not None
        self.stats.record(len(rows))
        base: int = result["base"]
        failed = frozenset(result["failed"] or ())
        metrics.APPEND_SECONDS.observe(time.perf_counter() - began)
        metrics.APPEND_BATCH_EVENTS.observe(len(rows))
        appended = Counter(tenants)  # by tenant: counted in C, about 30 ns an event
        for n in failed:
            appended.subtract(e.tenant_id for e in batch[n].events)
        for tenant, count in appended.items():
            if count:
                metrics.APPENDED_EVENTS.labels(tenant).inc(count)
        if failed:
            metrics.APPEND_CONFLICTS.inc(len(failed))
        positions: list[list[int]] = [[] for _ in batch]
        for ordinal, (_, number) in enumerate(rows, start=1):
            positions[number].append(base + ordinal)
        for number, pending in enumerate(batch):
            if pending.future.done():
                continue
            if number in failed:
                first = pending.events[0]
                pending.future.set_exception(
                    ConcurrencyConflict(first.tenant_id, first.stream_id, first.version)
                )
            else:
                pending.future.set_result(positions[number])

    async def read_stream(
        self, tenant_id: str, stream_id: UUID, after_version: int = 0
    ) -> list[RecordedEvent]:
        """One aggregate's events in version order, read under the tenant's row-level security."""
        async with self._pool.acquire() as conn:  # one statement, one round trip
            rows = await conn.fetch(
                "SELECT * FROM tinget_read_stream($1, $2, $3)", tenant_id, stream_id, after_version
            )
        return [_record(row) for row in rows]

    async def present(self, tenant_id: str, stream_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these streams have at least one event (one indexed query for many)."""
        if not stream_ids:
            return set()
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
            rows = await conn.fetch(
                "SELECT stream_id FROM events WHERE tenant_id = $1"
                " AND stream_id = ANY($2::uuid[]) AND version = 1",
                tenant_id,
                list(stream_ids),
            )
        return {row["stream_id"] for row in rows}


class LogReader:
    """Reads the global log in position order, never past a position that could still fill.

    Uses a pool of the worker role, which reads every tenant's events.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def read(self, after: int, limit: int = 1000) -> list[RecordedEvent]:
        """Committed events after ``after``, up to the horizon of running transactions.

        The first ``limit`` events after ``after`` are taken by the log index and those at or
        past the horizon dropped (a cut of an ordered list, so the same events). With the
        horizon inside the scan's condition the planner cannot tell how many rows it bounds,
        and sorted every remaining row of the log for each batch instead."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT * FROM (SELECT {_READ_COLUMNS} FROM events WHERE position > $1"
                " ORDER BY position LIMIT $2) AS e WHERE position < tinget_log_horizon()"
                " ORDER BY position",
                after,
                limit,
            )
        return [_record(row) for row in rows]

    async def identities_at(
        self, positions: Sequence[int]
    ) -> dict[int, tuple[str, UUID, int, UUID, str, str]]:
        """Who the stored events at ``positions`` are, without their payloads: position to
        (tenant, stream, version, event id, context, type). One query, however many."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT position, tenant_id, stream_id, version, event_id, context, event_type"
                " FROM events WHERE position = ANY($1::bigint[])",
                positions,
            )
        return {r["position"]: tuple(r.values())[1:] for r in rows}

    async def held_behind_horizon(self) -> tuple[int, float]:
        """Committed events no reader may read yet, because a transaction that began before
        they were written still runs (``tinget_log_horizon``), and the age in seconds of the
        oldest of them: (0, 0.0) when nothing is held. A few milliseconds' worth is normal
        under load; minutes mean a long transaction anywhere on the server holds every reader
        of the log (the relay, the projections) back."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, coalesce(extract(epoch FROM clock_timestamp()"
                " - min(recorded_at)), 0)::float8 AS seconds"
                " FROM events WHERE position >= tinget_log_horizon()"
            )
        assert row is not None
        return int(row["n"]), max(float(row["seconds"]), 0.0)

    async def head(self) -> int:
        """The highest position committed so far (0 for an empty log)."""
        async with self._pool.acquire() as conn:
            value = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        return int(value)

    async def count_after(self, position: int) -> int:
        """How many committed events lie beyond ``position`` (a read model's lag)."""
        async with self._pool.acquire() as conn:
            return int(
                await conn.fetchval("SELECT count(*) FROM events WHERE position > $1", position)
            )

    async def count(self) -> int:
        async with self._pool.acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM events"))
