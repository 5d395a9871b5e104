"""The fast Method of Equal Shares (services.budgeting.equal_shares) gives pabutools' outcome
exactly, in pabutools' order: one run of the method at a given share, and the whole count
(shares raised 1 % at a time, then greedy), on random districts made to tie often (few costs,
few voters, the same ballots again) and on districts of a few hundred voters; for approval
ballots and for scored ones (points, and ranked ballots' Borda scores), each against
pabutools' own count of the same ballots (cost satisfaction: score times cost)."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from services.budgeting.counting import ScoreTimesCost
from services.budgeting.equal_shares import (
    approval_equal_shares,
    cardinal_equal_shares,
    cardinal_equal_shares_run,
    equal_shares_run,
)

# pabutools' tie-breaking written out here: the cheaper project first, then by id
TIES = TieBreakingRule(lambda instance, profile, project: (project.cost, project.name))

District = tuple[int, list[int], list[str], list[list[int]]]


def district(seed: int, *, tied: bool) -> District:
    """A random district: ``tied`` ones have few costs and voters who repeat each other's
    ballots, so equal affordabilities come up all the time."""
    r = random.Random(seed)
    projects = r.randint(2, 12)
    if tied:
        costs = [r.choice([1, 2, 4]) * 1000 for _ in range(projects)]
    else:
        costs = [r.randint(1, 60) * 997 for _ in range(projects)]
    names = [f"p{i:02d}" for i in range(projects)]
    weights = [0.05 + r.random() ** 2 for _ in range(projects)]
    ballots: list[list[int]] = []
    for _ in range(r.randint(1, 40 if tied else 300)):
        if tied and ballots and r.random() < 0.5:
            ballots.append(list(r.choice(ballots)))
            continue
        size = r.randint(1, min(5, projects))
        ballots.append(sorted(set(r.choices(range(projects), weights, k=size))))
    for p in range(projects):  # every project has a supporter, as in a count
        if not any(p in b for b in ballots):
            ballots[r.randrange(len(ballots))].append(p)
    budget = max(1, sum(costs) // r.randint(2, 5))
    return budget, costs, names, ballots


def election(d: District) -> tuple[Instance, ApprovalProfile, dict[str, Project]]:
    budget, costs, names, ballots = d
    projects = {n: Project(n, c) for n, c in zip(names, costs, strict=True)}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile(
        [ApprovalBallot(projects[names[p]] for p in b) for b in ballots], instance=instance
    )
    return instance, profile, projects


def supporters(d: District) -> list[np.ndarray]:
    _, costs, _, ballots = d
    return [
        np.array([v for v, b in enumerate(ballots) if p in b], dtype=np.int64)
        for p in range(len(costs))
    ]


CASES = [(seed, tied) for seed in range(24) for tied in (True, False)]


@pytest.mark.parametrize(("seed", "tied"), CASES)
def test_one_run_funds_what_pabutools_funds_in_its_order(seed: int, tied: bool) -> None:
    d = district(seed, tied=tied)
    budget, costs, names, ballots = d
    for raise_by in (0, 7, 30):  # the share as the completion raises it
        limit = Fraction(budget) + Fraction(budget * raise_by, 100)
        instance, profile, _ = election(d)
        instance.budget_limit = limit
        theirs = [
            p.name
            for p in method_of_equal_shares(
                instance, profile, sat_class=Cost_Sat, tie_breaking=TIES
            )
        ]
        funded = equal_shares_run(limit / len(ballots), len(ballots), costs, names, supporters(d))
        assert [names[p] for p in funded] == theirs


@pytest.mark.parametrize(("seed", "tied"), CASES)
def test_the_count_is_pabutools_equal_shares_completed(seed: int, tied: bool) -> None:
    d = district(seed, tied=tied)
    budget, costs, names, ballots = d
    instance, profile, _ = election(d)
    by_shares = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": Cost_Sat, "tie_breaking": TIES},
    )
    completed = greedy_utilitarian_welfare(
        instance,
        profile,
        sat_class=Cost_Sat,
        tie_breaking=TIES,
        initial_budget_allocation=by_shares,
    )
    shares, completion = approval_equal_shares(budget, costs, names, ballots)
    assert [names[p] for p in shares] == [p.name for p in by_shares]
    assert [names[p] for p in shares + completion] == [p.name for p in completed]


def test_nobody_voting_funds_nothing() -> None:
    assert approval_equal_shares(100, [10, 20], ["a", "b"], []) == ([], [])


# -- scored ballots: points, and ranked ballots' Borda scores ----------------------------------

Scored = tuple[int, list[int], list[str], list[dict[int, int]]]


def scored_district(seed: int, *, tied: bool, ranked: bool, voters: int | None = None) -> Scored:
    """A random district of points ballots (``points`` spread over 1 to 5 projects) or ranked
    ones (a top 5 scored 5, 4, ...: Borda, as a ranked ballot counts). ``tied`` ones have few
    costs, few points and voters who repeat each other's ballots; ``voters`` makes a bigger
    one of more projects."""
    r = random.Random(seed)
    projects = r.randint(15, 30) if voters else r.randint(2, 12)
    if tied:
        costs = [r.choice([1, 2, 4]) * 1000 for _ in range(projects)]
    else:
        costs = [r.randint(1, 60) * 997 for _ in range(projects)]
    names = [f"p{i:02d}" for i in range(projects)]
    weights = [0.05 + r.random() ** 2 for _ in range(projects)]
    points = 4 if tied else 20
    ballots: list[dict[int, int]] = []
    for _ in range(voters or r.randint(1, 40 if tied else 300)):
        if tied and ballots and r.random() < 0.5:
            ballots.append(dict(r.choice(ballots)))
            continue
        size = r.randint(1, min(4 if tied else 5, projects))
        chosen = list(dict.fromkeys(r.choices(range(projects), weights, k=size)))
        if ranked:
            ballots.append({p: 5 - rank for rank, p in enumerate(chosen)})
        else:
            cuts = sorted(r.sample(range(1, points), len(chosen) - 1))
            spread = [b - a for a, b in zip([0, *cuts], [*cuts, points], strict=True)]
            ballots.append(dict(zip(chosen, spread, strict=True)))
    for p in range(projects):  # every project has a supporter, as in a count
        if not any(p in b for b in ballots):
            ballots[r.randrange(len(ballots))][p] = 1
    budget = max(1, sum(costs) // r.randint(2, 5))
    return budget, costs, names, ballots


def scored_election(d: Scored) -> tuple[Instance, CardinalProfile]:
    budget, costs, names, ballots = d
    projects = {n: Project(n, c) for n, c in zip(names, costs, strict=True)}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = CardinalProfile(
        [CardinalBallot({projects[names[p]]: s for p, s in b.items()}) for b in ballots],
        instance=instance,
    )
    return instance, profile


def scored_supporters(d: Scored) -> tuple[list[np.ndarray], list[np.ndarray]]:
    _, costs, _, ballots = d
    supporters = [
        np.array([v for v, b in enumerate(ballots) if p in b], dtype=np.int64)
        for p in range(len(costs))
    ]
    scores = [
        np.array([b[p] for b in ballots if p in b], dtype=np.int64) for p in range(len(costs))
    ]
    return supporters, scores


SCORED = [
    (seed, tied, ranked) for seed in range(40) for tied in (True, False) for ranked in (False, True)
]


@pytest.mark.parametrize(("seed", "tied", "ranked"), SCORED)
def test_one_run_on_scores_funds_what_pabutools_funds_in_its_order(
    seed: int, tied: bool, ranked: bool
) -> None:
    d = scored_district(seed, tied=tied, ranked=ranked)
    budget, costs, names, ballots = d
    supporters, scores = scored_supporters(d)
    for raise_by in (0, 7, 30):  # the share as the completion raises it
        limit = Fraction(budget) + Fraction(budget * raise_by, 100)
        instance, profile = scored_election(d)
        instance.budget_limit = limit
        theirs = [
            p.name
            for p in method_of_equal_shares(
                instance, profile, sat_class=ScoreTimesCost, tie_breaking=TIES
            )
        ]
        share = limit / len(ballots)
        funded = cardinal_equal_shares_run(share, len(ballots), costs, names, supporters, scores)
        assert [names[p] for p in funded] == theirs


def pabutools_completed(d: Scored) -> tuple[list[str], list[str]]:
    """pabutools' equal shares on scores, raised 1 % at a time, and then completed greedily."""
    instance, profile = scored_election(d)
    by_shares = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": ScoreTimesCost, "tie_breaking": TIES},
    )
    completed = greedy_utilitarian_welfare(
        instance,
        profile,
        sat_class=ScoreTimesCost,
        tie_breaking=TIES,
        initial_budget_allocation=by_shares,
    )
    return [p.name for p in by_shares], [p.name for p in completed]


@pytest.mark.parametrize(("seed", "tied", "ranked"), SCORED)
def test_the_count_on_scores_is_pabutools_equal_shares_completed(
    seed: int, tied: bool, ranked: bool
) -> None:
    d = scored_district(seed, tied=tied, ranked=ranked)
    budget, costs, names, ballots = d
    shares, completion = cardinal_equal_shares(budget, costs, names, ballots)
    by_shares, completed = pabutools_completed(d)
    assert [names[p] for p in shares] == by_shares
    assert [names[p] for p in shares + completion] == completed


@pytest.mark.parametrize("ranked", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_the_count_of_a_town_on_scores_is_pabutools(seed: int, ranked: bool) -> None:
    """Some hundreds of voters over 15 to 30 projects: pabutools' own count takes seconds."""
    d = scored_district(100 + seed, tied=False, ranked=ranked, voters=300 + 250 * seed)
    budget, costs, names, ballots = d
    shares, completion = cardinal_equal_shares(budget, costs, names, ballots)
    by_shares, completed = pabutools_completed(d)
    assert [names[p] for p in shares] == by_shares
    assert [names[p] for p in shares + completion] == completed


def test_scores_of_one_are_approval() -> None:
    """A scored count of ballots that give every project 1 is the approval count."""
    for seed in range(20):
        budget, costs, names, ballots = district(seed, tied=seed % 2 == 0)
        scored = [dict.fromkeys(b, 1) for b in ballots]
        assert cardinal_equal_shares(budget, costs, names, scored) == approval_equal_shares(
            budget, costs, names, ballots
        )


def test_nobody_scoring_funds_nothing() -> None:
    assert cardinal_equal_shares(100, [10, 20], ["a", "b"], []) == ([], [])
