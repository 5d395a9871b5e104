"""Reading the audit trail for the gateway: filters, the entry view, and streamed exports.

Exports read through a server-side cursor in one read-only transaction of the tenant and send
each chunk (about 64 KiB) as soon as it is encoded, so a trail of any length costs the gateway
one chunk of memory. CSV has a header row; JSON is one array with one entry per line. Both are
in log order (oldest first) and carry every field of the hash chain (``position``, both
hashes), so a reader can check the chain themselves (``projections.audit_chain``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.catalogue import Catalogue
from events.db import tenant_transaction
from events.errors import InvalidInput

CHUNK_BYTES = 64 * 1024

SELECT = (
    "SELECT seq, position, event_id, event_type, context, stream_id, version, dialog_id, actor,"
    " role, request_id, recorded_at, payload::text AS payload, prev_hash, hash"
    " FROM audit_entries"
)


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


def _aware(name: str, at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        raise InvalidInput(name, "needs a time zone, e.g. 2025-03-01T00:00:00Z")
    return at


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: of one dialog, by one person, of one event type or context, and from
    ``since`` (inclusive) until ``until`` (exclusive)."""

    dialog_id: UUID | None = None
    actor: UUID | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def checked(self, catalogue: Catalogue) -> AuditFilter:
        """Refuse what cannot match: naive times, an empty range, an unknown kind."""
        since, until = _aware("since", self.since), _aware("until", self.until)
        if since is not None and until is not None and until <= since:
            raise InvalidInput("until", "must be later than since")
        if self.kind is not None:
            definitions = catalogue.definitions()
            known = {d.name for d in definitions} | {d.context for d in definitions}
            if self.kind not in known:
                raise InvalidInput("kind", "is neither an event type nor a context")
        return self

    def where(self, tenant_id: str, catalogue: Catalogue) -> tuple[str, list[Any]]:
        """The WHERE clause (only the filters given, so each can use its index) and its args."""
        clauses, args = ["tenant_id = $1"], [tenant_id]

        def add(clause: str, value: Any) -> None:
            args.append(value)
            clauses.append(clause.format(f"${len(args)}"))

        if self.dialog_id is not None:
            add("dialog_id = {}", self.dialog_id)
        if self.actor is not None:
            add("actor = {}", str(self.actor))
        if self.kind is not None:
            is_type = any(d.name == self.kind for d in catalogue.definitions())
            add("event_type = {}" if is_type else "context = {}", self.kind)
        if self.since is not None:
            add("recorded_at >= {}", self.since)
        if self.until is not None:
            add("recorded_at < {}", self.until)
        return " AND ".join(clauses), args


_encoder = msgspec.json.Encoder()


def _csv_cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(view: AuditEntryView) -> list[str]:
    cells = msgspec.structs.asdict(view)
    cells["payload"] = _encoder.encode(view.payload).decode()
    cells["recorded_at"] = view.recorded_at.astimezone(UTC)
    return [_csv_cell(cells[c]) for c in CSV_COLUMNS]


async def export_chunks(
    pool: asyncpg.Pool,
    tenant_id: str,
    where: tuple[str, list[Any]],
    as_csv: bool,
) -> AsyncIterator[bytes]:
    """The matching entries, oldest first, as CSV or a JSON array, in chunks."""
    clause, args = where
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    out = bytearray()
    if as_csv:
        writer.writerow(CSV_COLUMNS)
    else:
        out += b"["
    first = True
    async with tenant_transaction(pool, tenant_id) as conn:
        query = f"{SELECT} WHERE {clause} ORDER BY seq"
        async for row in conn.cursor(query, *args, prefetch=500):
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
