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
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = [
    "approval_equal_shares",
    "cardinal_equal_shares",
    "cardinal_equal_shares_run",
    "equal_shares_run",
]

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

    def run(share: Fraction) -> list[int]:
        return equal_shares_run(share, voters, costs, names, supporters)

    return _completed(budget, costs, names, votes, voters, run)


def _completed(
    budget: int,
    costs: Sequence[int],
    names: Sequence[str],
    votes: Sequence[int],
    voters: int,
    run: Callable[[Fraction], list[int]],
) -> tuple[list[int], list[int]]:
    """The runs of the method (``run``, given each voter's share) with the shares raised 1 %
    of the budget at a time while the outcome fits the budget and is not exhaustive, then
    greedy by votes (ties to the cheaper project, then the smaller id) for what is left."""
    limit = Fraction(budget)
    step = Fraction(budget, 100)
    ceiling = budget * (voters + 1)
    previous: list[int] = []
    by_shares = previous
    while limit <= ceiling:
        outcome = run(limit / voters)
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


# -- cardinal utilities: points and ranked ballots ---------------------------------------------

_U = 2.0**-53  # the unit roundoff of a float
_WIDE = 1e-6  # relative: how far a float price may be from the exact one before we fall back


class _Estimate:
    """A project's price per unit of score in floating point (``t``) with a bound ``error``
    on how far the exact one may be (infinite: only the exact count can tell), and the
    affordability bounds that follow (``low``, ``high``: the price over the cost)."""

    __slots__ = ("error", "high", "low", "t")

    def __init__(self, t: float, error: float, cost: int, low: float) -> None:
        self.t = t
        self.error = error
        self.low = max(low, (t - error) / cost) if math.isfinite(error) else low
        self.high = (t + error) / cost if math.isfinite(error) else math.inf


class _Price:
    """A project's exact price per unit of score, and who pays what: the supporters that pay
    all they have left (``spent``: the poor, and those whose amount is exactly the price) and
    those that pay the price times their score (``paying``), as masks over its supporters."""

    __slots__ = ("paying", "spent", "t")

    def __init__(self, t: Fraction, paying: npt.NDArray[np.bool_], spent: npt.NDArray[np.bool_]):
        self.t = t
        self.paying = paying
        self.spent = spent


class _CardinalRun:
    """One run of the method on cardinal utilities (a voter's satisfaction from a project is
    their score times its cost, as pabutools' cost satisfaction of a scored ballot): each
    voter's amount left in floating point beside an exact account of it. A voter's exact
    amount is the share less what they paid for each funded project they supported, the
    project's exact price per unit of score times their score (``scored``: voters by funded
    project), or nothing once they paid all they had (``spent``). The share and the prices
    are kept as whole numerators over one common denominator, so that an exact sum of many
    voters' amounts is a sum of whole numbers. A voter's float amount is within ``slack`` of
    the exact one: each payment adds at most a few roundings of the share."""

    def __init__(
        self,
        share: Fraction,
        voters: int,
        costs: Sequence[int],
        supporters: Sequence[_Ids],
        scores: Sequence[_Ids],
    ) -> None:
        self.share = share
        self.costs = costs
        self.supporters = supporters
        self.scores = scores
        self.amounts = np.full(voters, float(share), dtype=np.float64)
        self.spent = np.zeros(voters, dtype=np.bool_)
        self.scored = np.zeros((voters, max(1, len(costs))), dtype=np.int64)
        self.prices: list[Fraction] = []  # per funded project, in the order funded
        # the share and the prices over a common denominator
        self.denominator = share.denominator
        self.share_numerator = share.numerator
        self.numerators: list[int] = []

    @property
    def slack(self) -> float:
        return 8 * _U * float(self.share) * (len(self.prices) + 2)

    def estimate(self, p: int, low: float) -> _Estimate | None:
        """The project's price in floating point and how far off it may be; None if its
        supporters surely cannot pay its cost. ``low`` is what its affordability is known to
        be at least."""
        who, weights, cost = self.supporters[p], self.scores[p], self.costs[p]
        held = self.amounts[who]
        total = float(held.sum())
        n = len(who)
        off = n * self.slack + 4 * n * _U * (total + cost)  # how far the sums may be off
        if total + off < cost:
            return None
        if total - off < cost:  # on the edge of affordable: the exact count decides
            return _Estimate(0.0, math.inf, cost, low)
        whole = int(weights.sum())
        even = cost / whole
        if bool(np.all(held - self.slack > even * (1 + _WIDE) * weights)):
            # every supporter pays the price times their score, none all they have
            return _Estimate(even, 4 * _U * even, cost, low)
        ratios = held / weights
        order = np.argsort(ratios, kind="stable")
        held_sorted, weights_sorted = held[order], weights[order]
        poor = np.cumsum(held_sorted) - held_sorted
        rich = whole - (np.cumsum(weights_sorted) - weights_sorted)
        prices = (cost - poor) / rich
        enough = prices <= ratios[order]
        if not enough.any():
            return _Estimate(0.0, math.inf, cost, low)
        t = float(prices[int(np.argmax(enough))])
        # the exact price is where the exact sum of what each pays reaches the cost: the sum
        # grows at least as fast as the scores of those surely paying in full near t
        surely = float(weights[held - self.slack > t * (1 + _WIDE) * weights].sum())
        error = 4 * off / surely if surely else math.inf
        if error > _WIDE * t:
            error = math.inf
        return _Estimate(t, error + 4 * _U * t if math.isfinite(error) else error, cost, low)

    def exact_amounts(self, voters: _Ids) -> list[Fraction]:
        """What each of ``voters`` has left, exactly (voters alike computed once)."""
        seen: dict[bytes, Fraction] = {}
        out: list[Fraction] = []
        funded = len(self.prices)
        for v in voters.tolist():
            if self.spent[v]:
                out.append(Fraction(0))
                continue
            row = self.scored[v, :funded]
            key = row.tobytes()
            amount = seen.get(key)
            if amount is None:
                paid = sum(self.numerators[q] * int(row[q]) for q in np.flatnonzero(row).tolist())
                amount = Fraction(self.share_numerator - paid, self.denominator)
                seen[key] = amount
            out.append(amount)
        return out

    def exact_total(self, voters: _Ids) -> Fraction:
        """What ``voters`` have left together, exactly."""
        active = voters[~self.spent[voters]]
        funded = len(self.prices)
        total = self.share_numerator * len(active)
        if funded and len(active):
            counts = self.scored[active, :funded].sum(axis=0).tolist()
            total -= sum(t * c for t, c in zip(self.numerators, counts, strict=True) if c)
        return Fraction(total, self.denominator)

    def price(self, p: int, estimate: _Estimate) -> _Price | None:
        """The project's exact price per unit of score and who pays what; None if its
        supporters cannot pay its cost."""
        if math.isfinite(estimate.error):
            found = self._price_near(p, estimate)
            if found is not None:
                return found
        return self._price_exactly(p)

    def _price_near(self, p: int, estimate: _Estimate) -> _Price | None:
        """The exact price, looking exactly only at the supporters whose amount over their
        score is near the float price: those surely below it pay all they have, those surely
        above pay the price times their score. None if the exact price is not where the float
        one said (the whole exact count then decides)."""
        who, weights, cost = self.supporters[p], self.scores[p], self.costs[p]
        held = self.amounts[who]
        below, above = estimate.t - estimate.error, estimate.t + estimate.error
        poor = self.spent[who] | (held + self.slack < below * weights)
        rich = ~poor & (held - self.slack > above * weights)
        near = ~(poor | rich)
        low, high = Fraction(below), Fraction(above)
        t = self._sweep(who, weights, cost, poor, rich, near)
        if t is None or not low <= t[0] <= high:
            return None
        return self._payers(t, poor, rich)

    def _price_exactly(self, p: int) -> _Price | None:
        """The exact price with every supporter's amount computed exactly."""
        who, weights, cost = self.supporters[p], self.scores[p], self.costs[p]
        if self.exact_total(who) < cost:
            return None
        nobody = np.zeros(len(who), dtype=np.bool_)
        t = self._sweep(who, weights, cost, self.spent[who].copy(), nobody, ~self.spent[who])
        return None if t is None else self._payers(t, self.spent[who].copy(), nobody)

    def _sweep(
        self,
        who: _Ids,
        weights: _Ids,
        cost: int,
        poor: npt.NDArray[np.bool_],
        rich: npt.NDArray[np.bool_],
        near: npt.NDArray[np.bool_],
    ) -> tuple[Fraction, npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None:
        """The price when ``poor`` pay all they have, ``rich`` pay the price times their
        score, and those ``near`` are taken in order of their exact amount over score (the
        poor/rich algorithm): the price, and which of those near pay all they have (``spent``)
        and which pay the price (``paying``). None if nobody is left to pay the price."""
        paid = self.exact_total(who[poor])
        rest = int(weights[rich].sum()) + int(weights[near].sum())
        places = np.flatnonzero(near)
        amounts = self.exact_amounts(who[places])
        order = sorted(
            range(len(places)),
            key=lambda i: amounts[i] / int(weights[places[i]]),
        )
        spent = np.zeros(len(who), dtype=np.bool_)
        paying = np.zeros(len(who), dtype=np.bool_)
        t: Fraction | None = None
        for rank, i in enumerate(order):
            score = int(weights[places[i]])
            if rest <= 0:
                return None
            price = (cost - paid) / rest
            ratio = amounts[i] / score
            if price <= ratio:
                t = price
                for j in order[rank:]:  # those at exactly the price pay all they have too
                    ratio_j = amounts[j] / int(weights[places[j]])
                    (spent if ratio_j == price else paying)[places[j]] = True
                break
            paid += amounts[i]
            rest -= score
            spent[places[i]] = True
        if t is None:
            if rest <= 0:
                return None
            t = (cost - paid) / rest
        return t, spent, paying

    def _payers(
        self,
        found: tuple[Fraction, npt.NDArray[np.bool_], npt.NDArray[np.bool_]],
        poor: npt.NDArray[np.bool_],
        rich: npt.NDArray[np.bool_],
    ) -> _Price:
        t, spent, paying = found
        return _Price(t, paying=rich | paying, spent=poor | spent)

    def pay(self, p: int, price: _Price) -> None:
        """The project funded at ``price``: the supporters pay."""
        who, weights = self.supporters[p], self.scores[p]
        column = len(self.prices)
        self.prices.append(price.t)
        grow = price.t.denominator // math.gcd(self.denominator, price.t.denominator)
        if grow > 1:
            self.denominator *= grow
            self.share_numerator *= grow
            self.numerators = [n * grow for n in self.numerators]
        self.numerators.append(price.t.numerator * (self.denominator // price.t.denominator))
        payers, scores = who[price.paying], weights[price.paying]
        self.scored[payers, column] = scores
        self.amounts[payers] = np.maximum(self.amounts[payers] - float(price.t) * scores, 0.0)
        broke = who[price.spent]
        self.amounts[broke] = 0.0
        self.spent[broke] = True


def cardinal_equal_shares_run(
    share: Fraction,
    voters: int,
    costs: Sequence[int],
    names: Sequence[str],
    supporters: Sequence[_Ids],
    scores: Sequence[_Ids],
) -> list[int]:
    """One run of the method, each voter starting with ``share``, on cardinal utilities: the
    projects funded, by index, in the order funded (pabutools' ``method_of_equal_shares``,
    resolute, with a scored ballot's cost satisfaction: score times cost). ``supporters[p]``
    are the voters who gave project ``p`` a score above 0, ``scores[p]`` those scores."""
    run = _CardinalRun(share, voters, costs, supporters, scores)
    bound = {p: (1 - 4 * _U) / int(s.sum()) for p, s in enumerate(scores) if len(s)}
    funded: list[int] = []
    while bound:
        best = math.inf
        looked: dict[int, _Estimate] = {}
        for p in sorted(bound, key=bound.__getitem__):
            if bound[p] > best:
                break
            found = run.estimate(p, bound[p])
            if found is None:
                del bound[p]
                continue
            bound[p] = found.low
            looked[p] = found
            best = min(best, found.high)
        near = [p for p, e in looked.items() if e.low <= best]
        chosen: tuple[Fraction, int, str, int, _Price] | None = None
        for p in near:
            price = run.price(p, looked[p])
            if price is None:
                del bound[p]
                continue
            key = (price.t / costs[p], costs[p], names[p], p, price)
            if chosen is None or key[:3] < chosen[:3]:
                chosen = key
        if chosen is None:
            if not near:
                break  # nothing left that its supporters can pay
            continue
        *_, project, price = chosen
        run.pay(project, price)
        funded.append(project)
        del bound[project]
    return funded


def cardinal_equal_shares(
    budget: int,
    costs: Sequence[int],
    names: Sequence[str],
    ballots: Sequence[Mapping[int, int]],
) -> tuple[list[int], list[int]]:
    """``approval_equal_shares`` for scored ballots (points, ranked ballots' Borda scores):
    each ballot maps a project's index to the score it gave it; a satisfaction is a score
    times the project's cost."""
    voters = len(ballots)
    if voters == 0 or not costs:
        return [], []
    lists: list[list[int]] = [[] for _ in costs]
    weights: list[list[int]] = [[] for _ in costs]
    for v, ballot in enumerate(ballots):
        for p, score in ballot.items():
            if score > 0:
                lists[p].append(v)
                weights[p].append(score)
    supporters = [np.array(s, dtype=np.int64) for s in lists]
    scores = [np.array(w, dtype=np.int64) for w in weights]
    votes = [sum(w) for w in weights]

    def run(share: Fraction) -> list[int]:
        return cardinal_equal_shares_run(share, voters, costs, names, supporters, scores)

    return _completed(budget, costs, names, votes, voters, run)
