"""Participatory budgeting ballots: what a voter may choose, and every way a ballot can be wrong.

A budget round fixes, before voting opens, one ballot rule (``BallotRule``) for all its
districts:

- ``approval``: mark any projects, up to ``max_projects`` of them, or (``within_budget``) as
  many as the district's budget pays for;
- ``knapsack``: mark projects whose final costs together fit the district's budget;
- ``points``: spread exactly ``points`` points over projects (whole numbers, each above 0);
- ``ranked``: order the top ``max_projects`` projects (or fewer), none twice.

A voter's choice is a ``Ballot`` (the district and the projects, in order; the points beside
them for a points ballot). ``check_ballot`` takes it with the district's projects as they stand
after review (``Offer``: district, final cost, feasible) and the district's amount, and answers
the checked ballot or one ``InvalidInput`` naming every field that is wrong (``projects[3]``,
``points``) and why, so a voter sees each problem in one round trip.

Each checked ballot counts as scores per project (``scores``): 1 for each marked project of an
approval or knapsack ballot, the points given on a points ballot, and on a ranked ballot of
``k`` places ``k`` points for the first, ``k - 1`` for the second and so on (Borda).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import msgspec

from events.errors import InvalidInput

__all__ = [
    "MAX_PROJECTS_ON_BALLOT",
    "Ballot",
    "BallotKind",
    "BallotRule",
    "Offer",
    "check_ballot",
    "check_rule",
    "scores",
]

MAX_PROJECTS_ON_BALLOT = 500
"""No ballot names more projects than this, whatever the rule: a bound on hostile input."""


class BallotKind(StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    POINTS = "points"
    RANKED = "ranked"


class BallotRule(msgspec.Struct, frozen=True, kw_only=True):
    """How voters fill in their ballots in a round (one rule for all its districts)."""

    kind: BallotKind
    max_projects: int | None = None  # approval: at most this many; ranked: the top k
    within_budget: bool = False  # approval: the marked projects must fit the budget
    points: int | None = None  # points: the exact sum to spread


def check_rule(rule: BallotRule) -> BallotRule:
    """The rule, or every setting that does not suit its kind named."""
    errors: list[tuple[str, str]] = []
    limit = rule.max_projects
    if limit is not None and not 1 <= limit <= MAX_PROJECTS_ON_BALLOT:
        errors.append(("ballot.max_projects", f"must be from 1 to {MAX_PROJECTS_ON_BALLOT}"))
    if rule.kind is BallotKind.POINTS:
        if rule.points is None or not 1 <= rule.points <= 1_000_000:
            errors.append(("ballot.points", "a points ballot spreads from 1 to 1000000 points"))
    elif rule.points is not None:
        errors.append(("ballot.points", f"only a points ballot has points, not {rule.kind}"))
    if rule.kind is BallotKind.RANKED and limit is None:
        errors.append(("ballot.max_projects", "a ranked ballot orders a top k: give k"))
    if rule.kind is BallotKind.KNAPSACK and limit is not None:
        errors.append(("ballot.max_projects", "a knapsack ballot is bounded by the budget"))
    if rule.within_budget and rule.kind is not BallotKind.APPROVAL:
        errors.append(("ballot.within_budget", "only an approval ballot may be bounded so"))
    if errors:
        raise InvalidInput.of(errors)
    return rule


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """A project as a ballot sees it: its district, its cost (the final cost once reviewed)
    and whether it was found feasible."""

    district: str
    cost: int
    feasible: bool = True


class Ballot(msgspec.Struct, frozen=True, kw_only=True):
    """One voter's choice in one district: projects in the voter's order (the order counts
    on a ranked ballot only), and on a points ballot the points given to each, beside them."""

    district: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None


def check_ballot(
    rule: BallotRule, ballot: Ballot, offers: Mapping[str, Offer], budget: int
) -> Ballot:
    """The ballot if it keeps ``rule`` for the projects ``offers`` (by project id) and the
    district's ``budget``; otherwise one refusal naming every wrong field and why."""
    errors: list[tuple[str, str]] = []
    if not ballot.projects:
        raise InvalidInput("projects", "choose at least one project")
    if len(ballot.projects) > MAX_PROJECTS_ON_BALLOT:
        raise InvalidInput("projects", f"at most {MAX_PROJECTS_ON_BALLOT} projects on a ballot")
    seen: set[str] = set()
    cost = 0
    for i, project in enumerate(ballot.projects):
        field = f"projects[{i}]"
        offer = offers.get(project)
        if project in seen:
            what = "ranked" if rule.kind is BallotKind.RANKED else "chosen"
            errors.append((field, f"{project!r} is {what} twice: a rank repeated"))
            continue
        seen.add(project)
        if offer is None:
            errors.append((field, f"{project!r} is not a project of this round"))
        elif offer.district != ballot.district:
            errors.append(
                (field, f"{project!r} is a project of district {offer.district!r}, not this one")
            )
        elif not offer.feasible:
            errors.append((field, f"{project!r} was found not feasible and is not on the ballot"))
        else:
            cost += offer.cost
    count = len(ballot.projects)
    if rule.max_projects is not None and count > rule.max_projects:
        errors.append(("projects", f"too many: at most {rule.max_projects}, not {count}"))
    if (rule.kind is BallotKind.KNAPSACK or rule.within_budget) and cost > budget:
        errors.append(
            ("projects", f"over budget: they cost {cost} together, the budget is {budget}")
        )
    if rule.kind is BallotKind.POINTS:
        errors.extend(_points_errors(rule, ballot))
    elif ballot.points is not None:
        errors.append(("points", f"a {rule.kind} ballot gives no points"))
    if errors:
        raise InvalidInput.of(errors)
    return ballot


def _points_errors(rule: BallotRule, ballot: Ballot) -> list[tuple[str, str]]:
    points = ballot.points
    if points is None:
        return [("points", f"spread {rule.points} points over the projects chosen")]
    if len(points) != len(ballot.projects):
        return [("points", f"give points to each of the {len(ballot.projects)} projects chosen")]
    errors = [(f"points[{i}]", "must be at least 1") for i, p in enumerate(points) if p < 1]
    if not errors and sum(points) != rule.points:
        errors.append(("points", f"do not add up: {sum(points)}, not the {rule.points} to spread"))
    return errors


def scores(rule: BallotRule, ballot: Ballot) -> dict[str, int]:
    """What a checked ballot gives each project it names, as counted (see the module)."""
    if rule.kind is BallotKind.POINTS:
        assert ballot.points is not None  # a checked points ballot has them
        return dict(zip(ballot.projects, ballot.points, strict=True))
    if rule.kind is BallotKind.RANKED:
        k = rule.max_projects or len(ballot.projects)
        return {project: k - rank for rank, project in enumerate(ballot.projects)}
    return dict.fromkeys(ballot.projects, 1)
