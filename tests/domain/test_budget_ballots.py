"""Budget ballots in memory: each rule's checks, each refusal naming its field and reason."""

from __future__ import annotations

import pytest

from events.errors import InvalidInput
from services.budgeting.ballots import (
    MAX_PROJECTS_ON_BALLOT,
    Ballot,
    BallotKind,
    BallotRule,
    Offer,
    check_ballot,
    check_rule,
    scores,
)

OFFERS = {
    "park": Offer(district="north", cost=400),
    "pool": Offer(district="north", cost=700),
    "bench": Offer(district="north", cost=100),
    "pier": Offer(district="south", cost=300),
    "tower": Offer(district="north", cost=200, feasible=False),
}
BUDGET = 1000

APPROVAL = BallotRule(kind=BallotKind.APPROVAL, max_projects=2)
KNAPSACK = BallotRule(kind=BallotKind.KNAPSACK)
POINTS = BallotRule(kind=BallotKind.POINTS, points=10)
RANKED = BallotRule(kind=BallotKind.RANKED, max_projects=3)


def ballot(*projects: str, points: tuple[int, ...] | None = None) -> Ballot:
    return Ballot(district="north", projects=projects, points=points)


def refusal(rule: BallotRule, b: Ballot) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        check_ballot(rule, b, OFFERS, BUDGET)
    return list(refused.value.errors)


def fields(errors: list[tuple[str, str]]) -> list[str]:
    return [field for field, _ in errors]


@pytest.mark.parametrize(
    ("rule", "b"),
    [
        (APPROVAL, ballot("park", "pool")),
        (BallotRule(kind=BallotKind.APPROVAL, within_budget=True), ballot("park", "bench")),
        (KNAPSACK, ballot("pool", "bench")),
        (POINTS, ballot("park", "bench", points=(7, 3))),
        (RANKED, ballot("pool", "park", "bench")),
        (RANKED, ballot("pool")),
    ],
)
def test_a_ballot_that_keeps_its_rule_is_taken(rule: BallotRule, b: Ballot) -> None:
    assert check_ballot(rule, b, OFFERS, BUDGET) == b


def test_every_wrong_project_is_named_with_its_reason() -> None:
    errors = refusal(
        BallotRule(kind=BallotKind.APPROVAL), ballot("park", "nowhere", "pier", "tower", "park")
    )
    assert fields(errors) == ["projects[1]", "projects[2]", "projects[3]", "projects[4]"]
    reasons = [reason for _, reason in errors]
    assert "not a project of this round" in reasons[0]
    assert "district 'south'" in reasons[1]
    assert "not feasible" in reasons[2]
    assert "twice" in reasons[3]


def test_an_approval_ballot_takes_at_most_its_count() -> None:
    assert refusal(APPROVAL, ballot("park", "pool", "bench")) == [
        ("projects", "too many: at most 2, not 3")
    ]


def test_an_approval_ballot_within_budget_and_a_knapsack_ballot_must_fit() -> None:
    within = BallotRule(kind=BallotKind.APPROVAL, within_budget=True)
    for rule in (within, KNAPSACK):
        (error,) = refusal(rule, ballot("park", "pool"))
        assert error == ("projects", "over budget: they cost 1100 together, the budget is 1000")
    # the very same ballot is fine when only counted projects matter
    assert check_ballot(
        BallotRule(kind=BallotKind.APPROVAL), ballot("park", "pool"), OFFERS, BUDGET
    )


def test_points_must_add_up_exactly() -> None:
    assert refusal(POINTS, ballot("park", "bench", points=(7, 2))) == [
        ("points", "do not add up: 9, not the 10 to spread")
    ]
    assert fields(refusal(POINTS, ballot("park", "bench", points=(11, -1)))) == ["points[1]"]
    assert fields(refusal(POINTS, ballot("park", "bench", points=(10,)))) == ["points"]
    assert fields(refusal(POINTS, ballot("park", "bench"))) == ["points"]
    assert fields(refusal(APPROVAL, ballot("park", points=(1,)))) == ["points"]


def test_a_ranked_ballot_orders_a_top_k_without_repeats() -> None:
    (error,) = refusal(RANKED, ballot("pool", "park", "pool"))
    assert error[0] == "projects[2]"
    assert "a rank repeated" in error[1]
    assert refusal(RANKED, ballot("pool", "park", "bench", "park"))[0][0] == "projects[3]"
    assert ("projects", "too many: at most 3, not 4") in refusal(
        RANKED, ballot("pool", "park", "bench", "pier")
    )


def test_an_empty_or_huge_ballot_is_refused() -> None:
    assert fields(refusal(APPROVAL, ballot())) == ["projects"]
    huge = ballot(*(f"p{i}" for i in range(MAX_PROJECTS_ON_BALLOT + 1)))
    assert fields(refusal(BallotRule(kind=BallotKind.APPROVAL), huge)) == ["projects"]


def test_scores_as_counted() -> None:
    assert scores(APPROVAL, ballot("park", "pool")) == {"park": 1, "pool": 1}
    assert scores(POINTS, ballot("park", "bench", points=(7, 3))) == {"park": 7, "bench": 3}
    # Borda over the top 3: a ballot ranking two gives 3 and 2
    assert scores(RANKED, ballot("pool", "park")) == {"pool": 3, "park": 2}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (BallotRule(kind=BallotKind.POINTS), "ballot.points"),
        (BallotRule(kind=BallotKind.POINTS, points=0), "ballot.points"),
        (BallotRule(kind=BallotKind.APPROVAL, points=5), "ballot.points"),
        (BallotRule(kind=BallotKind.RANKED), "ballot.max_projects"),
        (BallotRule(kind=BallotKind.APPROVAL, max_projects=0), "ballot.max_projects"),
        (BallotRule(kind=BallotKind.KNAPSACK, max_projects=3), "ballot.max_projects"),
        (BallotRule(kind=BallotKind.POINTS, points=5, within_budget=True), "ballot.within_budget"),
    ],
)
def test_a_rule_that_does_not_suit_its_kind_is_refused(rule: BallotRule, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_rule(rule)
    assert refused.value.field == field
