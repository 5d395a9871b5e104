"""``python -m bench budget``: participatory budget ballots over HTTP, and a city's count.

1. Over HTTP, as ``bench vote`` does with votes: wrk sends ``PUT .../budget/ballot`` with an
   approval ballot of five of a district's 100 projects, each request with a signed-in
   participant's token of its own (at least ``--ballots``, 10,000, minted), to the reference
   (``bench/reference_vote.py``, ``PUT /budget_ballots``: a litestar route inserting one row
   per ballot with asyncpg) and then to Tinget (gateway, relay, projections), in ``--rounds``
   rounds; ``--seconds`` long each (5 s by default: some 10,000 ballots at either's pace).
   The figures: ballots/s as a ratio to the reference (median of the rounds, target at least
   1.0x), Tinget's p99, and how long after the load the ballot listing holds every stored
   ballot.
2. The count of a city: ``--voters`` (10,000) ballots of 1 to 10 projects over
   ``--projects`` (100), a few popular, counted by equal shares as Tinget counts a district
   (the shares raised 1 % at a time, then greedy), ``--counts`` times: the slowest, target at
   most 5 s. ``--city`` says which ballots: ``approval`` (marks), ``points`` (10 points
   spread over the projects chosen) and ``ranked`` (a top 10, Borda scores); approval and
   points by default, each a city of its own. ``--compare`` counts each with pabutools too
   (some 100 s and more each) and checks the two fund the same projects in the same order.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from bench import vote
from bench.common import (
    Target,
    figure,
    fresh_database,
    fresh_stream,
    number,
    ratio,
    report_targets,
    say,
)
from bench.http_load import find_wrk
from bench.vote_run import Run
from bench.vote_setup import HOST, TENANT, Poll, bench_addresses, tokens_for
from bench.vote_tally import Counting, Tally
from services.budgeting.ballots import BallotKind
from services.budgeting.commands import (
    BallotRuleInput,
    BudgetSetup,
    ConfigureRound,
    DistrictInput,
    PhaseInput,
    ProposeProject,
    ReviewProject,
    RulesInput,
)
from services.budgeting.context import BUDGETING
from services.budgeting.counting import equal_shares, pabutools_election, pabutools_equal_shares
from services.budgeting.domain import Phase
from services.budgeting.results import Candidate, Scores
from services.budgeting.results import Counting as Rule
from services.budgeting.service import BudgetService
from services.dialogs.commands import CreateDialog
from services.dialogs.domain import DialogKind
from services.identity.access import Caller, Role, SignIn
from tinget.bootstrap import open_platform

TARGET_VS_REFERENCE = 1.0
TARGET_COUNT_S = 5.0
DISTRICT = "city"
BALLOTS = Counting(
    "SELECT (SELECT count(*) FROM budget_ballots b JOIN budget_rounds r"
    " USING (tenant_id, round_id) WHERE r.dialog_id = $1),"
    " (SELECT coalesce(max(position), 0) FROM events)",
    "SELECT count(*) FROM events WHERE event_type = 'BudgetBallotCast'",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    vote.add_arguments(parser)  # the HTTP load's: wrk, rounds, warm-up, gateway processes
    parser.set_defaults(seconds=5.0, rounds=1)
    parser.add_argument(
        "--ballots", type=int, default=10_000, help="tokens for the timed load at least (10,000)"
    )
    parser.add_argument("--voters", type=int, default=10_000, help="the city's voters (10,000)")
    parser.add_argument("--projects", type=int, default=100, help="the city's projects (100)")
    parser.add_argument("--counts", type=int, default=3, help="counts of the city timed (3)")
    parser.add_argument(
        "--compare", action="store_true", help="count the city with pabutools too (slow)"
    )
    parser.add_argument(
        "--city",
        nargs="+",
        choices=CITY_BALLOTS,
        default=["approval", "points"],
        help="the cities counted, by their ballots (approval and points)",
    )
    parser.add_argument("--skip-http", action="store_true", help="only the city's count")


CITY_BALLOTS = ("approval", "points", "ranked")
CITY_POINTS = 10  # a points ballot spreads this many; a ranked one orders a top this long


def city(
    voters: int, projects: int, seed: int = 5, ballots: str = "approval"
) -> tuple[int, list[Candidate], list[Scores]]:
    """A city's district: project costs from 20,000 to 600,000, a budget of a quarter of
    what they cost together, and ballots of 1 to 10 projects, some far more popular:
    approval marks, 10 points spread over them (points) or their order (ranked: a top 10,
    scored 10, 9, ... as a ranked ballot counts)."""
    r = random.Random(seed)
    candidates = [
        Candidate(id=f"p{i:03d}", cost=r.randrange(20_000, 600_000, 1_000)) for i in range(projects)
    ]
    weights = [0.02 + r.random() ** 2 for _ in candidates]
    cast: list[Scores] = []
    for _ in range(voters):
        chosen = list(
            dict.fromkeys(c.id for c in r.choices(candidates, weights, k=r.randint(1, 10)))
        )
        if ballots == "points":
            cuts = sorted(r.sample(range(1, CITY_POINTS), len(chosen) - 1))
            spread = [b - a for a, b in zip([0, *cuts], [*cuts, CITY_POINTS], strict=True)]
            cast.append(dict(zip(chosen, spread, strict=True)))
        elif ballots == "ranked":
            cast.append({p: CITY_POINTS - rank for rank, p in enumerate(chosen)})
        else:
            cast.append(dict.fromkeys(chosen, 1))
    return sum(c.cost for c in candidates) // 4, candidates, cast


def count_city(args: argparse.Namespace) -> tuple[dict[str, Any], list[Target]]:
    """Part 2: equal shares for each city, timed."""
    figures: dict[str, Any] = {}
    targets: list[Target] = []
    for ballots in args.city:
        figures[ballots], target = count_one_city(args, ballots)
        targets.append(target)
    return figures, targets


def count_one_city(args: argparse.Namespace, ballots: str) -> tuple[dict[str, Any], Target]:
    """Equal shares for the city of ``ballots``, timed, and by pabutools (``--compare``)."""
    budget, candidates, cast = city(args.voters, args.projects, ballots=ballots)
    times = []
    result = None
    for _ in range(args.counts):
        began = time.perf_counter()
        result = equal_shares(budget, candidates, cast)
        times.append(time.perf_counter() - began)
    assert result is not None
    slowest = max(times)
    what = f"equal shares, city count of {ballots} ballots"
    figure(f"{what} (slowest)", slowest, "s")
    figure(f"{what} (median)", statistics.median(times), "s")
    figure("projects funded / spent", len(result.funded), note=f"{result.spent:,} of {budget:,}")
    figures: dict[str, Any] = {
        "ballots": ballots,
        "voters": args.voters,
        "projects": args.projects,
        "count_s": [round(t, 3) for t in times],
        "funded": len(result.funded),
        "spent": result.spent,
        "budget": budget,
    }
    if args.compare:
        began = time.perf_counter()
        instance, profile, sat = pabutools_election(budget, candidates, cast)
        theirs = [p.name for p in pabutools_equal_shares(instance, profile, sat)]
        took = time.perf_counter() - began
        figure(f"pabutools, the same count of {ballots} ballots", took, "s")
        figures["pabutools_s"] = round(took, 3)
        figures["same_as_pabutools"] = theirs == list(result.funded)
        say(f"  the same projects in the same order as pabutools: {figures['same_as_pabutools']}")
    return figures, Target(f"{what} (slowest)", slowest, TARGET_COUNT_S, False, " s")


async def open_budget(addresses: Any, projects: int) -> tuple[uuid.UUID, list[str], Any]:
    """A budget dialog in its voting phase with ``projects`` projects in one district, each
    proposed and found feasible by the administrator; its id, the projects' ids, the tokens."""
    async with open_platform(addresses, with_nats=False, pool_size=2) as platform:
        await platform.tenants.create(TENANT, "Bench", "sv", hosts=[HOST])
        await platform.catch_up_projections()
        person_id = await platform.identity.add_staff(
            TENANT, "admin@bench.example", Role.ADMINISTRATOR
        )
        caller = Caller(
            tenant_id=TENANT, person_id=person_id, role=Role.ADMINISTRATOR, sign_in=SignIn.EMAIL
        )
        now = datetime.now(UTC)
        hour = timedelta(hours=1)
        starts = [now - 3 * hour, now - 2 * hour, now + hour, now + 2 * hour, now + 3 * hour]
        phases = [
            PhaseInput(phase=phase, opens_at=opens, closes_at=starts[i + 1] if i < 4 else None)
            for i, (phase, opens) in enumerate(zip(Phase, starts, strict=True))
        ]
        setup = BudgetSetup(
            districts=[DistrictInput(key=DISTRICT, name="Staden", amount=10_000_000)],
            rules=RulesInput(
                ballot=BallotRuleInput(kind=BallotKind.APPROVAL), counting=Rule.EQUAL_SHARES
            ),
            phases=phases,
        )
        command = CreateDialog(
            kind=DialogKind.BUDGET,
            title="Medborgarbudget",
            purpose="Vad ska staden bygga för tio miljoner?",
            opens_at=starts[0],
            closes_at=starts[3],
            budget=setup,
        )
        dialog = await platform.dialogs.create(caller, command)
        await platform.dialogs.publish(caller, dialog.id)
        budgets: BudgetService = BUDGETING.provides(platform)["budgets"]  # type: ignore[assignment]
        ids = []
        for i in range(projects):
            project_id = await budgets.propose(
                caller,
                dialog.id,
                ProposeProject(
                    district=DISTRICT,
                    title=f"Projekt {i}",
                    description=f"Vad projekt {i} skulle bygga",
                    estimated_cost=50_000 + 1_000 * i,
                ),
            )
            await budgets.review(
                caller,
                dialog.id,
                project_id,
                ReviewProject(feasible=True, final_cost=50_000 + 1_000 * i),
            )
            ids.append(str(project_id))
        # the review closes in a moment and voting opens then
        opens = datetime.now(UTC) + timedelta(seconds=1)
        phases[1] = PhaseInput(phase=Phase.REVIEW, opens_at=phases[1].opens_at, closes_at=opens)
        phases[2] = PhaseInput(phase=Phase.VOTING, opens_at=opens, closes_at=phases[2].closes_at)
        await budgets.configure(caller, dialog.id, ConfigureRound(phases=phases))
        await platform.catch_up_projections()
        tokens = platform.tokens
    wait = (opens - datetime.now(UTC)).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)
    return dialog.id, ids, tokens


async def over_http(args: argparse.Namespace) -> tuple[dict[str, Any], list[Target]]:
    """Part 1: ballots over HTTP, Tinget against the reference."""
    rounds: list[tuple[Run, Run, Tally]] = []
    warmup = tokens_for(args.warmup, args.tokens_per_second)
    timed = max(args.ballots, tokens_for(args.seconds, args.tokens_per_second))
    with tempfile.TemporaryDirectory(prefix="tinget-bench-budget-") as folder:
        work = Path(folder)
        async with fresh_database() as database, fresh_stream() as stream:
            secret = secrets.token_urlsafe(48)
            addresses = bench_addresses(database, stream, work, secret)
            dialog_id, projects, tokens = await open_budget(addresses, args.projects)
            body = work / "ballot.json"
            body.write_bytes(
                msgspec.json.encode({"district": DISTRICT, "projects": projects[10:15]})
            )
            voters = Poll(
                dialog_id,
                secret,
                tokens,
                work / "warmup.tokens",
                work / "run.tokens",
                addresses,
                sign_in=SignIn.EMAIL,
            )
            began = time.perf_counter()
            await voters.mint(voters.warmup_tokens, warmup)
            await voters.mint(voters.run_tokens, timed)
            say(f"{warmup + timed:,} voters' tokens minted in {time.perf_counter() - began:.1f} s")
            for index in range(1, args.rounds + 1):
                say(f"round {index} of {args.rounds}")
                if index > 1:
                    await voters.new_round(index, warmup, timed)
                reference = await vote.reference_phase(
                    voters, work, args, route="budget_ballots", body=body, method="PUT"
                )
                await voters.top_up(tokens_for(args.seconds, int(reference.votes_per_s * 1.5) + 1))
                tinget, listed = await vote.tinget_phase(
                    database,
                    stream,
                    voters,
                    work,
                    args,
                    profile=index == args.rounds,
                    route="budget/ballot",
                    counting=BALLOTS,
                    body=body,
                    method="PUT",
                )
                rounds.append((reference, tinget, listed))
                say(
                    f"round {index}: Tinget / reference ballots/s"
                    f" {number(ratio(tinget.votes_per_s, reference.votes_per_s))}x"
                    f" ({tinget.timed.created:,} and {reference.timed.created:,} ballots)"
                )
    ratios = [ratio(t.votes_per_s, r.votes_per_s) for r, t, _ in rounds]
    median = round(statistics.median(ratios), 3)
    p99 = round(statistics.median(t.p99_ms for _, t, _ in rounds), 3)
    failed = sum(t.timed.errors for _, t, _ in rounds)
    figures = {
        "ballots_per_s_vs_reference": median,
        "rounds": [
            {"reference": r.as_dict(), "tinget": t.as_dict(), "listing": c.as_dict()}
            for r, t, c in rounds
        ],
        "tinget_p99_ms": p99,
    }
    return figures, [
        Target("Tinget / reference ballots/s (median)", median, TARGET_VS_REFERENCE, unit="x"),
        Target("Tinget failed requests", failed, 0, at_least=False),
    ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    http: dict[str, Any] = {}
    targets: list[Target] = []
    if not args.skip_http:
        find_wrk()  # before anything is set up: without wrk there is no first part
        http, targets = await over_http(args)
    scale, scale_targets = count_city(args)
    return {"http": http, "count": scale, **report_targets([*targets, *scale_targets])}
