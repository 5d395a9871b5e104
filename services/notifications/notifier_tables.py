"""The notifier's tables: the facts it keeps (dialog titles, post authors, who took part, budget
projects and who follows them) and the in-app items and deliveries it records, each with an id
that makes a repeat a no-op."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.model import RecordedEvent
from services.notifications import project_tables
from services.notifications.facts import (
    ON_POST,
    Batch,
    DialogTitle,
    Key,
    Note,
    PostFact,
    delivery_id,
    expanded,
)
from services.notifications.kinds import Channel


async def load(conn: asyncpg.Connection, decoded: list[tuple[RecordedEvent, Any]]) -> Batch:
    """The facts a batch refers to: its posts first, then the dialogs of those and of events."""
    post_keys = {(r.tenant_id, r.stream_id) for r, _ in decoded if r.event_type in ON_POST}
    post_keys |= {(r.tenant_id, e.post_id) for r, e in decoded if hasattr(e, "post_id")}
    post_keys |= {
        (r.tenant_id, p)
        for r, e in decoded
        if r.event_type == "DecisionRecorded"
        for p in e.post_ids
    }
    post_keys |= {
        (r.tenant_id, p)
        for r, e in decoded
        if r.event_type == "PostMergedInto"
        for p in (r.stream_id, e.into_post_id)
    }
    rows = await conn.fetch(
        "SELECT n.* FROM notification_posts n JOIN unnest($1::text[], $2::uuid[]) AS k(t, id)"
        " ON n.tenant_id = k.t AND n.post_id = k.id",
        [k[0] for k in post_keys],
        [k[1] for k in post_keys],
    )
    posts = {
        (r["tenant_id"], r["post_id"]): PostFact(r["dialog_id"], r["author_id"], r["title_at"])
        for r in rows
    }
    rounds, projects = await project_tables.load(conn, decoded)
    dialog_keys = {(t, p.dialog_id) for (t, _), p in posts.items()}
    dialog_keys |= {(t, p.dialog_id) for (t, _), p in projects.items()}
    dialog_keys |= {(t, d) for (t, _), d in rounds.items()}
    dialog_keys |= {(r.tenant_id, e.dialog_id) for r, e in decoded if hasattr(e, "dialog_id")}
    dialog_keys |= {
        (r.tenant_id, r.stream_id)
        for r, _ in decoded
        if "Dialog" in r.event_type or r.event_type == "ReportBackReminderDue"
    }
    dialog_keys = {k for k in dialog_keys if k[1] is not None}
    rows = await conn.fetch(
        "SELECT n.* FROM notification_dialogs n JOIN unnest($1::text[], $2::uuid[]) AS k(t, id)"
        " ON n.tenant_id = k.t AND n.dialog_id = k.id",
        [k[0] for k in dialog_keys],
        [k[1] for k in dialog_keys],
    )
    return Batch(
        dialogs={
            (r["tenant_id"], r["dialog_id"]): DialogTitle(
                r["title"], _titles.decode(r["translations"])
            )
            for r in rows
        },
        posts=posts,
        rounds=rounds,
        projects=projects,
    )


async def administrators(conn: asyncpg.Connection, tenant_id: str) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT person_id FROM notification_administrators WHERE tenant_id = $1", tenant_id
    )
    return {r["person_id"] for r in rows}


async def post_people(conn: asyncpg.Connection, key: Key) -> set[UUID]:
    """Who supported, signed or commented on the post ``key`` (as recorded so far)."""
    rows = await conn.fetch(
        "SELECT person_id FROM notification_post_people WHERE tenant_id = $1 AND post_id = $2",
        *key,
    )
    return {r["person_id"] for r in rows}


async def participants(conn: asyncpg.Connection, key: Key) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT person_id FROM notification_participants WHERE tenant_id = $1 AND dialog_id = $2",
        *key,
    )
    return {r["person_id"] for r in rows}


_titles = msgspec.json.Decoder(dict[str, str])
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class Facts:
    """The fact rows a batch writes: dialog titles and posts it learnt (as they stood after
    it), and who took part where."""

    dialogs: list[tuple[str, UUID, str, str]]  # with the title's translations (JSON)
    posts: list[tuple[str, UUID, UUID, UUID, int]]
    joined: list[tuple[str, UUID, UUID]]
    backed: list[tuple[str, UUID, UUID]] = field(default_factory=list)
    staff: dict[tuple[str, UUID], bool] = field(default_factory=dict)  # the last change wins
    budgets: project_tables.ProjectFacts = field(default_factory=project_tables.ProjectFacts)


def facts(batch: Batch) -> Facts:
    return Facts(
        dialogs=[
            (*k, str(title), _encoder.encode(getattr(title, "translations", {})).decode())
            for k in sorted(batch.dialogs_changed)
            for title in [batch.dialogs[k]]
        ],
        posts=[
            (*k, p.dialog_id, p.author_id, p.title_at)
            for k in sorted(batch.posts_changed)
            for p in [batch.posts[k]]
        ],
        joined=sorted(set(batch.joined)),
        backed=sorted(set(batch.backed)),
        staff={(t, person): admin for t, person, admin in batch.staff},
        budgets=project_tables.facts(batch),
    )


async def save_facts(conn: asyncpg.Connection, facts: Facts) -> None:
    await conn.execute(
        "INSERT INTO notification_dialogs (tenant_id, dialog_id, title, translations)"
        " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[])"
        " ON CONFLICT (tenant_id, dialog_id) DO UPDATE"
        " SET title = excluded.title, translations = excluded.translations",
        *_columns(facts.dialogs, 4),
    )
    await conn.execute(
        "INSERT INTO notification_posts (tenant_id, post_id, dialog_id, author_id, title_at)"
        " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[])"
        " ON CONFLICT (tenant_id, post_id) DO UPDATE SET title_at = excluded.title_at",
        *_columns(facts.posts, 5),
    )
    await conn.execute(
        "INSERT INTO notification_participants (tenant_id, dialog_id, person_id)"
        " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
        *_columns(facts.joined, 3),
    )
    if facts.staff:
        keys = sorted(facts.staff)
        admins = [k for k in keys if facts.staff[k]]
        others = [k for k in keys if not facts.staff[k]]
        await conn.execute(
            "INSERT INTO notification_administrators (tenant_id, person_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING",
            [k[0] for k in admins],
            [k[1] for k in admins],
        )
        await conn.execute(
            "DELETE FROM notification_administrators a"
            " USING unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
            " WHERE a.tenant_id = k.tenant_id AND a.person_id = k.person_id",
            [k[0] for k in others],
            [k[1] for k in others],
        )
    if facts.backed:
        await conn.execute(
            "INSERT INTO notification_post_people (tenant_id, post_id, person_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
            *_columns(facts.backed, 3),
        )
    await project_tables.save(conn, facts.budgets)


@dataclass
class Records:
    """The rows of a batch's notes, as the columns ``record`` sends: each note once (tenant,
    kind, event, details, time), and per recipient its in-app item (id, person, note) and, for
    a fresh event, its e-mail and push deliveries (their two ids, person, note). Each note's
    values are sent once, not once per recipient and channel."""

    notes: list[list[Any]] = field(default_factory=lambda: [[], [], [], [], []])
    items: list[list[Any]] = field(default_factory=lambda: [[], [], []])
    deliveries: list[list[Any]] = field(default_factory=lambda: [[], [], [], []])

    def add(self, notes: Sequence[tuple[RecordedEvent, Note]], fresh_after: datetime) -> None:
        """In-app items for every recipient; e-mail and push deliveries for fresh events.
        Whether a person wants them is decided when sending, so a rebuild finds the same rows
        to conflict."""
        tenants, kinds, events, details, times = self.notes
        item_ids, item_people, item_notes = self.items
        email_ids, push_ids, delivery_people, delivery_notes = self.deliveries
        encode = msgspec.json.encode
        for recorded, note in notes:
            tenants.append(recorded.tenant_id)
            kinds.append(note.kind.value)
            events.append(recorded.event_id)
            details.append(encode(expanded(note.details)).decode())
            times.append(recorded.recorded_at)
            number = len(tenants)  # the note's ordinal among the notes sent
            event_id = str(recorded.event_id)
            fresh = recorded.recorded_at >= fresh_after
            for person in note.recipients:
                whom = str(person)
                item_ids.append(delivery_id(event_id, whom, Channel.IN_APP))
                item_people.append(whom)
                item_notes.append(number)
                if fresh:
                    email_ids.append(delivery_id(event_id, whom, Channel.EMAIL))
                    push_ids.append(delivery_id(event_id, whom, Channel.PUSH))
                    delivery_people.append(whom)
                    delivery_notes.append(number)


def records(notes: Sequence[tuple[RecordedEvent, Note]], fresh_after: datetime) -> Records:
    made = Records()
    made.add(notes, fresh_after)
    return made


_RECORD = f"""
WITH note AS MATERIALIZED (
    SELECT n.o, n.t, n.k, n.e, n.d::jsonb AS d, n.at
    FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])
        WITH ORDINALITY AS n(t, k, e, d, at, o)
), items AS (
    INSERT INTO notifications
        (notification_id, tenant_id, person_id, kind, event_id, details, created_at)
    SELECT i.id, note.t, i.p, note.k, note.e, note.d, note.at
    FROM unnest($6::uuid[], $7::uuid[], $8::bigint[]) AS i(id, p, o) JOIN note USING (o)
    ON CONFLICT DO NOTHING
)
INSERT INTO notification_deliveries (delivery_id, tenant_id, person_id, kind, event_id,
    details, next_attempt_at, created_at, channel)
SELECT CASE c.channel WHEN '{Channel.EMAIL.value}' THEN r.email ELSE r.push END,
    note.t, r.p, note.k, note.e, note.d, note.at, note.at, c.channel
FROM unnest($9::uuid[], $10::uuid[], $11::uuid[], $12::bigint[]) AS r(email, push, p, o)
    JOIN note USING (o)
    CROSS JOIN (VALUES ('{Channel.EMAIL.value}'), ('{Channel.PUSH.value}')) AS c(channel)
ON CONFLICT DO NOTHING
"""


# The notes already made that show a title of an erased author's post: a note on the post
# (its path) shows it as "title", a merge shows the duplicate's as "title" (named by "post")
# and the post it went into (its path) as "into".
_FORGET_TITLES = """
WITH gone AS (
    SELECT p.tenant_id, p.post_id::text AS post, '/posts/' || p.post_id::text AS path
    FROM notification_posts p
    JOIN unnest($1::text[], $2::uuid[]) AS e(tenant_id, person_id)
      ON p.tenant_id = e.tenant_id AND p.author_id = e.person_id
)
UPDATE {table} n SET details = n.details || jsonb_build_object({field}, $3::text)
FROM gone g
WHERE n.tenant_id = g.tenant_id AND n.details ? {field} AND ({matches})
"""
_TITLE_OF = (
    "n.details->>'post' = g.post OR (n.kind <> 'post-merged' AND n.details->>'path' = g.path)"
)
_INTO_OF = "n.kind = 'post-merged' AND n.details->>'path' = g.path"


async def forget_titles(
    conn: asyncpg.Connection, erased: list[tuple[str, UUID]], text: str
) -> None:
    """Erased authors' post titles (and erased proposers' budget project titles) out of the
    in-app notes and the deliveries made before the erasure (sent ones included), each
    replaced by ``text``: from now on they read as erased there too, as in every note made
    after."""
    if not erased:
        return
    tenants, people = [e[0] for e in erased], [e[1] for e in erased]
    for table in ("notifications", "notification_deliveries"):
        for name, matches in (("'title'", _TITLE_OF), ("'into'", _INTO_OF)):
            await conn.execute(
                _FORGET_TITLES.format(table=table, field=name, matches=matches),
                tenants,
                people,
                text,
            )
    await project_tables.forget_titles(conn, tenants, people, text)


async def record(conn: asyncpg.Connection, rows: Records) -> None:
    """Insert the rows none of which was inserted before (a repeat is a no-op), in one
    statement."""
    if rows.notes[0]:
        await conn.execute(_RECORD, *rows.notes, *rows.items, *rows.deliveries)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]
