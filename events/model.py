"""Records that cross the store's boundary, and the store's errors."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class NewEvent(msgspec.Struct, frozen=True):
    """An event ready to be appended: its stream, the version it claims, and its payload."""

    tenant_id: str
    stream_id: UUID
    version: int
    context: str
    event_type: str
    data: bytes
    metadata: bytes
    event_id: UUID


class RecordedEvent(msgspec.Struct, frozen=True):
    """An event as the store holds it, with its place in the global log."""

    position: int
    tenant_id: str
    stream_id: UUID
    version: int
    event_id: UUID
    context: str
    event_type: str
    data: bytes
    metadata: bytes
    recorded_at: datetime


class StoreError(Exception):
    """Base of the store's errors."""


class ConcurrencyConflict(StoreError):
    """Another writer appended one of these versions first; nothing of this append was written."""

    def __init__(self, tenant_id: str, stream_id: UUID, version: int) -> None:
        super().__init__(
            f"stream {stream_id} of tenant {tenant_id!r} already has version {version}"
        )
        self.tenant_id = tenant_id
        self.stream_id = stream_id
        self.version = version


class AppendTooLarge(StoreError):
    """One append may hold at most 65,535 events (they share one transaction's position range)."""


class Busy(Exception):
    """Refused at once because a bound was reached (waiting appends, free connections) rather
    than queued without end: nothing was written, and the same request may pass shortly. The
    gateway answers 503 with Retry-After."""


class AppendQueueFull(Busy, StoreError):
    """Too many appends wait for a commit already; this one was not queued."""
