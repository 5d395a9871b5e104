"""Small builders shared by the tests."""

from __future__ import annotations

import uuid

from events.model import NewEvent


def new_event(
    tenant_id: str,
    stream_id: uuid.UUID,
    version: int,
    *,
    event_type: str = "ThingHappened",
    data: bytes = b'{"n": 1}',
) -> NewEvent:
    return NewEvent(
        tenant_id=tenant_id,
        stream_id=stream_id,
        version=version,
        context="testing",
        event_type=event_type,
        data=data,
        metadata=b"{}",
        event_id=uuid.uuid4(),
    )


def unique_slug(prefix: str = "town") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
