"""Pabulib: the `.pb` files researchers publish participatory budgeting rounds in.

A `.pb` file is one election (here: one district of a round) in three sections of
`;`-separated lines, each section named on a line of its own and followed by its header:

- ``META`` (``key;value``): ``description``, ``country``, ``unit``, ``instance``,
  ``num_projects``, ``num_votes``, ``budget``, ``vote_type`` (``approval``, ``choose-1``,
  ``cumulative``, ``ordinal``), ``rule``, and the ballot's bounds (``min_length``,
  ``max_length``, ``max_sum_cost``, ``min_sum_points``, ``max_sum_points``);
- ``PROJECTS``: ``project_id;cost;...`` (here also ``votes``, ``name`` and, once counted,
  ``selected``: 1 funded, 0 not);
- ``VOTES``: ``voter_id;vote;...``, ``vote`` the project ids the voter chose, comma-separated
  (in order of preference on an ordinal ballot), with ``points`` beside them on a cumulative one.

``export_round`` writes each district of a round as a file (``export_district``, one): its
projects with their final costs, its ballots under voter ids 1, 2, ... (never a person's id)
and, once counted, which were funded. pabutools' own parser (``parse_pabulib_from_string``)
reads it back. ``import_pb`` reads a file into projects and ballots: a malformed file is
refused with every problem named by its line and field (``line 12: cost``), never half read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import msgspec

from events.errors import InvalidInput
from services.budgeting.ballots import Ballot, BallotKind, BallotRule
from services.budgeting.domain import BudgetProject, BudgetRound
from services.budgeting.results import Candidate, Counting, DistrictResult, votes

__all__ = [
    "MAX_ERRORS",
    "MAX_PB_CHARACTERS",
    "ImportedProject",
    "PbElection",
    "PbProject",
    "export_district",
    "export_round",
    "import_pb",
]

MAX_PB_CHARACTERS = 256 * 1024 * 1024  # the largest Pabulib files are tens of megabytes
MAX_ERRORS = 20  # a refusal names at most this many problems

_VOTE_TYPES = {
    BallotKind.APPROVAL: "approval",
    BallotKind.KNAPSACK: "approval",
    BallotKind.POINTS: "cumulative",
    BallotKind.RANKED: "ordinal",
}
_RULES = {Counting.GREEDY: "greedy", Counting.EQUAL_SHARES: "equalshares"}


class PbProject(msgspec.Struct, frozen=True, kw_only=True):
    """A project as it goes into a `.pb` file."""

    id: str
    name: str
    cost: int


class ImportedProject(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    cost: int


class PbElection(msgspec.Struct, frozen=True, kw_only=True):
    """What a `.pb` file holds: its META, its projects, its ballots (their district is the
    file's ``district``) and the ballot rule its META describes; and where each was in the
    file (the line of each META key, of each project and of each ballot), so a check made
    after reading can name the line."""

    meta: dict[str, str]
    district: str
    budget: int
    rule: BallotRule
    projects: tuple[ImportedProject, ...]
    ballots: tuple[Ballot, ...]
    meta_lines: dict[str, int] = {}
    project_lines: tuple[int, ...] = ()
    ballot_lines: tuple[int, ...] = ()

    @property
    def candidates(self) -> list[Candidate]:
        return [Candidate(id=p.id, cost=p.cost) for p in self.projects]


def _line(cells: Sequence[object]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(
        [" ".join(str(c).split()) for c in cells]  # no line breaks inside a field
    )
    return out.getvalue()


def export_district(
    *,
    meta: dict[str, str],
    district: str,
    budget: int,
    rule: BallotRule,
    counting: Counting,
    projects: Sequence[PbProject],
    ballots: Sequence[Ballot],
    result: DistrictResult | None = None,
) -> str:
    """One district of a round as a `.pb` file. ``meta`` gives ``description``, ``country``,
    ``unit`` and ``instance`` (and any more keys to keep); ``ballots`` are the district's
    checked ballots; ``result``, when given, fills the ``selected`` column."""
    for project in projects:
        if not project.id or any(c in project.id for c in ";,\n\r"):
            raise InvalidInput("projects", f"{project.id!r} cannot be a Pabulib project id")
    scores = [
        dict(zip(b.projects, b.points, strict=True)) if b.points else dict.fromkeys(b.projects, 1)
        for b in ballots
        if b.district == district
    ]
    chosen = [b for b in ballots if b.district == district]
    tally = votes((Candidate(id=p.id, cost=p.cost) for p in projects), scores)
    head = {
        "description": meta.get("description", ""),
        "country": meta.get("country", ""),
        "unit": meta.get("unit", ""),
        "instance": meta.get("instance", ""),
        "district": district,
        "num_projects": str(len(projects)),
        "num_votes": str(len(chosen)),
        "budget": str(budget),
        "vote_type": _VOTE_TYPES[rule.kind],
        "rule": _RULES[counting],
    }
    if rule.max_projects is not None:
        head["max_length"] = str(rule.max_projects)
    if rule.kind is BallotKind.KNAPSACK or rule.within_budget:
        head["max_sum_cost"] = str(budget)
    if rule.kind is BallotKind.POINTS and rule.points is not None:
        head["min_sum_points"] = head["max_sum_points"] = str(rule.points)
    for key, value in meta.items():
        head.setdefault(key, value)
    parts = ["META\n", _line(["key", "value"])]
    parts.extend(_line([k, v]) for k, v in head.items())
    funded = set(result.funded) if result is not None else None
    columns = ["project_id", "cost", "votes", "name"] + (["selected"] if funded is not None else [])
    parts += ["PROJECTS\n", _line(columns)]
    for p in projects:
        row: list[object] = [p.id, p.cost, tally[p.id], p.name]
        if funded is not None:
            row.append(1 if p.id in funded else 0)
        parts.append(_line(row))
    points = rule.kind is BallotKind.POINTS
    parts += ["VOTES\n", _line(["voter_id", "vote", "points"] if points else ["voter_id", "vote"])]
    for n, b in enumerate(chosen, 1):
        cells: list[object] = [n, ",".join(b.projects)]
        if points:
            cells.append(",".join(str(p) for p in b.points or ()))
        parts.append(_line(cells))
    return "".join(parts)


class _Errors:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, line: int, field: str, reason: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append((f"line {line}: {field}", reason))

    def raise_any(self) -> None:
        if self.items:
            raise InvalidInput.of(self.items)


def _whole(text: str) -> int | None:
    """A whole number written as Pabulib writers do ("1000", "1000.0", "1000,0"); None if it
    is not one."""
    if text.isascii() and text.isdigit():  # most are: read without a Decimal
        return int(text)
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


_SECTIONS = ("meta", "projects", "votes")


def import_pb(text: str) -> PbElection:
    """The projects and ballots of a `.pb` file, or one refusal naming each problem by line
    and field."""
    if len(text) > MAX_PB_CHARACTERS:
        raise InvalidInput("file", f"at most {MAX_PB_CHARACTERS} characters")
    errors = _Errors()
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in _SECTIONS}
    headers: dict[str, tuple[int, list[str]]] = {}
    section: str | None = None
    expect_header = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            cells = [c.strip() for c in next(csv.reader([raw], delimiter=";"))]
        except csv.Error as error:
            errors.add(number, "line", f"not a `;`-separated line: {error}")
            continue
        if cells[0].lower() in _SECTIONS and len([c for c in cells if c]) == 1:
            section = cells[0].lower()
            if section in headers or rows[section]:
                errors.add(number, section.upper(), "the section appears twice")
            expect_header = True
            continue
        if section is None:
            errors.add(number, "line", "comes before the META, PROJECTS or VOTES section")
            continue
        if expect_header:
            headers[section] = (number, cells)
            expect_header = False
            continue
        rows[section].append((number, cells))
    for s in _SECTIONS:
        if s not in headers:
            errors.add(0, s.upper(), "the section (and its header line) is missing")
    errors.raise_any()

    meta = _meta(rows["meta"], errors)
    budget = _whole(meta.get("budget", ""))
    meta_line = {k: n for n, (k, *_) in rows["meta"]}
    if budget is None or budget < 1:
        errors.add(meta_line.get("budget", headers["meta"][0]), "budget", "a whole amount above 0")
    vote_type = meta.get("vote_type", "")
    if vote_type not in ("approval", "choose-1", "cumulative", "ordinal"):
        errors.add(
            meta_line.get("vote_type", headers["meta"][0]),
            "vote_type",
            f"{vote_type!r}: Tinget reads approval, choose-1, cumulative and ordinal votes",
        )
    errors.raise_any()
    assert budget is not None
    lines: dict[str, int] = {}
    projects = _projects(headers["projects"], rows["projects"], errors, lines)
    district = meta.get("district") or meta.get("subunit") or "all"
    ballots = _ballots(headers["votes"], rows["votes"], vote_type, projects, district, errors)
    for key, found in (("num_projects", len(projects)), ("num_votes", len(ballots))):
        if key in meta and _whole(meta[key]) != found:
            errors.add(meta_line[key], key, f"says {meta[key]}, the file has {found}")
    errors.raise_any()
    rule = _rule(meta, vote_type)
    if rule.kind is BallotKind.RANKED and rule.max_projects is None:
        # a ranked ballot's Borda points count from the longest ballot's length down
        longest = max((len(b.projects) for _, b in ballots), default=1)
        rule = BallotRule(kind=BallotKind.RANKED, max_projects=max(longest, 1))
    return PbElection(
        meta=meta,
        district=district,
        budget=budget,
        rule=rule,
        projects=tuple(projects.values()),
        ballots=tuple(b for _, b in ballots),
        meta_lines=meta_line,
        project_lines=tuple(lines[p] for p in projects),
        ballot_lines=tuple(n for n, _ in ballots),
    )


def _meta(rows: list[tuple[int, list[str]]], errors: _Errors) -> dict[str, str]:
    meta: dict[str, str] = {}
    for number, cells in rows:
        if len(cells) < 2 or not cells[0]:
            errors.add(number, "META", "a line of key;value")
        elif cells[0] in meta:
            errors.add(number, cells[0], "the key is given twice")
        else:
            meta[cells[0]] = cells[1]
    return meta


def _rule(meta: dict[str, str], vote_type: str) -> BallotRule:
    max_length = _whole(meta.get("max_length", ""))
    if vote_type == "choose-1":
        return BallotRule(kind=BallotKind.APPROVAL, max_projects=1)
    if vote_type == "cumulative":
        points = _whole(meta.get("max_sum_points", ""))
        return BallotRule(kind=BallotKind.POINTS, points=points, max_projects=max_length)
    if vote_type == "ordinal":
        return BallotRule(kind=BallotKind.RANKED, max_projects=max_length)
    within = "max_sum_cost" in meta
    if within and max_length is None:
        return BallotRule(kind=BallotKind.KNAPSACK)
    return BallotRule(kind=BallotKind.APPROVAL, max_projects=max_length, within_budget=within)


def _columns(
    header: tuple[int, list[str]], needed: Sequence[str], section: str, errors: _Errors
) -> dict[str, int]:
    number, cells = header
    index = {name: i for i, name in enumerate(cells)}
    for name in needed:
        if name not in index:
            errors.add(number, section, f"the header has no {name!r} column")
    return index


def _fields(number: int, cells: list[str], width: int, errors: _Errors) -> bool:
    if len(cells) != width:
        errors.add(number, "line", f"{len(cells)} fields, the header has {width}")
        return False
    return True


def _projects(
    header: tuple[int, list[str]],
    rows: list[tuple[int, list[str]]],
    errors: _Errors,
    lines: dict[str, int],
) -> dict[str, ImportedProject]:
    index = _columns(header, ("project_id", "cost"), "PROJECTS", errors)
    errors.raise_any()
    projects: dict[str, ImportedProject] = {}
    for number, cells in rows:
        if not _fields(number, cells, len(header[1]), errors):
            continue
        project_id = cells[index["project_id"]]
        cost = _whole(cells[index["cost"]])
        if not project_id or "," in project_id:
            errors.add(number, "project_id", "an id without commas")
        elif project_id in projects:
            errors.add(number, "project_id", f"{project_id!r} is given twice")
        if cost is None or cost < 1:
            errors.add(number, "cost", f"{cells[index['cost']]!r} is no whole amount above 0")
        if project_id and cost is not None and cost >= 1 and project_id not in projects:
            name = cells[index["name"]] if "name" in index else project_id
            projects[project_id] = ImportedProject(id=project_id, name=name, cost=cost)
            lines[project_id] = number
    return projects


def _ballots(
    header: tuple[int, list[str]],
    rows: list[tuple[int, list[str]]],
    vote_type: str,
    projects: dict[str, ImportedProject],
    district: str,
    errors: _Errors,
) -> list[tuple[int, Ballot]]:
    """Each ballot with its line."""
    cumulative = vote_type == "cumulative"
    needed = ("voter_id", "vote", "points") if cumulative else ("voter_id", "vote")
    index = _columns(header, needed, "VOTES", errors)
    errors.raise_any()
    ballots: list[tuple[int, Ballot]] = []
    voters: set[str] = set()
    for number, cells in rows:
        if not _fields(number, cells, len(header[1]), errors):
            continue
        voter = cells[index["voter_id"]]
        if voter in voters:
            errors.add(number, "voter_id", f"{voter!r} votes twice")
        voters.add(voter)
        chosen = tuple(p.strip() for p in cells[index["vote"]].split(",") if p.strip())
        for p in chosen:
            if p not in projects:
                errors.add(number, "vote", f"{p!r} is not a project of the file")
        if len(set(chosen)) != len(chosen):
            errors.add(number, "vote", "names a project twice")
        points: tuple[int, ...] | None = None
        if cumulative:
            given = [p for p in cells[index["points"]].split(",") if p.strip()]
            whole = [_whole(p) for p in given]
            if len(given) != len(chosen):
                errors.add(number, "points", f"{len(given)} points for {len(chosen)} projects")
            elif any(p is None or p < 0 for p in whole):
                errors.add(number, "points", "whole numbers, none below 0")
            else:
                points = tuple(p for p in whole if p is not None)
        ballots.append((number, Ballot(district=district, projects=chosen, points=points)))
    return ballots


def export_round(
    budget_round: BudgetRound,
    projects: Sequence[BudgetProject],
    ballots: Sequence[Ballot],
    meta: dict[str, str],
) -> dict[str, str]:
    """Every district of a round as a `.pb` file, by district key: the projects that were on
    the ballot (found feasible, at their final cost, under their ids), the district's ballots
    and, once recorded, the round's results."""
    results = dict(zip((d.key for d in budget_round.districts), budget_round.results, strict=False))
    files: dict[str, str] = {}
    for d in budget_round.districts:
        on_ballot = [
            PbProject(id=str(p.id), name=p.title, cost=p.offer.cost)
            for p in projects
            if p.round_id == budget_round.id and p.district == d.key and p.offer.feasible
        ]
        files[d.key] = export_district(
            meta={**meta, "subunit": d.name},
            district=d.key,
            budget=d.amount,
            rule=budget_round.rules.ballot,
            counting=budget_round.rules.counting,
            projects=on_ballot,
            ballots=[b for b in ballots if b.district == d.key],
            result=results.get(d.key),
        )
    return files
