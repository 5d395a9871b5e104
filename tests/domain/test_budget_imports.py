"""A Pabulib file imported into a budget round, in memory: what the import records (the round's
district and rule, a project each, the ballots in batches that name nobody), that counting the
round so recorded counts the file (greedy and equal shares, on random files of every vote type
made to tie often, ties going the same way), and every refusal: a file a round cannot take
named by line and field, an import once voting has opened, a second import, a participant's."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from events.errors import Conflict, Forbidden, InvalidInput
from services.budgeting.ballots import Ballot, BallotKind, BallotRule, scores
from services.budgeting.counting import count, count_round
from services.budgeting.domain import BudgetProject, BudgetRound, District, PhaseClosed
from services.budgeting.imports import (
    BATCH_BALLOTS,
    ImportedBallots,
    ImportPlan,
    ballots_of,
    district_key,
    plan_import,
    record_import,
)
from services.budgeting.pabulib import import_pb
from services.budgeting.results import Counting
from tests.domain.test_budget_rounds import (
    ADMIN,
    CATALOGUE,
    CITIZEN,
    DAY,
    REVIEW,
    RULES,
    VOTING,
    budget_round,
    given,
    stored,
)

KINDS = ("approval", "knapsack", "choose-1", "cumulative", "ordinal")


def pb_file(seed: int, kind: str, *, voters: int | None = None) -> str:
    """A random `.pb` file of ``kind`` made to tie often: few costs, few voters who repeat
    each other's votes, project ids that do not sort as numbers do (``p10`` before ``p2``),
    a voter id and an age beside each vote."""
    r = random.Random(seed)
    count = r.randint(2, 12)
    ids = [f"p{i}" for i in range(count)]
    r.shuffle(ids)
    costs = {p: r.choice([1, 2, 3]) * 100 for p in ids}
    budget = max(100, sum(costs.values()) // r.randint(2, 4))
    votes: list[list[str]] = []
    for _ in range(voters or r.randint(1, 30)):
        if votes and r.random() < 0.4:
            votes.append(list(r.choice(votes)))
            continue
        size = 1 if kind == "choose-1" else r.randint(0 if kind == "approval" else 1, min(4, count))
        chosen = r.sample(ids, size)
        while kind == "knapsack" and sum(costs[p] for p in chosen) > budget:
            chosen.pop()
        cells = [",".join(chosen)]
        if kind == "cumulative":
            cells.append(",".join(str(r.randint(1, 3)) for _ in chosen))
        votes.append(cells)
    rows = [";".join([f"v{n}", str(r.randint(16, 90)), *cells]) for n, cells in enumerate(votes)]
    meta = [f"budget;{budget}", f"vote_type;{'approval' if kind == 'knapsack' else kind}"]
    meta += ["subunit;Östra Innerstaden", "description;Medborgarbudget"]
    if kind == "knapsack":
        meta.append(f"max_sum_cost;{budget}")
    if kind == "ordinal" and r.random() < 0.5:
        meta.append("max_length;4")
    header = "voter_id;age;vote" + (";points" if kind == "cumulative" else "")
    return "\n".join(
        [
            "META",
            "key;value",
            *meta,
            "PROJECTS",
            "project_id;cost;name",
            *(f"{p};{costs[p]};Projekt {p}" for p in ids),
            "VOTES",
            header,
            *rows,
        ]
    )


@dataclass
class Imported:
    round: BudgetRound
    projects: list[BudgetProject]
    ballots: list[Ballot]  # as the listing files them, from the batches' stored events
    events: list[Any]  # the batches' events, stored and read back
    plan: ImportPlan


def imported(
    text: str, counting: Counting = Counting.EQUAL_SHARES, district: str | None = None
) -> Imported:
    """A round (counted by ``counting``) with ``text`` imported during its review."""
    r = budget_round(msgspec.structs.replace(RULES, counting=counting))
    plan = plan_import(text, district, r)
    recorded = record_import(plan, r, ADMIN, REVIEW + DAY)
    assert recorded[0] is r
    events: list[Any] = []
    ballots: list[Ballot] = []
    for batch in [a for a in recorded if isinstance(a, ImportedBallots)]:
        for e in map(stored, batch.collect_events()):
            events.append(e)
            ballots += ballots_of(e.district, e.projects, e.votes, e.points)
    projects = [given(a) for a in recorded if isinstance(a, BudgetProject)]
    return Imported(given(r), projects, ballots, events, plan)


@pytest.mark.parametrize("counting", list(Counting))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(8))  # 8 x kinds x countings random files
def test_counting_the_imported_round_counts_the_file(
    seed: int, kind: str, counting: Counting
) -> None:
    text = pb_file(seed, kind)
    election = import_pb(text)
    done = imported(text, counting)
    source = {str(p.id): p.source_id for p in done.projects}
    assert Counter(
        (tuple(source[p] for p in b.projects), b.points) for b in done.ballots
    ) == Counter((b.projects, b.points) for b in election.ballots)
    by_file = count(
        counting,
        election.budget,
        election.candidates,
        [scores(election.rule, b) for b in election.ballots],
    )
    # the round's own districts have no projects; the file's is the last
    *others, here = count_round(done.round, done.projects, done.ballots)
    assert all(not o.funded for o in others)
    assert [source[p] for p in here.funded] == list(by_file.funded)
    assert {source[o.project]: (o.reason, o.votes) for o in here.outcomes} == {
        o.project: (o.reason, o.votes) for o in by_file.outcomes
    }


def test_the_import_records_the_district_the_rule_the_projects_and_ballots_naming_nobody() -> None:
    text = pb_file(7, "cumulative", voters=40)
    done = imported(text)
    r = done.round
    assert r.imported
    assert r.districts[-1] == District(
        key="ostra-innerstaden", name="Östra Innerstaden", amount=r.districts[-1].amount
    )
    assert r.districts[-1].amount == import_pb(text).budget
    assert r.rules.ballot == BallotRule(
        kind=BallotKind.POINTS, points=max(sum(b.points or ()) for b in import_pb(text).ballots)
    )
    assert r.rules.counting is Counting.EQUAL_SHARES
    assert all(
        p.feasible and p.final_cost == p.estimated_cost and p.proposer_id is None
        for p in done.projects
    )
    assert {p.source_id: (p.title, p.final_cost) for p in done.projects} == {
        p.id: (p.name, p.cost) for p in import_pb(text).projects
    }
    # the round's ids sort as the file's do, so ties break alike
    assert [p.source_id for p in sorted(done.projects, key=lambda p: str(p.id))] == sorted(
        p.source_id or "" for p in done.projects
    )
    names = [CATALOGUE.by_class(type(e)).name for e in done.events]
    assert set(names) == {"BudgetBallotsImported"}
    for e in done.events:
        payload = msgspec.json.encode({k: v for k, v in vars(e).items() if k != "originator_id"})
        assert b"v1" not in payload  # no voter's id
        assert b"age" not in payload
    # in an order of their own: sorted, whatever the file's order
    cast = [
        (vote, () if points is None else points[n])
        for votes, points in done.plan.batches
        for n, vote in enumerate(votes)
    ]
    assert cast == sorted(cast)


def test_a_file_goes_into_the_district_given_or_its_own_and_keeps_the_rounds_name() -> None:
    text = pb_file(3, "approval").replace("subunit;Östra Innerstaden", "district;north")
    done = imported(text)
    assert [(d.key, d.name, d.amount) for d in done.round.districts] == [
        ("north", "Norr", import_pb(text).budget),
        ("south", "Söder", 600),
    ]
    given_one = imported(pb_file(3, "approval"), district="south")
    assert given_one.round.districts[1].amount == import_pb(pb_file(3, "approval")).budget
    assert {p.district for p in given_one.projects} == {"south"}
    with pytest.raises(InvalidInput) as refused:
        imported(pb_file(3, "approval"), district="Söder")
    assert refused.value.field == "district"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Praga-Północ", "praga-polnoc"),
        ("Østerbro", "osterbro"),
        ("Södra Ängby", "sodra-angby"),
        ("Helsinki / Kallio", "helsinki-kallio"),
        ("", "all"),
        ("---", "all"),
        ("x" * 60, "x" * 40),
    ],
)
def test_a_districts_name_makes_its_key(name: str, key: str) -> None:
    assert district_key(name) == key


def test_ballots_come_in_batches() -> None:
    done = imported(pb_file(1, "approval", voters=BATCH_BALLOTS * 2 + 10))
    sizes = [len(batch[0]) for batch in done.plan.batches]
    assert sizes == [BATCH_BALLOTS, BATCH_BALLOTS, 10]
    assert len(done.ballots) == done.plan.ballots == BATCH_BALLOTS * 2 + 10


def test_an_import_is_an_administrators_before_voting_opens_and_once() -> None:
    text = pb_file(2, "approval")
    r = budget_round()
    plan = plan_import(text, None, r)
    with pytest.raises(Forbidden):
        record_import(plan, r, CITIZEN, REVIEW)
    with pytest.raises(PhaseClosed) as closed:
        record_import(plan, r, ADMIN, VOTING)
    assert closed.value.field == "phase"
    assert "only before voting opens" in str(closed.value)
    assert r.pending_events == []
    record_import(plan, r, ADMIN, REVIEW)
    again = given(r)
    with pytest.raises(Conflict) as twice:
        again.check_import(ADMIN, REVIEW)
    assert twice.value.field == "file"


GOOD = [
    "META",
    "key;value",
    "budget;1000",
    "vote_type;cumulative",
    "max_sum_points;10",
    "PROJECTS",
    "project_id;cost;name",
    "a;400;Park",
    "b;300;Pool",
    "VOTES",
    "voter_id;vote;points",
    "1;a,b;5,5",
    "2;b;10",
]


def refused(lines: list[str]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refusal:
        plan_import("\n".join(lines), None, budget_round())
    return list(refusal.value.errors)


def test_what_a_round_cannot_take_is_named_by_line_and_field_all_at_once() -> None:
    lines = list(GOOD)
    lines[2] = "budget;2000000000000"
    lines[7] = "a;400;" + "Park " * 41
    lines[8] = "b;3000000000000;Pool\x07"
    lines[11] = "1;a,b;5,2000000"
    assert refused(lines) == [
        ("line 3: budget", "must be from 1 to 1000000000000"),
        ("line 8: name", "must be at most 200 characters"),
        ("line 9: name", "must not contain control characters"),
        ("line 9: cost", "must be from 1 to 1000000000000"),
        ("line 12: points", "at most 1000000 points for a project"),
    ]
    lines = list(GOOD)
    lines[3:5] = ["vote_type;ordinal", "max_length;900"]
    lines[10:] = ["voter_id;vote", "1;a,b"]
    assert refused(lines) == [("line 5: max_length", "must be from 1 to 500")]


def test_a_file_the_parser_refuses_is_refused_with_its_lines() -> None:
    lines = list(GOOD)
    lines[12] = "2;zz;10"
    assert refused(lines) == [("line 13: vote", "'zz' is not a project of the file")]


def test_a_cumulative_file_without_its_sum_spreads_what_its_fullest_ballot_gives() -> None:
    lines = [line for line in GOOD if not line.startswith("max_sum_points")]
    lines[-1] = "2;b;12"
    plan = plan_import("\n".join(lines), None, budget_round())
    assert plan.rule == BallotRule(kind=BallotKind.POINTS, points=12)
