"""Gamification's read models beside the policy's own tallies: the badges people earned, and
who chose to be shown on leaderboards.

Points, tallies and points per dialog are the gamification policy's tables (it keeps them to
decide what is earned); this projection adds what the events say was awarded and chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent


class GamificationProgress:
    name = "gamification_progress"
    event_types = frozenset({"BadgeAwarded", "LeaderboardOptedIn", "LeaderboardOptedOut"})
    tables: tuple[str, ...] = ("gamification_badges", "leaderboard_opt_ins")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        badges: list[tuple[Any, ...]] = []
        choices: dict[tuple[str, Any], tuple[bool, Any]] = {}
        for r in events:
            event = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            if r.event_type == "BadgeAwarded":
                badges.append(
                    (
                        r.tenant_id,
                        event.person_id,
                        event.badge,
                        event.level,
                        event.title,
                        event.dialog_id,
                        event.timestamp,
                    )
                )
            else:  # the last choice of the batch wins
                opted_in = r.event_type == "LeaderboardOptedIn"
                choices[(r.tenant_id, event.person_id)] = (opted_in, event.timestamp)
        if badges:
            await conn.executemany(
                "INSERT INTO gamification_badges"
                " (tenant_id, person_id, badge, level, title, dialog_id, awarded_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                badges,
            )
        if choices:
            await conn.executemany(
                "INSERT INTO leaderboard_opt_ins (tenant_id, person_id, opted_in, changed_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, person_id)"
                " DO UPDATE SET opted_in = excluded.opted_in, changed_at = excluded.changed_at",
                [(t, p, c[0], c[1]) for (t, p), c in sorted(choices.items())],
            )


_LEADERBOARD = (
    "SELECT * FROM ("
    " SELECT d.person_id, d.points, pe.display_name,"
    "  rank() OVER (ORDER BY d.points DESC) AS rank"
    " FROM gamification_dialog_people d"
    " JOIN leaderboard_opt_ins o ON o.tenant_id = d.tenant_id AND o.person_id = d.person_id"
    "  AND o.opted_in"
    " LEFT JOIN people pe ON pe.tenant_id = d.tenant_id AND pe.person_id = d.person_id"
    "  AND pe.erased_at IS NULL"
    " WHERE d.tenant_id = $1 AND d.dialog_id = $2 AND d.points > 0"
    ") ranked"
    " WHERE $3::int IS NULL OR (points, person_id) < ($3, $4::uuid)"
    " ORDER BY points DESC, person_id DESC LIMIT $5"
)


class GamificationQueries:
    """Reads of participants' progress and the leaderboards, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def progress(
        self, tenant_id: str, person_id: UUID
    ) -> tuple[asyncpg.Record | None, list[asyncpg.Record]]:
        """A person's points and tallies (None before their first), and their badges in the
        order they were awarded."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row: asyncpg.Record | None = await conn.fetchrow(
                "SELECT * FROM gamification_people WHERE tenant_id = $1 AND person_id = $2",
                tenant_id,
                person_id,
            )
            badges: list[asyncpg.Record] = await conn.fetch(
                "SELECT badge, level, title, dialog_id, awarded_at FROM gamification_badges"
                " WHERE tenant_id = $1 AND person_id = $2 ORDER BY awarded_at, badge, level",
                tenant_id,
                person_id,
            )
        return row, badges

    async def leaderboard(
        self, tenant_id: str, dialog_id: UUID, after: tuple[int, UUID] | None, limit: int
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` of a dialog's ranked people who opted in, highest points first,
        after the keyset ``after`` (points, person id)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                _LEADERBOARD,
                tenant_id,
                dialog_id,
                None if after is None else after[0],
                None if after is None else after[1],
                limit,
            )
        return rows
