"""Gamification's read models beside the policy's own tallies: the badges people earned, and
who chose to be shown on leaderboards.

Points, tallies and points per dialog are the gamification policy's tables (it keeps them to
decide what is earned); this projection adds what the events say was awarded and chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from events.codec import Codec
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
