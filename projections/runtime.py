"""The projection runtime, written once: consume, apply in batches, track positions, rebuild.

A projection turns events into a read model. The runtime feeds it batches from either source:
JetStream (a durable pull consumer, the live path) or the store (catch-up and rebuild, which
need no NATS at all). Each batch is applied in one transaction together with the positions it
reached, per tenant; an event at or below its tenant's position is skipped, so a redelivered or
replayed event changes nothing. A rebuild holds the projection's lock for its whole run, so the
live path waits instead of writing into a half-built read model.

A read model may write a rebuild its own way (``Rebuilding``): into its emptied tables, with
bulk statements such as COPY, producing the rows its ``apply`` would. The runtime's part stays
the same: one transaction per batch with its positions, and what was applied is skipped. Such
a writer reads none of its tables by their plain indexes (those that are neither a primary key
nor unique), so the rebuild drops them with the rows and builds each once the rows are in,
before the read model's lock is released: keeping them up to date row by row cost more. While
it runs, a reader sees what it sees today (the rows written so far), read without them.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import asyncpg
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace

from events import envelope, metrics, tracing
from events.catalogue import Catalogue
from events.model import RecordedEvent
from events.projection import Apply, Projection, Rebuilding
from events.puller import Puller
from events.store import LogReader
from events.subjects import event_subject

log = structlog.get_logger(__name__)

_REDELIVERABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
# While a rebuild runs, the garbage collector's young generation is collected after this many
# allocations at least (see ``_fewer_collections``).
REBUILD_YOUNG_THRESHOLD = 200_000
INDEX_BUILDERS = 2  # connections building a rebuilt read model's plain indexes side by side
PROJECTIONS_CONSUMER = "projections"  # the durable consumer feeding a worker's read models
STORE_CURSOR = "*"  # the projection_positions row that holds the cursor over the whole store


class BatchNotApplied(RuntimeError):
    """A read model could not apply a fetched batch (the database is away): consuming stops,
    and starts again from the store."""


@dataclass
class ProjectionStats:
    applied: int = 0
    skipped: int = 0
    batches: int = 0


@dataclass
class ProjectionRunner:
    pool: asyncpg.Pool
    projection: Projection
    stats: ProjectionStats = field(default_factory=ProjectionStats)

    @property
    def _lock_key(self) -> int:
        return zlib.crc32(f"tinget-projection:{self.projection.name}".encode())

    async def apply_batch(
        self,
        events: Sequence[RecordedEvent],
        *,
        conn: asyncpg.Connection | None = None,
        store_cursor: int | None = None,
        apply: Apply | None = None,
    ) -> int:
        """Apply the events not applied yet, in one transaction; return how many were new.
        ``apply`` writes them instead of the projection's own ``apply`` (a rebuild's writer,
        which decoded them when it prepared them).

        A projection that decodes events (it has a ``codec``) gets the data keys their sealed
        personal fields need loaded first, outside the transaction."""
        began = time.perf_counter()
        try:
            codec = getattr(self.projection, "codec", None)
            if codec is not None and events and apply is None:
                await codec.prepare(events)
            write = apply or self.projection.apply
            if conn is None:
                async with self.pool.acquire() as own:
                    return await self._apply(own, events, store_cursor, write)
            return await self._apply(conn, events, store_cursor, write)
        except Exception:
            metrics.PROJECTION_FAILURES.labels(self.projection.name).inc()
            raise
        finally:
            metrics.PROJECTION_BATCH_SECONDS.labels(self.projection.name).observe(
                time.perf_counter() - began
            )

    async def _apply(
        self,
        conn: asyncpg.Connection,
        events: Sequence[RecordedEvent],
        store_cursor: int | None,
        write: Apply,
    ) -> int:
        name = self.projection.name
        tenants = sorted({e.tenant_id for e in events})
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", self._lock_key)
            await conn.execute(
                "INSERT INTO projection_positions (projection, tenant_id)"
                " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                name,
                tenants,
            )
            rows = await conn.fetch(
                "SELECT tenant_id, position FROM projection_positions"
                " WHERE projection = $1 AND tenant_id = ANY($2::text[])"
                " ORDER BY tenant_id FOR UPDATE",
                name,
                tenants,
            )
            reached = {r["tenant_id"]: int(r["position"]) for r in rows}
            before = dict(reached)
            fresh: list[RecordedEvent] = []
            for event in events:
                if event.position > reached[event.tenant_id]:
                    reached[event.tenant_id] = event.position
                    if event.event_type in self.projection.event_types:
                        fresh.append(event)
            if fresh:
                await write(conn, fresh)
            moved = [t for t in tenants if reached[t] != before[t]]
            if moved:
                await conn.execute(
                    "UPDATE projection_positions AS p SET position = u.position, updated_at = now()"
                    " FROM unnest($2::text[], $3::bigint[]) AS u(tenant_id, position)"
                    " WHERE p.projection = $1 AND p.tenant_id = u.tenant_id",
                    name,
                    moved,
                    [reached[t] for t in moved],
                )
            if store_cursor is not None:
                await conn.execute(
                    "INSERT INTO projection_positions (projection, tenant_id, position)"
                    " VALUES ($1, $2, $3) ON CONFLICT (projection, tenant_id)"
                    " DO UPDATE SET position = GREATEST(projection_positions.position,"
                    " excluded.position), updated_at = now()",
                    name,
                    STORE_CURSOR,
                    store_cursor,
                )
        new = sum(1 for e in events if e.position > before[e.tenant_id])
        metrics.PROJECTION_APPLIED.labels(name).inc(new)
        self.stats.applied += new
        self.stats.skipped += len(events) - new
        self.stats.batches += 1
        return new

    async def store_cursor(self) -> int:
        async with self.pool.acquire() as conn:
            value = await conn.fetchval(
                "SELECT position FROM projection_positions WHERE projection = $1"
                " AND tenant_id = $2",
                self.projection.name,
                STORE_CURSOR,
            )
        return int(value or 0)

    async def applied_position(self) -> int:
        """The furthest position this projection has applied, live or from the store."""
        async with self.pool.acquire() as conn:
            value = await conn.fetchval(
                "SELECT max(position) FROM projection_positions WHERE projection = $1",
                self.projection.name,
            )
        return int(value or 0)

    async def catch_up(
        self,
        reader: LogReader,
        *,
        batch: int = 5000,
        conn: asyncpg.Connection | None = None,
    ) -> int:
        """Apply everything the store holds beyond this projection's store cursor.

        The next batch is read (on a connection of the reader's) while this one is applied."""
        if conn is None:
            await self._restore_left_indexes()
        cursor = await self.store_cursor() if conn is None else 0
        total = 0
        events = await reader.read(cursor, batch)
        while events:
            cursor = events[-1].position
            upcoming = asyncio.ensure_future(reader.read(cursor, batch))
            try:
                total += await self.apply_batch(events, conn=conn, store_cursor=cursor)
            except BaseException:
                upcoming.cancel()
                raise
            events = await upcoming
        return total

    async def _rebuild(self, reader: LogReader, conn: asyncpg.Connection, batch: int) -> int:
        """The store applied batch by batch through the projection's own writer, in three
        steps that run side by side, a batch or two apart: reading from the store, preparing
        (the writer's work in Python) and writing (PostgreSQL's), each batch in one
        transaction with its positions."""
        assert isinstance(self.projection, Rebuilding)
        writer = self.projection.rebuilding()
        read: asyncio.Queue[list[RecordedEvent]] = asyncio.Queue(maxsize=2)
        prepared: asyncio.Queue[list[RecordedEvent]] = asyncio.Queue(maxsize=2)

        async def reading() -> None:
            cursor = 0
            while True:
                events = await reader.read(cursor, batch)
                await read.put(events)
                if not events:
                    return
                cursor = events[-1].position

        async def preparing() -> None:
            while events := await read.get():
                await writer.prepare(events)
                await prepared.put(events)
            await prepared.put([])

        async def writing() -> int:
            total = 0
            while events := await prepared.get():
                total += await self.apply_batch(
                    events, conn=conn, store_cursor=events[-1].position, apply=writer.apply
                )
            return total

        written = asyncio.ensure_future(writing())
        steps = [asyncio.ensure_future(reading()), asyncio.ensure_future(preparing()), written]
        try:
            await asyncio.gather(*steps)
        finally:
            for step in steps:
                step.cancel()
        return written.result()

    async def rebuild(self, reader: LogReader, *, batch: int = 5000) -> int:
        """Empty the read model and apply the whole store again, from PostgreSQL alone.

        A read model with a rebuild of its own (``Rebuilding``) is written by its writer while
        the next batches are read and prepared; any other applies batch after batch as the
        live path does."""
        with _fewer_collections():
            count = await self._rebuild_all(reader, batch)
        log.info("projection rebuilt", projection=self.projection.name, events=count)
        return count

    async def _rebuild_all(self, reader: LogReader, batch: int) -> int:
        """The rebuild, under the projection's lock: its tables emptied, then written again."""
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", self._lock_key)
            # A rebuild's commits need not wait for the WAL to reach the disk: a crash loses at
            # most the last batches, each with its positions, applied again by the next run.
            await conn.execute("SET synchronous_commit = off")
            own = isinstance(self.projection, Rebuilding)
            try:
                async with conn.transaction():
                    for table in self.projection.tables:
                        await conn.execute(f'TRUNCATE "{table}"')
                        if own:
                            await conn.execute("SELECT tinget_defer_indexes($1)", table)
                    await conn.execute(
                        "DELETE FROM projection_positions WHERE projection = $1",
                        self.projection.name,
                    )
                try:
                    if own:
                        count = await self._rebuild(reader, conn, batch)
                    else:
                        count = await self.catch_up(reader, batch=batch, conn=conn)
                finally:  # also when the rebuild failed half way: whole batches stay
                    await self._build_deferred_indexes()
            finally:
                await conn.execute("RESET synchronous_commit")
                await conn.execute("SELECT pg_advisory_unlock($1)", self._lock_key)
        return count

    async def _build_deferred_indexes(self) -> None:
        """Build the plain indexes of this read model's tables that a rebuild dropped, a few
        side by side, each on a connection of its own."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT table_name, index_name FROM rebuild_deferred_indexes"
                " WHERE table_name = ANY($1::text[]) ORDER BY table_name, index_name",
                list(self.projection.tables),
            )
        waiting = [(r["table_name"], r["index_name"]) for r in rows]

        async def building() -> None:
            async with self.pool.acquire() as conn:
                while waiting:
                    table, index = waiting.pop(0)
                    await conn.execute("SELECT tinget_restore_index($1, $2)", table, index)

        await asyncio.gather(*(building() for _ in range(min(INDEX_BUILDERS, len(waiting)))))

    async def _restore_left_indexes(self) -> None:
        """Build the plain indexes a rebuild that never finished (its process was killed) left
        dropped, unless a rebuild holds the read model's lock now (it builds them when done)."""
        async with self.pool.acquire() as conn:
            left = await conn.fetchval(
                "SELECT EXISTS (SELECT FROM rebuild_deferred_indexes"
                " WHERE table_name = ANY($1::text[]))",
                list(self.projection.tables),
            )
            if not left or not await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._lock_key
            ):
                return
            try:
                await self._build_deferred_indexes()
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", self._lock_key)
            log.warning(
                "plain indexes a stopped rebuild left dropped were built again",
                projection=self.projection.name,
            )

    async def run_nats(
        self,
        js: JetStreamContext,
        nc: NatsClient,
        *,
        stream: str,
        prefix: str,
        catalogue: Catalogue,
        stop: asyncio.Event,
        reader: LogReader | None = None,
    ) -> None:
        """Consume the live stream with a durable consumer of this projection's own."""
        consumer = LiveConsumer([self], durable=self.projection.name)
        await consumer.run(
            js, nc, stream=stream, prefix=prefix, catalogue=catalogue, stop=stop, reader=reader
        )


_rebuilding = 0  # rebuilds running in this process
_thresholds = gc.get_threshold()  # the collector's thresholds before the first of them


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect the young generation less often while any rebuild runs in this process.

    A rebuild keeps thousands of objects alive for a batch or two (the batches read ahead,
    being prepared and being written), and a collection every few thousand allocations finds
    them alive again and again: at 20,000 (the worker's setting) that was a fifth to two fifths
    of a rebuild's Python time, at 200,000 under a tenth. Objects that die within a batch are
    freed by their reference counts either way; the thresholds before are restored when the
    last rebuild in the process ends."""
    global _rebuilding, _thresholds
    if _rebuilding == 0:
        _thresholds = gc.get_threshold()
        young, *older = _thresholds
        gc.set_threshold(max(young, REBUILD_YOUNG_THRESHOLD), *older)
    _rebuilding += 1
    try:
        yield
    finally:
        _rebuilding -= 1
        if _rebuilding == 0:
            gc.set_threshold(*_thresholds)


@dataclass
class LiveConsumer:
    """One durable JetStream pull consumer feeding one or more projections.

    A projection worker feeds all its read models from one consumer: each event crosses NATS
    and is decoded once, however many read models it feeds (a ballot feeds the tally, the
    dashboards and the audit trail). Each projection still applies the batch in its own
    transaction with its own positions, side by side with the others, so when one fails the
    batch is redelivered and the others skip what they have.

    A read model that takes none of a batch's events (the tenant directory, while votes pour
    in) does not open a transaction for it: it records how far it has come at most every
    ``cursor_interval`` seconds, and when the stream has no more to give. Thirteen read models
    committing every batch were most of the worker's database work during a vote.
    """

    runners: Sequence[ProjectionRunner]
    durable: str
    batch: int = 1000  # messages a fetch takes at most
    wait: float = 0.05  # seconds a fetch waits for them: a trickle is applied many at a time
    cursor_interval: float = 1.0
    # per runner (by index): when it last recorded its cursor, and a cursor not yet recorded
    _recorded: dict[int, float] = field(default_factory=dict, init=False, repr=False)
    _unrecorded: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _prefix: str = field(default="", init=False, repr=False)

    async def run(
        self,
        js: JetStreamContext,
        nc: NatsClient,
        *,
        stream: str,
        prefix: str,
        catalogue: Catalogue,
        stop: asyncio.Event,
        reader: LogReader | None = None,
    ) -> None:
        """Consume until ``stop`` is set. Each fetch takes what arrives within ``wait`` seconds
        (up to ``batch``), so a trickle of events is applied many at a time."""
        subjects = sorted(
            {
                f"{prefix}.*.{catalogue.by_name(t).context}.{t}"
                for runner in self.runners
                for t in runner.projection.event_types
            }
        )
        self._prefix = prefix
        keep = await self._refresh(js, stream, prefix, catalogue, subjects, reader)
        if reader is not None:
            # The store holds everything the consumer has not yet delivered, and the catch-up
            # below reads it from there in batches. A consumer kept from an earlier run would
            # deliver that backlog again (a new one: the whole stream), each message decoded and
            # vouched for only to be skipped, while new events wait behind it. So the consumer
            # starts afresh with what is published from now on, made before the catch-up reads
            # the store: an event published before it was made is committed and read by the
            # catch-up, one published after it is delivered.
            if keep:
                await js.delete_consumer(stream, self.durable)
            keep = False
        if not keep:
            await js.add_consumer(
                stream,
                config=ConsumerConfig(
                    durable_name=self.durable,
                    ack_policy=AckPolicy.ALL,
                    # without the store (tests feeding NATS alone), everything the stream holds
                    deliver_policy=DeliverPolicy.ALL if reader is None else DeliverPolicy.NEW,
                    filter_subjects=subjects,
                    ack_wait=60,
                    max_ack_pending=20_000,
                ),
            )
        if reader is not None:
            # Whatever an earlier run did not apply (a crash, a database outage, a worker that
            # was down) comes from the store first.
            await asyncio.gather(*(runner.catch_up(reader) for runner in self.runners))
        puller = Puller(nc, stream, self.durable)
        names = [r.projection.name for r in self.runners]
        log.info("projections consuming", consumer=self.durable, projections=names)
        try:
            while not stop.is_set():
                msgs = await puller.fetch(self.batch, self.wait)
                if msgs:
                    await self._apply(msgs)
                elif self._unrecorded:
                    await self._record_cursors()
        finally:
            await puller.close()

    async def _apply(self, msgs: list[Msg]) -> None:
        """Apply one fetched batch to every projection and acknowledge it.

        The consumer delivers in log order, so once every read model has applied a batch, the
        store up to its last position is done: that becomes each one's store cursor. When a
        read model fails on a database error, nothing is acknowledged and the run ends with
        ``BatchNotApplied``; the next run catches up from the store before it fetches again.
        A newer batch is never applied before an older one that failed, which would make the
        older one look applied.
        """
        events = await self._stored(msgs)
        if events:
            cursor = max(e.position for e in events)
            types = {e.event_type for e in events}
            now = time.monotonic()
            applying = [
                i
                for i, runner in enumerate(self.runners)
                if not types.isdisjoint(runner.projection.event_types)
                or now - self._recorded.get(i, -math.inf) >= self.cursor_interval
            ]
            # The read models apply side by side, each on a connection of its own: none reads
            # another's tables, so the order among them does not matter.
            spans = _apply_spans(msgs, events, self.runners) if tracing.enabled() else []
            results = await asyncio.gather(
                *(self.runners[i].apply_batch(events, store_cursor=cursor) for i in applying),
                return_exceptions=True,
            )
            outcomes = dict(zip(applying, results, strict=True))
            for span, runner_index in spans:
                outcome = outcomes.get(runner_index)
                if isinstance(outcome, BaseException):
                    span.set_status(trace.Status(trace.StatusCode.ERROR, repr(outcome)))
                span.end()
            errors = [o for o in results if isinstance(o, BaseException)]
            for error in errors:
                if not isinstance(error, _REDELIVERABLE):
                    raise error
            if errors:
                raise BatchNotApplied(repr(errors[0])) from errors[0]
            for i in range(len(self.runners)):
                if i in outcomes:
                    self._recorded[i] = now
                    self._unrecorded.pop(i, None)
                else:
                    self._unrecorded[i] = cursor
        await msgs[-1].ack()

    async def _stored(self, msgs: list[Msg]) -> list[RecordedEvent]:
        """The events of the messages that the store vouches for, in the messages' order.

        NATS is trusted with neither a tenant nor a position: whoever could publish into the
        stream could claim any. The batch's positions are looked up in PostgreSQL in one query
        (the events' identities, not their payloads, which a vote's batches would otherwise
        read back in full), and a message counts only when the stored event at its position has
        its tenant, stream, version, id, context and type, and it came on that event's subject.
        Anything else is logged, counted and acknowledged with the batch, never applied. The
        payload itself is vouched for by NATS's permissions: only the relay may publish there.
        """
        claimed: list[tuple[Msg, RecordedEvent]] = []
        for msg in msgs:
            try:
                claimed.append((msg, envelope.decode(msg.data)))
            except Exception:
                metrics.PROJECTION_REFUSED.inc()
                log.warning("undecodable message skipped", subject=msg.subject)
        if not claimed:
            return []
        try:
            stored = await LogReader(self.runners[0].pool).identities_at(
                sorted({event.position for _, event in claimed})
            )
        except _REDELIVERABLE as error:
            raise BatchNotApplied(repr(error)) from error
        events: list[RecordedEvent] = []
        for msg, event in claimed:
            identity = (
                event.tenant_id,
                event.stream_id,
                event.version,
                event.event_id,
                event.context,
                event.event_type,
            )
            subject = event_subject(self._prefix, event.tenant_id, event.context, event.event_type)
            if stored.get(event.position) != identity or msg.subject != subject:
                metrics.PROJECTION_REFUSED.inc()
                held = stored.get(event.position)
                log.warning(
                    "message refused: the store holds no such event",
                    subject=msg.subject,
                    position=event.position,
                    claimed_tenant=event.tenant_id,
                    stored_tenant=None if held is None else held[0],
                )
                continue
            events.append(event)
        return events

    async def _record_cursors(self) -> None:
        """The stream has no more for now: the read models that skipped the last batches
        record how far the store is done for them."""
        now = time.monotonic()
        pending, self._unrecorded = self._unrecorded, {}
        await asyncio.gather(
            *(self.runners[i].apply_batch([], store_cursor=c) for i, c in pending.items())
        )
        for i in pending:
            self._recorded[i] = now

    async def _refresh(
        self,
        js: JetStreamContext,
        stream: str,
        prefix: str,
        catalogue: Catalogue,
        subjects: list[str],
        reader: LogReader | None,
    ) -> bool:
        """Keep the durable consumer's subjects in step with the projections' event types.

        A consumer made for fewer event types has skipped the new types' events while the
        positions moved on, so the read models that want a new type are rebuilt from the
        store and a new consumer is made (by ``run``). Returns whether to keep the consumer.
        """
        try:
            info = await js.consumer_info(stream, self.durable)
        except Exception:
            return False
        config = info.config
        given = sorted(
            config.filter_subjects or ([config.filter_subject] if config.filter_subject else [])
        )
        if not given or given == subjects:  # no filter (older servers) misses nothing
            return True
        log.warning(
            "the projections' event types changed; rebuilding them",
            consumer=self.durable,
            added=sorted(set(subjects) - set(given)),
        )
        await js.delete_consumer(stream, self.durable)
        if reader is None:
            return False
        missed = set(subjects) - set(given)
        for runner in self.runners:
            wanted = {
                f"{prefix}.*.{catalogue.by_name(t).context}.{t}"
                for t in runner.projection.event_types
            }
            if wanted & missed:
                await runner.rebuild(reader)
        return False


async def consumer_lag(js: JetStreamContext, stream: str, durable: str) -> int:
    """Messages the projection's consumer has not yet had acknowledged."""
    info = await js.consumer_info(stream, durable)
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


def _apply_spans(
    msgs: Sequence[Msg], events: Sequence[RecordedEvent], runners: Sequence[ProjectionRunner]
) -> list[tuple[trace.Span, int]]:
    """For each message that carries a trace context, a consumer span per read model that
    applies its event, each paired with the index of its runner; the spans end with the batch."""
    by_id = {str(e.event_id): e for e in events}
    spans: list[tuple[trace.Span, int]] = []
    for msg in msgs:
        headers = msg.headers or {}
        parent = tracing.context_of(headers.get(tracing.TRACEPARENT))
        if parent is None:
            continue
        event = by_id.get(headers.get("Nats-Msg-Id", ""))
        if event is None:
            continue
        for index, runner in enumerate(runners):
            if event.event_type not in runner.projection.event_types:
                continue
            spans.append(
                (
                    tracing.tracer.start_span(
                        f"apply {event.event_type} to {runner.projection.name}",
                        context=parent,
                        kind=trace.SpanKind.CONSUMER,
                        attributes={
                            "messaging.system": "nats",
                            "messaging.destination.name": msg.subject,
                            "messaging.batch.message_count": len(msgs),
                            "tinget.projection": runner.projection.name,
                            "tinget.tenant": event.tenant_id,
                            "tinget.position": event.position,
                        },
                    ),
                    index,
                )
            )
    return spans
