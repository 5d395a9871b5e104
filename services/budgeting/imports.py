"""A Pabulib `.pb` file imported into a budget round: its district and budget, its projects
and its votes, recorded in one append so that counting the round counts the file.

An administrator imports one file into a round, before voting opens (a round that has begun
voting keeps what its voters found). What is recorded:

- ``BudgetFileImported`` on the round: the round's districts with the file's (added, or its
  amount made the file's budget), the round's rules with the file's ballot rule (approval,
  knapsack, points or ranked, with its bounds), and which file it was (its SHA-256, how many
  projects and ballots);
- ``BudgetProjectImported``, one per project of the file: on the ballot (feasible) at the
  file's cost, titled by the file's name of it, proposed by nobody;
- ``BudgetBallotsImported``, the file's votes in batches (``ImportedBallots``, one stream per
  batch): each ballot as the projects it names, by their place in the batch's list of project
  ids, with the points beside them on a points ballot. A ballot names no voter: the file's
  voter ids and any other column of its VOTES (age, sex, how they voted) are dropped, and the
  ballots are recorded in an order of their own (sorted), never the file's, so nothing of a
  voter's id or of when they voted comes along. Nobody is made a person, nobody gets a
  took-part mark.

The listing files the imported ballots with the round's own (by ids derived from their batch
and place), so the count, the ballot counts and the export read them as any ballot.

Everything a round asks of its contents is checked first, every problem named by its line
and field (``line 12: name``) as ``import_pb`` names the file's own: a name that is no title,
a cost or budget above what a round takes, a ballot naming more projects than any ballot may,
points above a million, a rule the round cannot have (a ``max_length`` above 500).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import InvalidInput
from services.budgeting.ballots import (
    MAX_PROJECTS_ON_BALLOT,
    Ballot,
    BallotKind,
    BallotRule,
    check_rule,
)
from services.budgeting.domain import (
    MAX_AMOUNT,
    TITLE_LENGTH,
    BudgetProject,
    BudgetRound,
    District,
    check_district_key,
)
from services.budgeting.pabulib import MAX_ERRORS, PbElection, import_pb
from services.identity.access import Caller
from tenants import values

__all__ = [
    "MAX_IMPORTED_PROJECTS",
    "ImportPlan",
    "ImportedBallots",
    "ballots_of",
    "district_key",
    "imported_ballot_id",
    "plan_import",
    "record_import",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/budgeting/imports")
MAX_IMPORTED_PROJECTS = 2_000  # Pabulib's districts have up to a few hundred
MAX_POINTS = 1_000_000  # as a points ballot spreads at most
BATCH_BALLOTS = 5_000  # ballots per BudgetBallotsImported at most
BATCH_MARKS = 20_000  # projects named per BudgetBallotsImported at most (some 100 kB)


def imported_project_id(round_id: UUID, source_id: str, rank: int) -> UUID:
    """The project a file's project becomes in the round: ``rank`` is the place of its id
    among the file's ids in their order, written first, so that the round's ids sort as the
    file's do and a tie the count breaks by id (after the cost) goes the same way in both."""
    named = uuid5(_NAMESPACE, f"project:{round_id}:{source_id}")
    return UUID(bytes=rank.to_bytes(4, "big") + named.bytes[4:], version=5)


def imported_ballots_id(round_id: UUID, batch: int) -> UUID:
    """The stream of the ``batch``-th batch of a round's imported ballots."""
    return uuid5(_NAMESPACE, f"ballots:{round_id}:{batch}")


def imported_ballot_id(batch_id: UUID, place: int) -> UUID:
    """The id the listing files the ``place``-th ballot of a batch under."""
    return uuid5(batch_id, str(place))


class ImportedBallots(Aggregate):
    """A batch of an imported file's ballots in one district of a round: ``votes`` name the
    projects each ballot chose, by their place in ``projects`` (the round's project ids), in
    the voter's order; ``points`` (a points ballot) the points beside them. No voter."""

    @staticmethod
    def create_id(
        round_id: UUID,
        batch: int,
        district: str,
        projects: tuple[str, ...],
        votes: tuple[tuple[int, ...], ...],
        points: tuple[tuple[int, ...], ...] | None,
    ) -> UUID:
        return imported_ballots_id(round_id, batch)

    @event("BudgetBallotsImported")
    def __init__(
        self,
        round_id: UUID,
        batch: int,
        district: str,
        projects: tuple[str, ...],
        votes: tuple[tuple[int, ...], ...],
        points: tuple[tuple[int, ...], ...] | None,
    ) -> None:
        self.round_id = round_id
        self.district = district


def ballots_of(
    district: str,
    projects: Sequence[str],
    votes: Sequence[Sequence[int]],
    points: Sequence[Sequence[int]] | None,
) -> list[Ballot]:
    """A batch's ballots as the round keeps ballots (project ids, points beside them)."""
    return [
        Ballot(
            district=district,
            projects=tuple(projects[i] for i in vote),
            points=None if points is None else tuple(points[n]),
        )
        for n, vote in enumerate(votes)
    ]


_NOT_A_KEY = re.compile(r"[^a-z0-9]+")
# letters that are no letter with a mark, so Unicode does not take them apart
_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th"}
)


def district_key(name: str) -> str:
    """A district key made of a name (``Praga-Północ`` is ``praga-polnoc``, ``Østerbro``
    ``osterbro``): lowercase ASCII
    letters, digits and hyphens, at most 40; ``all`` for a name without any."""
    plain = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS))
    ascii_name = plain.encode("ascii", "ignore").decode()
    key = _NOT_A_KEY.sub("-", ascii_name).strip("-")[:40].strip("-")
    return key or "all"


class ImportPlan(msgspec.Struct, frozen=True, kw_only=True):
    """What an import records, checked: the district the file goes into, the ballot rule,
    the projects (by the file's ids, with their round ids) and the ballots' batches."""

    district: District
    rule: BallotRule
    digest: str
    projects: tuple[tuple[str, UUID, str, int], ...]  # source id, project id, title, cost
    ballots: int
    batches: tuple[tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...] | None], ...]


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, line: int, field: str, reason: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append((f"line {line}: {field}", reason))

    def raise_any(self) -> None:
        if self.items:
            raise InvalidInput.of(self.items)


def _rule(election: PbElection, problems: _Problems) -> BallotRule:
    """The file's ballot rule as a round keeps one, each bound a round cannot have named by
    its META line. A cumulative file without ``max_sum_points`` spreads what its fullest
    ballot gives."""
    rule = election.rule
    line = election.meta_lines
    if rule.kind is BallotKind.POINTS and rule.points is None:
        fullest = max((sum(b.points or ()) for b in election.ballots), default=1)
        rule = msgspec.structs.replace(rule, points=max(fullest, 1))
    try:
        check_rule(rule)
    except InvalidInput as refusal:
        for field, reason in refusal.errors:
            key = {"ballot.max_projects": "max_length", "ballot.points": "max_sum_points"}.get(
                field, "vote_type"
            )
            problems.add(line.get(key, line.get("vote_type", 0)), key, reason)
    return rule


def _district(
    election: PbElection, given: str | None, budget_round: BudgetRound, problems: _Problems
) -> District:
    """The district the file goes into: the one given, else the file's (its ``district``,
    else its ``subunit``, made a key), named as the round names it, else as the file does."""
    meta, line = election.meta, election.meta_lines
    named = meta.get("subunit") or meta.get("district") or ""
    key = district_key(meta.get("district") or named)
    if given is not None:
        key = check_district_key(given, "district")
    if election.budget > MAX_AMOUNT:
        problems.add(line.get("budget", 0), "budget", f"must be from 1 to {MAX_AMOUNT}")
    known = {d.key: d for d in budget_round.districts}
    if key in known:
        name = known[key].name
    else:
        try:
            name = values.text(named or key, "name", max_length=TITLE_LENGTH)
        except InvalidInput:
            name = key
    return District(key=key, name=name, amount=min(election.budget, MAX_AMOUNT))


def _projects(
    election: PbElection, round_id: UUID, problems: _Problems
) -> tuple[tuple[str, UUID, str, int], ...]:
    if len(election.projects) > MAX_IMPORTED_PROJECTS:
        line = election.project_lines[MAX_IMPORTED_PROJECTS]
        problems.add(line, "PROJECTS", f"at most {MAX_IMPORTED_PROJECTS} projects")
    found: list[tuple[str, UUID, str, int]] = []
    ranks = {source: rank for rank, source in enumerate(sorted(p.id for p in election.projects))}
    for p, line in zip(election.projects, election.project_lines, strict=True):
        try:
            title = values.text(p.name, "name", max_length=TITLE_LENGTH)
        except InvalidInput as refusal:
            for _, reason in refusal.errors:
                problems.add(line, "name", reason)
            title = p.name
        if p.cost > MAX_AMOUNT:
            problems.add(line, "cost", f"must be from 1 to {MAX_AMOUNT}")
        found.append((p.id, imported_project_id(round_id, p.id, ranks[p.id]), title, p.cost))
    return tuple(found)


def _check_ballots(election: PbElection, problems: _Problems) -> None:
    for ballot, line in zip(election.ballots, election.ballot_lines, strict=True):
        if len(ballot.projects) > MAX_PROJECTS_ON_BALLOT:
            problems.add(line, "vote", f"at most {MAX_PROJECTS_ON_BALLOT} projects on a ballot")
        if ballot.points is not None and any(p > MAX_POINTS for p in ballot.points):
            problems.add(line, "points", f"at most {MAX_POINTS} points for a project")


def _batches(
    election: PbElection, index: dict[str, int]
) -> tuple[tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...] | None], ...]:
    """The ballots by the projects' places, sorted (an order that says nothing of the file's)
    and cut into batches of at most ``BATCH_BALLOTS`` ballots and ``BATCH_MARKS`` marks."""
    scored = election.rule.kind is BallotKind.POINTS
    cast = sorted(
        (tuple(index[p] for p in b.projects), tuple(b.points or ()) if scored else ())
        for b in election.ballots
    )
    batches: list[tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...] | None]] = []
    votes: list[tuple[int, ...]] = []
    points: list[tuple[int, ...]] = []
    marks = 0
    for vote, given in cast:
        if votes and (len(votes) >= BATCH_BALLOTS or marks + len(vote) > BATCH_MARKS):
            batches.append((tuple(votes), tuple(points) if scored else None))
            votes, points, marks = [], [], 0
        votes.append(vote)
        points.append(given)
        marks += len(vote)
    if votes:
        batches.append((tuple(votes), tuple(points) if scored else None))
    return tuple(batches)


def plan_import(text: str, district: str | None, budget_round: BudgetRound) -> ImportPlan:
    """The file read and checked for the round (one refusal naming every problem by its line
    and field), and what its import records."""
    election = import_pb(text)
    problems = _Problems()
    rule = _rule(election, problems)
    into = _district(election, district, budget_round, problems)
    projects = _projects(election, budget_round.id, problems)
    _check_ballots(election, problems)
    problems.raise_any()
    index = {p.id: i for i, p in enumerate(election.projects)}
    return ImportPlan(
        district=into,
        rule=rule,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        projects=projects,
        ballots=len(election.ballots),
        batches=_batches(election, index),
    )


def record_import(
    plan: ImportPlan, budget_round: BudgetRound, by: Caller, now: datetime
) -> list[Aggregate]:
    """The round with the import recorded, the projects and the ballots' batches: to be
    saved in one append."""
    budget_round.import_file(
        plan.district, plan.rule, plan.digest, len(plan.projects), plan.ballots, by, now
    )
    projects = [
        BudgetProject.from_file(budget_round, plan.district.key, title, cost, source, id=pid)
        for source, pid, title, cost in plan.projects
    ]
    ids = tuple(str(pid) for _, pid, _, _ in plan.projects)
    batches = [
        ImportedBallots(
            round_id=budget_round.id,
            batch=n,
            district=plan.district.key,
            projects=ids,
            votes=votes,
            points=points,
        )
        for n, (votes, points) in enumerate(plan.batches)
    ]
    return [budget_round, *projects, *batches]
