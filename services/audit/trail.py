"""The audit trail: every event of a tenant as an entry, hash-chained per tenant.

It listens to every event type of the catalogue. An entry says what happened (the event and its
payload), who did it and in which role and under which request (the event's metadata; an
anonymous ballot names no one), when, and the dialog it belongs to: the payload's
``dialog_id``, the stream itself for a Dialog's own events, or else the dialog of the stream's
earlier entries (a post's edit, withdrawal or status change belongs to the post's dialog).

Entries are numbered per tenant in log order and chained (``services.audit.chain``). The
runtime applies a tenant's events in position order and skips what it has applied already, so
the chain grows the same way live, on redelivery and on a rebuild.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.catalogue import Catalogue, EventDefinition
from events.codec import Codec, EventDecodeError
from events.db import tenant_transaction
from events.errors import InvalidInput
from events.model import RecordedEvent
from services.audit.chain import GENESIS, Entry, link
from services.dialogs.domain import Dialog

StreamKey = tuple[str, UUID]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _aggregate(definition: EventDefinition) -> str:
    return definition.cls.__qualname__.rsplit(".", 1)[0]


def _optional(payload: type[msgspec.Struct], name: str) -> bool:
    """Whether the payload's field may be null."""
    [field] = [f for f in msgspec.structs.fields(payload) if f.name == name]
    return type(None) in typing.get_args(field.type)


class AuditTrail:
    name = "audit_trail"
    tables: tuple[str, ...] = ("audit_entries", "audit_heads")

    def __init__(self, codec: Codec) -> None:
        catalogue = codec.catalogue
        definitions = catalogue.definitions()
        self.event_types = frozenset(d.name for d in definitions)
        prefix = Dialog.__qualname__ + "."
        self._dialog_events = frozenset(
            d.name for d in definitions if d.cls.__qualname__.startswith(prefix)
        )
        # The events that name their dialog, read through the catalogue (upcast if old).
        self._dialog_ids = {
            d.name: catalogue.view(d.name, ("dialog_id",))
            for d in definitions
            if "dialog_id" in d.payload.__struct_fields__
        }
        # Those whose streams may have later events that do not (a post's edit): their
        # entries lend the dialog to those events' (a rebuild keeps them in memory).
        silent = {
            _aggregate(d)
            for d in definitions
            if d.name not in self._dialog_events
            and (d.name not in self._dialog_ids or _optional(d.payload, "dialog_id"))
        }
        self._followed = frozenset(
            d.name for d in definitions if d.name in self._dialog_ids and _aggregate(d) in silent
        )

    def _dialog_of(self, recorded: RecordedEvent) -> UUID | None:
        """The dialog an event names: a Dialog's own stream, or the payload's ``dialog_id``."""
        if recorded.event_type in self._dialog_events:
            return recorded.stream_id
        view = self._dialog_ids.get(recorded.event_type)
        if view is None:
            return None
        try:
            dialog_id: UUID | None = view.decode(recorded.data).dialog_id
        except EventDecodeError:
            return None  # the entry names no dialog rather than stopping the trail
        return dialog_id

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        entries = await self._chain(conn, events)
        await _insert(conn, entries)
        last = {e.tenant_id: (e, digest) for e, _, digest in entries}
        await _write_heads(conn, [(t, e.seq, e.position, d) for t, (e, d) in last.items()])

    def rebuilding(self) -> CopyingTrail:
        """How a rebuild writes its batches: the same entries, by COPY."""
        return CopyingTrail(self)

    async def _chain(
        self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> list[tuple[Entry, bytes, bytes]]:
        """The entries of these events in log order, each with the hash before it and its own,
        chained onto each tenant's head."""
        own = [(r, self._dialog_of(r)) for r in sorted(events, key=lambda e: e.position)]
        streams = await self._stream_dialogs(
            conn, [(r.tenant_id, r.stream_id) for r, dialog in own if dialog is None]
        )
        heads = await self._heads(conn, sorted({r.tenant_id for r, _ in own}))
        entries: list[tuple[Entry, bytes, bytes]] = []
        for recorded, given in own:
            key = (recorded.tenant_id, recorded.stream_id)
            dialog = given if given is not None else streams.get(key)
            if dialog is not None:
                streams.setdefault(key, dialog)
            seq, prev_hash = heads.get(recorded.tenant_id, (0, GENESIS))
            entry = _entry(recorded, seq + 1, dialog)
            digest = link(prev_hash, entry)
            heads[recorded.tenant_id] = (entry.seq, digest)
            entries.append((entry, prev_hash, digest))
        return entries

    @staticmethod
    async def _stream_dialogs(
        conn: asyncpg.Connection, keys: list[StreamKey]
    ) -> dict[StreamKey, UUID]:
        """The dialog of each stream's first entry that names one."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        # One index probe per stream (LATERAL ... LIMIT 1): joined as a set, the planner took
        # the whole index as the outer side whenever its statistics said it was near empty
        # (after an ANALYZE before a load), comparing every entry with every key: seconds a
        # batch, and a catch-up of 130,000 events that did not end in 5 minutes.
        rows = await conn.fetch(
            "SELECT k.tenant_id, k.stream_id, d.dialog_id"
            " FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, stream_id)"
            " CROSS JOIN LATERAL (SELECT a.dialog_id FROM audit_entries a"
            "  WHERE a.tenant_id = k.tenant_id AND a.stream_id = k.stream_id"
            "  AND a.dialog_id IS NOT NULL ORDER BY a.seq LIMIT 1) AS d",
            [k[0] for k in wanted],
            [k[1] for k in wanted],
        )
        return {(r["tenant_id"], r["stream_id"]): r["dialog_id"] for r in rows}

    @staticmethod
    async def _heads(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, tuple[int, bytes]]:
        rows = await conn.fetch(
            "SELECT tenant_id, seq, hash FROM audit_heads WHERE tenant_id = ANY($1::text[])",
            tenants,
        )
        return {r["tenant_id"]: (int(r["seq"]), bytes(r["hash"])) for r in rows}


class _Metadata(msgspec.Struct):
    actor: Any = None
    role: Any = None
    request_id: Any = None


_metadata = msgspec.json.Decoder(_Metadata)


def _entry(recorded: RecordedEvent, seq: int, dialog_id: UUID | None) -> Entry:
    try:
        meta = _metadata.decode(recorded.metadata)
    except (msgspec.ValidationError, msgspec.DecodeError):
        meta = _Metadata()  # not an object: the entry names no one rather than stopping
    return Entry(
        tenant_id=recorded.tenant_id,
        seq=seq,
        position=recorded.position,
        event_id=recorded.event_id,
        stream_id=recorded.stream_id,
        version=recorded.version,
        context=recorded.context,
        event_type=recorded.event_type,
        dialog_id=dialog_id,
        actor=_text(meta.actor),
        role=_text(meta.role),
        request_id=_text(meta.request_id),
        recorded_at=recorded.recorded_at,
        payload=recorded.data,
    )


class CopyingTrail:
    """The audit trail as a rebuild writes it, into emptied tables, as the only writer.

    Each batch is chained exactly as the live path chains it, but from what this rebuild has
    chained so far, kept in memory (each tenant's head, and the dialog of each stream whose
    later events do not name it) rather than read back from the table, so the runtime can chain
    the next batch while PostgreSQL still writes this one. The entries go in by COPY rather
    than by an INSERT of arrays; the runtime still writes each batch with its positions in one
    transaction.
    """

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail
        self._heads: dict[str, tuple[int, bytes]] = {}
        self._streams: dict[StreamKey, UUID] = {}
        self._chained: dict[int, tuple[Any, ...]] = {}  # by position, until written

    async def prepare(self, events: Sequence[RecordedEvent]) -> None:
        """Chain a batch of the rebuild (in log order, after the batch before it)."""
        trail = self.trail
        for done, recorded in enumerate(sorted(events, key=lambda e: e.position)):
            if recorded.event_type not in trail.event_types:
                continue
            if done % 100 == 99:
                await asyncio.sleep(0)  # let the batches being read and written go on
            key = (recorded.tenant_id, recorded.stream_id)
            dialog = trail._dialog_of(recorded)
            if dialog is None:
                dialog = self._streams.get(key)
            elif recorded.event_type in trail._followed:
                self._streams.setdefault(key, dialog)
            seq, prev_hash = self._heads.get(recorded.tenant_id, (0, GENESIS))
            entry = _entry(recorded, seq + 1, dialog)
            digest = link(prev_hash, entry)
            self._heads[recorded.tenant_id] = (entry.seq, digest)
            self._chained[recorded.position] = (*_row(entry), prev_hash, digest)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        try:
            records = [self._chained.pop(e.position) for e in events]
        except KeyError:
            raise RuntimeError("the rebuild writes an event it has not chained") from None
        records.sort(key=lambda r: r[2])  # position
        await conn.copy_records_to_table("audit_entries", columns=_COLUMNS, records=records)
        last = {r[0]: r for r in records}
        await _write_heads(conn, [(t, r[1], r[2], r[-1]) for t, r in last.items()])


def _row(e: Entry) -> tuple[Any, ...]:
    """An entry's columns up to its payload, in ``_COLUMNS`` order."""
    return (
        e.tenant_id,
        e.seq,
        e.position,
        e.event_id,
        e.stream_id,
        e.version,
        e.context,
        e.event_type,
        e.dialog_id,
        e.actor,
        e.role,
        e.request_id,
        e.recorded_at,
        e.payload.decode(),
    )


async def _write_heads(conn: asyncpg.Connection, heads: list[tuple[str, int, int, bytes]]) -> None:
    """Each tenant's new head: (tenant, seq, position, hash) of its last entry."""
    await conn.execute(
        "INSERT INTO audit_heads (tenant_id, seq, position, hash)"
        " SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[])"
        " ON CONFLICT (tenant_id) DO UPDATE"
        " SET seq = excluded.seq, position = excluded.position, hash = excluded.hash",
        [h[0] for h in heads],
        [h[1] for h in heads],
        [h[2] for h in heads],
        [h[3] for h in heads],
    )


_COLUMNS = (
    "tenant_id",
    "seq",
    "position",
    "event_id",
    "stream_id",
    "version",
    "context",
    "event_type",
    "dialog_id",
    "actor",
    "role",
    "request_id",
    "recorded_at",
    "payload",
    "prev_hash",
    "hash",
)


async def _insert(conn: asyncpg.Connection, entries: list[tuple[Entry, bytes, bytes]]) -> None:
    await conn.execute(
        f"INSERT INTO audit_entries ({', '.join(_COLUMNS)})"
        " SELECT t, s, p, e, st, v, c, ty, d, a, r, rq, at, pl::jsonb, ph, h FROM unnest("
        "$1::text[], $2::bigint[], $3::bigint[], $4::uuid[], $5::uuid[], $6::int[],"
        " $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[],"
        " $13::timestamptz[], $14::text[], $15::bytea[], $16::bytea[])"
        " AS u(t, s, p, e, st, v, c, ty, d, a, r, rq, at, pl, ph, h)",
        [e.tenant_id for e, _, _ in entries],
        [e.seq for e, _, _ in entries],
        [e.position for e, _, _ in entries],
        [e.event_id for e, _, _ in entries],
        [e.stream_id for e, _, _ in entries],
        [e.version for e, _, _ in entries],
        [e.context for e, _, _ in entries],
        [e.event_type for e, _, _ in entries],
        [e.dialog_id for e, _, _ in entries],
        [e.actor for e, _, _ in entries],
        [e.role for e, _, _ in entries],
        [e.request_id for e, _, _ in entries],
        [e.recorded_at for e, _, _ in entries],
        [e.payload.decode() for e, _, _ in entries],
        [prev for _, prev, _ in entries],
        [digest for _, _, digest in entries],
    )


SELECT = (
    "SELECT seq, position, event_id, event_type, context, stream_id, version, dialog_id, actor,"
    " role, request_id, recorded_at, payload::text AS payload, prev_hash, hash"
    " FROM audit_entries"
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


class AuditQueries:
    """Reads of the audit trail, on the request role's pool: a page, newest first, or every
    matching entry, oldest first, through a server-side cursor."""

    def __init__(self, pool: asyncpg.Pool, catalogue: Catalogue) -> None:
        self.pool = pool
        self.catalogue = catalogue

    def checked(self, chosen: AuditFilter) -> AuditFilter:
        """``chosen``, or a 422 naming what cannot match."""
        return chosen.checked(self.catalogue)

    async def page(
        self, tenant_id: str, chosen: AuditFilter, after: UUID | None, limit: int
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` entries, newest first, older than the one of event ``after``."""
        clause, args = chosen.where(tenant_id, self.catalogue)
        if after is not None:
            args.append(after)
            clause += (
                f" AND seq < (SELECT min(seq) FROM audit_entries"
                f" WHERE tenant_id = $1 AND event_id = ${len(args)})"
            )
        args.append(limit)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                f"{SELECT} WHERE {clause} ORDER BY seq DESC LIMIT ${len(args)}", *args
            )
        return rows

    async def entries(self, tenant_id: str, chosen: AuditFilter) -> AsyncIterator[asyncpg.Record]:
        """Every matching entry, oldest first, read in one read of the tenant's rows."""
        clause, args = chosen.where(tenant_id, self.catalogue)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            query = f"{SELECT} WHERE {clause} ORDER BY seq"
            async for row in conn.cursor(query, *args, prefetch=500):
                yield row
