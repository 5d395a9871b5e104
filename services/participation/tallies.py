"""Live poll tallies: ballots (and how many of them from signed-in people) and votes per
option, and a notification to watchers on every change. The only read model a ballot feeds,
so a vote costs one projection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from uuid import UUID

import asyncpg
import msgspec

from events.catalogue import Catalogue
from events.db import tenant_transaction
from events.model import RecordedEvent

TALLY_CHANNEL = "tinget_tally"  # NOTIFY payload: '<tenant>:<dialog id>'


class PollTallies:
    name = "poll_tallies"
    event_types = frozenset({"BallotCast"})
    tables: tuple[str, ...] = ("poll_tallies", "poll_ballots")

    def __init__(self, catalogue: Catalogue) -> None:
        # The hot path of a vote: three fields of the catalogue's BallotCast, decoded in one
        # step; a ballot of an older version (no ``signed_in``) goes through its upcaster.
        self._ballot = catalogue.view("BallotCast", ("dialog_id", "choices", "signed_in"))

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        counts: Counter[tuple[str, UUID, str]] = Counter()
        ballots: Counter[tuple[str, UUID]] = Counter()
        signed_in: Counter[tuple[str, UUID]] = Counter()
        decode = self._ballot.decode
        for recorded in events:
            ballot = decode(recorded.data)
            ballots[(recorded.tenant_id, ballot.dialog_id)] += 1
            signed_in[(recorded.tenant_id, ballot.dialog_id)] += ballot.signed_in
            for choice in ballot.choices:
                counts[(recorded.tenant_id, ballot.dialog_id, choice)] += 1
        keys = sorted(counts)
        await conn.execute(
            "INSERT INTO poll_tallies AS p (tenant_id, dialog_id, choice, votes)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[])"
            " ON CONFLICT (tenant_id, dialog_id, choice) DO UPDATE"
            " SET votes = p.votes + excluded.votes",
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [counts[k] for k in keys],
        )
        dialogs = sorted(ballots)
        await conn.execute(
            "INSERT INTO poll_ballots AS p (tenant_id, dialog_id, ballots, signed_in_ballots)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::int[])"
            " ON CONFLICT (tenant_id, dialog_id) DO UPDATE"
            " SET ballots = p.ballots + excluded.ballots,"
            " signed_in_ballots = p.signed_in_ballots + excluded.signed_in_ballots",
            [d[0] for d in dialogs],
            [d[1] for d in dialogs],
            [ballots[d] for d in dialogs],
            [signed_in[d] for d in dialogs],
        )
        await conn.execute(
            "SELECT pg_notify($1, d) FROM unnest($2::text[]) AS d",
            TALLY_CHANNEL,
            [f"{t}:{d}" for t, d in dialogs],
        )


class TallyCounts(msgspec.Struct, frozen=True):
    """A poll's counts as the read model holds them: ballots (those of signed-in voters among
    them), and votes per choice."""

    ballots: int
    signed_in: int
    votes: dict[str, int]


class TallyQueries:
    """Reads of the poll tallies, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def counts(self, tenant_id: str, dialog_id: UUID) -> TallyCounts:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT choice, votes FROM poll_tallies WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
            counted = await conn.fetchrow(
                "SELECT ballots, signed_in_ballots FROM poll_ballots"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        return TallyCounts(
            ballots=0 if counted is None else int(counted["ballots"]),
            signed_in=0 if counted is None else int(counted["signed_in_ballots"]),
            votes={r["choice"]: r["votes"] for r in rows},
        )
