"""The gamification policy: counts what people do, gives points by the tenant's rules, and
records ``BadgeAwarded`` and ``LevelReached`` when a tally crosses a badge's level or points
cross a level of standing.

It runs on the projection runtime like the threshold policy, with its own tables: the rules in
force (from ``GamificationRulesChanged``, so each event is scored by the rules of its place in
the log), points and tallies per person, points per person in each dialog (the leaderboards),
and each post's author (a threshold event names only its post). While a tenant has
gamification off, nothing is counted or awarded; posts are still mapped to their authors.

Each award is an append of version 1 on a stream that follows from what was earned, so a
redelivered or replayed event, or a rebuild, finds the stream taken and awards nothing twice.
The appends run before the batch's transaction commits: a failure redelivers the batch rather
than losing an award.

Ballots earn nothing: a ballot names no voter (by design, so a vote cannot be traced to a
person), and so it cannot be credited to anyone. A post withdrawn by its author or hidden by a
moderator (or rejected in pre-moderation) takes back the points and the count its submission
earned, and a restored post (or one whose appeal succeeded) counts again; badges and levels
earned stay earned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
import msgspec

from events import tables
from events.catalogue import Catalogue
from events.model import RecordedEvent
from services.gamification.reactions import ABOUT_A_POST, post_key, score, who
from services.gamification.rules import DEFAULT_RULES, Rules
from services.gamification.scoring import Award, DialogKey, Row, Scoreboard

RecordAwards = Callable[[str, Sequence[Award]], Awaitable[int]]

_rules_decoder = msgspec.json.Decoder(Rules)

# What the policy reads of each event it takes (the catalogue's views of those fields: no
# personal field, so nothing sealed is opened, and an old version is upcast first).
_FIELDS: dict[str, tuple[str, ...]] = {
    "GamificationRulesChanged": ("enabled", "points", "badges", "levels"),
    "PostSubmitted": ("kind", "author_id", "dialog_id"),
    "PostWithdrawn": (),
    "PostHidden": ("post_id",),
    "PostRestored": ("post_id",),
    "AppealDecided": ("post_id", "upheld"),
    "SupportGiven": ("person_id", "dialog_id"),
    "PetitionSigned": ("person_id", "dialog_id"),
    "ThresholdReached": (),
    "SignatureGoalReached": (),
}


class GamificationPolicy:
    name = "gamification_policy"
    event_types = frozenset(_FIELDS)
    tables: tuple[str, ...] = (
        "gamification_rules_in_force",
        "gamification_people",
        "gamification_dialog_people",
        "gamification_posts",
    )

    def __init__(self, catalogue: Catalogue, record_awards: RecordAwards) -> None:
        self._views = {name: catalogue.view(name, fields) for name, fields in _FIELDS.items()}
        self.record_awards = record_awards

    def decoded(self, events: Sequence[RecordedEvent]) -> list[tuple[RecordedEvent, Any]]:
        """The events with the fields the policy reads."""
        views = self._views
        return [(r, views[r.event_type].decode(r.data)) for r in events]

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded = self.decoded(events)
        rules = await _rules_in_force(conn, {r.tenant_id for r in events})
        posts = await tables.load(
            conn,
            "gamification_posts",
            "post_id",
            [post_key(r, e) for r, e in decoded if r.event_type in ABOUT_A_POST],
        )
        people, dialogs = who(decoded, posts)
        board = Scoreboard(
            people=await tables.load(conn, "gamification_people", "person_id", people),
            dialogs=await _load_dialog_rows(conn, dialogs),
        )
        changed: set[str] = set()
        for recorded, event in decoded:
            if recorded.event_type == "GamificationRulesChanged":
                rules[recorded.tenant_id] = Rules(
                    enabled=event.enabled,
                    points=event.points,
                    badges=event.badges,
                    levels=event.levels,
                )
                changed.add(recorded.tenant_id)
            else:
                score(board, posts, rules.get(recorded.tenant_id, DEFAULT_RULES), recorded, event)
        await _save_rules(conn, {t: rules[t] for t in changed})
        await tables.upsert(
            conn, "gamification_posts", ("tenant_id", "post_id"), [posts[k] for k in sorted(posts)]
        )
        await tables.upsert(
            conn,
            "gamification_people",
            ("tenant_id", "person_id"),
            [board.people[k] for k in sorted(board.people)],
        )
        await tables.upsert(
            conn,
            "gamification_dialog_people",
            ("tenant_id", "dialog_id", "person_id"),
            [board.dialogs[k] for k in sorted(board.dialogs)],
        )
        for tenant_id, awards in sorted(board.awards.items()):
            await self.record_awards(tenant_id, awards)


async def _rules_in_force(conn: asyncpg.Connection, tenants: set[str]) -> dict[str, Rules]:
    rows = await conn.fetch(
        "SELECT tenant_id, rules::text AS rules FROM gamification_rules_in_force"
        " WHERE tenant_id = ANY($1::text[])",
        sorted(tenants),
    )
    return {r["tenant_id"]: _rules_decoder.decode(r["rules"]) for r in rows}


async def _save_rules(conn: asyncpg.Connection, rules: dict[str, Rules]) -> None:
    if rules:
        await conn.executemany(
            "INSERT INTO gamification_rules_in_force (tenant_id, rules) VALUES ($1, $2::jsonb)"
            " ON CONFLICT (tenant_id) DO UPDATE SET rules = excluded.rules",
            [(t, msgspec.json.encode(r).decode()) for t, r in sorted(rules.items())],
        )


async def _load_dialog_rows(conn: asyncpg.Connection, keys: set[DialogKey]) -> dict[DialogKey, Row]:
    wanted = sorted(keys)
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT t.* FROM gamification_dialog_people t"
        " JOIN unnest($1::text[], $2::uuid[], $3::uuid[]) AS k(tenant_id, dialog_id, person_id)"
        " USING (tenant_id, dialog_id, person_id)",
        [k[0] for k in wanted],
        [k[1] for k in wanted],
        [k[2] for k in wanted],
    )
    return {(r["tenant_id"], r["dialog_id"], r["person_id"]): dict(r) for r in rows}
