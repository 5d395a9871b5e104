"""Counting a district's ballots: which projects its budget funds, and why each is or is not.

Two counting rules; a round chooses one before voting opens.

``greedy`` (what most cities do): projects in order of their votes, most first (a vote is a
ballot's score for the project: 1 per mark on approval and knapsack ballots, the points on a
points ballot, the Borda points on a ranked one), ties to the cheaper project, then to the
smaller project id. Each is funded if its cost fits what is left of the budget; one that does
not fit is skipped and counting goes on, so a later, cheaper project that still fits is funded
(as in Paris, Warsaw and most Pabulib instances). This is pabutools'
``greedy_utilitarian_welfare`` with cost satisfaction (a project's satisfaction per unit of
cost is its votes) and the same tie-breaking.

``equal-shares``: the Method of Equal Shares, as pabutools computes it, counted by
``services.budgeting.equal_shares``, which gives pabutools' outcome exactly, many times faster
(for approval and knapsack ballots by classes of voters with the same amount left, for points
and ranked ballots by each voter's amount beside its exact account). Every voter of the
district holds an equal share of its budget; a project is funded when its supporters can pay
its cost from their shares (each in proportion to the score they gave it, utilities being
score times cost, cost satisfaction for approval ballots), the project whose supporters pay
least per unit of satisfaction first. Because it may leave money unspent, it is completed as
pabutools recommends: the shares are raised step by step (1 % of the budget at a time,
``exhaustion_by_budget_increase``) as long as the outcome still fits the real budget, and what
then remains is filled greedily by votes (``completion_by_rule_combination``).

Every project gets a ``Reason``: ``funded``; ``not-feasible`` (the review found it not
feasible; it was not on the ballot); ``no-votes`` (nobody chose it: never funded, and left out
of the count); ``did-not-fit`` (greedy: its cost was more than the budget left when its turn
came; equal shares: it costs more than the whole budget); ``shares-ran-out`` (equal shares: its
supporters' shares could not pay its cost, even raised, and what the completion left did not
cover it).

Costs and budgets are whole amounts of the round's currency; pabutools counts with exact
fractions, so no rounding decides a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pabutools.election import (
    AbstractBallot,
    AbstractProfile,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import (
    BudgetAllocation,
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from services.budgeting.ballots import Ballot, scores
from services.budgeting.domain import BudgetProject, BudgetRound
from services.budgeting.equal_shares import approval_equal_shares, cardinal_equal_shares
from services.budgeting.result_texts import (
    DID_NOT_FIT,
    FUNDED,
    FUNDED_BY_SHARES,
    FUNDED_IN_COMPLETION,
    NO_VOTES,
    NOT_FEASIBLE,
    OVER_THE_BUDGET,
    SHARES_RAN_OUT,
    english,
)
from services.budgeting.results import (
    Candidate,
    Counting,
    DistrictResult,
    Outcome,
    Reason,
    Scores,
    votes,
)

__all__ = [
    "TIE_BREAKING",
    "Candidate",
    "Counting",
    "DistrictResult",
    "Outcome",
    "Reason",
    "ScoreTimesCost",
    "count",
    "count_round",
    "equal_shares",
    "greedy",
    "pabutools_election",
    "pabutools_equal_shares",
    "votes",
]


TIE_BREAKING = TieBreakingRule(lambda instance, profile, project: (project.cost, project.name))
"""Ties go to the cheaper project, then to the smaller project id (both rules)."""


def count(
    counting: Counting, budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> DistrictResult:
    """The district's result by ``counting``."""
    if counting is Counting.GREEDY:
        return greedy(budget, candidates, ballots)
    return equal_shares(budget, candidates, ballots)


def _order(candidates: Iterable[Candidate], tally: Mapping[str, int]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (-tally[c.id], c.cost, c.id))


def greedy(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> DistrictResult:
    """Funded by votes, most first, skipping what does not fit (see the module)."""
    tally = votes(candidates, ballots)
    left = budget
    funded: list[Outcome] = []
    rest: list[Outcome] = []
    for c in _order(_counted(candidates, tally), tally):
        if c.cost <= left:
            left -= c.cost
            funded.append(_outcome(c, tally, Reason.FUNDED, english(FUNDED, left=left)))
        else:
            why = english(DID_NOT_FIT, cost=c.cost, left=left)
            rest.append(_outcome(c, tally, Reason.DID_NOT_FIT, why))
    return _result(Counting.GREEDY, budget, candidates, tally, funded, rest)


def equal_shares(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> DistrictResult:
    """The Method of Equal Shares with pabutools' completion (see the module)."""
    tally = votes(candidates, ballots)
    counted = _counted(candidates, tally)
    if not counted:
        return _result(Counting.EQUAL_SHARES, budget, candidates, tally, [], [])
    index = {c.id: i for i, c in enumerate(counted)}
    costs = [c.cost for c in counted]
    names = [c.id for c in counted]
    if all(score == 1 for ballot in ballots for score in ballot.values()):
        # approval and knapsack ballots: the fast exact count of classes of voters
        shares, completion = approval_equal_shares(
            budget, costs, names, [[index[p] for p in b if p in index] for b in ballots]
        )
    else:
        # points and ranked ballots (their Borda scores): the fast exact count of scores
        shares, completion = cardinal_equal_shares(
            budget,
            costs,
            names,
            [{index[p]: s for p, s in b.items() if p in index} for b in ballots],
        )
    by_shares_ids = [counted[i].id for i in shares]
    completed_ids = by_shares_ids + [counted[i].id for i in completion]
    by_id = {c.id: c for c in counted}
    shared = set(by_shares_ids)
    left = budget
    funded: list[Outcome] = []
    for project_id in completed_ids:
        c = by_id[project_id]
        left -= c.cost
        how = FUNDED_BY_SHARES if project_id in shared else FUNDED_IN_COMPLETION
        funded.append(_outcome(c, tally, Reason.FUNDED, english(how, left=left)))
    rest: list[Outcome] = []
    chosen = set(completed_ids)
    for c in _order((c for c in counted if c.id not in chosen), tally):
        if c.cost > budget:
            why = english(OVER_THE_BUDGET, cost=c.cost, budget=budget)
            rest.append(_outcome(c, tally, Reason.DID_NOT_FIT, why))
        else:
            why = english(SHARES_RAN_OUT, cost=c.cost, left=left)
            rest.append(_outcome(c, tally, Reason.SHARES_RAN_OUT, why))
    return _result(Counting.EQUAL_SHARES, budget, candidates, tally, funded, rest)


def _score_times_cost(
    instance: Instance,
    profile: AbstractProfile,
    ballot: AbstractBallot,
    project: Project,
    precomputed_values: dict[str, Any],
) -> Any:
    return ballot.get(project, 0) * project.cost


class ScoreTimesCost(AdditiveSatisfaction):  # type: ignore[misc]
    """Cost satisfaction for scored ballots: the score a voter gave a project times its cost.
    With a score of 1 it is pabutools' ``Cost_Sat``, so a project's satisfaction per unit of
    cost is its votes."""

    def __init__(self, instance: Instance, profile: AbstractProfile, ballot: AbstractBallot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _score_times_cost)


def pabutools_election(
    budget: int, candidates: Sequence[Candidate], ballots: Sequence[Scores]
) -> tuple[Instance, AbstractProfile, type[AdditiveSatisfaction]]:
    """The district as pabutools takes it: an instance of the candidates (named by their ids),
    a profile of the ballots (approval when every score is 1, cardinal otherwise) and the
    satisfaction to count them by (``Cost_Sat``, or ``ScoreTimesCost``)."""
    projects = {c.id: Project(c.id, c.cost) for c in candidates}
    instance = Instance(projects.values(), budget_limit=budget)
    if all(score == 1 for ballot in ballots for score in ballot.values()):
        approvals = [ApprovalBallot(projects[p] for p in b if p in projects) for b in ballots]
        return instance, ApprovalProfile(approvals, instance=instance), Cost_Sat
    cardinal = [
        CardinalBallot({projects[p]: s for p, s in b.items() if p in projects}) for b in ballots
    ]
    return instance, CardinalProfile(cardinal, instance=instance), ScoreTimesCost


def pabutools_equal_shares(
    instance: Instance, profile: AbstractProfile, sat: type[AdditiveSatisfaction]
) -> BudgetAllocation:
    """pabutools' own equal shares with its recommended completion, in one call: what
    ``equal_shares`` must agree with."""
    result: BudgetAllocation = completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [
            {
                "rule": method_of_equal_shares,
                "rule_params": {"sat_class": sat, "tie_breaking": TIE_BREAKING},
            },
            {"sat_class": sat, "tie_breaking": TIE_BREAKING},
        ],
    )
    return result


def _counted(candidates: Iterable[Candidate], tally: Mapping[str, int]) -> list[Candidate]:
    """The candidates that take part in the count: feasible, and voted for."""
    return [c for c in candidates if c.feasible and tally[c.id] > 0]


def _outcome(c: Candidate, tally: Mapping[str, int], reason: Reason, why: str) -> Outcome:
    return Outcome(
        project=c.id,
        cost=c.cost,
        votes=tally[c.id],
        funded=reason is Reason.FUNDED,
        reason=reason,
        explanation=why,
    )


def _result(
    counting: Counting,
    budget: int,
    candidates: Sequence[Candidate],
    tally: Mapping[str, int],
    funded: list[Outcome],
    rest: list[Outcome],
) -> DistrictResult:
    for c in candidates:
        if not c.feasible:
            rest.append(_outcome(c, tally, Reason.NOT_FEASIBLE, NOT_FEASIBLE))
        elif tally[c.id] == 0:
            rest.append(_outcome(c, tally, Reason.NO_VOTES, NO_VOTES))
    return DistrictResult(
        counting=counting,
        budget=budget,
        funded=tuple(o.project for o in funded),
        spent=sum(o.cost for o in funded),
        outcomes=(*funded, *rest),
    )


def count_round(
    budget_round: BudgetRound, projects: Sequence[BudgetProject], ballots: Sequence[Ballot]
) -> tuple[DistrictResult, ...]:
    """Every district of the round counted by its counting rule: the district's projects as
    they stand after review, and its ballots scored by the round's ballot rule. The results
    come in the round's order of districts, as ``BudgetRound.record_results`` takes them."""
    rule = budget_round.rules.ballot
    results: list[DistrictResult] = []
    for d in budget_round.districts:
        candidates = [
            Candidate(id=str(p.id), cost=p.offer.cost, feasible=p.offer.feasible)
            for p in projects
            if p.round_id == budget_round.id and p.district == d.key
        ]
        scored = [scores(rule, b) for b in ballots if b.district == d.key]
        results.append(count(budget_round.rules.counting, d.amount, candidates, scored))
    return tuple(results)
