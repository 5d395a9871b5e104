"""Live results of surveys: counts kept as responses arrive, and the queries beside them.

Each response adds to counters; no answer is read twice. Per (tenant, survey, question) the
read model keeps how many responses chose each option (single and multiple choice), gave each
point (rating, Likert, each row of a matrix), put each option in each place (ranking) or gave
each number (a histogram, for the median), and for points and numbers the count, sum and sum of
squares (mean and standard deviation); per survey, the responses of each day (UTC). The same
counts and sums are kept within the responses that gave each answer to each single choice
question (``by_question``, ``by_value``; both '' for all responses), for cross-tabulation.

Free text answers are not kept here: they need moderation before anything of them is
published, and results show only the approved ones (``services.surveys.response_listing``, added
by the gateway as ``texts``). Dates are not counted.

To know a question's type the read model keeps the questions of each questionnaire as its
newest form event (drafted, revised, corrected) has them. A question keeps its type across
versions (``services/surveys/domain.py``), so answers to every version are counted together.

Results are read with small groups suppressed: a count below the minimum group size
(``MIN_GROUP_SIZE``) is shown as null with ``suppressed: true``, never the number; where the
counts of a group add up to a total that is shown (a single choice, a scale, the days), more are
suppressed until the hidden ones add up to 0 or at least the minimum, so that no small count is
the total less the others (``hidden``). Mean, median and standard deviation are shown only for
at least the minimum number of answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.errors import InvalidInput
from events.model import RecordedEvent
from services.surveys.domain import questionnaire_id
from services.surveys.questionnaire import (
    Form,
    Likert,
    Matrix,
    MultipleChoice,
    Number,
    Question,
    Ranking,
    Rating,
    SingleChoice,
)
from tenants.values import DEFAULT_MIN_GROUP_SIZE

MIN_GROUP_SIZE = DEFAULT_MIN_GROUP_SIZE
"""The smallest group whose count results show, unless the tenant set its own
(``TenantEntry.min_group_size``, ``tinget tenants update --min-group-size``)."""

FORM_EVENTS = frozenset({"QuestionnaireDrafted", "QuestionnaireRevised", "QuestionnaireCorrected"})
RESPONSE_EVENTS = frozenset({"AnonymousResponseSubmitted", "NamedResponseSubmitted"})

CHOICE, MULTIPLE, RANKING = "single-choice", "multiple-choice", "ranking"
RATING, LIKERT, NUMBER, MATRIX = "rating", "likert", "number", "matrix"
POINTS = frozenset({RATING, LIKERT})
_KINDS: dict[type[Any], str] = {
    SingleChoice: CHOICE,
    MultipleChoice: MULTIPLE,
    Ranking: RANKING,
    Rating: RATING,
    Likert: LIKERT,
    Number: NUMBER,
    Matrix: MATRIX,
}

Known = tuple[str, int, list[str], list[str]]  # kind, place, items, points
QuestionKey = tuple[str, UUID, str]  # tenant, questionnaire, question
# tenant, dialog, by question, by answer, question, cell, value
CountKey = tuple[str, UUID, str, str, str, str, str]
SumKey = tuple[str, UUID, str, str, str, str]  # tenant, dialog, by, by answer, question, cell


def _items(question: Question) -> list[str]:
    """The ids of a question's options (choice, ranking) or rows (matrix)."""
    if isinstance(question, SingleChoice | MultipleChoice | Ranking):
        return list(question.option_ids)
    if isinstance(question, Matrix):
        return [r.id for r in question.rows]
    return []


def _points(question: Question) -> list[str]:
    """The points of a question's scale (rating, Likert, matrix)."""
    if isinstance(question, Rating | Likert | Matrix):
        return [str(p) for p in range(question.scale.min, question.scale.max + 1)]
    return []


def _number_key(value: float) -> str:
    """A number as a histogram's value: whole numbers without a fraction (3, not 3.0)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Tally:
    """The increments of one batch: each response's counts and sums once over all responses
    (by ('', '')) and once more within the responses that gave each answer to each single
    choice question (by (question, option)), for cross-tabulation.

    A response makes a few hundred increments (each answer once per group), so they are kept
    per survey under keys of the response's own strings, whose hashes Python keeps, and
    counted by ``Counter.update``; the survey's tenant and id join the keys once per batch
    (:meth:`flat_counts`, :meth:`flat_sums`)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, UUID], Counter[tuple[str, str, str, str, str]]] = {}
        self._sums: dict[tuple[str, UUID], dict[tuple[str, str, str, str], list[float]]] = {}
        self.days: Counter[tuple[str, UUID, date]] = Counter()

    def flat_counts(self) -> dict[CountKey, int]:
        return {(t, d, *k): n for (t, d), c in self._counts.items() for k, n in c.items()}

    def flat_sums(self) -> dict[SumKey, list[float]]:
        return {(t, d, *k): v for (t, d), c in self._sums.items() for k, v in c.items()}

    def response(self, tenant: str, dialog: UUID, kinds: Mapping[str, str], answers: Any) -> None:
        if not isinstance(answers, dict):
            return
        counts: list[tuple[str, str, str]] = []  # question, cell, value
        sums: list[tuple[str, str, float]] = []  # question, cell, value
        for question, answer in answers.items():
            kind = kinds.get(question)
            if kind is None:
                continue  # free text, a date, or a question the read model does not know
            if kind == CHOICE and isinstance(answer, str):
                counts.append((question, "", answer))
                sums.append((question, "", 0.0))
            elif kind == MULTIPLE and isinstance(answer, list):
                counts.extend((question, "", str(choice)) for choice in answer)
                sums.append((question, "", 0.0))
            elif kind == RANKING and isinstance(answer, list):
                counts.extend(
                    (question, str(option), str(place))
                    for place, option in enumerate(answer, start=1)
                )
                sums.append((question, "", 0.0))
            elif kind in POINTS | {NUMBER} and _numeric(answer):
                counts.append((question, "", _number_key(answer)))
                sums.append((question, "", float(answer)))
            elif kind == MATRIX and isinstance(answer, dict):
                for row, point in answer.items():
                    if _numeric(point):
                        counts.append((question, row, _number_key(point)))
                        sums.append((question, row, float(point)))
                sums.append((question, "", 0.0))
        groups = [("", "")] + [
            (question, answer)
            for question, answer in answers.items()
            if kinds.get(question) == CHOICE and isinstance(answer, str)
        ]
        survey = (tenant, dialog)
        counter = self._counts.get(survey)
        if counter is None:
            counter = self._counts[survey] = Counter()
        totals = self._sums.get(survey)
        if totals is None:
            totals = self._sums[survey] = {}
        for by, given in groups:
            counter.update([(by, given, q, cell, value) for q, cell, value in counts if q != by])
            for question, cell, number in sums:
                if question != by:
                    total = totals.get((by, given, question, cell))
                    if total is None:
                        total = totals[(by, given, question, cell)] = [0, 0.0, 0.0]
                    total[0] += 1
                    total[1] += number
                    total[2] += number * number


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class SurveyResults:
    """The survey results read model: counters added to as responses arrive."""

    name = "survey_results"
    event_types = FORM_EVENTS | RESPONSE_EVENTS
    tables: tuple[str, ...] = (
        "survey_result_questions",
        "survey_result_counts",
        "survey_result_sums",
        "survey_result_days",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        questions: dict[tuple[str, UUID], dict[str, Known]] = {}
        changed: set[tuple[str, UUID]] = set()
        tally = _Tally()
        for recorded in events:
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            if recorded.event_type in FORM_EVENTS:
                key = (recorded.tenant_id, recorded.stream_id)
                known = questions.get(key)
                if known is None:
                    known = questions[key] = await _load(conn, key)
                known.update(_form_questions(event.form))
                changed.add(key)
                continue
            key = (recorded.tenant_id, questionnaire_id(event.dialog_id))
            known = questions.get(key)
            if known is None:
                known = questions[key] = await _load(conn, key)
            kinds = {q: k[0] for q, k in known.items()}
            tally.response(recorded.tenant_id, event.dialog_id, kinds, event.answers)
            tally.days[(recorded.tenant_id, event.dialog_id, recorded.recorded_at.date())] += 1
        await _write_questions(conn, {k: questions[k] for k in sorted(changed)})
        await _write_tally(conn, tally)


def _form_questions(form: Form) -> dict[str, Known]:
    found: dict[str, Known] = {}
    for place, (_, question) in enumerate(form.questions()):
        kind = _KINDS.get(type(question))
        if kind is not None:
            found[question.id] = (kind, place, _items(question), _points(question))
    return found


async def _load(conn: asyncpg.Connection, key: tuple[str, UUID]) -> dict[str, Known]:
    rows = await conn.fetch(
        "SELECT question_id, kind, place, items, points FROM survey_result_questions"
        " WHERE tenant_id = $1 AND questionnaire_id = $2",
        *key,
    )
    return {
        r["question_id"]: (
            r["kind"],
            r["place"],
            msgspec.json.decode(r["items"]),
            msgspec.json.decode(r["points"]),
        )
        for r in rows
    }


async def _write_questions(
    conn: asyncpg.Connection, changed: Mapping[tuple[str, UUID], Mapping[str, Known]]
) -> None:
    rows = [
        (tenant, questionnaire, question, kind, place, _json(items), _json(points))
        for (tenant, questionnaire), known in changed.items()
        for question, (kind, place, items, points) in sorted(known.items())
    ]
    if rows:
        await conn.executemany(
            "INSERT INTO survey_result_questions AS q"
            " (tenant_id, questionnaire_id, question_id, kind, place, items, points)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)"
            " ON CONFLICT (tenant_id, questionnaire_id, question_id) DO UPDATE"
            " SET kind = excluded.kind, place = excluded.place, items = excluded.items,"
            " points = excluded.points",
            rows,
        )


async def _write_tally(conn: asyncpg.Connection, tally: _Tally) -> None:
    counted = tally.flat_counts()
    counts = sorted(counted)
    if counts:
        await conn.execute(
            "INSERT INTO survey_result_counts AS c"
            " (tenant_id, dialog_id, by_question, by_value, question_id, cell, value, responses)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[],"
            " $6::text[], $7::text[], $8::bigint[])"
            " ON CONFLICT (tenant_id, dialog_id, by_question, by_value, question_id, cell, value)"
            " DO UPDATE SET responses = c.responses + excluded.responses",
            *_columns(counts, 7),
            [counted[k] for k in counts],
        )
    summed = tally.flat_sums()
    sums = sorted(summed)
    if sums:
        await conn.execute(
            "INSERT INTO survey_result_sums AS s (tenant_id, dialog_id, by_question, by_value,"
            " question_id, cell, responses, total, squares)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[],"
            " $6::text[], $7::bigint[], $8::float8[], $9::float8[])"
            " ON CONFLICT (tenant_id, dialog_id, by_question, by_value, question_id, cell)"
            " DO UPDATE SET responses = s.responses + excluded.responses,"
            " total = s.total + excluded.total, squares = s.squares + excluded.squares",
            *_columns(sums, 6),
            [int(summed[k][0]) for k in sums],
            [summed[k][1] for k in sums],
            [summed[k][2] for k in sums],
        )
    days = sorted(tally.days)
    if days:
        await conn.execute(
            "INSERT INTO survey_result_days AS d (tenant_id, dialog_id, day, responses)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::date[], $4::bigint[])"
            " ON CONFLICT (tenant_id, dialog_id, day) DO UPDATE"
            " SET responses = d.responses + excluded.responses",
            *_columns(days, 3),
            [tally.days[k] for k in days],
        )


def _json(value: list[str]) -> str:
    return msgspec.json.encode(value).decode()


def _columns(keys: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[k[i] for k in keys] for i in range(width)]


# -- reading ---------------------------------------------------------------------------------


class Cell(msgspec.Struct, kw_only=True):
    """One count: an option, a point, a place. ``count`` and ``share`` are null when the count
    is below the minimum group size (``suppressed``)."""

    value: str
    count: int | None
    share: float | None  # of the responses that answered the question (or the matrix row)
    suppressed: bool


class Statistics(msgspec.Struct, kw_only=True):
    """Mean, median and (sample) standard deviation of points or numbers; all null when fewer
    responses than the minimum group size gave one (``suppressed``)."""

    mean: float | None
    median: float | None
    standard_deviation: float | None
    suppressed: bool


class Group(msgspec.Struct, kw_only=True):
    """A matrix row's points, or a ranked option's places."""

    id: str
    answered: int | None
    suppressed: bool
    cells: list[Cell]
    statistics: Statistics | None


class QuestionResult(msgspec.Struct, kw_only=True):
    id: str
    type: str
    answered: int | None  # responses that answered it; null when suppressed
    suppressed: bool
    cells: list[Cell]  # options, or points (rating, Likert); numbers are not listed
    statistics: Statistics | None  # rating, Likert, number
    groups: list[Group]  # matrix rows, ranked options


class DayCount(msgspec.Struct, kw_only=True):
    day: date
    count: int | None
    suppressed: bool


class CrossGroup(msgspec.Struct, kw_only=True):
    """The results within the responses that gave one option of the ``by`` question."""

    value: str
    responses: int | None
    suppressed: bool
    questions: list[QuestionResult]


class TextResult(msgspec.Struct, kw_only=True):
    """A free text question: how many answered it (null when suppressed) and the texts staff
    approved (``services.surveys.response_listing``); nothing pending or hidden is ever here."""

    id: str
    type: str  # text
    answered: int | None
    suppressed: bool
    approved: list[str]


class SurveyResultsView(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    minimum_group_size: int
    responses: int | None
    suppressed: bool
    days: list[DayCount]
    questions: list[QuestionResult]
    by: str | None = None  # the single choice question the results are crossed by
    crosses: list[CrossGroup] = msgspec.field(default_factory=list)  # one per option of ``by``
    texts: list[TextResult] = msgspec.field(default_factory=list)  # free text questions


def text_results(
    published: Mapping[str, tuple[int, list[str]]], minimum: int = MIN_GROUP_SIZE
) -> list[TextResult]:
    """Each free text question's count of answers, suppressed below ``minimum``, and its
    approved texts (``published``: question -> (answered, approved texts), in order)."""
    return [
        TextResult(
            id=question,
            type="text",
            answered=answered if _shown(answered, minimum) else None,
            suppressed=not _shown(answered, minimum),
            approved=approved,
        )
        for question, (answered, approved) in published.items()
    ]


def _shown(count: int, minimum: int) -> bool:
    return count >= minimum


def hidden(counts: Mapping[str, int], minimum: int, *, whole: bool) -> set[str]:
    """The values whose counts are suppressed: each below ``minimum`` and, when the counts
    add up to a total that is shown (``whole``: one answer per response, as the options of a
    single choice, the points of a scale or a matrix row, the places of a ranked option, the
    days of a survey), more until the suppressed ones add up to 0 or at least ``minimum``,
    the smallest first, so that no small count is the total less the shown ones."""
    suppressed = {v for v, n in counts.items() if not _shown(n, minimum)}
    if whole:
        shown = sorted((n, v) for v, n in counts.items() if v not in suppressed)
        while shown and 0 < sum(counts[v] for v in suppressed) < minimum:
            suppressed.add(shown.pop(0)[1])
    return suppressed


def _cells(
    counts: Mapping[str, int], order: Iterable[str], answered: int, minimum: int, *, whole: bool
) -> list[Cell]:
    values = list(order)
    suppressed = hidden({v: counts.get(v, 0) for v in values}, minimum, whole=whole)
    cells = []
    for value in values:
        count = counts.get(value, 0)
        if value not in suppressed:
            share = count / answered if answered else None
            cells.append(Cell(value=value, count=count, share=share, suppressed=False))
        else:
            cells.append(Cell(value=value, count=None, share=None, suppressed=True))
    return cells


def median(histogram: Mapping[float, int]) -> float | None:
    """The median of values given as value -> how many gave it."""
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted(histogram.items())

    def at(index: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise IndexError(index)

    if n % 2:
        return at(n // 2)
    return (at(n // 2 - 1) + at(n // 2)) / 2


def statistics(
    n: int, total: float, squares: float, histogram: Mapping[float, int], minimum: int
) -> Statistics:
    if not _shown(n, minimum) or n == 0:
        return Statistics(mean=None, median=None, standard_deviation=None, suppressed=True)
    mean = total / n
    spread = None
    if n > 1:
        spread = math.sqrt(max(squares - n * mean * mean, 0.0) / (n - 1))
    return Statistics(
        mean=mean, median=median(histogram), standard_deviation=spread, suppressed=False
    )


class SurveyResultQueries:
    """Reads of the survey results, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def responses(self, tenant_id: str, dialog_id: UUID) -> int:
        """How many responses the survey has had."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            total: int = await conn.fetchval(
                "SELECT coalesce(sum(responses), 0)::int FROM survey_result_days"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        return total

    async def results(
        self,
        tenant_id: str,
        dialog_id: UUID,
        by: str | None = None,
        minimum: int = MIN_GROUP_SIZE,
    ) -> SurveyResultsView:
        """The survey's results so far, counts below ``minimum`` suppressed; with ``by`` (a
        single choice question) also the results within the responses of each of its
        options."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            questions = await conn.fetch(
                "SELECT question_id, kind, items, points FROM survey_result_questions"
                " WHERE tenant_id = $1 AND questionnaire_id = $2 ORDER BY place, question_id",
                tenant_id,
                questionnaire_id(dialog_id),
            )
            if by is not None and not any(
                r["question_id"] == by and r["kind"] == CHOICE for r in questions
            ):
                raise InvalidInput("by", f"{by!r} is not a single choice question of the survey")
            counts = await conn.fetch(
                "SELECT by_value, question_id, cell, value, responses FROM survey_result_counts"
                " WHERE tenant_id = $1 AND dialog_id = $2 AND by_question IN ('', $3)",
                tenant_id,
                dialog_id,
                by or "",
            )
            sums = await conn.fetch(
                "SELECT by_value, question_id, cell, responses, total, squares"
                " FROM survey_result_sums"
                " WHERE tenant_id = $1 AND dialog_id = $2 AND by_question IN ('', $3)",
                tenant_id,
                dialog_id,
                by or "",
            )
            days = await conn.fetch(
                "SELECT day, responses FROM survey_result_days"
                " WHERE tenant_id = $1 AND dialog_id = $2 ORDER BY day",
                tenant_id,
                dialog_id,
            )
        counted: dict[str, dict[tuple[str, str], dict[str, int]]] = {}
        for r in counts:
            group = counted.setdefault(r["by_value"], {})
            group.setdefault((r["question_id"], r["cell"]), {})[r["value"]] = r["responses"]
        summed: dict[str, dict[tuple[str, str], asyncpg.Record]] = {}
        for r in sums:
            summed.setdefault(r["by_value"], {})[(r["question_id"], r["cell"])] = r
        total = sum(r["responses"] for r in days)
        quiet = hidden({str(r["day"]): r["responses"] for r in days}, minimum, whole=True)

        def results_of(group: str, leave_out: str | None) -> list[QuestionResult]:
            return [
                _question(
                    r["question_id"],
                    r["kind"],
                    msgspec.json.decode(r["items"]),
                    msgspec.json.decode(r["points"]),
                    counted.get(group, {}),
                    summed.get(group, {}),
                    minimum,
                )
                for r in questions
                if r["question_id"] != leave_out
            ]

        crosses: list[CrossGroup] = []
        if by is not None:
            options = next(
                msgspec.json.decode(r["items"]) for r in questions if r["question_id"] == by
            )
            sizes = counted.get("", {}).get((by, ""), {})
            small = hidden({o: sizes.get(o, 0) for o in options}, minimum, whole=True)
            crosses = [
                CrossGroup(
                    value=option,
                    responses=None if option in small else sizes.get(option, 0),
                    suppressed=option in small,
                    questions=results_of(option, by),
                )
                for option in options
            ]
        return SurveyResultsView(
            dialog_id=dialog_id,
            minimum_group_size=minimum,
            responses=total if _shown(total, minimum) else None,
            suppressed=not _shown(total, minimum),
            days=[
                DayCount(
                    day=r["day"],
                    count=None if str(r["day"]) in quiet else r["responses"],
                    suppressed=str(r["day"]) in quiet,
                )
                for r in days
            ],
            questions=results_of("", None),
            by=by,
            crosses=crosses,
        )


def _histogram(counts: Mapping[str, int]) -> dict[float, int]:
    return {float(v): n for v, n in counts.items()}


def _question(
    question: str,
    kind: str,
    items: list[str],
    points: list[str],
    counted: Mapping[tuple[str, str], Mapping[str, int]],
    summed: Mapping[tuple[str, str], asyncpg.Record],
    minimum: int,
) -> QuestionResult:
    whole = summed.get((question, ""))
    answered = 0 if whole is None else int(whole["responses"])
    shown = _shown(answered, minimum)
    cells: list[Cell] = []
    groups: list[Group] = []
    stats: Statistics | None = None
    own = counted.get((question, ""), {})
    if kind in (CHOICE, MULTIPLE):
        cells = _cells(own, items, answered, minimum, whole=kind == CHOICE)
    elif kind in POINTS or kind == NUMBER:
        if kind in POINTS:
            cells = _cells(own, points, answered, minimum, whole=True)
        stats = statistics(
            answered,
            0.0 if whole is None else whole["total"],
            0.0 if whole is None else whole["squares"],
            _histogram(own),
            minimum,
        )
    elif kind == RANKING:
        places = [str(p) for p in range(1, len(items) + 1)]
        for option in items:
            groups.append(
                Group(
                    id=option,
                    answered=answered if shown else None,
                    suppressed=not shown,
                    cells=_cells(
                        counted.get((question, option), {}), places, answered, minimum, whole=True
                    ),
                    statistics=None,
                )
            )
    elif kind == MATRIX:
        for row in items:
            sums = summed.get((question, row))
            n = 0 if sums is None else int(sums["responses"])
            given = counted.get((question, row), {})
            groups.append(
                Group(
                    id=row,
                    answered=n if _shown(n, minimum) else None,
                    suppressed=not _shown(n, minimum),
                    cells=_cells(given, points, n, minimum, whole=True),
                    statistics=statistics(
                        n,
                        0.0 if sums is None else sums["total"],
                        0.0 if sums is None else sums["squares"],
                        _histogram(given),
                        minimum,
                    ),
                )
            )
    return QuestionResult(
        id=question,
        type=kind,
        answered=answered if shown else None,
        suppressed=not shown,
        cells=cells,
        statistics=stats,
        groups=groups,
    )
