"""Posts and comments as participants see them, with supports, signatures and comment counts.

The municipality's latest official answer to a proposal, idea, petition or suggestion shows as
``answer_state``, ``answer_text`` and ``answered_at`` (null until it is answered), and a
dialog's listing can be filtered by it.

Moderation shows here too: ``status`` is 'pending' (waiting for approval in a pre-moderated
dialog), 'published', 'hidden', 'withdrawn' or 'merged' (a near-duplicate merged into the post
``merged_into``; its supports are carried there), and ``moderation_reason`` is the last reason
a moderator gave (shown to the author). The listings show 'published' posts only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASED, ERASURE_EVENT
from events.tables import Key, Row
from services.dialogs.kinds import post_rules


def _submitted(key: Key, event: Any) -> Row:
    place = event.place
    return {
        "tenant_id": key[0],
        "post_id": key[1],
        "dialog_id": event.dialog_id,
        "kind": event.kind,
        "author_id": event.author_id,
        "anonymous": event.anonymous,
        "title": event.title,
        "body": event.body,
        "parent_id": event.parent_id,
        "root_id": event.root_id,
        "latitude": None if place is None else place.latitude,
        "longitude": None if place is None else place.longitude,
        "address": None if place is None else place.address,
        "image": event.image,
        "status": "published",
        "moderation_reason": None,
        "report_status": post_rules(event.kind).initial_status,
        "report_message": None,
        "answer_state": None,
        "answer_text": None,
        "answered_at": None,
        "supports": 0,
        "signatures": 0,
        "comments": 0,
        "threshold_reached": False,
        "created_at": event.timestamp,
        "edited_at": None,
        "merged_into": None,
    }


def evolve(row: Row | None, key: Key, event_type: str, event: Any) -> Row | None:
    """The post's row after one event that concerns it (a pure function)."""
    if event_type == "PostSubmitted" and row is None:
        return _submitted(key, event)
    if row is None:
        return None
    row = dict(row)
    match event_type:
        case "PostSubmitted":  # a comment in this post's thread
            row["comments"] += 1
        case "PostEdited":
            row.update(title=event.title, body=event.body, edited_at=event.timestamp)
        case "PostWithdrawn":
            row["status"] = "withdrawn"
        case "ThresholdReached" | "SignatureGoalReached":
            row["threshold_reached"] = True
        case "ReportStatusChanged":
            row.update(report_status=event.status, report_message=event.message)
        case "PostAnswered":
            row.update(
                answer_state=event.state, answer_text=event.text, answered_at=event.timestamp
            )
        case "SupportGiven" | "SupportCarriedOver":
            row["supports"] += 1
        case "PostMergedInto":
            # left out of the listings; hidden or withdrawn, it stays so
            row["merged_into"] = event.into_post_id
            if row["status"] in ("published", "pending"):
                row["status"] = "merged"
        case "PetitionSigned":
            row["signatures"] += 1
        case _:
            _moderated(row, event_type, event)
    return row


def _moderated(row: Row, event_type: str, event: Any) -> None:
    """A moderation decision: never revives a withdrawn post, nor lists a merged one."""
    status = row["status"]
    shown = "published" if row.get("merged_into") is None else "merged"
    match event_type:
        case "PostHeldForReview" if status in ("published", "merged"):
            row["status"] = "pending"
        case "PostApproved" if status == "pending":
            row.update(status=shown, moderation_reason=None)
        case "PostHidden" if status != "withdrawn":
            row.update(status="hidden", moderation_reason=event.reason)
        case "PostRestored" if status == "hidden":
            row.update(status=shown, moderation_reason=event.reason)
        case "AppealDecided" if status == "hidden":
            row.update(status="hidden" if event.upheld else shown, moderation_reason=event.reason)


_MODERATION = frozenset(
    {"PostHeldForReview", "PostApproved", "PostHidden", "PostRestored", "AppealDecided"}
)
_BY_POST_ID = frozenset({"SupportGiven", "SupportCarriedOver", "PetitionSigned", *_MODERATION})


def _keys(recorded: RecordedEvent, event: Any) -> list[Key]:
    """The posts an event changes: itself, or the post it supports, or its thread's root."""
    t = recorded.tenant_id
    if recorded.event_type in _BY_POST_ID:
        return [(t, event.post_id)]
    if recorded.event_type == "PostSubmitted" and event.root_id is not None:
        return [(t, recorded.stream_id), (t, event.root_id)]
    return [(t, recorded.stream_id)]


class PostListing:
    name = "post_listing"
    event_types = frozenset(
        {
            "PostSubmitted",
            "PostEdited",
            "PostWithdrawn",
            "ThresholdReached",
            "SignatureGoalReached",
            "ReportStatusChanged",
            "PostAnswered",
            "SupportGiven",
            "SupportCarriedOver",
            "PetitionSigned",
            "PostMergedInto",
            *_MODERATION,
            ERASURE_EVENT,
        }
    )
    tables: tuple[str, ...] = ("posts", "post_holds")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        erased = [(r.tenant_id, r.stream_id) for r in events if r.event_type == ERASURE_EVENT]
        events = [r for r in events if r.event_type != ERASURE_EVENT]
        await self._apply(conn, events)
        await erase_authors(conn, erased)

    async def _apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        work = [
            (k, r.event_type, e)
            for r in events
            for e in [self.codec.decode(r.event_type, r.data, r.stream_id, r.version)]
            for k in _keys(r, e)
        ]
        rows: dict[Key, Row | None] = dict(
            await tables.load(conn, "posts", "post_id", (k for k, _, _ in work))
        )
        new_posts = [k for k, t, _ in work if t == "PostSubmitted" and rows.get(k) is None]
        early = await _early_holds(conn, new_posts)
        held, resolved = set(early), set()
        touched: set[Key] = set()
        for key, event_type, event in work:
            row = rows.get(key)
            if event_type == "PostHeldForReview" and row is None:
                held.add(key)  # its PostSubmitted follows in the same append
                continue
            row = rows[key] = evolve(row, key, event_type, event)
            if event_type == "PostSubmitted" and row is not None and key in held:
                row["status"] = "pending"
                held.discard(key)
                resolved.add(key)
            touched.add(key)
        changed = [row for k in sorted(touched) if (row := rows.get(k)) is not None]
        await tables.upsert(conn, "posts", ("tenant_id", "post_id"), changed)
        await _keep_holds(conn, sorted(held - set(early)), sorted(resolved & set(early)))


async def erase_authors(conn: asyncpg.Connection, people: Sequence[Key]) -> None:
    """An erased person's posts read as their events now decode: texts erased, no place.
    (Their events' sealed fields can no longer be opened, so a rebuild gives the same rows.)"""
    if not people:
        return
    await conn.execute(
        "UPDATE posts p SET title = CASE WHEN p.title IS NULL THEN NULL ELSE $3 END,"
        " body = $3, latitude = NULL, longitude = NULL, address = NULL"
        " FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
        " WHERE p.tenant_id = k.tenant_id AND p.author_id = k.person_id",
        [k[0] for k in people],
        [k[1] for k in people],
        ERASED,
    )


# One append's events are stored in stream order, not in the order given, so a post's
# PostHeldForReview (on its moderation case) may come before its PostSubmitted, even in an
# earlier batch. Such a hold waits in ``post_holds`` until its post arrives.


async def _early_holds(conn: asyncpg.Connection, keys: Sequence[Key]) -> set[Key]:
    if not keys:
        return set()
    rows = await conn.fetch(
        "SELECT h.tenant_id, h.post_id FROM post_holds h"
        " JOIN unnest($1::text[], $2::uuid[]) AS k(tenant_id, id)"
        " ON h.tenant_id = k.tenant_id AND h.post_id = k.id",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["tenant_id"], r["post_id"]) for r in rows}


async def _keep_holds(conn: asyncpg.Connection, waiting: list[Key], arrived: list[Key]) -> None:
    if waiting:
        await conn.execute(
            "INSERT INTO post_holds (tenant_id, post_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING",
            [k[0] for k in waiting],
            [k[1] for k in waiting],
        )
    if arrived:
        await conn.execute(
            "DELETE FROM post_holds h USING unnest($1::text[], $2::uuid[]) AS k(tenant_id, id)"
            " WHERE h.tenant_id = k.tenant_id AND h.post_id = k.id",
            [k[0] for k in arrived],
            [k[1] for k in arrived],
        )


UNANSWERED = "unanswered"  # the listing's filter value for posts with no official answer yet

# A post's comments are counted as participants see them: published ones, not those hidden or
# waiting for approval (nor withdrawn).
_SELECT = (
    "SELECT p.*, pe.display_name, (SELECT count(*) FROM posts c WHERE c.tenant_id = p.tenant_id"
    " AND c.root_id = p.post_id AND c.status = 'published')::int AS published_comments"
    " FROM posts p"
    " LEFT JOIN people pe ON pe.tenant_id = p.tenant_id AND pe.person_id = p.author_id"
    " AND pe.erased_at IS NULL"
)


class PostQueries:
    """Reads of the post listing, on the request role's pool: one tenant's rows each, with the
    author's display name and the published comments."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def row(self, tenant_id: str, post_id: UUID) -> asyncpg.Record | None:
        """One post or comment, whatever its status; None if there is none."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row: asyncpg.Record | None = await conn.fetchrow(
                f"{_SELECT} WHERE p.tenant_id = $1 AND p.post_id = $2", tenant_id, post_id
            )
        return row

    async def posts(
        self,
        tenant_id: str,
        dialog_id: UUID,
        after: tuple[datetime, UUID] | None,
        limit: int,
        answer: str | None = None,
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` published posts of a dialog (not comments), newest first, after
        the keyset ``after``; with ``answer``, only those whose latest official answer is in
        that state (``UNANSWERED``: those with none yet)."""
        return await self._page(
            tenant_id, "p.root_id IS NULL AND p.dialog_id", dialog_id, after, limit, True, answer
        )

    async def summary(
        self, tenant_id: str, dialog_id: UUID, top: int
    ) -> tuple[dict[str, int], list[asyncpg.Record]]:
        """How many published posts the dialog has per state of their latest official answer
        (``UNANSWERED``: none yet), and its ``top`` most backed (supports and signatures)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            counts = await conn.fetch(
                f"SELECT coalesce(answer_state, '{UNANSWERED}') AS state, count(*)::int AS n"
                " FROM posts WHERE tenant_id = $1 AND dialog_id = $2 AND root_id IS NULL"
                " AND status = 'published' GROUP BY 1",
                tenant_id,
                dialog_id,
            )
            rows: list[asyncpg.Record] = await conn.fetch(
                f"{_SELECT} WHERE p.tenant_id = $1 AND p.dialog_id = $2 AND p.root_id IS NULL"
                " AND p.status = 'published'"
                " ORDER BY p.supports + p.signatures DESC, p.created_at, p.post_id LIMIT $3",
                tenant_id,
                dialog_id,
                top,
            )
        return {r["state"]: r["n"] for r in counts}, rows

    async def comments(
        self, tenant_id: str, root_id: UUID, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` published comments under a post, oldest first, after ``after``."""
        return await self._page(tenant_id, "p.root_id", root_id, after, limit, False)

    async def _page(
        self,
        tenant_id: str,
        where: str,
        parent: UUID,
        after: tuple[datetime, UUID] | None,
        limit: int,
        newest_first: bool,
        answer: str | None = None,
    ) -> list[asyncpg.Record]:
        order, compare = ("DESC", "<") if newest_first else ("ASC", ">")
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                f"{_SELECT} WHERE p.tenant_id = $1 AND {where} = $2 AND p.status = 'published'"
                f" AND ($3::timestamptz IS NULL OR (p.created_at, p.post_id) {compare}"
                " ($3, $4::uuid))"
                f" AND ($6::text IS NULL OR coalesce(p.answer_state, '{UNANSWERED}') = $6)"
                f" ORDER BY p.created_at {order}, p.post_id {order} LIMIT $5",
                tenant_id,
                parent,
                None if after is None else after[0],
                None if after is None else after[1],
                limit,
                answer,
            )
        return rows
