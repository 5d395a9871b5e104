"""The answers of focus groups with the moderator's marks, the notes staff leave on them and
each group's live feed; the groups and their members, to list a person's groups: read models
and the queries beside them.

Texts are personal data, sealed in the events under their writers' keys: ``PersonErased``
turns a person's texts here into ``[erased]``, which is what a rebuild makes of their events
(their sealed fields decode as erased), so the live and the rebuilt rows are the same.

The feed (``focus_group_feed``) holds one row per event that changes what a watcher of a group
sees, keyed by that event's log position: the server-sent event's id of the group's live
stream (``services.focus_groups.live``). It is written in the transaction that writes the
answers and notes its rows point at, and notifies ``FOCUS_GROUP_CHANNEL`` with
'<tenant>:<group>' in it, so a gateway's feed hub reads the new rows at once, their answers and
notes with them. A projection applies a tenant's events in log order, batch after batch, so a
group's feed only grows at its end; the one change to a row written earlier is ``cancelled``,
set on a release that a later release of the item (a new time) or its deletion replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASED, ERASURE_EVENT
from events.tables import Key, Row

FOCUS_GROUP_CHANNEL = "tinget_focus_group"  # NOTIFY payload: '<tenant>:<group id>'

# The group's own events: each one row of its feed, named as the feed names it.
_GROUP_EVENTS = {
    "FocusGroupCreated": "created",
    "FocusGroupChanged": "changed",
    "FocusGroupMemberAdded": "member-added",
    "FocusGroupMemberRemoved": "member-removed",
    "FocusGroupItemAdded": "item-added",
    "FocusGroupItemReleased": "released",
    "FocusGroupItemDeleted": "item-deleted",
    "FocusGroupItemWithdrawn": "withdrawn",
    "FocusGroupFollowUpSent": "follow-up",
}
_FEED_COLUMNS = (
    "tenant_id",
    "group_id",
    "position",
    "event",
    "subject_id",
    "target_id",
    "person_id",
    "role",
    "release_at",
    "cancelled",
    "visible",
    "pinned",
    "hidden",
    "highlighted",
    "at",
)


def _feed_row(recorded: RecordedEvent, group_id: UUID, name: str, **values: Any) -> Row:
    row: Row = dict.fromkeys(_FEED_COLUMNS)
    row.update(
        tenant_id=recorded.tenant_id,
        group_id=group_id,
        position=recorded.position,
        event=name,
        cancelled=False,
        **values,
    )
    return row


def _group_row(recorded: RecordedEvent, event: Any) -> Row:
    """The feed's row of one of the group's own events."""
    name = _GROUP_EVENTS[recorded.event_type]
    group_id = recorded.stream_id
    at = event.timestamp
    match name:
        case "created" | "changed":
            return _feed_row(
                recorded,
                group_id,
                name,
                subject_id=group_id,
                visible=event.answers_visible_before_answering,
                at=at,
            )
        case "member-added" | "member-removed":
            return _feed_row(
                recorded,
                group_id,
                name,
                subject_id=event.person_id,
                person_id=event.person_id,
                role=event.role,
                at=at,
            )
        case "released":
            return _feed_row(
                recorded, group_id, name, subject_id=event.item_id, release_at=event.at, at=at
            )
        case "follow-up":
            return _feed_row(
                recorded,
                group_id,
                name,
                subject_id=event.follow_up_id,
                target_id=event.item_id,
                person_id=event.to,
                at=at,
            )
    return _feed_row(recorded, group_id, name, subject_id=event.item_id, at=at)


class AnswerRow(msgspec.Struct, kw_only=True):
    answer_id: UUID
    group_id: UUID
    item_id: UUID
    person_id: UUID
    text: str
    pinned: bool
    hidden: bool
    highlighted: bool
    answered_at: datetime


class NoteRow(msgspec.Struct, kw_only=True):
    note_id: UUID
    group_id: UUID
    author_id: UUID
    item_id: UUID | None
    answer_id: UUID | None
    text: str
    written_at: datetime


class FocusGroupAnswers:
    """Rows of ``focus_group_answers`` and ``focus_group_notes``, and each group's feed."""

    name = "focus_group_answers"
    event_types = frozenset(
        {
            "FocusGroupAnswerGiven",
            "FocusGroupAnswerMarked",
            "ObserverNoteWritten",
            ERASURE_EVENT,
            *_GROUP_EVENTS,
        }
    )
    tables: tuple[str, ...] = ("focus_group_answers", "focus_group_notes", "focus_group_feed")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        answers: dict[Key, Row | None] = dict(
            await tables.load(
                conn,
                "focus_group_answers",
                "answer_id",
                (
                    (r.tenant_id, r.stream_id)
                    for r in events
                    if r.event_type in ("FocusGroupAnswerGiven", "FocusGroupAnswerMarked")
                ),
            )
        )
        notes: list[Row] = []
        feed: list[Row] = []
        erased: list[Key] = []
        touched: set[Key] = set()
        for r in events:
            key = (r.tenant_id, r.stream_id)
            if r.event_type == ERASURE_EVENT:
                erased.append(key)
                continue
            event: Any = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            if r.event_type in _GROUP_EVENTS:
                feed.append(_group_row(r, event))
            elif r.event_type == "FocusGroupAnswerGiven":
                if answers.get(key) is None:
                    answers[key] = {
                        "tenant_id": r.tenant_id,
                        "answer_id": r.stream_id,
                        "group_id": event.group_id,
                        "item_id": event.item_id,
                        "person_id": event.person_id,
                        "text": event.text,
                        "pinned": False,
                        "hidden": False,
                        "highlighted": False,
                        "answered_at": event.timestamp,
                    }
                    touched.add(key)
                    feed.append(
                        _feed_row(
                            r,
                            event.group_id,
                            "answer",
                            subject_id=r.stream_id,
                            target_id=event.item_id,
                            person_id=event.person_id,
                            at=event.timestamp,
                        )
                    )
            elif r.event_type == "FocusGroupAnswerMarked":
                row = answers.get(key)
                if row is not None:
                    row = answers[key] = {**row, event.mark: event.on}
                    touched.add(key)
                    feed.append(
                        _feed_row(
                            r,
                            row["group_id"],
                            "marked",
                            subject_id=r.stream_id,
                            target_id=row["item_id"],
                            person_id=row["person_id"],
                            pinned=row["pinned"],
                            hidden=row["hidden"],
                            highlighted=row["highlighted"],
                            at=event.timestamp,
                        )
                    )
            elif r.event_type == "ObserverNoteWritten":
                notes.append(
                    {
                        "tenant_id": r.tenant_id,
                        "note_id": r.stream_id,
                        "group_id": event.group_id,
                        "author_id": event.author_id,
                        "item_id": event.item_id,
                        "answer_id": event.answer_id,
                        "text": event.text,
                        "written_at": event.timestamp,
                    }
                )
                feed.append(
                    _feed_row(
                        r,
                        event.group_id,
                        "note",
                        subject_id=r.stream_id,
                        target_id=event.answer_id or event.item_id,
                        person_id=event.author_id,
                        at=event.timestamp,
                    )
                )
        changed = [row for k in sorted(touched) if (row := answers.get(k)) is not None]
        await tables.upsert(conn, "focus_group_answers", ("tenant_id", "answer_id"), changed)
        await tables.upsert(conn, "focus_group_notes", ("tenant_id", "note_id"), notes)
        await write_feed(conn, feed)
        await erase_texts(conn, erased)


async def write_feed(conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
    """Add rows to the groups' feeds, cancel the releases they replace, and tell the gateways'
    hubs which groups' feeds grew (in the same transaction: told once it is committed)."""
    if not rows:
        return
    await tables.upsert(conn, "focus_group_feed", ("tenant_id", "group_id", "position"), rows)
    # a new time for an item, or its deletion, replaces the item's releases before it (the
    # group refuses both once the item is released: the replaced ones never came out)
    replacing = [r for r in rows if r["event"] in ("released", "item-deleted")]
    if replacing:
        await conn.execute(
            "UPDATE focus_group_feed f SET cancelled = true"
            " FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::bigint[])"
            " AS k(tenant_id, group_id, item_id, position)"
            " WHERE f.tenant_id = k.tenant_id AND f.group_id = k.group_id"
            " AND f.event = 'released' AND f.subject_id = k.item_id"
            " AND f.position < k.position AND NOT f.cancelled",
            *[
                [r[c] for r in replacing]
                for c in ("tenant_id", "group_id", "subject_id", "position")
            ],
        )
    groups = sorted({f"{r['tenant_id']}:{r['group_id']}" for r in rows})
    await conn.execute(
        "SELECT pg_notify($1, g) FROM unnest($2::text[]) AS g", FOCUS_GROUP_CHANNEL, groups
    )


async def erase_texts(conn: asyncpg.Connection, people: Sequence[Key]) -> None:
    """An erased person's answers and notes read as their events now decode: erased."""
    if not people:
        return
    for table, column in (("focus_group_answers", "person_id"), ("focus_group_notes", "author_id")):
        await conn.execute(
            f"UPDATE {table} t SET text = $3"
            " FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
            f" WHERE t.tenant_id = k.tenant_id AND t.{column} = k.person_id",
            [k[0] for k in people],
            [k[1] for k in people],
            ERASED,
        )


class FocusGroupListing:
    """Rows of ``focus_groups`` and ``focus_group_members``: ids, roles and titles only."""

    name = "focus_group_listing"
    event_types = frozenset(
        {
            "FocusGroupCreated",
            "FocusGroupChanged",
            "FocusGroupMemberAdded",
            "FocusGroupMemberRemoved",
        }
    )
    tables: tuple[str, ...] = ("focus_groups", "focus_group_members")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        groups: dict[Key, Row | None] = dict(
            await tables.load(
                conn, "focus_groups", "group_id", ((r.tenant_id, r.stream_id) for r in events)
            )
        )
        # (tenant, group, person) -> (role, added at), or None: removed
        members: dict[tuple[str, UUID, UUID], tuple[str, datetime] | None] = {}
        touched: set[Key] = set()
        for r in events:
            key = (r.tenant_id, r.stream_id)
            event: Any = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            row = groups.get(key)
            if r.event_type == "FocusGroupCreated":
                if row is None:
                    groups[key] = {
                        "tenant_id": r.tenant_id,
                        "group_id": r.stream_id,
                        "title": event.title,
                        "participants": 0,
                        "created_at": event.timestamp,
                    }
                    touched.add(key)
                members[(r.tenant_id, r.stream_id, event.moderator_id)] = (
                    "moderator",
                    event.timestamp,
                )
            elif row is None:
                continue
            elif r.event_type == "FocusGroupChanged":
                groups[key] = {**row, "title": event.title}
                touched.add(key)
            elif r.event_type in ("FocusGroupMemberAdded", "FocusGroupMemberRemoved"):
                added = r.event_type == "FocusGroupMemberAdded"
                member = (r.tenant_id, r.stream_id, event.person_id)
                members[member] = (event.role, event.timestamp) if added else None
                if event.role == "participant":
                    count = row["participants"] + (1 if added else -1)
                    groups[key] = {**row, "participants": count}
                    touched.add(key)
        changed = [row for k in sorted(touched) if (row := groups.get(k)) is not None]
        await tables.upsert(conn, "focus_groups", ("tenant_id", "group_id"), changed)
        present = [(*k, *v) for k, v in members.items() if v is not None]
        gone = [k for k, v in members.items() if v is None]
        if present:
            await conn.executemany(
                "INSERT INTO focus_group_members (tenant_id, group_id, person_id, role, added_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, group_id, person_id)"
                " DO UPDATE SET role = excluded.role, added_at = excluded.added_at",
                present,
            )
        if gone:
            await conn.executemany(
                "DELETE FROM focus_group_members"
                " WHERE tenant_id = $1 AND group_id = $2 AND person_id = $3",
                gone,
            )


class GroupRow(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    participants: int
    created_at: datetime
    role: str | None  # the viewer's in the group; null: an administrator who is no member


_ANSWER_COLUMNS = (
    "answer_id, group_id, item_id, person_id, text, pinned, hidden, highlighted, answered_at"
)
_NOTE_COLUMNS = "note_id, group_id, author_id, item_id, answer_id, text, written_at"


class FocusGroupQueries:
    """Reads of the answers and notes, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def answers(self, tenant_id: str, group_id: UUID) -> list[AnswerRow]:
        """Every answer of the group, oldest first."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT {_ANSWER_COLUMNS} FROM focus_group_answers WHERE tenant_id = $1"
                " AND group_id = $2 ORDER BY answered_at, answer_id",
                tenant_id,
                group_id,
            )
        return [AnswerRow(**dict(r)) for r in rows]

    async def answer(self, tenant_id: str, group_id: UUID, answer_id: UUID) -> AnswerRow | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                f"SELECT {_ANSWER_COLUMNS} FROM focus_group_answers WHERE tenant_id = $1"
                " AND group_id = $2 AND answer_id = $3",
                tenant_id,
                group_id,
                answer_id,
            )
        return None if row is None else AnswerRow(**dict(row))

    async def groups(self, tenant_id: str, viewer: UUID, *, every: bool) -> list[GroupRow]:
        """The groups the viewer is a member of (``every``: all of the municipality's),
        newest first, each with the viewer's role in it."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT g.group_id AS id, g.title, g.participants, g.created_at, m.role"
                " FROM focus_groups g LEFT JOIN focus_group_members m"
                " ON m.tenant_id = g.tenant_id AND m.group_id = g.group_id AND m.person_id = $2"
                " WHERE g.tenant_id = $1 AND ($3 OR m.person_id IS NOT NULL)"
                " ORDER BY g.created_at DESC, g.group_id",
                tenant_id,
                viewer,
                every,
            )
        return [GroupRow(**dict(r)) for r in rows]

    async def notes(self, tenant_id: str, group_id: UUID) -> list[NoteRow]:
        """Every note on the group, oldest first."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT {_NOTE_COLUMNS} FROM focus_group_notes WHERE tenant_id = $1"
                " AND group_id = $2 ORDER BY written_at, note_id",
                tenant_id,
                group_id,
            )
        return [NoteRow(**dict(r)) for r in rows]


__all__ = [
    "FOCUS_GROUP_CHANNEL",
    "AnswerRow",
    "FocusGroupAnswers",
    "FocusGroupListing",
    "FocusGroupQueries",
    "GroupRow",
    "NoteRow",
    "erase_texts",
    "write_feed",
]
