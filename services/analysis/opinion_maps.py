"""Opinion maps of statements dialogs: the votes read model, the mapper that recomputes each
dialog's map when its votes or statements change, and the queries beside them.

``OpinionVotes`` (a read model) keeps each person's latest vote on each statement
(``opinion_votes``), the ids of the statements with their dialog (``opinion_statements``), and
per dialog a counter of the events that may change its map (``opinion_changes``): a vote cast
or changed, a statement submitted, withdrawn, held, approved, hidden or restored. Whether a
statement is shown is the post listing's business (``posts.status``): the analysis context's
read models apply after the participation context's in the same batch, so the listing is at
least as far as this counter.

``OpinionMapper`` (run in the projection worker, ``run_opinion_mapper``) looks every
``OPINION_INTERVAL`` seconds for dialogs whose counter moved since their map was computed,
and recomputes each one from its published statements and their votes
(``services.analysis.opinion``, in a worker thread), following the previous map's group ids.
So a dialog's map is recomputed at most once per interval however fast votes arrive, and not
at all while nothing changes. The map is stored in ``opinion_maps`` and announced on the
``tinget_opinion`` channel ('<tenant>:<dialog>'), which the gateway's live hub listens to.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec
import numpy as np
import structlog

from events.catalogue import Catalogue
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.timing import every
from services.analysis.opinion import (
    Computed,
    ConsensusStatement,
    OpinionGroup,
    OpinionMap,
    PreviousMap,
    VoteMatrix,
    compute,
)

log = structlog.get_logger(__name__)

OPINION_CHANNEL = "tinget_opinion"  # NOTIFY payload: '<tenant>:<dialog id>'
OPINION_INTERVAL = 2.0  # seconds between two looks for changed dialogs (and recomputations)

_VOTES = ("StatementVoteCast", "StatementVoteChanged")
_MODERATION = ("PostHeldForReview", "PostApproved", "PostHidden", "PostRestored", "AppealDecided")


class OpinionVotes:
    name = "opinion_votes"
    event_types = frozenset({*_VOTES, "PostSubmitted", "PostWithdrawn", *_MODERATION})
    tables: tuple[str, ...] = ("opinion_statements", "opinion_votes", "opinion_changes")

    def __init__(self, catalogue: Catalogue) -> None:
        fields = ("statement_id", "dialog_id", "person_id", "vote")
        self._votes = {name: catalogue.view(name, fields) for name in _VOTES}
        self._post = catalogue.view("PostSubmitted", ("dialog_id", "kind"))
        self._moderated = {name: catalogue.view(name, ("post_id",)) for name in _MODERATION}

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        votes: dict[tuple[str, UUID, UUID, UUID], int] = {}
        statements: dict[tuple[str, UUID], UUID] = {}  # new statements -> their dialog
        touched: list[tuple[str, UUID]] = []  # posts withdrawn or moderated
        changes: Counter[tuple[str, UUID]] = Counter()
        for r in events:
            t = r.tenant_id
            if r.event_type in self._votes:
                v = self._votes[r.event_type].decode(r.data)
                votes[(t, v.dialog_id, v.statement_id, v.person_id)] = v.vote
                changes[(t, v.dialog_id)] += 1
            elif r.event_type == "PostSubmitted":
                p = self._post.decode(r.data)
                if p.kind == "statement":
                    statements[(t, r.stream_id)] = p.dialog_id
                    changes[(t, p.dialog_id)] += 1
            elif r.event_type == "PostWithdrawn":
                touched.append((t, r.stream_id))
            else:
                touched.append((t, self._moderated[r.event_type].decode(r.data).post_id))
        known = await _dialogs_of(conn, [k for k in touched if k not in statements])
        for key in touched:
            dialog = statements.get(key) or known.get(key)
            if dialog is not None:  # a statement's: its dialog's map may change
                changes[(key[0], dialog)] += 1
        if statements:
            keys = sorted(statements)
            await conn.execute(
                "INSERT INTO opinion_statements (tenant_id, statement_id, dialog_id)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[])"
                " ON CONFLICT DO NOTHING",
                [k[0] for k in keys],
                [k[1] for k in keys],
                [statements[k] for k in keys],
            )
        if votes:
            cells = sorted(votes)
            await conn.execute(
                "INSERT INTO opinion_votes AS o"
                " (tenant_id, dialog_id, statement_id, person_id, vote)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[],"
                " $5::smallint[])"
                " ON CONFLICT (tenant_id, dialog_id, statement_id, person_id)"
                " DO UPDATE SET vote = excluded.vote",
                [c[0] for c in cells],
                [c[1] for c in cells],
                [c[2] for c in cells],
                [c[3] for c in cells],
                [votes[c] for c in cells],
            )
        if changes:
            dialogs = sorted(changes)
            await conn.execute(
                "INSERT INTO opinion_changes AS c (tenant_id, dialog_id, changes)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[])"
                " ON CONFLICT (tenant_id, dialog_id) DO UPDATE"
                " SET changes = c.changes + excluded.changes",
                [d[0] for d in dialogs],
                [d[1] for d in dialogs],
                [changes[d] for d in dialogs],
            )


async def _dialogs_of(
    conn: asyncpg.Connection, posts: Sequence[tuple[str, UUID]]
) -> dict[tuple[str, UUID], UUID]:
    """The dialog of each of ``posts`` that is a statement."""
    if not posts:
        return {}
    rows = await conn.fetch(
        "SELECT s.tenant_id, s.statement_id, s.dialog_id FROM opinion_statements s"
        " JOIN unnest($1::text[], $2::uuid[]) AS k(tenant_id, id)"
        " ON s.tenant_id = k.tenant_id AND s.statement_id = k.id",
        [k[0] for k in posts],
        [k[1] for k in posts],
    )
    return {(r["tenant_id"], r["statement_id"]): r["dialog_id"] for r in rows}


# A dialog's vote matrix: its published statements (the post listing's status) numbered in id
# order, the people who voted or wrote one numbered in id order, and the cells.
_MATRIX = """
WITH numbered AS (
    SELECT s.statement_id, p.author_id,
           (row_number() OVER (ORDER BY s.statement_id) - 1)::int AS col
    FROM opinion_statements s
    JOIN posts p ON p.tenant_id = s.tenant_id AND p.post_id = s.statement_id
    WHERE s.tenant_id = $1 AND s.dialog_id = $2 AND p.status = 'published'
), cells AS (
    SELECT v.person_id, n.col, v.vote::int AS vote
    FROM opinion_votes v JOIN numbered n USING (statement_id)
    WHERE v.tenant_id = $1 AND v.dialog_id = $2
    UNION ALL
    SELECT author_id, col, 1 FROM numbered
), people AS (
    SELECT person_id, (row_number() OVER (ORDER BY person_id) - 1)::int AS row
    FROM (SELECT DISTINCT person_id FROM cells) d
)
SELECT (SELECT array_agg(statement_id ORDER BY col) FROM numbered) AS statements,
       (SELECT array_agg(person_id ORDER BY row) FROM people) AS participants,
       array_agg(p.row) AS rows, array_agg(c.col) AS cols, array_agg(c.vote) AS votes
FROM cells c JOIN people p USING (person_id)
"""

decode_map = msgspec.json.Decoder(OpinionMap).decode
_encode = msgspec.json.Encoder().encode


class OpinionMapper:
    """Recomputes the maps of dialogs whose votes or statements changed (the worker's pool,
    which reads every tenant's rows)."""

    def __init__(self, pool: asyncpg.Pool, limit: int = 100) -> None:
        self.pool = pool
        self.limit = limit
        self.computed = 0  # maps computed, for tests and the curious

    async def step(self) -> int:
        """Recompute every map that is behind its dialog's changes (at most ``limit``, the
        longest waiting first); answer how many were recomputed. A dialog whose map fails is
        logged and skipped, so it does not hold up the others."""
        async with self.pool.acquire() as conn:
            due = await conn.fetch(
                "SELECT c.tenant_id, c.dialog_id FROM opinion_changes c"
                " LEFT JOIN opinion_maps m USING (tenant_id, dialog_id)"
                " WHERE m.changes IS DISTINCT FROM c.changes"
                " ORDER BY m.computed_at NULLS FIRST LIMIT $1",
                self.limit,
            )
        done = 0
        for row in due:
            try:
                await self.recompute(row["tenant_id"], row["dialog_id"])
                done += 1
            except (asyncpg.PostgresError, ValueError, ArithmeticError) as error:
                # one dialog's failure must not hold up the others' maps in this step; it is
                # tried again at the next
                log.warning(
                    "opinion map not recomputed",
                    tenant=row["tenant_id"],
                    dialog_id=str(row["dialog_id"]),
                    error=repr(error),
                )
        return done

    async def recompute(self, tenant_id: str, dialog_id: UUID) -> Computed:
        # one snapshot: the counter, statements and votes as of the same moment
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            changes = await conn.fetchval(
                "SELECT changes FROM opinion_changes WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
            # the matrix as numbers: statements and people numbered in id order (as
            # VoteMatrix.of numbers them), each author agreeing with their own statements;
            # arrays of small integers decode far faster than a row per vote
            cells = await conn.fetchrow(_MATRIX, tenant_id, dialog_id)
            before = await conn.fetchrow(
                "SELECT members, axes, next_group FROM opinion_maps"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        previous = PreviousMap()
        if before is not None:
            previous = PreviousMap(
                members=msgspec.json.decode(before["members"], type=dict[str, int]),
                axes=msgspec.json.decode(before["axes"], type=dict[str, tuple[float, float]]),
                next_group=before["next_group"],
            )
        matrix = VoteMatrix(
            participants=list(cells["participants"] or ()),
            statements=list(cells["statements"] or ()),
            rows=np.array(cells["rows"] or (), dtype=np.int64),
            cols=np.array(cells["cols"] or (), dtype=np.int64),
            values=np.array(cells["votes"] or (), dtype=np.int8),
        )
        computed = await asyncio.to_thread(compute, matrix, previous)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO opinion_maps AS m (tenant_id, dialog_id, map, members, axes,"
                " next_group, changes, computed_at)"
                " VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb, $5::text::jsonb, $6, $7,"
                " now())"
                " ON CONFLICT (tenant_id, dialog_id) DO UPDATE SET map = excluded.map,"
                " members = excluded.members, axes = excluded.axes,"
                " next_group = excluded.next_group, changes = excluded.changes,"
                " computed_at = excluded.computed_at",
                tenant_id,
                dialog_id,
                _encode(computed.map).decode(),
                _encode(computed.members).decode(),
                _encode(computed.axes).decode(),
                computed.next_group,
                changes or 0,
            )
            await conn.execute(
                "SELECT pg_notify($1, $2)", OPINION_CHANNEL, f"{tenant_id}:{dialog_id}"
            )
        self.computed += 1
        return computed


async def run_opinion_mapper(
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    interval: float = OPINION_INTERVAL,
    mapper: OpinionMapper | None = None,
) -> None:
    """Recompute the changed maps now and every ``interval`` seconds until ``stop``."""
    mapper = mapper or OpinionMapper(pool)

    async def step() -> None:
        count = await mapper.step()
        if count:
            log.info("opinion maps recomputed", count=count)

    await every(interval, step, stop)


class OpinionMapView(msgspec.Struct, frozen=True, kw_only=True):
    """A dialog's latest map as everyone who may see the dialog sees it: groups, their
    representative statements, consensus statements, and the texts of the statements named
    (as the post listing shows them now, so an erased author's read erased). Before the first
    computation: no groups, and ``computed_at`` null."""

    dialog_id: UUID
    computed_at: datetime | None
    voters: int
    placed: int
    statements: int
    votes: int
    silhouette: float | None
    groups: list[OpinionGroup]
    consensus: list[ConsensusStatement]
    texts: dict[str, str]  # statement id -> its text, for every statement named above


class OpinionQueries:
    """Reads of the opinion maps, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def view(self, tenant_id: str, dialog_id: UUID) -> OpinionMapView:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT map::text AS map, computed_at FROM opinion_maps"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
            if row is None:
                return OpinionMapView(
                    dialog_id=dialog_id,
                    computed_at=None,
                    voters=0,
                    placed=0,
                    statements=0,
                    votes=0,
                    silhouette=None,
                    groups=[],
                    consensus=[],
                    texts={},
                )
            stored = decode_map(row["map"])
            named = {r.statement_id for g in stored.groups for r in g.representative}
            named |= {c.statement_id for c in stored.consensus}
            texts = await conn.fetch(
                "SELECT post_id, body FROM posts WHERE tenant_id = $1 AND post_id = ANY($2)",
                tenant_id,
                sorted(named),
            )
        return OpinionMapView(
            dialog_id=dialog_id,
            computed_at=row["computed_at"],
            voters=stored.voters,
            placed=stored.placed,
            statements=stored.statements,
            votes=stored.votes,
            silhouette=stored.silhouette,
            groups=stored.groups,
            consensus=stored.consensus,
            texts={str(r["post_id"]): r["body"] for r in texts},
        )

    async def group_of(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> int | None:
        """The group a person was placed in by the latest map, if any."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            group = await conn.fetchval(
                "SELECT (members ->> $3)::int FROM opinion_maps"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
                str(person_id),
            )
        return None if group is None else int(group)
