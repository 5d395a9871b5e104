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

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from events import tables
from events.catalogue import Catalogue
from events.model import RecordedEvent
from events.tables import Key
from services.gamification.reactions import ABOUT_A_POST, post_key, score, who
from services.gamification.rules import DEFAULT_RULES, Rules
from services.gamification.scoring import Award, DialogKey, Row, Scoreboard

RecordAwards = Callable[[str, Sequence[Award]], Awaitable[int]]

_rules_decoder = msgspec.json.Decoder(Rules)
TURN = 200  # events a rebuild's writer handles before it lets the batches being written go on

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
        changed = _fold(decoded, rules, posts, board)
        await self._write(
            conn,
            _Scored(
                first=events[0].position,
                last=events[-1].position,
                rules={t: rules[t] for t in changed},
                posts=[posts[k] for k in sorted(posts)],
                people=[board.people[k] for k in sorted(board.people)],
                dialogs=[board.dialogs[k] for k in sorted(board.dialogs)],
                awards=board.awards,
            ),
        )

    def rebuilding(self) -> ScoringRebuild:
        """How a rebuild writes its batches: the same rows, scored from memory."""
        return ScoringRebuild(self)

    async def _write(self, conn: asyncpg.Connection, scored: _Scored) -> None:
        """A batch's rows and then its awards, before its transaction commits: a failure
        redelivers the batch rather than losing an award."""
        await _save_rules(conn, scored.rules)
        await tables.upsert(conn, "gamification_posts", ("tenant_id", "post_id"), scored.posts)
        await tables.upsert(conn, "gamification_people", ("tenant_id", "person_id"), scored.people)
        await tables.upsert(
            conn,
            "gamification_dialog_people",
            ("tenant_id", "dialog_id", "person_id"),
            scored.dialogs,
        )
        for tenant_id, awards in sorted(scored.awards.items()):
            await self.record_awards(tenant_id, awards)


def _fold(
    decoded: Sequence[tuple[RecordedEvent, Any]],
    rules: dict[str, Rules],
    posts: dict[Key, Row],
    board: Scoreboard,
) -> set[str]:
    """Fold a batch in log order over the rows it touches; return the tenants whose rules it
    changed (each event is scored by the rules of its place in the log)."""
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
    return changed


@dataclass
class _Scored:
    """What one batch (positions ``first`` to ``last``) scored: the rows to write, each as it
    stood after the batch, and what was earned, per tenant."""

    first: int
    last: int
    rules: dict[str, Rules]
    posts: list[Row]
    people: list[Row]
    dialogs: list[Row]
    awards: dict[str, list[Award]]


class ScoringRebuild:
    """The policy as a rebuild runs it, into emptied tables, as the only writer.

    Each batch is scored as the live path scores it (the rows it touches loaded, the batch
    folded over them, the rows written back), but the rows are loaded from what this rebuild
    wrote, kept in memory (each row's values, compactly), rather than read back from the
    tables: so the runtime scores the next batch while PostgreSQL still writes this one. What a
    batch earned is recorded as live (a rebuild finds nearly all of it recorded before).
    """

    def __init__(self, policy: GamificationPolicy) -> None:
        self.policy = policy
        self._rules: dict[str, Rules] = {}
        ids: dict[Any, Any] = {}
        self._posts = _Mirror(
            ("tenant_id", "post_id"), frozenset({"tenant_id", "author_id", "dialog_id"}), ids
        )
        self._people = _Mirror(
            ("tenant_id", "person_id"), frozenset({"tenant_id", "person_id"}), ids
        )
        self._dialogs = _Mirror(
            ("tenant_id", "dialog_id", "person_id"),
            frozenset({"tenant_id", "dialog_id", "person_id"}),
            ids,
        )
        self._scored: deque[_Scored] = deque()

    async def prepare(self, events: Sequence[RecordedEvent]) -> None:
        """Score a batch of the rebuild (in log order, after the batch before it)."""
        taken = [r for r in events if r.event_type in self.policy.event_types]
        if not taken:
            return
        decoded: list[tuple[RecordedEvent, Any]] = []
        for start in range(0, len(taken), TURN):
            decoded += self.policy.decoded(taken[start : start + TURN])
            await asyncio.sleep(0)  # let the batches being read and written go on
        posts = self._posts.load(post_key(r, e) for r, e in decoded if r.event_type in ABOUT_A_POST)
        people, dialogs = who(decoded, posts)
        board = Scoreboard(people=self._people.load(people), dialogs=self._dialogs.load(dialogs))
        changed: set[str] = set()
        for start in range(0, len(decoded), TURN):
            await asyncio.sleep(0)
            changed |= _fold(decoded[start : start + TURN], self._rules, posts, board)
        await asyncio.sleep(0)
        self._scored.append(
            _Scored(
                first=taken[0].position,
                last=taken[-1].position,
                rules={t: self._rules[t] for t in changed},
                posts=self._posts.keep(posts),
                people=self._people.keep(board.people),
                dialogs=self._dialogs.keep(board.dialogs),
                awards=board.awards,
            )
        )

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        scored = self._scored.popleft() if self._scored else None
        if scored is None or (scored.first, scored.last) != (
            events[0].position,
            events[-1].position,
        ):
            raise RuntimeError("the rebuild writes a batch it has not scored")
        await self.policy._write(conn, scored)


class _Mirror:
    """One of the policy's tables as a rebuild has written it so far, in memory: each row's
    values but its key, by its key (tuples, a fraction of a row dict's memory). The ids many
    rows repeat (``repeated``: a tenant, a person, a dialog) are kept as one object each,
    shared through ``ids``, rather than one per event that named them."""

    def __init__(self, key: tuple[str, ...], repeated: frozenset[str], ids: dict[Any, Any]) -> None:
        self._key = key
        self._repeated = repeated
        self._ids = ids
        self._columns: tuple[str, ...] = ()
        self._rows: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def load(self, keys: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], Row]:
        """The rows of these keys that were written, as the live path loads them."""
        rows, named, columns = self._rows, self._key, self._columns
        loaded: dict[tuple[Any, ...], Row] = {}
        for key in set(keys):
            values = rows.get(key)
            if values is not None:
                row = dict(zip(named, key, strict=True))
                row.update(zip(columns, values, strict=True))
                loaded[key] = row
        return loaded

    def keep(self, rows: dict[Any, Row]) -> list[Row]:
        """Remember the batch's rows; return them, to be written (in no particular order: the
        rebuild is the tables' only writer)."""
        if rows and not self._columns:
            self._columns = tuple(c for c in next(iter(rows.values())) if c not in self._key)
        columns, kept, ids, repeated = self._columns, self._rows, self._ids, self._repeated
        for key, row in rows.items():
            if key in kept:  # the row's objects came from here, or are new counts
                kept[key] = tuple([row[c] for c in columns])
                continue
            shared = {c: ids.setdefault(row[c], row[c]) for c in repeated}
            kept[tuple([shared.get(c, row[c]) for c in self._key])] = tuple(
                [shared.get(c, row[c]) for c in columns]
            )
        return list(rows.values())


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
