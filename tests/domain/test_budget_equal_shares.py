"""The fast Method of Equal Shares (services.budgeting.equal_shares) gives pabutools' outcome
exactly, in pabutools' order: one run of the method at a given share, and the whole count
(shares raised 1 % at a time, then greedy), on random districts made to tie often (few costs,
few voters, the same ballots again) and on districts of a few hundred voters."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from services.budgeting.equal_shares import approval_equal_shares, equal_shares_run

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


CASES = [(seed, tied) for seed in range(60) for tied in (True, False)]


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
