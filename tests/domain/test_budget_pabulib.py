"""Pabulib `.pb` files: a district exported, read back by pabutools' own parser, counts the same;
a file pabutools writes imports into the same projects and ballots; a malformed one is refused
naming the line and field."""

from __future__ import annotations

import random

import pytest
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import election_as_pabulib_string, parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare

from events.errors import InvalidInput
from services.budgeting.ballots import Ballot, BallotKind, BallotRule, scores
from services.budgeting.counting import (
    TIE_BREAKING,
    Candidate,
    Counting,
    ScoreTimesCost,
    count,
    pabutools_equal_shares,
)
from services.budgeting.pabulib import PbProject, export_district, import_pb

META = {
    "description": "Medborgarbudget 2026",
    "country": "Sweden",
    "unit": "Umeå",
    "instance": "2026",
}


def district(seed: int, rule: BallotRule) -> tuple[list[PbProject], list[Ballot]]:
    r = random.Random(seed)
    projects = [
        PbProject(
            id=f"{i + 1}", name=f"Projekt {i + 1}; med lekplats", cost=r.randint(1, 30) * 1000
        )
        for i in range(r.randint(4, 12))
    ]
    ballots: list[Ballot] = []
    for _ in range(r.randint(10, 80)):
        size = r.randint(1, min(3, len(projects)))
        chosen = tuple(p.id for p in r.sample(projects, size))
        points = None
        if rule.kind is BallotKind.POINTS:
            assert rule.points is not None
            cuts = sorted(r.sample(range(1, rule.points), size - 1))
            points = tuple(b - a for a, b in zip([0, *cuts], [*cuts, rule.points], strict=True))
        ballots.append(Ballot(district="north", projects=chosen, points=points))
    return projects, ballots


APPROVAL = BallotRule(kind=BallotKind.APPROVAL, max_projects=3)
POINTS = BallotRule(kind=BallotKind.POINTS, points=10)


@pytest.mark.parametrize("counting", list(Counting))
@pytest.mark.parametrize("rule", [APPROVAL, POINTS])
@pytest.mark.parametrize("seed", range(8))
def test_an_exported_district_read_by_pabutools_counts_the_same(
    seed: int, rule: BallotRule, counting: Counting
) -> None:
    projects, ballots = district(seed, rule)
    budget = sum(p.cost for p in projects) // 3
    candidates = [Candidate(id=p.id, cost=p.cost) for p in projects]
    result = count(counting, budget, candidates, [scores(rule, b) for b in ballots])
    text = export_district(
        meta=META,
        district="north",
        budget=budget,
        rule=rule,
        counting=counting,
        projects=projects,
        ballots=ballots,
        result=result,
    )
    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == budget
    assert {(p.name, p.cost) for p in instance} == {(p.id, p.cost) for p in projects}
    assert profile.num_ballots() == len(ballots)
    assert instance.meta["vote_type"] == ("approval" if rule is APPROVAL else "cumulative")
    assert instance.meta["rule"] == ("greedy" if counting is Counting.GREEDY else "equalshares")
    selected = {p.name for p in instance if instance.project_meta[p]["selected"] == "1"}
    assert selected == set(result.funded)
    names = {p.name: instance.project_meta[p]["name"] for p in instance}
    assert names == {p.id: p.name for p in projects}  # a `;` in a name survives
    # pabutools counts the parsed file to the same funded projects (only voted ones take part)
    voted = {p for b in ballots for p in b.projects}
    for p in [p for p in instance if p.name not in voted]:
        instance.remove(p)
    sat = Cost_Sat if rule is APPROVAL else ScoreTimesCost
    if counting is Counting.GREEDY:
        theirs = greedy_utilitarian_welfare(
            instance, profile, sat_class=sat, tie_breaking=TIE_BREAKING
        )
    else:
        theirs = pabutools_equal_shares(instance, profile, sat)
    assert {p.name for p in theirs} == set(result.funded)


@pytest.mark.parametrize(
    "rule",
    [
        APPROVAL,
        POINTS,
        BallotRule(kind=BallotKind.KNAPSACK),
        BallotRule(kind=BallotKind.APPROVAL, within_budget=True, max_projects=2),
        BallotRule(kind=BallotKind.RANKED, max_projects=3),
    ],
)
def test_an_exported_district_imports_back(rule: BallotRule) -> None:
    projects, ballots = district(3, rule)
    text = export_district(
        meta=META,
        district="north",
        budget=50_000,
        rule=rule,
        counting=Counting.GREEDY,
        projects=projects,
        ballots=ballots,
    )
    election = import_pb(text)
    assert election.budget == 50_000
    assert election.district == "north"
    assert election.rule == rule
    assert [(p.id, p.name, p.cost) for p in election.projects] == [
        (p.id, p.name, p.cost) for p in projects
    ]
    assert list(election.ballots) == ballots
    assert election.meta["unit"] == "Umeå"


def test_a_file_pabutools_writes_imports_into_the_same_ballots() -> None:
    """pabutools writes points as decimals ("3.0") and auto-filled META: both are read."""
    projects, ballots = district(5, POINTS)
    ours = export_district(
        meta=META,
        district="north",
        budget=40_000,
        rule=POINTS,
        counting=Counting.EQUAL_SHARES,
        projects=projects,
        ballots=ballots,
    )
    instance, profile = parse_pabulib_from_string(ours)
    for p in instance:  # pabutools' writer does not quote a `;` in a name, as ours does
        instance.project_meta[p]["name"] = f"Projekt {p.name}"
    theirs = election_as_pabulib_string(instance, profile)
    assert "3.0" in theirs or "1.0" in theirs
    election = import_pb(theirs)
    assert sorted((b.projects, b.points) for b in election.ballots) == sorted(
        (b.projects, b.points) for b in ballots
    )
    assert {(p.id, p.cost) for p in election.projects} == {(p.id, p.cost) for p in projects}


def test_an_ordinal_file_imports_as_ranked_ballots() -> None:
    text = "\n".join(
        [
            "META",
            "key;value",
            "budget;1000",
            "vote_type;ordinal",
            "max_length;3",
            "PROJECTS",
            "project_id;cost",
            "a;400",
            "b;300",
            "c;600",
            "VOTES",
            "voter_id;vote",
            "1;c,a,b",
            "2;a",
        ]
    )
    election = import_pb(text)
    assert election.rule == BallotRule(kind=BallotKind.RANKED, max_projects=3)
    assert [b.projects for b in election.ballots] == [("c", "a", "b"), ("a",)]
    assert [scores(election.rule, b) for b in election.ballots] == [
        {"c": 3, "a": 2, "b": 1},
        {"a": 3},
    ]


GOOD = [
    "META",
    "key;value",
    "budget;1000",
    "vote_type;approval",
    "num_projects;2",
    "num_votes;2",
    "PROJECTS",
    "project_id;cost;name",
    "a;400;Park",
    "b;300;Pool",
    "VOTES",
    "voter_id;vote",
    "1;a,b",
    "2;b",
]


def refused(lines: list[str]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refusal:
        import_pb("\n".join(lines))
    return list(refusal.value.errors)


def with_line(number: int, text: str) -> list[str]:
    """The good file with line ``number`` (1-based) replaced."""
    lines = list(GOOD)
    lines[number - 1] = text
    return lines


def test_the_good_file_imports() -> None:
    election = import_pb("\ufeff" + "\r\n".join(GOOD))
    assert [p.id for p in election.projects] == ["a", "b"]
    assert election.rule == BallotRule(kind=BallotKind.APPROVAL)


@pytest.mark.parametrize(
    ("lines", "field", "reason"),
    [
        (with_line(9, "a;lots;Park"), "line 9: cost", "no whole amount"),
        (with_line(9, "a;-5;Park"), "line 9: cost", "no whole amount"),
        (with_line(10, "a;300;Pool"), "line 10: project_id", "given twice"),
        (with_line(10, "b;300"), "line 10: line", "2 fields, the header has 3"),
        (with_line(13, "1;a,zz"), "line 13: vote", "'zz' is not a project"),
        (with_line(13, "1;a,a"), "line 13: vote", "twice"),
        (with_line(14, "1;b"), "line 14: voter_id", "votes twice"),
        (with_line(3, "budget;a lot"), "line 3: budget", "a whole amount"),
        (with_line(4, "vote_type;scoring"), "line 4: vote_type", "'scoring'"),
        (with_line(5, "num_projects;3"), "line 5: num_projects", "says 3, the file has 2"),
        (with_line(8, "id;cost;name"), "line 8: PROJECTS", "no 'project_id' column"),
        (GOOD[:11], "line 0: VOTES", "missing"),
        (["budget;1000", *GOOD], "line 1: line", "comes before"),
    ],
)
def test_a_malformed_file_is_refused_naming_line_and_field(
    lines: list[str], field: str, reason: str
) -> None:
    errors = refused(lines)
    assert errors[0][0] == field
    assert reason in errors[0][1]


def test_points_of_a_cumulative_file_are_checked() -> None:
    lines = [
        "META",
        "key;value",
        "budget;1000",
        "vote_type;cumulative",
        "max_sum_points;5",
        "PROJECTS",
        "project_id;cost",
        "a;400",
        "b;300",
        "VOTES",
        "voter_id;vote;points",
        "1;a,b;3,2",
        "2;a,b;5",
        "3;a;x",
    ]
    errors = refused(lines)
    assert errors == [
        ("line 13: points", "1 points for 2 projects"),
        ("line 14: points", "whole numbers, none below 0"),
    ]


def test_a_refusal_names_at_most_twenty_problems() -> None:
    lines = GOOD[:12] + [f"{n};zz" for n in range(3, 100)]
    assert len(refused(lines)) == 20


def test_an_export_refuses_a_project_id_pabulib_cannot_carry() -> None:
    with pytest.raises(InvalidInput) as refusal:
        export_district(
            meta=META,
            district="north",
            budget=1,
            rule=APPROVAL,
            counting=Counting.GREEDY,
            projects=[PbProject(id="a,b", name="x", cost=1)],
            ballots=[],
        )
    assert refusal.value.field == "projects"
