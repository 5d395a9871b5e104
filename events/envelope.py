"""The message body on NATS: a recorded event with its place in the log, as JSON."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.model import RecordedEvent


class Envelope(msgspec.Struct, frozen=True):
    position: int
    tenant_id: str
    stream_id: UUID
    version: int
    event_id: UUID
    context: str
    event_type: str
    recorded_at: datetime
    data: msgspec.Raw
    metadata: msgspec.Raw


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(event: RecordedEvent) -> bytes:
    return _encoder.encode(
        Envelope(
            position=event.position,
            tenant_id=event.tenant_id,
            stream_id=event.stream_id,
            version=event.version,
            event_id=event.event_id,
            context=event.context,
            event_type=event.event_type,
            recorded_at=event.recorded_at,
            data=msgspec.Raw(event.data),
            metadata=msgspec.Raw(event.metadata),
        )
    )


def decode(body: bytes) -> RecordedEvent:
    e = _decoder.decode(body)
    return RecordedEvent(
        position=e.position,
        tenant_id=e.tenant_id,
        stream_id=e.stream_id,
        version=e.version,
        event_id=e.event_id,
        context=e.context,
        event_type=e.event_type,
        data=bytes(e.data),
        metadata=bytes(e.metadata),
        recorded_at=e.recorded_at,
    )
