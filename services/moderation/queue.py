"""Moderators' read models: the queue of posts to look at, and who is blocked.

The queue has a row per post that was flagged, held for approval or moderated: its flags
(count, the latest reasons, when first flagged), whether it waits for approval, whether an
appeal is open, and the last decision. A row is 'open' while something waits for a moderator
(a flag since the last decision, a post to approve, an appeal) and 'decided' otherwise;
``queued_at`` is when it last became open, so the oldest waiting item comes first.
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

KEPT_REASONS = 20  # the latest flag reasons kept per post; the count stays exact

_DECISIONS = frozenset({"PostApproved", "PostHidden", "PostRestored", "AppealDecided"})


def _new(key: Key, event: Any) -> Row:
    return {
        "tenant_id": key[0],
        "post_id": key[1],
        "dialog_id": event.dialog_id,
        "state": "decided",
        "flags": 0,
        "reasons": [],
        "first_flagged_at": None,
        "pending": False,
        "appeal_open": False,
        "appeal_reason": None,
        "decision": None,
        "decision_reason": None,
        "decided_at": None,
        "decided_by": None,
        "queued_at": event.timestamp,
    }


def _decision(event_type: str, event: Any) -> str:
    if event_type == "AppealDecided":
        return "hiding-upheld" if event.upheld else "restored-on-appeal"
    return {"PostApproved": "approved", "PostHidden": "hidden", "PostRestored": "restored"}[
        event_type
    ]


def evolve(row: Row | None, key: Key, event_type: str, event: Any) -> Row:
    """The queue row after one moderation event (a pure function)."""
    row = dict(row) if row is not None else _new(key, event)
    waiting_before = row["state"] == "open"
    if event_type == "PostFlagged":
        row["flags"] += 1
        row["reasons"] = [*row["reasons"], event.reason][-KEPT_REASONS:]
        if row["first_flagged_at"] is None:
            row["first_flagged_at"] = event.timestamp
        row["state"] = "open"
    elif event_type == "PostHeldForReview":
        row.update(pending=True, state="open")
    elif event_type == "AppealFiled":
        row.update(appeal_open=True, appeal_reason=event.reason, state="open")
    elif event_type in _DECISIONS:
        row.update(
            decision=_decision(event_type, event),
            decision_reason=getattr(event, "reason", None),
            decided_at=event.timestamp,
            decided_by=event.moderator_id,
            pending=False,
        )
        if event_type in ("PostRestored", "AppealDecided"):
            row["appeal_open"] = False
        row["state"] = "open" if row["appeal_open"] else "decided"
    if row["state"] == "open" and not waiting_before:
        row["queued_at"] = event.timestamp
    return row


class ModerationQueue:
    name = "moderation_queue"
    event_types = frozenset(
        {"PostFlagged", "PostHeldForReview", "AppealFiled", *_DECISIONS, ERASURE_EVENT}
    )
    tables: tuple[str, ...] = ("moderation_queue",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        work = [
            ((r.tenant_id, e.post_id), r.event_type, e)
            for r in events
            if r.event_type != ERASURE_EVENT
            for e in [self.codec.decode(r.event_type, r.data, r.stream_id, r.version)]
        ]
        rows: dict[Key, Row] = await tables.load(
            conn, "moderation_queue", "post_id", (k for k, _, _ in work)
        )
        for key, event_type, event in work:
            rows[key] = evolve(rows.get(key), key, event_type, event)
        changed = [rows[k] for k in sorted({k for k, _, _ in work})]
        await tables.upsert(conn, "moderation_queue", ("tenant_id", "post_id"), changed)
        erased = [(r.tenant_id, r.stream_id) for r in events if r.event_type == ERASURE_EVENT]
        if erased:  # an erased author's appeal reasons (their posts, from the post listing)
            await conn.execute(
                "UPDATE moderation_queue q SET appeal_reason = $3 FROM posts p,"
                " unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
                " WHERE p.tenant_id = k.tenant_id AND p.author_id = k.person_id"
                " AND q.tenant_id = p.tenant_id AND q.post_id = p.post_id"
                " AND q.appeal_reason IS NOT NULL",
                [k[0] for k in erased],
                [k[1] for k in erased],
                ERASED,
            )


class BlockedPeopleListing:
    """Every person with a block record: blocked or not, the last reason, the stream version
    (which lets a process's own fresher record win over a lagging copy)."""

    name = "blocked_people"
    event_types = frozenset({"ParticipantBlocked", "ParticipantUnblocked"})
    tables: tuple[str, ...] = ("blocked_people",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        rows: dict[Key, Row] = {}
        for r in events:
            event = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            key = (r.tenant_id, event.person_id)
            rows[key] = {
                "tenant_id": r.tenant_id,
                "person_id": event.person_id,
                "blocked": r.event_type == "ParticipantBlocked",
                "reason": event.reason,
                "version": r.version,
                "changed_at": event.timestamp,
            }
        await tables.upsert(
            conn, "blocked_people", ("tenant_id", "person_id"), [rows[k] for k in sorted(rows)]
        )


class ModerationQueries:
    """Reads of the moderation queue, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def queue(
        self,
        tenant_id: str,
        state: str | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` queue entries (all, or those ``open`` or ``decided``) with their
        posts, the longest waiting first, after the keyset ``after``."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT q.*, p.kind, p.title, p.body, p.author_id, p.status AS post_status"
                " FROM moderation_queue q LEFT JOIN posts p USING (tenant_id, post_id)"
                " WHERE q.tenant_id = $1 AND ($2::text IS NULL OR q.state = $2)"
                " AND ($3::timestamptz IS NULL OR (q.queued_at, q.post_id) > ($3, $4::uuid))"
                " ORDER BY q.queued_at, q.post_id LIMIT $5",
                tenant_id,
                state,
                None if after is None else after[0],
                None if after is None else after[1],
                limit,
            )
        return rows
