"""The audit trail's hash chain: the canonical bytes of an entry and how entries link.

Each tenant's entries form one chain, numbered from 1 in log order::

    hash(1) = sha256(GENESIS || canonical(entry 1))        GENESIS = 32 zero bytes
    hash(n) = sha256(hash(n - 1) || canonical(entry n))

``canonical(entry)`` is the compact JSON array (UTF-8, no whitespace) of these fields, in this
order, as msgspec encodes them::

    [tenant_id, seq, position, event_id, stream_id, version, context, event_type,
     dialog_id, actor, role, request_id, recorded_at, payload]

- ``event_id``, ``stream_id`` and ``dialog_id`` are lowercase hyphenated UUID strings, or
  ``null`` (``dialog_id``, ``actor``, ``role`` and ``request_id`` may be ``null``);
- ``recorded_at`` is an integer: microseconds since 1970-01-01T00:00:00Z;
- ``payload`` is the event's JSON object re-encoded with every object's keys sorted (by code
  point, at every depth) and no whitespace, so it does not depend on how PostgreSQL's ``jsonb``
  happens to print it.

The payload is the event's JSON as stored: a personal field is its ciphertext
(``events.personal``), so destroying a person's key on erasure changes no hash.

Everything in it is a fact of the event or its place in the log, nothing of when the entry was
written, so a rebuild produces the same hashes, byte for byte. An exported trail (CSV or JSON,
which carry every field and both hashes) can be checked by anyone with this description.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

GENESIS = bytes(32)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One audit entry: what happened, who did it in which role, when, under which request."""

    tenant_id: str
    seq: int
    position: int
    event_id: UUID
    stream_id: UUID
    version: int
    context: str
    event_type: str
    dialog_id: UUID | None
    actor: str | None
    role: str | None
    request_id: str | None
    recorded_at: datetime
    payload: bytes  # the event's JSON


class _Canonical(msgspec.Struct, array_like=True):
    tenant_id: str
    seq: int
    position: int
    event_id: UUID
    stream_id: UUID
    version: int
    context: str
    event_type: str
    dialog_id: UUID | None
    actor: str | None
    role: str | None
    request_id: str | None
    recorded_at: int
    payload: msgspec.Raw


_encoder = msgspec.json.Encoder()
_sorted_encoder = msgspec.json.Encoder(order="sorted")


def microseconds(at: datetime) -> int:
    """Microseconds since the Unix epoch, exactly (no float on the way)."""
    return (at - _EPOCH) // _MICROSECOND


def canonical_payload(payload: bytes) -> bytes:
    """The payload's JSON with sorted keys and no whitespace."""
    value: Any = msgspec.json.decode(payload)
    return _sorted_encoder.encode(value)


def canonical(entry: Entry) -> bytes:
    """The bytes an entry's hash covers (see the module's description)."""
    return _encoder.encode(
        _Canonical(
            tenant_id=entry.tenant_id,
            seq=entry.seq,
            position=entry.position,
            event_id=entry.event_id,
            stream_id=entry.stream_id,
            version=entry.version,
            context=entry.context,
            event_type=entry.event_type,
            dialog_id=entry.dialog_id,
            actor=entry.actor,
            role=entry.role,
            request_id=entry.request_id,
            recorded_at=microseconds(entry.recorded_at),
            payload=msgspec.Raw(canonical_payload(entry.payload)),
        )
    )


def link(prev_hash: bytes, entry: Entry) -> bytes:
    """The entry's hash, chained onto the hash of the entry before it."""
    return hashlib.sha256(prev_hash + canonical(entry)).digest()
