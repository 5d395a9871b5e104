"""A survey's questionnaire: sections of typed questions, checked as a whole, and a response's
answers checked against one version of it.

A questionnaire (``Form``) is a value: frozen msgspec structs, decoded strictly from a request
body and stored whole in the questionnaire's events. Every question has an id its author gives,
unique in the questionnaire and kept across versions, so answers and results name questions by
id, never by position or text. Options, matrix rows and ranking items have ids as well.

Texts are given per language (``{"sv": "...", "en": "..."}``): each must exist in the
questionnaire's default language, and a lookup falls back from ``sv-FI`` to ``sv`` and then to
the default language.

``check_form`` refuses a questionnaire naming every problem by its path
(``sections[1].questions[0].max_choices``); ``check_response`` refuses a response naming every
problem by question id (``answers.q4``, ``answers.q7.parking`` for a matrix row).

A question may be shown only when an earlier question was answered a certain way
(``shown_if``): one of some options of a choice question, or a value in a range of a scale or
number question. A question whose condition refers to a question that is not shown is not shown
either, so hiding a question hides whatever depends on it.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import msgspec

from events.errors import InvalidInput
from tenants import values

MAX_SECTIONS = 50
MAX_QUESTIONS = 200  # in the whole questionnaire
MAX_OPTIONS = 100  # per question
MAX_ROWS = 50  # per matrix
MIN_SCALE_POINTS = 2
MAX_SCALE_POINTS = 11  # 0-10 is the longest scale (a net promoter score)
SCALE_FLOOR, SCALE_CEILING = -10, 10  # where a scale may start and end
MAX_LANGUAGES = 20  # per text
SHORT_TEXT = 200  # the longest answer to a short text question
LONG_TEXT = 5000  # the longest answer to a long text question
NUMBER_LIMIT = 1e15  # the largest magnitude a number question or answer may have
TITLE_LENGTH = 200
QUESTION_LENGTH = 1000
LABEL_LENGTH = 200
DESCRIPTION_LENGTH = 5000
ID_LENGTH = 40

Text = dict[str, str]
"""One text in several languages: a language tag (``sv``, ``en-GB``) to the text."""

Answer = str | int | float | tuple[str, ...] | dict[str, int] | date
"""An answer as ``check_response`` reads it: an option id (single choice, text), option ids
(multiple choice, ranking), a number (scale, number), row id to scale point (matrix), a date."""

Answers = dict[str, Answer]


class OptionOrder(StrEnum):
    FIXED = "fixed"  # as the author lists them
    SHUFFLED = "shuffled"  # in an order of each respondent's own, the same on every device


class TextSize(StrEnum):
    SHORT = "short"  # at most 200 characters
    LONG = "long"  # at most 5000 characters


class Option(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    label: Text
    anchored: bool = False  # keeps its place when the others are shuffled ("None of these")


class Row(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A row of a matrix: one statement rated on the matrix's scale."""

    id: str
    label: Text


class Scale(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whole points from ``min`` to ``max`` (2 to 11 of them), their ends optionally labelled."""

    min: int = 1
    max: int = 5
    min_label: Text | None = None
    max_label: Text | None = None


class OneOf(
    msgspec.Struct,
    tag="one-of",
    tag_field="kind",
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
):
    """Shown when the earlier choice question ``question`` was answered with one of
    ``options`` (for a multiple choice: when any of them is among its choices)."""

    question: str
    options: tuple[str, ...]

    def holds(self, answer: Answer | None) -> bool:
        if isinstance(answer, str):
            return answer in self.options
        if isinstance(answer, tuple):
            return any(choice in self.options for choice in answer)
        return False


class InRange(
    msgspec.Struct,
    tag="in-range",
    tag_field="kind",
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
):
    """Shown when the earlier scale, Likert or number question ``question`` was answered with
    a value from ``min`` to ``max``, both included."""

    question: str
    min: float
    max: float

    def holds(self, answer: Answer | None) -> bool:
        return isinstance(answer, int | float) and self.min <= answer <= self.max


Condition = OneOf | InRange


class _Problems:
    """The problems found so far, each (field path, reason)."""

    def __init__(self, language: str | None) -> None:
        self.language = language  # the default language; None when it is no language tag
        self.found: list[tuple[str, str]] = []

    def add(self, field: str, reason: str) -> None:
        self.found.append((field, reason))

    def raise_any(self) -> None:
        if self.found:
            raise InvalidInput.of(self.found)

    def text(self, given: Text, field: str, max_length: int) -> Text:
        """The text cleaned (blanks around each language's text taken off), or as given with
        its problems noted: it must be in the default language, in at most 20 languages."""
        if self.language is not None and self.language not in given:
            self.add(field, f"must have a text in the default language {self.language!r}")
        if len(given) > MAX_LANGUAGES:
            self.add(field, f"at most {MAX_LANGUAGES} languages")
        cleaned: Text = {}
        for tag, value in given.items():
            try:
                values.language(tag, f"{field}.{tag}")
                cleaned[tag] = values.text(value, f"{field}.{tag}", max_length=max_length)
            except InvalidInput as problem:
                self.add(problem.field, problem.reason)
                cleaned[tag] = value
        return cleaned

    def optional_text(self, given: Text | None, field: str, max_length: int) -> Text | None:
        return None if given is None else self.text(given, field, max_length)

    def ids(self, items: Sequence[Option | Row], field: str, noun: str) -> None:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            self.id(item.id, f"{field}[{i}].id")
            if item.id in seen:
                self.add(f"{field}[{i}].id", f"{item.id!r} is the id of {noun} {seen[item.id]}")
            seen.setdefault(item.id, i)

    def id(self, given: str, field: str) -> None:
        if not (
            0 < len(given) <= ID_LENGTH
            and given.isascii()
            and given[0].isalnum()
            and all(c.isalnum() or c in "_-" for c in given)
        ):
            self.add(
                field,
                f"must be 1-{ID_LENGTH} letters (a-z, A-Z), digits, '_' or '-',"
                " starting with a letter or digit",
            )

    def count(
        self, items: tuple[Any, ...], field: str, nouns: tuple[str, str], least: int, most: int
    ) -> None:
        """Between ``least`` and ``most`` items, named by ``nouns`` (one, more)."""
        if len(items) < least:
            self.add(field, f"needs at least {least} {nouns[least != 1]}")
        elif len(items) > most:
            self.add(field, f"at most {most} {nouns[most != 1]}")


def _finite(value: float | None, field: str, problems: _Problems) -> None:
    if value is not None and not (math.isfinite(value) and abs(value) <= NUMBER_LIMIT):
        problems.add(field, f"must be a number between -{NUMBER_LIMIT:.0e} and {NUMBER_LIMIT:.0e}")


def _empty(value: object) -> bool:
    """An answer left blank: no value, blank text, no choices, no rows."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | dict) and not value


class _Question(
    msgspec.Struct, tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """What every question has: its id, its text, whether it must be answered when it is shown,
    and the condition on an earlier answer under which it is shown."""

    id: str
    text: Text
    help: Text | None = None  # a longer explanation under the question
    required: bool = False  # must be answered whenever it is shown
    shown_if: Condition | None = None  # None: always shown

    # Each type of question defines
    #   _checked_details(path, problems) -> dict: its own fields, cleaned, with
    #     their problems noted;
    #   _read(value, field, problems) -> Answer | None: an answer as it takes it, or None with
    #     the problem noted.


class _Choosing(_Question, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A question answered by choosing among options: each has an id and a label, and they
    are shown in the author's order or shuffled for each respondent."""

    options: tuple[Option, ...]
    order: OptionOrder = OptionOrder.FIXED

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def presented(self, respondent: bytes) -> tuple[Option, ...]:
        """The options in the order ``respondent`` sees them: the author's order, or shuffled
        by a keyed hash of (respondent, question, option), so the same respondent sees the
        same order wherever and whenever they open the survey, and another respondent an
        order of their own. Anchored options keep their places."""
        if self.order is OptionOrder.FIXED:
            return self.options
        moving = sorted(
            (o for o in self.options if not o.anchored),
            key=lambda o: hmac.digest(respondent, f"{self.id}\n{o.id}".encode(), "sha256"),
        )
        shuffled = iter(moving)
        return tuple(o if o.anchored else next(shuffled) for o in self.options)

    def _checked_options(self, path: str, problems: _Problems) -> dict[str, Any]:
        problems.count(self.options, f"{path}.options", ("option", "options"), 2, MAX_OPTIONS)
        problems.ids(self.options, f"{path}.options", "option")
        options = tuple(
            msgspec.structs.replace(
                o,
                label=problems.text(o.label, f"{path}.options[{i}].label", LABEL_LENGTH),
            )
            for i, o in enumerate(self.options)
        )
        return {"options": options}

    def _read_choices(self, value: object, field: str, problems: _Problems) -> tuple[str, ...]:
        """Option ids, each an option of this question, none twice; () with the problems noted
        when any is not."""
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            problems.add(field, "must be a list of option ids")
            return ()
        known = set(self.option_ids)
        fine = True
        for i, choice in enumerate(value):
            if choice not in known:
                problems.add(f"{field}[{i}]", f"{choice!r} is not an option of this question")
                fine = False
            elif choice in value[:i]:
                problems.add(f"{field}[{i}]", f"{choice!r} is given twice")
                fine = False
        return tuple(value) if fine else ()


class SingleChoice(
    _Choosing, tag="single-choice", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        return self._checked_options(path, problems)

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        if not isinstance(value, str):
            problems.add(field, "must be the id of one option")
            return None
        if value not in self.option_ids:
            problems.add(field, f"{value!r} is not an option of this question")
            return None
        return value


class MultipleChoice(
    _Choosing, tag="multiple-choice", frozen=True, kw_only=True, forbid_unknown_fields=True
):
    min_choices: int = 1
    max_choices: int | None = None  # None: as many as there are options

    @property
    def most(self) -> int:
        return len(self.options) if self.max_choices is None else self.max_choices

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        details = self._checked_options(path, problems)
        if self.min_choices < 1:
            problems.add(f"{path}.min_choices", "must be at least 1")
        if self.max_choices is not None:
            if self.max_choices < self.min_choices:
                problems.add(f"{path}.max_choices", "must not be less than min_choices")
            elif self.max_choices > len(self.options):
                problems.add(f"{path}.max_choices", "must not exceed the number of options")
        elif self.min_choices > len(self.options):
            problems.add(f"{path}.min_choices", "must not exceed the number of options")
        return details

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        choices = self._read_choices(value, field, problems)
        if not choices:
            return None
        if len(choices) < self.min_choices:
            problems.add(field, f"choose at least {self.min_choices} options")
            return None
        if len(choices) > self.most:
            problems.add(field, f"choose at most {self.most} options")
            return None
        return choices


class Ranking(_Choosing, tag="ranking", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The options put in order, the most preferred first: all of them, or the ``top`` few."""

    top: int | None = None

    @property
    def ranked(self) -> int:
        return len(self.options) if self.top is None else self.top

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        details = self._checked_options(path, problems)
        if self.top is not None and not 1 <= self.top <= len(self.options):
            problems.add(f"{path}.top", "must be from 1 to the number of options")
        return details

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        ranked = self._read_choices(value, field, problems)
        if not ranked:
            return None
        if len(ranked) != self.ranked:
            whole = "every option" if self.top is None else f"the top {self.top} options"
            problems.add(field, f"must rank {whole}, {self.ranked} in all, not {len(ranked)}")
            return None
        return ranked


def _checked_scale(scale: Scale, path: str, problems: _Problems) -> Scale:
    points = scale.max - scale.min + 1
    if not SCALE_FLOOR <= scale.min <= SCALE_CEILING:
        problems.add(f"{path}.min", f"must be from {SCALE_FLOOR} to {SCALE_CEILING}")
    if not MIN_SCALE_POINTS <= points <= MAX_SCALE_POINTS:
        problems.add(
            f"{path}.max",
            f"a scale has {MIN_SCALE_POINTS} to {MAX_SCALE_POINTS} points: max must be from"
            f" {scale.min + MIN_SCALE_POINTS - 1} to {scale.min + MAX_SCALE_POINTS - 1}",
        )
    return msgspec.structs.replace(
        scale,
        min_label=problems.optional_text(scale.min_label, f"{path}.min_label", LABEL_LENGTH),
        max_label=problems.optional_text(scale.max_label, f"{path}.max_label", LABEL_LENGTH),
    )


def _whole(value: object) -> int | None:
    """A whole number given as such (3, or 3.0), not a truth value or a fraction."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value)


def _read_point(scale: Scale, value: object, field: str, problems: _Problems) -> int | None:
    point = _whole(value)
    if point is None:
        problems.add(field, "must be a whole number")
        return None
    if not scale.min <= point <= scale.max:
        problems.add(field, f"must be from {scale.min} to {scale.max}")
        return None
    return point


class Rating(_Question, tag="rating", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A point on a scale (1 to 5 stars, 0 to 10), its ends optionally labelled."""

    scale: Scale = msgspec.field(default_factory=Scale)

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        return {"scale": _checked_scale(self.scale, f"{path}.scale", problems)}

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        return _read_point(self.scale, value, field, problems)


class Likert(_Question, tag="likert", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Agreement with a statement on a scale whose ends are labelled ("Strongly disagree" to
    "Strongly agree")."""

    scale: Scale = msgspec.field(default_factory=Scale)

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        for end in ("min_label", "max_label"):
            if getattr(self.scale, end) is None:
                problems.add(f"{path}.scale.{end}", "a Likert scale labels both its ends")
        return {"scale": _checked_scale(self.scale, f"{path}.scale", problems)}

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        return _read_point(self.scale, value, field, problems)


class Number(_Question, tag="number", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A number from ``min`` to ``max`` (each optional), a whole one if ``integer``."""

    min: float | None = None
    max: float | None = None
    integer: bool = False

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        _finite(self.min, f"{path}.min", problems)
        _finite(self.max, f"{path}.max", problems)
        if self.min is not None and self.max is not None and self.min > self.max:
            problems.add(f"{path}.max", "must not be less than min")
        return {}

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(field, "must be a number")
            return None
        number: int | float = value
        if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
            problems.add(
                field, f"must be a number between -{NUMBER_LIMIT:.0e} and {NUMBER_LIMIT:.0e}"
            )
            return None
        if self.integer:
            whole = _whole(number)
            if whole is None:
                problems.add(field, "must be a whole number")
                return None
            number = whole
        if self.min is not None and number < self.min:
            problems.add(field, f"must be at least {self.min:g}")
            return None
        if self.max is not None and number > self.max:
            problems.add(field, f"must be at most {self.max:g}")
            return None
        return number


class FreeText(_Question, tag="text", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Words of the respondent's own: a short answer (200 characters) or a long one (5000)."""

    size: TextSize = TextSize.SHORT

    @property
    def max_length(self) -> int:
        return SHORT_TEXT if self.size is TextSize.SHORT else LONG_TEXT

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        return {}

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        if not isinstance(value, str):
            problems.add(field, "must be a text")
            return None
        try:
            return values.text(value, field, max_length=self.max_length)
        except InvalidInput as problem:
            problems.add(problem.field, problem.reason)
            return None


class Matrix(_Question, tag="matrix", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Several statements (rows), each rated on one scale. Answered as row id to point; a
    required matrix needs every row, an optional one any of them."""

    rows: tuple[Row, ...]
    scale: Scale = msgspec.field(default_factory=Scale)

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        problems.count(self.rows, f"{path}.rows", ("row", "rows"), 1, MAX_ROWS)
        problems.ids(self.rows, f"{path}.rows", "row")
        rows = tuple(
            msgspec.structs.replace(
                r, label=problems.text(r.label, f"{path}.rows[{i}].label", LABEL_LENGTH)
            )
            for i, r in enumerate(self.rows)
        )
        return {
            "rows": rows,
            "scale": _checked_scale(self.scale, f"{path}.scale", problems),
        }

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            problems.add(field, "must map row ids to points of the scale")
            return None
        before = len(problems.found)
        rows = {r.id for r in self.rows}
        answer: dict[str, int] = {}
        for row, point in value.items():
            if row not in rows:
                problems.add(f"{field}.{row}", f"{row!r} is not a row of this question")
                continue
            read = _read_point(self.scale, point, f"{field}.{row}", problems)
            if read is not None:
                answer[row] = read
        if self.required:
            for r in self.rows:
                if r.id not in value:
                    problems.add(f"{field}.{r.id}", "is required: every row needs an answer")
        return answer if len(problems.found) == before else None


class DateQuestion(_Question, tag="date", frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A calendar date (YYYY-MM-DD), from ``earliest`` to ``latest`` when they are given."""

    earliest: date | None = None
    latest: date | None = None

    def _checked_details(self, path: str, problems: _Problems) -> dict[str, Any]:
        if self.earliest is not None and self.latest is not None and self.earliest > self.latest:
            problems.add(f"{path}.latest", "must not be before earliest")
        return {}

    def _read(self, value: object, field: str, problems: _Problems) -> Answer | None:
        try:
            day = msgspec.convert(value, date, strict=True)
        except msgspec.ValidationError:
            problems.add(field, "must be a date written YYYY-MM-DD")
            return None
        if self.earliest is not None and day < self.earliest:
            problems.add(field, f"must not be before {self.earliest.isoformat()}")
            return None
        if self.latest is not None and day > self.latest:
            problems.add(field, f"must not be after {self.latest.isoformat()}")
            return None
        return day


Question = (
    SingleChoice
    | MultipleChoice
    | Rating
    | Likert
    | Number
    | FreeText
    | Ranking
    | Matrix
    | DateQuestion
)


class Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A page of the questionnaire: its questions, optionally under a title."""

    title: Text | None = None
    description: Text | None = None
    questions: tuple[Question, ...]


class Form(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A whole questionnaire, as one version of a survey asks it."""

    default_language: str
    title: Text
    introduction: Text | None = None
    sections: tuple[Section, ...]

    def questions(self) -> Iterator[tuple[str, Question]]:
        """Every question in the order respondents meet them, with its path."""
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                yield f"sections[{s}].questions[{q}]", question

    def question(self, question_id: str) -> Question | None:
        return next((q for _, q in self.questions() if q.id == question_id), None)

    def text(self, text: Text, language: str) -> str:
        """``text`` in ``language``: else in its primary language (``sv`` for ``sv-FI``), else
        in the questionnaire's default language, which every text has."""
        found = text.get(language) or text.get(language.split("-")[0])
        return found if found is not None else text[self.default_language]


def check_form(form: Form) -> Form:
    """The questionnaire with its texts cleaned, or one refusal naming every problem by path.

    Ids are unique (questions in the questionnaire; options and rows in their question),
    counts are within bounds, each minimum is at most its maximum, scales have 2 to 11 points,
    texts exist in the default language, and a condition refers to an earlier question, and to
    options it has or values it can take."""
    language = form.default_language
    try:
        problems = _Problems(values.language(language, "default_language"))
    except InvalidInput as problem:
        problems = _Problems(None)
        problems.add(problem.field, problem.reason)
    title = problems.text(form.title, "title", TITLE_LENGTH)
    introduction = problems.optional_text(form.introduction, "introduction", DESCRIPTION_LENGTH)
    problems.count(form.sections, "sections", ("section", "sections"), 1, MAX_SECTIONS)
    total = sum(len(s.questions) for s in form.sections)
    if total > MAX_QUESTIONS:
        problems.add("sections", f"at most {MAX_QUESTIONS} questions in all, not {total}")
    earlier: dict[str, tuple[str, Question]] = {}
    sections: list[Section] = []
    for s, section in enumerate(form.sections):
        path = f"sections[{s}]"
        problems.count(
            section.questions, f"{path}.questions", ("question", "questions"), 1, MAX_QUESTIONS
        )
        questions: list[Question] = []
        for q, question in enumerate(section.questions):
            questions.append(
                _checked_question(question, f"{path}.questions[{q}]", earlier, problems)
            )
        sections.append(
            Section(
                questions=tuple(questions),
                title=problems.optional_text(section.title, f"{path}.title", TITLE_LENGTH),
                description=problems.optional_text(
                    section.description, f"{path}.description", DESCRIPTION_LENGTH
                ),
            )
        )
    problems.raise_any()
    return Form(
        default_language=language, title=title, sections=tuple(sections), introduction=introduction
    )


def _checked_question(
    question: Question,
    path: str,
    earlier: dict[str, tuple[str, Question]],
    problems: _Problems,
) -> Question:
    problems.id(question.id, f"{path}.id")
    if question.id in earlier:
        problems.add(f"{path}.id", f"{question.id!r} is the id of {earlier[question.id][0]}")
    if question.shown_if is not None:
        _check_condition(question.shown_if, f"{path}.shown_if", question.id, earlier, problems)
    checked = msgspec.structs.replace(
        question,
        text=problems.text(question.text, f"{path}.text", QUESTION_LENGTH),
        help=problems.optional_text(question.help, f"{path}.help", DESCRIPTION_LENGTH),
        **question._checked_details(path, problems),
    )
    earlier.setdefault(question.id, (path, checked))
    return checked


def _check_condition(
    condition: Condition,
    path: str,
    own_id: str,
    earlier: Mapping[str, tuple[str, Question]],
    problems: _Problems,
) -> None:
    found = earlier.get(condition.question)
    if found is None:
        problems.add(
            f"{path}.question",
            "a question's condition cannot refer to the question itself"
            if condition.question == own_id
            else f"{condition.question!r} is not the id of a question before this one",
        )
        return
    target_path, target = found
    if isinstance(condition, OneOf):
        if not isinstance(target, SingleChoice | MultipleChoice):
            problems.add(
                f"{path}.question",
                f"one-of refers to a single or multiple choice question; {target_path} is not",
            )
            return
        if not condition.options:
            problems.add(f"{path}.options", "needs at least one option")
        for i, option in enumerate(condition.options):
            if option not in target.option_ids:
                problems.add(
                    f"{path}.options[{i}]", f"{option!r} is not an option of {condition.question!r}"
                )
            elif option in condition.options[:i]:
                problems.add(f"{path}.options[{i}]", f"{option!r} is given twice")
        return
    _finite(condition.min, f"{path}.min", problems)
    _finite(condition.max, f"{path}.max", problems)
    if isinstance(target, Rating | Likert):
        low: float | None = target.scale.min
        high: float | None = target.scale.max
    elif isinstance(target, Number):
        low, high = target.min, target.max
    else:
        problems.add(
            f"{path}.question",
            f"in-range refers to a rating, Likert or number question; {target_path} is not",
        )
        return
    if condition.min > condition.max:
        problems.add(f"{path}.max", "must not be less than min")
    elif (low is not None and condition.max < low) or (high is not None and condition.min > high):
        problems.add(
            path,
            f"no answer to {condition.question!r} can be from {condition.min:g}"
            f" to {condition.max:g}",
        )


def check_response(form: Form, answers: Mapping[str, object]) -> Answers:
    """The answers, typed as each question takes them (blank answers left out), or one refusal
    naming every problem by question id: an answer to no question of this questionnaire, to a
    question not shown, or one its question does not take, and a required question shown but
    not answered."""
    problems = _Problems(form.default_language)
    questions = {q.id: q for _, q in form.questions()}
    for question_id in answers:
        if question_id not in questions:
            problems.add(f"answers.{question_id}", "is not a question of this questionnaire")
    read: Answers = {}
    shown: dict[str, bool | None] = {}  # None: unknown, the answer it depends on was refused
    refused: set[str] = set()
    for question_id, question in questions.items():
        field = f"answers.{question_id}"
        visible = _shown(question, shown, read, refused)
        shown[question_id] = visible
        value = answers.get(question_id)
        if _empty(value):
            if question.required and visible:
                problems.add(field, "is required")
            continue
        if visible is False:
            problems.add(field, "is not shown: its condition on an earlier answer is not met")
            continue
        before = len(problems.found)
        answer = question._read(value, field, problems)
        if answer is None or len(problems.found) > before:
            refused.add(question_id)
        else:
            read[question_id] = answer
    problems.raise_any()
    return read


def _shown(
    question: Question, shown: Mapping[str, bool | None], read: Answers, refused: set[str]
) -> bool | None:
    condition = question.shown_if
    if condition is None:
        return True
    depends = shown.get(condition.question)
    if depends is None or condition.question in refused:
        return None
    return depends and condition.holds(read.get(condition.question))
