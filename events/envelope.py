"""The message body on NATS: a recorded event with its place in the log, as JSON."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.model import RecordedEvent


class Envelope(msgspec.Struct, frozen=True):
    """RecordedEvent's fields, with the payload and metadata inlined as JSON."""

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
    fields = msgspec.structs.asdict(event)
    fields["data"] = msgspec.Raw(event.data)
    fields["metadata"] = msgspec.Raw(event.metadata)
    return _encoder.encode(Envelope(**fields))


def decode(body: bytes) -> RecordedEvent:
    fields = msgspec.structs.asdict(_decoder.decode(body))
    fields["data"] = bytes(fields["data"])
    fields["metadata"] = bytes(fields["metadata"])
    return RecordedEvent(**fields)
