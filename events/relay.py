"""The relay: publishes committed events from the store to JetStream, in log order.

It reads the log from its saved position, publishes each event with ``Nats-Msg-Id`` set to the
event's id (so JetStream drops a re-sent event as a duplicate), waits for every ack, and only
then saves the new position. A crash between publish and save re-sends a batch, harmlessly.
One relay per name is active at a time: it holds a PostgreSQL advisory lock, and a standby
started beside it waits for that lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import msgspec
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import trace

from events import envelope, metrics, tracing
from events.leadership import sleep_or_stop
from events.model import RecordedEvent
from events.publisher import AckingPublisher, PublishRefused
from events.store import LogReader
from events.subjects import all_events, event_subject

log = structlog.get_logger(__name__)

DUPLICATE_WINDOW_SECONDS = 600.0


async def ensure_stream(js: JetStreamContext, name: str, prefix: str, replicas: int = 1) -> None:
    """Create the event stream if it is missing, with ``replicas`` copies (3 on a cluster); an
    existing stream keeps its settings, but gains replicas when it has fewer than asked."""
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=name,
                subjects=[all_events(prefix)],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
                num_replicas=replicas,
            )
        )
        return
    if (info.config.num_replicas or 1) < replicas:
        await js.update_stream(dataclasses.replace(info.config, num_replicas=replicas))
        log.info("event stream replicated further", stream=name, replicas=replicas)


@dataclass
class RelayStats:
    published: int = 0
    duplicates: int = 0
    batches: int = 0


@dataclass(frozen=True)
class RelayLag:
    events: int
    seconds: float


@dataclass
class Relay:
    reader: LogReader
    pool: asyncpg.Pool
    js: JetStreamContext
    nc: NatsClient
    stream: str
    prefix: str
    name: str = "main"
    batch_size: int = 2000
    ack_timeout: float = 10.0
    stats: RelayStats = field(default_factory=RelayStats)
    publisher: AckingPublisher | None = None

    async def position(self) -> int:
        async with self.pool.acquire() as conn:
            value = await conn.fetchval(
                "SELECT position FROM relay_positions WHERE name = $1", self.name
            )
        return int(value or 0)

    async def _save_position(self, position: int) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO relay_positions (name, position) VALUES ($1, $2)"
                " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
                " updated_at = now()",
                self.name,
                position,
            )

    async def publish(self, events: list[RecordedEvent]) -> None:
        """Publish a batch and wait for every ack; raise if any is missing or refused.

        When tracing is on, each event saved with a trace context is published under a span of
        that trace, whose own context travels in the message's ``traceparent`` header.
        """
        if self.publisher is None:
            self.publisher = AckingPublisher(self.nc)
        spans = _publish_spans(events, self.prefix) if tracing.enabled() else {}
        began = time.perf_counter()
        futures = []
        for i, event in enumerate(events):
            headers = {"Nats-Msg-Id": str(event.event_id)}
            span = spans.get(i)
            if span is not None:
                headers[tracing.TRACEPARENT] = tracing.traceparent_of(span) or ""
            futures.append(
                await self.publisher.publish(
                    event_subject(self.prefix, event.tenant_id, event.context, event.event_type),
                    envelope.encode(event),
                    headers,
                )
            )
        try:
            acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=self.ack_timeout)
        except TimeoutError:
            self.publisher.forget()
            _end(spans, "no ack from JetStream in time")
            raise
        refused = [ack for ack in acks if ack.error is not None or ack.stream is None]
        if refused:
            _end(spans, "refused by JetStream")
            raise PublishRefused(f"JetStream refused {len(refused)} events: {refused[0].error}")
        _end(spans)
        duplicates = sum(1 for ack in acks if ack.duplicate)
        self.stats.published += len(acks) - duplicates
        self.stats.duplicates += duplicates
        self.stats.batches += 1
        metrics.RELAY_PUBLISHED.inc(len(acks) - duplicates)
        metrics.RELAY_BATCH_SECONDS.observe(time.perf_counter() - began)
        if duplicates:
            metrics.RELAY_DUPLICATES.inc(duplicates)
            log.info("relay re-sent events that JetStream already had", duplicates=duplicates)

    async def run_once(self, after: int) -> int:
        """Publish the next batch after ``after``; return the new position."""
        events = await self.reader.read(after, self.batch_size)
        if not events:
            return after
        await self.publish(events)
        position = events[-1].position
        await self._save_position(position)
        return position

    async def run(self, stop: asyncio.Event, *, idle: float = 0.02, linger: float = 0.02) -> None:
        """Relay until ``stop`` is set, backing off while NATS or PostgreSQL is away.

        While one full batch is being published, the next is read from the store. After a
        batch that was not full, the relay waits ``linger`` seconds before it reads again, so
        a steady stream of appends (votes during a webcast) is published many events at a
        time: one read, one position saved and one flush for each batch instead of for every
        few events, for at most ``linger`` more delay.
        """
        position = await self.position()
        log.info("relay started", relay=self.name, position=position)
        backoff = 0.1
        ahead: asyncio.Task[list[RecordedEvent]] | None = None
        while not stop.is_set():
            try:
                if ahead is None:
                    ahead = asyncio.create_task(self.reader.read(position, self.batch_size))
                events = await ahead
                ahead = None
                if not events:
                    await sleep_or_stop(stop, idle)
                    continue
                last = events[-1].position
                full = len(events) >= self.batch_size
                if full:
                    ahead = asyncio.create_task(self.reader.read(last, self.batch_size))
                await self.publish(events)
                await self._save_position(last)
                position = last
                backoff = 0.1
                if not full:
                    await sleep_or_stop(stop, linger)
            except Exception as error:  # NATS or PostgreSQL away: keep the position, retry
                metrics.RELAY_FAILURES.inc()
                if ahead is not None:
                    ahead.cancel()
                    ahead = None
                log.warning("relay batch failed; will retry", error=repr(error), backoff=backoff)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)
        if ahead is not None:
            ahead.cancel()

    async def lag(self) -> RelayLag:
        """Events committed but not yet published, and the age of the oldest of them."""
        position = await self.position()
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, min(recorded_at) AS oldest FROM events WHERE position > $1",
                position,
            )
        assert row is not None
        oldest: datetime | None = row["oldest"]
        seconds = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        return RelayLag(events=int(row["n"]), seconds=max(seconds, 0.0))


class _Traced(msgspec.Struct):
    traceparent: str | None = None


_traced = msgspec.json.Decoder(_Traced)


def _publish_spans(events: list[RecordedEvent], prefix: str) -> dict[int, trace.Span]:
    """A producer span for each event saved with a trace context, by its place in the batch."""
    spans: dict[int, trace.Span] = {}
    for i, event in enumerate(events):
        try:
            parent = tracing.context_of(_traced.decode(event.metadata).traceparent)
        except msgspec.DecodeError:
            continue
        if parent is None:
            continue
        spans[i] = tracing.tracer.start_span(
            f"publish {event.event_type}",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": event_subject(
                    prefix, event.tenant_id, event.context, event.event_type
                ),
                "messaging.message.id": str(event.event_id),
                "tinget.tenant": event.tenant_id,
                "tinget.position": event.position,
            },
        )
    return spans


def _end(spans: dict[int, trace.Span], error: str | None = None) -> None:
    for span in spans.values():
        if error is not None:
            span.set_status(trace.Status(trace.StatusCode.ERROR, error))
        span.end()
