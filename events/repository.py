"""Saving and loading eventsourcing aggregates through the async store."""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import reduce
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from events import tracing
from events.codec import Codec
from events.model import NewEvent
from events.store import EventStore

A = TypeVar("A", bound=Aggregate)


class EventMetadata(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who did it, in which role, under which request and trace. Never personal data."""

    actor: str | None = None
    role: str | None = None
    request_id: str | None = None
    traceparent: str | None = None


_metadata_encoder = msgspec.json.Encoder()


def new_event_id() -> UUID:
    """A random (version 4) UUID for an event. Event ids are unique, not secret, so they come
    from the random module: uuid.uuid4 reads the kernel's random source on every call, which
    costs several µs of every vote under load."""
    return UUID(int=random.getrandbits(128), version=4)


_Pending = tuple[str, Aggregate, list[Any]]  # a tenant, an aggregate and its pending events


def _collect(items: Sequence[tuple[str, Aggregate]]) -> list[_Pending]:
    return [(tenant_id, a, list(a.collect_events())) for tenant_id, a in items]


class AggregateNotFound(LookupError):
    def __init__(self, kind: str, aggregate_id: UUID) -> None:
        super().__init__(f"no {kind} {aggregate_id}")
        self.kind = kind
        self.aggregate_id = aggregate_id


class Repository:
    """Gets aggregates by replaying their stream and saves their pending events atomically."""

    def __init__(self, store: EventStore, codec: Codec) -> None:
        self.store = store
        self.codec = codec

    def to_new_events(
        self, items: Sequence[tuple[str, Aggregate]], metadata: EventMetadata
    ) -> list[NewEvent]:
        """The aggregates' pending events, encoded (their subjects' keys must be ready)."""
        return self._encode(_collect(items), metadata)

    async def _keys_ready(self, collected: list[_Pending]) -> None:
        """Make the data keys ready of the people whose personal data these events carry.
        Nothing to do for events without personal data (a ballot): no lookup on the vote."""
        keys = self.codec.keys
        if keys is None:
            return
        personal = self.codec.catalogue.personal_classes
        wanted: dict[str, set[UUID]] = {}
        for tenant_id, aggregate, events in collected:
            for event in events:
                if type(event) in personal:
                    wanted.setdefault(tenant_id, set()).add(self._subject(aggregate, event))
        for tenant_id, people in wanted.items():
            await keys.for_writing(tenant_id, people)

    def _subject(self, aggregate: Aggregate, event: Any) -> UUID:
        definition = self.codec.catalogue.by_class(type(event))
        subject: UUID = getattr(aggregate, definition.subject or "")
        return subject

    def _encode(self, collected: list[_Pending], metadata: EventMetadata) -> list[NewEvent]:
        meta = _metadata_encoder.encode(metadata)
        personal = self.codec.catalogue.personal_classes
        out: list[NewEvent] = []
        for tenant_id, aggregate, events in collected:
            for event in events:
                subject = self._subject(aggregate, event) if type(event) in personal else None
                definition, data = self.codec.encode(event, subject)
                out.append(
                    NewEvent(
                        tenant_id=tenant_id,
                        stream_id=event.originator_id,
                        version=event.originator_version,
                        context=definition.context,
                        event_type=definition.name,
                        data=data,
                        metadata=meta,
                        event_id=new_event_id(),
                    )
                )
        return out

    async def save(
        self, tenant_id: str, *aggregates: Aggregate, metadata: EventMetadata | None = None
    ) -> list[int]:
        """Append every pending event of ``aggregates`` in one atomic append."""
        return await self.save_across([(tenant_id, a) for a in aggregates], metadata)

    async def save_across(
        self, items: Sequence[tuple[str, Aggregate]], metadata: EventMetadata | None = None
    ) -> list[int]:
        """Like ``save``, for aggregates of several tenants (a tenant and a platform claim)."""
        collected = _collect(items)
        await self._keys_ready(collected)
        if not tracing.enabled():  # the no-op span costs more than a vote can spare
            return await self.store.append(self._encode(collected, metadata or EventMetadata()))
        with tracing.tracer.start_as_current_span("tinget.append") as span:
            metadata = metadata or EventMetadata()
            if metadata.traceparent is None and span.is_recording():
                metadata = msgspec.structs.replace(
                    metadata, traceparent=tracing.current_traceparent()
                )
            events = self._encode(collected, metadata)
            if span.is_recording():
                span.set_attribute("tinget.events", len(events))
                span.set_attribute("tinget.tenants", sorted({e.tenant_id for e in events}))
                span.set_attribute("tinget.event_types", [e.event_type for e in events])
            return await self.store.append(events)

    async def get(self, tenant_id: str, cls: type[A], aggregate_id: UUID) -> A:
        recorded = await self.store.read_stream(tenant_id, aggregate_id)
        if not recorded:
            raise AggregateNotFound(cls.__name__, aggregate_id)
        await self.codec.prepare(recorded)
        events = [self.codec.decode(r.event_type, r.data, r.stream_id, r.version) for r in recorded]
        aggregate: Any = reduce(lambda agg, event: event.mutate(agg), events, None)
        if not isinstance(aggregate, cls):
            raise AggregateNotFound(cls.__name__, aggregate_id)
        return aggregate
