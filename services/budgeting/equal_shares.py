"""The Method of Equal Shares for approval ballots, fast and exact: the same outcome as
pabutools' ``method_of_equal_shares`` with cost satisfaction, completed by
``exhaustion_by_budget_increase`` (the voters' shares raised by 1 % of the budget at a time)
and greedy by votes, as ``services.budgeting.counting`` counts it.

pabutools follows every voter through every step in exact fractions, and the completion runs
the method again for each raise of the shares: a city's count (10,000 voters, 100 projects)
took it some 100 s. Here voters are followed by what they have left: voters with the same
amount left are one class (every voter starts in one; the supporters of a funded project
move, class by class, to the class of what they have left after paying), so each step works
on the classes a project's supporters are in, not on each voter. Each project's price per
unit of satisfaction (its affordability) is first computed in floating point to find the few
projects that may be cheapest; those are then computed exactly, in fractions, so ties are
exact ties, broken as pabutools breaks them (the cheaper project, then the smaller id), and
what each voter pays is exact. Affordabilities only grow while a run goes on, so a project is
looked at again only while the bound it last had could still be the least (as pabutools
does).

``tests/domain/test_budget_equal_shares.py`` compares it with pabutools on many random
districts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = ["approval_equal_shares", "equal_shares_run"]

_CLOSE = 1e-9  # relative: floating point values this close are compared exactly
_Ids = npt.NDArray[np.int64]


class _Classes:
    """Voters grouped by what they have left: each voter's class, and each class's amount as
    a float and exactly: a whole numerator over the run's common denominator as it was when
    the class was made (``epoch``). The denominator only grows (by the price's when a project
    is paid), so an amount is brought to today's by the growth since its epoch. Class 0 is
    the empty purse."""

    def __init__(self, voters: int, share: Fraction) -> None:
        self.of: _Ids = np.ones(voters, dtype=np.int64)
        self.numerators: list[int] = [0, share.numerator]
        self.epochs: list[int] = [0, 0]
        self.floats = np.zeros(64, dtype=np.float64)
        self.floats[1] = float(share)
        self.denominator = share.denominator
        self.growth: list[int] = [1]  # denominator now / denominator at each epoch

    def now(self, c: int) -> int:
        """Class ``c``'s amount as a numerator over today's denominator."""
        return self.numerators[c] * self.growth[self.epochs[c]]

    def grow(self, factor: int) -> None:
        """A new epoch: the denominator times ``factor``."""
        self.growth = [g * factor for g in self.growth]
        self.growth.append(1)
        self.denominator *= factor

    def add(self, numerator: int) -> int:
        index = len(self.numerators)
        self.numerators.append(numerator)
        self.epochs.append(len(self.growth) - 1)
        if index >= len(self.floats):
            self.floats = np.concatenate([self.floats, np.zeros(index, dtype=np.float64)])
        self.floats[index] = numerator / self.denominator
        return index

    def counts(self, supporters: _Ids) -> tuple[_Ids, _Ids]:
        """The classes the supporters are in, and how many supporters in each."""
        counts = np.bincount(self.of[supporters], minlength=len(self.numerators))
        present = np.flatnonzero(counts)
        return present, counts[present]


def _float_affordability(classes: _Classes, supporters: _Ids, cost: int) -> float | None:
    """The project's affordability in floating point (None: its supporters cannot pay it)."""
    present, counts = classes.counts(supporters)
    amounts = classes.floats[present]
    order = np.argsort(amounts, kind="stable")
    amounts, counts = amounts[order], counts[order]
    held = counts * amounts
    if float(held.sum()) < cost * (1 - _CLOSE):
        return None
    poor = np.concatenate(([0.0], np.cumsum(held)[:-1]))
    rich = len(supporters) - np.concatenate(([0], np.cumsum(counts)[:-1]))
    price = (cost - poor) / rich
    enough = price <= amounts * (1 + _CLOSE)
    if not enough.any():
        return math.inf  # on the edge of affordable: the exact count decides
    return float(price[int(np.argmax(enough))]) / cost


def _exact_price(classes: _Classes, supporters: _Ids, cost: int) -> tuple[int, int] | None:
    """What each supporter pays (at most what they have), exactly, as a numerator and the
    number of those who pay it in full, over today's denominator times that number; None if
    the supporters cannot pay the cost."""
    present, counts = classes.counts(supporters)
    held = sorted(
        (classes.now(c), int(n)) for c, n in zip(present.tolist(), counts.tolist(), strict=True)
    )
    whole = cost * classes.denominator
    if sum(amount * n for amount, n in held) < whole:
        return None
    paid = 0
    left = len(supporters)
    for amount, n in held:
        if whole - paid <= amount * left:  # the price (whole - paid) / left fits this class
            return whole - paid, left
        paid += amount * n
        left -= n
    return None  # not reached: the last class can always pay what is left


def equal_shares_run(
    share: Fraction,
    voters: int,
    costs: Sequence[int],
    names: Sequence[str],
    supporters: Sequence[_Ids],
) -> list[int]:
    """One run of the method, each voter starting with ``share``: the projects funded, by
    index, in the order funded (pabutools' ``method_of_equal_shares``, resolute, with cost
    satisfaction on approval ballots)."""
    classes = _Classes(voters, share)
    bound = {p: 1.0 / len(s) for p, s in enumerate(supporters) if len(s)}
    funded: list[int] = []
    while bound:
        best = math.inf
        looked: dict[int, float] = {}
        for p in sorted(bound, key=bound.__getitem__):
            if bound[p] > best * (1 + _CLOSE):
                break
            found = _float_affordability(classes, supporters[p], costs[p])
            if found is None:
                del bound[p]
                continue
            bound[p] = looked[p] = found
            best = min(best, found)
        near = [p for p, a in looked.items() if a <= best * (1 + _CLOSE) or math.isinf(a)]
        chosen: tuple[Fraction, int, str, int, tuple[int, int]] | None = None
        for p in near:
            price = _exact_price(classes, supporters[p], costs[p])
            if price is None:
                del bound[p]
                continue
            rate = Fraction(price[0], price[1] * classes.denominator * costs[p])
            key = (rate, costs[p], names[p], p, price)
            if chosen is None or key[:3] < chosen[:3]:
                chosen = key
        if chosen is None:
            if not near:
                break  # nothing left that its supporters can pay
            continue
        *_, project, (owed, left) = chosen
        funded.append(project)
        del bound[project]
        # each pays owed / (left * denominator), or all they have: a new epoch of the
        # denominator times left (less what it shares with owed)
        common = math.gcd(owed, left)
        owed, left = owed // common, left // common
        payers = supporters[project]
        before = classes.of[payers]
        present = np.unique(before).tolist()
        amounts = [classes.now(c) for c in present]
        classes.grow(left)
        remap = np.zeros(len(classes.numerators) + len(present), dtype=np.int64)
        remap[: len(classes.numerators)] = np.arange(len(classes.numerators))
        for c, amount in zip(present, amounts, strict=True):
            rest = amount * left - owed
            remap[c] = classes.add(rest) if rest > 0 else 0
        classes.of[payers] = remap[before]
    return funded


def approval_equal_shares(
    budget: int,
    costs: Sequence[int],
    names: Sequence[str],
    ballots: Sequence[Sequence[int]],
) -> tuple[list[int], list[int]]:
    """Equal shares raised 1 % of the budget at a time while the outcome fits the budget and
    is not exhaustive (pabutools' ``exhaustion_by_budget_increase``), then greedy by votes
    for what is left: the projects funded by shares and those added by the completion, by
    index, each in the order funded. ``ballots`` name projects by index."""
    voters = len(ballots)
    if voters == 0 or not costs:
        return [], []
    lists: list[list[int]] = [[] for _ in costs]
    for v, ballot in enumerate(ballots):
        for p in ballot:
            lists[p].append(v)
    supporters = [np.array(s, dtype=np.int64) for s in lists]
    votes = [len(s) for s in lists]
    limit = Fraction(budget)
    step = Fraction(budget, 100)
    ceiling = budget * (voters + 1)
    previous: list[int] = []
    by_shares = previous
    while limit <= ceiling:
        outcome = equal_shares_run(limit / voters, voters, costs, names, supporters)
        spent = sum(costs[p] for p in outcome)
        if spent > budget:
            by_shares = previous
            break
        chosen = set(outcome)
        if all(spent + costs[p] > budget for p in range(len(costs)) if p not in chosen):
            by_shares = outcome
            break
        limit += step
        previous = by_shares = outcome
    left = budget - sum(costs[p] for p in by_shares)
    taken = set(by_shares)
    completion: list[int] = []
    for p in sorted(
        (p for p in range(len(costs)) if p not in taken),
        key=lambda p: (-votes[p], costs[p], names[p]),
    ):
        if costs[p] <= left:
            completion.append(p)
            left -= costs[p]
    return by_shares, completion
