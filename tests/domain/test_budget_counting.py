"""Counting a district: greedy and the Method of Equal Shares give exactly what pabutools' own
rules give on the same instance, built directly here, and say why each project is or is not
funded."""

from __future__ import annotations

import random
from collections.abc import Sequence

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
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from services.budgeting.ballots import Ballot, BallotKind, BallotRule, scores
from services.budgeting.counting import (
    Candidate,
    Counting,
    Reason,
    ScoreTimesCost,
    count,
    equal_shares,
    greedy,
)

Scores = dict[str, int]
# pabutools' tie-breaking, written out here rather than imported: cheaper first, then by id
TIES = TieBreakingRule(lambda instance, profile, project: (project.cost, project.name))


def direct(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> tuple[Instance, object, type]:
    """The district built straight in pabutools: the feasible projects somebody voted for."""
    voted = {p for b in ballots for p, s in b.items() if s > 0}
    projects = {c.id: Project(c.id, c.cost) for c in candidates if c.feasible and c.id in voted}
    instance = Instance(projects.values(), budget_limit=budget)
    if all(s == 1 for b in ballots for s in b.values()):
        profile: object = ApprovalProfile(
            [ApprovalBallot(projects[p] for p in b if p in projects) for b in ballots],
            instance=instance,
        )
        return instance, profile, Cost_Sat
    profile = CardinalProfile(
        [CardinalBallot({projects[p]: s for p, s in b.items() if p in projects}) for b in ballots],
        instance=instance,
    )
    return instance, profile, ScoreTimesCost


def pabutools_greedy(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> set[str]:
    instance, profile, sat = direct(budget, candidates, ballots)
    return {
        p.name
        for p in greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=TIES)
    }


def pabutools_mes(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> set[str]:
    instance, profile, sat = direct(budget, candidates, ballots)
    if not len(instance):
        return set()
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [
            {
                "rule": method_of_equal_shares,
                "rule_params": {"sat_class": sat, "tie_breaking": TIES},
            },
            {"sat_class": sat, "tie_breaking": TIES},
        ],
    )
    return {p.name for p in outcome}


def random_instance(seed: int, kind: BallotKind) -> tuple[int, list[Candidate], list[Scores]]:
    r = random.Random(seed)
    n_projects = r.randint(3, 14)
    candidates = [
        Candidate(
            id=f"p{i:02d}",
            cost=r.choice([1, 2, 3, 5, 8]) * r.randint(1, 40) * 1000,
            feasible=r.random() > 0.1,
        )
        for i in range(n_projects)
    ]
    feasible = [c for c in candidates if c.feasible] or candidates[:1]
    budget = sum(c.cost for c in candidates) // r.randint(2, 4)
    points = 10
    rule = {
        BallotKind.APPROVAL: BallotRule(kind=BallotKind.APPROVAL),
        BallotKind.POINTS: BallotRule(kind=BallotKind.POINTS, points=points),
        BallotKind.RANKED: BallotRule(kind=BallotKind.RANKED, max_projects=3),
    }[kind]
    ballots: list[Scores] = []
    # a few popular projects, as in real rounds
    weights = [0.05 + r.random() ** 2 for _ in feasible]
    for _ in range(r.randint(5, 120)):
        size = min(len(feasible), r.randint(1, 3 if kind is BallotKind.RANKED else 5))
        chosen: list[str] = []
        while len(chosen) < size:
            pick = r.choices(feasible, weights)[0].id
            if pick not in chosen:
                chosen.append(pick)
        given: tuple[int, ...] | None = None
        if kind is BallotKind.POINTS:
            cuts = sorted(r.sample(range(1, points), size - 1)) if size > 1 else []
            given = tuple(b - a for a, b in zip([0, *cuts], [*cuts, points], strict=True))
        ballot = Ballot(district="d", projects=tuple(chosen), points=given)
        ballots.append(scores(rule, ballot))
    return budget, candidates, ballots


SEEDS = range(40)


@pytest.mark.parametrize("kind", [BallotKind.APPROVAL, BallotKind.POINTS, BallotKind.RANKED])
@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_is_pabutools_greedy(seed: int, kind: BallotKind) -> None:
    budget, candidates, ballots = random_instance(seed, kind)
    result = greedy(budget, candidates, ballots)
    assert set(result.funded) == pabutools_greedy(budget, candidates, ballots)
    assert result.spent == sum(c.cost for c in candidates if c.id in result.funded) <= budget


@pytest.mark.parametrize("kind", [BallotKind.APPROVAL, BallotKind.POINTS, BallotKind.RANKED])
@pytest.mark.parametrize("seed", SEEDS)
def test_equal_shares_is_pabutools_equal_shares(seed: int, kind: BallotKind) -> None:
    budget, candidates, ballots = random_instance(seed, kind)
    result = equal_shares(budget, candidates, ballots)
    assert set(result.funded) == pabutools_mes(budget, candidates, ballots)
    assert result.spent <= budget


def test_the_instances_differ_between_the_rules() -> None:
    """The random instances are not all ones where both rules agree (else the comparisons
    above would not tell equal shares from greedy)."""
    differ = 0
    for seed in SEEDS:
        budget, candidates, ballots = random_instance(seed, BallotKind.APPROVAL)
        differ += (
            greedy(budget, candidates, ballots).funded
            != equal_shares(budget, candidates, ballots).funded
        )
    assert differ >= 5


def c(id: str, cost: int, feasible: bool = True) -> Candidate:
    return Candidate(id=id, cost=cost, feasible=feasible)


def approvals(*groups: tuple[int, tuple[str, ...]]) -> list[Scores]:
    """``count`` voters approving each group of projects."""
    return [dict.fromkeys(projects, 1) for n, projects in groups for _ in range(n)]


def test_greedy_funds_by_votes_and_goes_on_past_what_does_not_fit() -> None:
    candidates = [c("pool", 700), c("park", 400), c("bench", 100), c("lamp", 200)]
    ballots = approvals((10, ("pool",)), (8, ("park",)), (6, ("bench",)), (1, ("lamp",)))
    result = greedy(1000, candidates, ballots)
    # pool (10 votes) fits, park (8) does not (300 left), bench (6) does, lamp (1) too
    assert result.funded == ("pool", "bench", "lamp")
    assert result.spent == 1000
    park = result.outcome("park")
    assert (park.funded, park.reason, park.votes) == (False, Reason.DID_NOT_FIT, 8)
    assert "300 was left" in park.explanation
    assert result.outcome("pool").reason is Reason.FUNDED


def test_greedy_breaks_ties_for_the_cheaper_project() -> None:
    result = greedy(500, [c("b", 300), c("a", 400)], approvals((3, ("a", "b"))))
    assert result.funded == ("b",)
    assert result.outcome("a").reason is Reason.DID_NOT_FIT


def test_a_project_nobody_voted_for_or_not_feasible_is_never_funded() -> None:
    candidates = [c("voted", 100), c("ignored", 100), c("unsafe", 100, feasible=False)]
    for counting in Counting:
        result = count(counting, 10_000, candidates, approvals((3, ("voted",))))
        assert result.funded == ("voted",)
        assert result.outcome("ignored").reason is Reason.NO_VOTES
        assert result.outcome("unsafe").reason is Reason.NOT_FEASIBLE
        assert not result.outcome("unsafe").funded


def test_equal_shares_gives_a_minority_its_share_where_greedy_does_not() -> None:
    """60 voters want the north's three projects, 40 the south's two; each costs 200 of 1000.
    Greedy funds the majority's projects first; equal shares gives the 40 % their two."""
    candidates = [c(f"north{i}", 200) for i in range(3)] + [c(f"south{i}", 200) for i in range(2)]
    north = ("north0", "north1", "north2", "south0")
    ballots = approvals((60, north), (40, ("south0", "south1")))
    assert set(greedy(600, candidates, ballots).funded) == {"north0", "north1", "south0"}
    shares = equal_shares(600, candidates, ballots)
    assert set(shares.funded) == pabutools_mes(600, candidates, ballots)
    assert "south1" in shares.funded
    assert "south0" in shares.funded
    for o in shares.outcomes:
        if not o.funded:
            assert o.reason is Reason.SHARES_RAN_OUT
            assert "shares could not pay" in o.explanation


def test_equal_shares_names_a_project_dearer_than_the_whole_budget() -> None:
    candidates = [c("stadium", 5000), c("swings", 300)]
    result = equal_shares(1000, candidates, approvals((9, ("stadium",)), (1, ("swings",))))
    assert result.funded == ("swings",)
    assert result.outcome("stadium").reason is Reason.DID_NOT_FIT
    assert "more than the whole budget" in result.outcome("stadium").explanation


def test_a_district_without_ballots_funds_nothing() -> None:
    for counting in Counting:
        result = count(counting, 1000, [c("a", 100)], [])
        assert result.funded == ()
        assert result.outcome("a").reason is Reason.NO_VOTES


def test_two_thousand_voters_on_fifty_projects() -> None:
    """A town-sized district: both rules agree with pabutools and stay within the budget.
    (Equal shares raises the shares 1 % at a time, one run of the method per step, in
    Tinget's count and again in pabutools' own: 10,000 voters on 100 projects took about four
    minutes so; how long a city-sized count takes is the budget bench's to say.)"""
    r = random.Random(7)
    candidates = [c(f"p{i:03d}", r.randint(5, 200) * 1000) for i in range(50)]
    popularity = [r.random() ** 3 for _ in candidates]
    ballots: list[Scores] = []
    for _ in range(2_000):
        chosen = {r.choices(candidates, popularity)[0].id for _ in range(r.randint(1, 6))}
        ballots.append(dict.fromkeys(chosen, 1))
    budget = 1_000_000
    by_votes = greedy(budget, candidates, ballots)
    assert set(by_votes.funded) == pabutools_greedy(budget, candidates, ballots)
    shares = equal_shares(budget, candidates, ballots)
    assert set(shares.funded) == pabutools_mes(budget, candidates, ballots)
    for result in (by_votes, shares):
        assert 0 < result.spent <= budget
        assert len(result.outcomes) == 50
        assert sum(o.votes for o in result.outcomes) == sum(len(b) for b in ballots)
