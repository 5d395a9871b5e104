"""How long the poll's tally takes to count every vote once the load has stopped.

wrk stops with up to one request per connection still in flight: the gateway answers those
after wrk has gone, so the votes to count are the ballots in the store, not wrk's 201s. They
are known once the log's head has stood still for ``QUIET`` seconds; the tally is sampled every
few milliseconds meanwhile, so the catch-up time is the first sample that counted them all.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

QUIET = 0.3  # seconds without a new event before the ballots are counted
INTERVAL = 0.005
SAMPLE_SQL = (
    "SELECT (SELECT coalesce(sum(votes), 0) FROM poll_tallies WHERE dialog_id = $1),"
    " (SELECT coalesce(max(position), 0) FROM events)"
)
BALLOTS_SQL = "SELECT count(*) FROM events WHERE event_type = 'BallotCast'"


@dataclass(frozen=True)
class Counting:
    """What a read model has counted of a dialog (and the log's head), and what the store
    holds of the same: ``python -m bench survey`` counts responses with it."""

    sample_sql: str
    stored_sql: str


VOTES = Counting(SAMPLE_SQL, BALLOTS_SQL)


@dataclass(frozen=True)
class Tally:
    answered: int  # 201s wrk saw, warm-up included
    ballots: int  # BallotCast events in the store: every vote the gateway accepted
    counted: int  # the tally when the bench stopped looking
    behind_at_stop: int  # votes not in the tally yet when the load stopped
    seconds: float  # from the end of the load until the tally counted every ballot; NaN: never

    @property
    def consistent(self) -> bool:
        return self.counted == self.ballots >= self.answered

    def as_dict(self) -> dict[str, Any]:
        return {
            "catch_up_s": round(self.seconds, 3),
            "votes_answered_201": self.answered,
            "ballots_stored": self.ballots,
            "votes_counted": self.counted,
            "behind_at_stop": self.behind_at_stop,
        }


async def ballots_stored(conn: asyncpg.Connection, counting: Counting = VOTES) -> int:
    return int(await conn.fetchval(counting.stored_sql))


async def wait_for_tally(
    conn: asyncpg.Connection,
    dialog_id: UUID,
    answered: int,
    patience: float,
    *,
    before: int,
    counting: Counting = VOTES,
) -> Tally:
    """Sample the tally from now (the end of the load) until it counts every stored ballot;
    ``before`` ballots were stored and counted before this load (an earlier round)."""
    start = time.perf_counter()
    samples: list[tuple[float, int]] = []
    head, head_since = -1, 0.0
    ballots, counted_at = -1, -1  # the ballots, and the head they were counted at
    while True:
        tally, new_head = await conn.fetchrow(counting.sample_sql, dialog_id)
        now = time.perf_counter() - start
        samples.append((now, int(tally)))
        if new_head != head:
            head, head_since = new_head, now
        if now - head_since >= QUIET and counted_at != head:
            ballots, counted_at = await ballots_stored(conn, counting), head
        if (counted_at == head and tally >= ballots) or now > patience:
            break
        await asyncio.sleep(INTERVAL)
    counted = samples[-1][1]
    caught = next((t for t, n in samples if n >= ballots), math.nan)
    return Tally(
        answered=answered,
        ballots=ballots - before,
        counted=counted - before,
        behind_at_stop=max(ballots, before + answered) - samples[0][1],
        seconds=round(caught, 4) if counted == ballots else math.nan,
    )
