"""What a count of a district says: each project's votes, whether it is funded, and why.

These are the values a round records (``BudgetResultsRecorded``) and the counting rules
(``services.budgeting.counting``) produce; they import nothing heavy, so the round's events
load without the counting's libraries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum

import msgspec

__all__ = ["Candidate", "Counting", "DistrictResult", "Outcome", "Reason", "Scores", "votes"]


class Counting(StrEnum):
    GREEDY = "greedy"
    EQUAL_SHARES = "equal-shares"


class Reason(StrEnum):
    FUNDED = "funded"
    NOT_FEASIBLE = "not-feasible"
    NO_VOTES = "no-votes"
    DID_NOT_FIT = "did-not-fit"
    SHARES_RAN_OUT = "shares-ran-out"


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A project of the district as counted: its id, its (final) cost, and whether it was
    found feasible."""

    id: str
    cost: int
    feasible: bool = True


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    project: str
    cost: int
    votes: int
    funded: bool
    reason: Reason
    # the reason in plain words with the amounts that decided it, recorded in English
    # (one of services.budgeting.result_texts' templates, which gives it in any language)
    explanation: str


class DistrictResult(msgspec.Struct, frozen=True, kw_only=True):
    counting: Counting
    budget: int
    funded: tuple[str, ...]  # in the order they were funded
    spent: int
    outcomes: tuple[Outcome, ...]  # every project: funded first, in that order, then the rest

    def outcome(self, project: str) -> Outcome:
        return next(o for o in self.outcomes if o.project == project)


Scores = Mapping[str, int]
"""One ballot as counted: the score it gives each project it names (ballots.scores)."""


def votes(candidates: Iterable[Candidate], ballots: Iterable[Scores]) -> Counter[str]:
    """Each project's votes: the sum of the scores ballots give it (every project present)."""
    total: Counter[str] = Counter({c.id: 0 for c in candidates})
    for ballot in ballots:
        total.update(ballot)
    return total
