"""The audit trail for the gateway: the entry view, and streamed exports.

Exports read the entries through a server-side cursor (``services.audit.trail``) and send each
chunk (about 64 KiB) as soon as it is encoded, so a trail of any length costs the gateway
one chunk of memory. CSV has a header row; JSON is one array with one entry per line. Both are
in log order (oldest first) and carry every field of the hash chain (``position``, both
hashes), so a reader can check the chain themselves (``services.audit.chain``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.spreadsheet import inert

CHUNK_BYTES = 64 * 1024


class AuditEntryView(msgspec.Struct, kw_only=True):
    """One entry: what happened, who (a person id; none for anonymous ballots) in which role,
    when, under which request, in which dialog; and its place in the tenant's hash chain."""

    seq: int
    recorded_at: datetime
    event_type: str
    context: str
    actor: str | None
    role: str | None
    request_id: str | None
    dialog_id: UUID | None
    stream_id: UUID
    version: int
    event_id: UUID
    position: int
    payload: dict[str, Any]
    prev_hash: str
    hash: str


CSV_COLUMNS = tuple(AuditEntryView.__struct_fields__)


def entry_view(row: asyncpg.Record) -> AuditEntryView:
    return AuditEntryView(
        seq=row["seq"],
        recorded_at=row["recorded_at"],
        event_type=row["event_type"],
        context=row["context"],
        actor=row["actor"],
        role=row["role"],
        request_id=row["request_id"],
        dialog_id=row["dialog_id"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=row["event_id"],
        position=row["position"],
        payload=msgspec.json.decode(row["payload"]),
        prev_hash=bytes(row["prev_hash"]).hex(),
        hash=bytes(row["hash"]).hex(),
    )


_encoder = msgspec.json.Encoder()


def _csv_cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return inert(text)


def _csv_row(view: AuditEntryView) -> list[str]:
    cells = msgspec.structs.asdict(view)
    cells["payload"] = _encoder.encode(view.payload).decode()
    cells["recorded_at"] = view.recorded_at.astimezone(UTC)
    return [_csv_cell(cells[c]) for c in CSV_COLUMNS]


async def export_chunks(rows: AsyncIterator[asyncpg.Record], as_csv: bool) -> AsyncIterator[bytes]:
    """The entries ``rows`` gives (oldest first), as CSV or a JSON array, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    out = bytearray()
    if as_csv:
        writer.writerow(CSV_COLUMNS)
    else:
        out += b"["
    first = True
    async for row in rows:
        view = entry_view(row)
        if as_csv:
            writer.writerow(_csv_row(view))
        else:
            out += b"\n" if first else b",\n"
            out += _encoder.encode(view)
        first = False
        if as_csv:
            out += buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        if len(out) >= CHUNK_BYTES:
            yield bytes(out)
            out.clear()
    if as_csv:
        out += buffer.getvalue().encode()
    else:
        out += b"]\n" if first else b"\n]\n"
    yield bytes(out)
