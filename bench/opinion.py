"""The opinion part of ``python -m bench analysis``: opinion maps of a large conversation.

``--participants`` people (5,000) and ``--statements`` statements (500): each person votes on
30 to 100 statements picked at random (a sparse matrix, as real conversations are), in
``--planted-groups`` planted opinion groups (3): on each statement every group leans agree or
disagree (its own random side), and a vote goes the group's way with chance 0.75, the other
way 0.15, a pass 0.10; statement 0 is agreed by every group with chance 0.85 (the planted
consensus). The figures: the median wall time of one recomputation as the mapper does it
(the matrix from the vote rows, then ``compute`` following the previous map's groups), at
most 2 s the target; the peak memory traced (tracemalloc) during one recomputation and the
process's peak resident set; the adjusted Rand index of the groups found against the planted
ones, and whether the consensus statement was found. Then the same votes are written into a
fresh, migrated database (the read model's tables, and the statements as published posts),
and the opinion mapper's whole recomputation is timed as the projection worker runs it: read
the votes and statements in one snapshot, compute in a worker thread, store the map and
notify (``OpinionMapper.recompute``, on the worker role's pool).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from sklearn.metrics import adjusted_rand_score

from bench.common import Target, figure, fresh_database, say
from services.analysis.opinion import Computed, PreviousMap, VoteMatrix, compute
from services.analysis.opinion_maps import OpinionMapper

TARGET_SECONDS = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--participants", type=int, default=5_000, help="default 5,000")
    parser.add_argument("--statements", type=int, default=500, help="default 500")
    parser.add_argument("--planted-groups", type=int, default=3, help="default 3")
    parser.add_argument("--rounds", type=int, default=5, help="recomputations timed (default 5)")


def conversation(
    participants: int, statements: int, groups: int, seed: int
) -> tuple[list[UUID], list[tuple[UUID, UUID, int]], dict[UUID, int]]:
    """Statement ids (the first the planted consensus), votes (statement, person, vote) and
    each person's planted group."""
    pick = random.Random(seed)
    ids = [UUID(int=pick.getrandbits(128), version=4) for _ in range(statements)]
    lean = {(g, s): pick.choice((1, -1)) for g in range(groups) for s in ids}
    people = [UUID(int=pick.getrandbits(128), version=4) for _ in range(participants)]
    group = {p: i % groups for i, p in enumerate(people)}
    votes: list[tuple[UUID, UUID, int]] = []
    for person in people:
        for statement in pick.sample(ids, pick.randint(30, 100)):
            roll = pick.random()
            if statement == ids[0]:
                vote = 1 if roll < 0.85 else (0 if roll < 0.95 else -1)
            else:
                side = lean[(group[person], statement)]
                vote = side if roll < 0.75 else (-side if roll < 0.9 else 0)
            votes.append((statement, person, vote))
    return ids, votes, group


def _recompute(
    ids: list[UUID], votes: list[tuple[UUID, UUID, int]], previous: PreviousMap
) -> Computed:
    return compute(VoteMatrix.of(dict.fromkeys(ids), votes), previous)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _through_database(
    ids: list[UUID], votes: list[tuple[UUID, UUID, int]], rounds: int
) -> list[float]:
    """Seconds of each of ``rounds`` recomputations by the opinion mapper from PostgreSQL."""
    tenant, dialog, author = "bench-opinion", uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with fresh_database(suffix="_opinion") as database:
        owner = await asyncpg.connect(database.owner_url)
        try:
            await owner.copy_records_to_table(
                "posts",
                columns=[
                    "tenant_id",
                    "post_id",
                    "dialog_id",
                    "kind",
                    "author_id",
                    "anonymous",
                    "body",
                    "status",
                    "created_at",
                ],
                records=[
                    (
                        tenant,
                        s,
                        dialog,
                        "statement",
                        author,
                        False,
                        f"statement {i}",
                        "published",
                        now,
                    )
                    for i, s in enumerate(ids)
                ],
            )
            await owner.copy_records_to_table(
                "opinion_statements",
                columns=["tenant_id", "statement_id", "dialog_id"],
                records=[(tenant, s, dialog) for s in ids],
            )
            await owner.copy_records_to_table(
                "opinion_votes",
                columns=["tenant_id", "dialog_id", "statement_id", "person_id", "vote"],
                records=[(tenant, dialog, s, p, v) for s, p, v in votes],
            )
            await owner.execute(
                "INSERT INTO opinion_changes VALUES ($1, $2, $3)", tenant, dialog, len(votes)
            )
            await owner.execute("ANALYZE")
        finally:
            await owner.close()
        pool = await asyncpg.create_pool(database.worker_url, min_size=1, max_size=2)
        try:
            mapper = OpinionMapper(pool)
            seconds: list[float] = []
            for _ in range(rounds):
                began = time.perf_counter()
                await mapper.recompute(tenant, dialog)
                seconds.append(time.perf_counter() - began)
        finally:
            await pool.close()
    return seconds


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], list[Target]]:
    ids, votes, planted = conversation(
        args.participants, args.statements, args.planted_groups, args.seed
    )
    say(
        f"opinion map of {args.participants:,} participants x {args.statements:,} statements,"
        f" {len(votes):,} votes ({len(votes) / args.participants / args.statements:.1%} dense)"
    )
    previous = PreviousMap()
    seconds: list[float] = []
    computed: Computed | None = None
    for _ in range(args.rounds):
        began = time.perf_counter()
        computed = _recompute(ids, votes, previous)
        seconds.append(time.perf_counter() - began)
        previous = PreviousMap(computed.members, computed.axes, computed.next_group)
    assert computed is not None
    tracemalloc.start()
    _recompute(ids, votes, previous)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = round(statistics.median(seconds), 3)
    people = sorted(computed.members)
    ari = adjusted_rand_score(
        [planted[UUID(p)] for p in people], [computed.members[p] for p in people]
    )
    consensus = ids[0] in {c.statement_id for c in computed.map.consensus}
    figure("median seconds per recomputation", median, " s", note=f"(of {args.rounds})")
    figure("slowest recomputation", round(max(seconds), 3), " s")
    figure("groups", len(computed.map.groups), note=f"silhouette {computed.map.silhouette}")
    figure("adjusted Rand index vs planted", round(ari, 4))
    say(f"  planted consensus statement found: {consensus}")
    figure("peak memory traced in one recomputation", round(traced / 2**20, 1), " MB")
    resident = _peak_mb()
    figure("peak resident memory", resident, " MB")
    stored = await _through_database(ids, votes, args.rounds)
    stored_median = round(statistics.median(stored), 3)
    figure(
        "median seconds, the mapper from PostgreSQL",
        stored_median,
        " s",
        note="(read, compute, store)",
    )
    result = {
        "participants": args.participants,
        "statements": args.statements,
        "votes": len(votes),
        "seconds_median": median,
        "seconds_max": round(max(seconds), 3),
        "groups": len(computed.map.groups),
        "group_ids": [g.id for g in computed.map.groups],
        "silhouette": computed.map.silhouette,
        "ari": round(ari, 4),
        "consensus_found": consensus,
        "traced_peak_mb": round(traced / 2**20, 1),
        "peak_rss_mb": resident,
    }
    result["mapper_seconds_median"] = stored_median
    result["mapper_seconds_max"] = round(max(stored), 3)
    return result, [
        Target(
            "opinion map seconds per recomputation",
            median,
            TARGET_SECONDS,
            at_least=False,
            unit=" s",
        ),
        Target(
            "opinion mapper seconds from PostgreSQL",
            stored_median,
            TARGET_SECONDS,
            at_least=False,
            unit=" s",
        ),
    ]
