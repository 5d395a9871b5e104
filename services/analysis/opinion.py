"""Opinion maps of statements dialogs: opinion groups, representative and consensus statements.

Pure functions over a vote matrix (no database), as Polis computes its maps:

- **The matrix** holds one row per participant and one column per statement shown (published,
  not withdrawn): +1 agree, -1 disagree, 0 pass, missing where the participant did not vote.
  A statement counts as its author's agreement (the author does not vote on it).
- **Who is placed**: participants with at least ``MIN_VOTES`` votes (all of them when there are
  fewer statements), so a passer-by with one vote does not become a group of their own.
- **Placing**: a missing vote is imputed by its statement's mean vote among those placed; the
  rows are reduced by a principal component analysis to 2 dimensions (the two largest
  eigenvectors of the statements' covariance), and each participant's
  point is scaled by sqrt(statements / their votes), so that someone who voted on few
  statements is not drawn to the centre by the imputed means (Polis does the same).
- **Groups**: k-means (deterministic seed) for every k from 2 to 5 (fewer when fewer are
  placed); the k with the best silhouette wins (scored on a sample of at most 2,000 points),
  among the groupings whose every group has at least ``MIN_GROUP_SIZE`` members and
  ``MIN_GROUP_SHARE`` of those placed: on a small or very regular conversation the
  silhouette otherwise favours splitting off one or two people who voted exactly alike, and
  one or two people are no opinion group. When no grouping qualifies, all are one group.
- **Identity**: each new group takes the id of the previous map's group it shares the most
  members with (a Hungarian assignment on the overlap, ``linear_sum_assignment``); a group that
  shares nobody gets a new id. The axes' signs follow the previous map's, so the picture does
  not flip from one computation to the next.
- **Representative statements** of a group (at most 5): those its members agree (or disagree)
  with more than the others do, as Polis's "repness": with Laplace-smoothed shares
  p_in = (1 + agrees in the group) / (2 + votes in the group) and p_out the same outside it,
  the ratio p_in / p_out times p_in, kept only when p_in is above one half and p_in above
  p_out, each at 90 % confidence (z > 1.2816), and at least ``MIN_GROUP_VOTES`` votes in the
  group.
- **Consensus statements** (at most 10): those that every group agrees with: in each group at
  least ``MIN_GROUP_VOTES`` votes and an agree share of at least ``CONSENSUS_SHARE``, ranked by
  the product over groups of the smoothed agree shares (Polis's group-aware consensus).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

import msgspec
import numpy as np
import numpy.typing as npt

MIN_VOTES = 7  # votes a participant needs to be placed (all statements' when there are fewer)
GROUP_COUNTS = range(2, 6)  # k-means tries k = 2..5
SILHOUETTE_SAMPLE = 2000
MIN_PLACED = 4  # fewer placed participants make no groups
MIN_GROUP_SIZE = 3  # a grouping with a smaller group is not chosen ...
MIN_GROUP_SHARE = 0.05  # ... nor one with a group of less than this share of those placed
MIN_GROUP_VOTES = 3  # votes in a group on a statement before its shares there count
REPRESENTATIVE_LIMIT = 5
CONSENSUS_LIMIT = 10
CONSENSUS_SHARE = 0.6
Z_90 = 1.2816  # one-sided 90 % confidence
SEED = 0

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class RepresentativeStatement(msgspec.Struct, frozen=True, kw_only=True):
    statement_id: UUID
    direction: str  # 'agree' or 'disagree': what the group does more than the others
    share_in: float  # the share of the group's votes on it that go that way
    share_out: float  # the same share among everyone else placed
    votes_in: int  # the group's votes on it (agree, disagree and pass)
    repness: float  # (smoothed share in / smoothed share out) x smoothed share in


class OpinionGroup(msgspec.Struct, frozen=True, kw_only=True):
    id: int  # kept from one computation to the next while the group keeps its members
    size: int
    centre: tuple[float, float]  # in the map's two dimensions
    representative: list[RepresentativeStatement]


class ConsensusStatement(msgspec.Struct, frozen=True, kw_only=True):
    statement_id: UUID
    agree_shares: dict[str, float]  # per group id (as text): the share of its votes that agree
    score: float  # product over groups of the smoothed agree shares


class OpinionMap(msgspec.Struct, frozen=True, kw_only=True):
    """What everyone who sees the map sees: nobody's vote, nobody's group but one's own."""

    voters: int  # participants with at least one vote (authors included)
    placed: int  # of them, those with enough votes to be placed in a group
    statements: int  # statements shown (published)
    votes: int  # votes counted (a statement's author's agreement included)
    silhouette: float | None  # of the chosen grouping; null when there are no groups
    groups: list[OpinionGroup]
    consensus: list[ConsensusStatement]


@dataclass(frozen=True)
class PreviousMap:
    """What a computation keeps for the next one: who was in which group, the axes."""

    members: Mapping[str, int] = field(default_factory=dict)  # participant id -> group id
    axes: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # statement -> loadings
    next_group: int = 1


@dataclass(frozen=True)
class Computed:
    map: OpinionMap
    members: dict[str, int]  # placed participant id -> group id (kept private)
    axes: dict[str, tuple[float, float]]
    next_group: int


@dataclass(frozen=True)
class VoteMatrix:
    """Votes as coordinates: ``rows[i]`` voted ``values[i]`` on statement ``cols[i]``."""

    participants: list[UUID]
    statements: list[UUID]
    rows: Ints
    cols: Ints
    values: npt.NDArray[np.int8]

    @classmethod
    def of(
        cls,
        statements: Mapping[UUID, UUID | None],
        votes: Iterable[tuple[UUID, UUID, int]],
    ) -> VoteMatrix:
        """The matrix of the shown ``statements`` (id -> author, None if unknown) and the
        ``votes`` (statement, person, vote); a vote on another statement is left out, and each
        author agrees with their own statement."""
        columns = {s: i for i, s in enumerate(sorted(statements))}
        people: dict[UUID, int] = {}
        cells: dict[tuple[int, int], int] = {}
        for statement, author in statements.items():
            if author is not None:
                row = people.setdefault(author, len(people))
                cells[(row, columns[statement])] = 1
        for statement, person, vote in votes:
            column = columns.get(statement)
            if column is not None:
                cells[(people.setdefault(person, len(people)), column)] = vote
        # rows in the order of the participants' ids: the same votes give the same matrix
        order = sorted(people, key=lambda p: p.int)
        renumber = np.empty(len(people), dtype=np.int64)
        for new, person in enumerate(order):
            renumber[people[person]] = new
        keys = np.array(list(cells), dtype=np.int64).reshape(-1, 2)
        return cls(
            participants=order,
            statements=sorted(statements),
            rows=renumber[keys[:, 0]] if len(keys) else np.empty(0, dtype=np.int64),
            cols=keys[:, 1],
            values=np.fromiter(cells.values(), dtype=np.int8, count=len(cells)),
        )


def _empty(matrix: VoteMatrix, previous: PreviousMap, placed: int = 0) -> Computed:
    return Computed(
        map=OpinionMap(
            voters=len(matrix.participants),
            placed=placed,
            statements=len(matrix.statements),
            votes=len(matrix.values),
            silhouette=None,
            groups=[],
            consensus=[],
        ),
        members={},
        axes=dict(previous.axes),
        next_group=previous.next_group,
    )


def compute(matrix: VoteMatrix, previous: PreviousMap | None = None) -> Computed:
    """The opinion map of ``matrix``, its groups named after ``previous``'s where they
    continue them. Deterministic: the same votes and previous map give the same answer.

    Runs its linear algebra and k-means on one thread: the worker shares its cores with the
    rest of the projection worker, and on a busy machine more threads were slower (a
    500 x 500 eigendecomposition took 0.19 s with two threads, 0.03 s with one)."""
    from threadpoolctl import threadpool_limits  # scipy and scikit-learn load when first used:

    with threadpool_limits(limits=1):  # a second and a half that a process start need not pay
        return _compute(matrix, previous or PreviousMap())


def _compute(matrix: VoteMatrix, previous: PreviousMap) -> Computed:
    n_people, n_statements = len(matrix.participants), len(matrix.statements)
    if n_statements < 2 or n_people < MIN_PLACED:
        return _empty(matrix, previous)
    votes = np.full((n_people, n_statements), np.nan)
    votes[matrix.rows, matrix.cols] = matrix.values
    voted = ~np.isnan(votes)
    counts = voted.sum(axis=1)
    keep = np.flatnonzero(counts >= min(MIN_VOTES, n_statements))
    if len(keep) < MIN_PLACED:
        return _empty(matrix, previous, len(keep))
    votes, voted, counts = votes[keep], voted[keep], counts[keep]
    placed_ids = [str(matrix.participants[i]) for i in keep]
    statement_ids = [str(s) for s in matrix.statements]

    points, axes = _place(votes, voted, counts, statement_ids, previous)
    labels, silhouette = _group(points)
    ids = _identify(labels, placed_ids, previous)
    next_group = max([previous.next_group, *(i + 1 for i in ids.values())])

    agree = np.where(voted, votes > 0, False)
    disagree = np.where(voted, votes < 0, False)
    groups = []
    in_counts: dict[int, tuple[Floats, Floats, Floats]] = {}
    total = (agree.sum(0).astype(float), disagree.sum(0).astype(float), voted.sum(0).astype(float))
    for label in sorted(ids, key=lambda la: ids[la]):
        mask = labels == label
        in_counts[label] = (
            agree[mask].sum(0).astype(float),
            disagree[mask].sum(0).astype(float),
            voted[mask].sum(0).astype(float),
        )
        centre = points[mask].mean(axis=0)
        groups.append(
            OpinionGroup(
                id=ids[label],
                size=int(mask.sum()),
                centre=(round(float(centre[0]), 4), round(float(centre[1]), 4)),
                representative=_representative(in_counts[label], total, matrix.statements),
            )
        )
    return Computed(
        map=OpinionMap(
            voters=n_people,
            placed=len(keep),
            statements=n_statements,
            votes=len(matrix.values),
            silhouette=round(silhouette, 4),
            groups=groups,
            consensus=_consensus(in_counts, ids, matrix.statements),
        ),
        members={p: ids[int(label)] for p, label in zip(placed_ids, labels, strict=True)},
        axes=axes,
        next_group=next_group,
    )


def _place(
    votes: Floats,
    voted: npt.NDArray[np.bool_],
    counts: Ints,
    statement_ids: Sequence[str],
    previous: PreviousMap,
) -> tuple[Floats, dict[str, tuple[float, float]]]:
    """Each placed participant's point in two dimensions, and the axes' loadings."""
    from scipy.linalg import eigh

    column_votes = voted.sum(axis=0)
    means = np.divide(
        np.where(voted, votes, 0.0).sum(axis=0),
        column_votes,
        out=np.zeros(votes.shape[1]),
        where=column_votes > 0,
    )
    filled = np.where(voted, votes, means)
    # principal components from the statements' covariance (statements x statements, small
    # beside participants x statements): only its two largest eigenvectors are computed
    centred = filled - filled.mean(axis=0)
    covariance = centred.T @ centred
    n = covariance.shape[0]
    _, vectors = eigh(covariance, subset_by_index=[n - 2, n - 1])
    loadings = np.ascontiguousarray(vectors[:, ::-1].T)  # the largest first
    # a sign of its own for each axis (as scikit-learn's svd_flip): its largest loading positive
    largest = np.abs(loadings).argmax(axis=1)
    loadings *= np.sign(loadings[np.arange(2), largest])[:, None]
    points = centred @ loadings.T
    # keep the previous map's orientation: flip an axis that points the other way now
    for axis in range(2):
        before = np.array([previous.axes.get(s, (0.0, 0.0))[axis] for s in statement_ids])
        if float(before @ loadings[axis]) < 0:
            loadings[axis] = -loadings[axis]
            points[:, axis] = -points[:, axis]
    points = points * np.sqrt(votes.shape[1] / counts)[:, None]
    axes = {
        s: (round(float(loadings[0, i]), 6), round(float(loadings[1, i]), 6))
        for i, s in enumerate(statement_ids)
    }
    return points, axes


def _group(points: Floats) -> tuple[Ints, float]:
    """The k-means grouping (k from 2 to 5) with the best silhouette, and that silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best: tuple[float, Ints] | None = None
    distinct = len(np.unique(points.round(9), axis=0))
    sample = min(SILHOUETTE_SAMPLE, len(points))
    smallest = max(MIN_GROUP_SIZE, MIN_GROUP_SHARE * len(points))
    for k in GROUP_COUNTS:
        if k >= distinct:
            break
        labels = KMeans(n_clusters=k, n_init=4, random_state=SEED).fit_predict(points)
        sizes = np.bincount(labels)
        if len(sizes) < 2 or sizes.min() < smallest:
            continue
        score = float(silhouette_score(points, labels, sample_size=sample, random_state=SEED))
        if best is None or score > best[0]:
            best = (score, labels.astype(np.int64))
    if best is None:  # every point in one place: one group
        return np.zeros(len(points), dtype=np.int64), 0.0
    return best[1], best[0]


def _identify(labels: Ints, placed: Sequence[str], previous: PreviousMap) -> dict[int, int]:
    """Each new label's group id: the previous group it shares the most members with (one
    previous group to one new group, a Hungarian assignment), or a new id."""
    from scipy.optimize import linear_sum_assignment

    new_labels = sorted({int(la) for la in labels})
    old_ids = sorted(set(previous.members.values()))
    ids: dict[int, int] = {}
    if old_ids:
        overlap = np.zeros((len(new_labels), len(old_ids)))
        row_of = {la: i for i, la in enumerate(new_labels)}
        column_of = {g: j for j, g in enumerate(old_ids)}
        for person, label in zip(placed, labels, strict=True):
            before = previous.members.get(person)
            if before is not None:
                overlap[row_of[int(label)], column_of[before]] += 1
        rows, columns = linear_sum_assignment(-overlap)
        for r, c in zip(rows, columns, strict=True):
            if overlap[r, c] > 0:
                ids[new_labels[r]] = old_ids[c]
    following = previous.next_group
    # labels without a predecessor get new ids, largest group first
    sizes = {la: int((labels == la).sum()) for la in new_labels}
    for label in sorted(new_labels, key=lambda la: (-sizes[la], la)):
        if label not in ids:
            ids[label] = following
            following += 1
    return ids


def _smoothed(successes: Floats, trials: Floats) -> Floats:
    return (1 + successes) / (2 + trials)


def _prop_test(successes: Floats, trials: Floats) -> Floats:
    """Polis's one-proportion z: is the share above one half?"""
    return 2 * np.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def _two_prop_test(
    succ_in: Floats, trials_in: Floats, succ_out: Floats, trials_out: Floats
) -> Floats:
    """Polis's two-proportion z: is the share in the group above the share outside it?"""
    s1, s2, n1, n2 = succ_in + 1, succ_out + 1, trials_in + 1, trials_out + 1
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.divide(s1 / n1 - s2 / n2, spread, out=np.zeros_like(s1), where=spread > 0)


def _representative(
    group: tuple[Floats, Floats, Floats],
    total: tuple[Floats, Floats, Floats],
    statements: Sequence[UUID],
) -> list[RepresentativeStatement]:
    agrees, disagrees, votes = group
    out_votes = total[2] - votes
    found: list[RepresentativeStatement] = []
    for direction, succ_in, succ_all in (
        ("agree", agrees, total[0]),
        ("disagree", disagrees, total[1]),
    ):
        succ_out = succ_all - succ_in
        p_in, p_out = _smoothed(succ_in, votes), _smoothed(succ_out, out_votes)
        repness = p_in / p_out * p_in
        significant = (
            (votes >= MIN_GROUP_VOTES)
            & (_prop_test(succ_in, votes) > Z_90)
            & (_two_prop_test(succ_in, votes, succ_out, out_votes) > Z_90)
        )
        for i in map(int, np.flatnonzero(significant)):
            found.append(
                RepresentativeStatement(
                    statement_id=statements[i],
                    direction=direction,
                    share_in=round(float(succ_in[i] / votes[i]), 4),
                    share_out=round(float(succ_out[i] / out_votes[i]), 4) if out_votes[i] else 0.0,
                    votes_in=int(votes[i]),
                    repness=round(float(repness[i]), 4),
                )
            )
    # a statement is representative one way only: the stronger
    best: dict[UUID, RepresentativeStatement] = {}
    for r in found:
        if r.statement_id not in best or r.repness > best[r.statement_id].repness:
            best[r.statement_id] = r
    ranked = sorted(best.values(), key=lambda r: (-r.repness, str(r.statement_id)))
    return ranked[:REPRESENTATIVE_LIMIT]


def _consensus(
    groups: Mapping[int, tuple[Floats, Floats, Floats]],
    ids: Mapping[int, int],
    statements: Sequence[UUID],
) -> list[ConsensusStatement]:
    if not groups:
        return []
    agreed = np.ones(len(statements), dtype=bool)
    score = np.ones(len(statements))
    shares: dict[int, Floats] = {}
    for label, (agrees, _, votes) in groups.items():
        share = np.divide(agrees, votes, out=np.zeros_like(agrees), where=votes > 0)
        shares[label] = share
        agreed &= (votes >= MIN_GROUP_VOTES) & (share >= CONSENSUS_SHARE)
        score *= _smoothed(agrees, votes)
    ranked = sorted(map(int, np.flatnonzero(agreed)), key=lambda i: (-score[i], str(statements[i])))
    return [
        ConsensusStatement(
            statement_id=statements[i],
            agree_shares={
                str(ids[label]): round(float(shares[label][i]), 4)
                for label in sorted(groups, key=lambda la: ids[la])
            },
            score=round(float(score[i]), 4),
        )
        for i in ranked[:CONSENSUS_LIMIT]
    ]
