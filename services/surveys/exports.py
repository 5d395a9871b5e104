"""A survey's responses as a table: its numbered columns, their codebook, and each response's
cells.

Columns follow the newest version of the questionnaire (its order, its texts in its default
language); a question or an option that only an earlier version had comes after those of the
newest. A question keeps its id and type across versions (``services.surveys.domain``), so
each question is one set of columns for every version's answers.

Question n is column ``Qn``; a multiple choice, ranking or matrix question has a column per
option or row, ``Qn_1``, ``Qn_2``, ... Values are codes: a single choice answer is its
option's number (``Q3`` = 2: the second option), a multiple choice column 1 (chosen) or 0 (not
chosen), a ranking column the option's place (1 first), a matrix column and a rating or Likert
answer the point, a number the number, a date YYYY-MM-DD, a free text the text. An empty cell:
not answered. Every answer cell of a response whose respondent was erased reads ``[erased]``.

Texts that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) get a leading apostrophe (``inert``): free text answers come from anyone.

The codebook is written in a language (the staff's: ``language``): its headings, the leading
columns' descriptions and the labels ``chosen``/``not chosen`` through the catalogues (context
``survey codebook``), the questions and options in that language where the questionnaire has
them, else in its default language. The columns' names (``Q3_2``, ``number``), the ids, the
question types and the codes are the same in every language: they are what a script reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from events import texts
from events.personal import ERASED
from events.spreadsheet import inert
from services.surveys.questionnaire import (
    Form,
    FreeText,
    Likert,
    Matrix,
    MultipleChoice,
    Question,
    Ranking,
    Rating,
    SingleChoice,
)

Cell = str | int | float | None


class Code(msgspec.Struct, frozen=True):
    code: int
    label: str


class Column(msgspec.Struct, frozen=True, kw_only=True):
    """One column of the export, as the codebook describes it."""

    name: str  # Q3, Q3_2
    question_id: str
    item_id: str | None = None  # the option or row of a Qn_k column
    type: str  # the question's type: single-choice, matrix, text, ...
    text: str  # the question's text, and the option's or row's label after a colon
    codes: tuple[Code, ...] = ()


def leading(language: str) -> tuple[tuple[str, str], ...]:
    """The columns before the answers and what each is, for the codebook, in ``language``."""
    return (
        (
            "number",
            texts.pgettext(
                language,
                "survey codebook",
                "The response's number in this export (by day, then by response)",
            ),
        ),
        (
            "response",
            texts.pgettext(
                language,
                "survey codebook",
                "The response's id: the same in every export and in text moderation",
            ),
        ),
        (
            "version",
            texts.pgettext(language, "survey codebook", "The questionnaire version answered"),
        ),
        ("day", texts.pgettext(language, "survey codebook", "The day (UTC) the response came in")),
    )


def chosen(language: str) -> tuple[Code, Code]:
    """A multiple choice column's codes, labelled in ``language``."""
    return (
        Code(0, texts.pgettext(language, "survey codebook", "not chosen")),
        Code(1, texts.pgettext(language, "survey codebook", "chosen")),
    )


def sheet_names(language: str) -> tuple[str, str]:
    """The workbook's sheets, the responses and the codebook, as ``language`` names them."""
    return (
        texts.pgettext(language, "survey codebook", "Responses"),
        texts.pgettext(language, "survey codebook", "Codebook"),
    )


def _tag(question: Question) -> str:
    return str(question.__struct_config__.tag)


def _ordered(forms: Sequence[Form]) -> list[tuple[Form, Question]]:
    """Every question of any version, the newest version's first in its order, then those
    only earlier versions had, each with the newest form that has it (for its texts)."""
    found: dict[str, tuple[Form, Question]] = {}
    for form in reversed(forms):
        for _, question in form.questions():
            found.setdefault(question.id, (form, question))
    return list(found.values())


def _items(
    forms: Sequence[Form], question_id: str, language: str | None = None
) -> list[tuple[str, str]]:
    """Each option (choice, ranking) or row (matrix) of the question in any version, with its
    label (in ``language``, else the default language) in the newest version that has it: the
    newest version's order first."""
    found: dict[str, str] = {}
    for form in reversed(forms):
        question = form.question(question_id)
        if isinstance(question, SingleChoice | MultipleChoice | Ranking):
            labelled = [(o.id, o.label) for o in question.options]
        elif isinstance(question, Matrix):
            labelled = [(r.id, r.label) for r in question.rows]
        else:
            continue
        for item, label in labelled:
            found.setdefault(item, form.text(label, language or form.default_language))
    return list(found.items())


def _points(
    form: Form, question: Rating | Likert | Matrix, language: str | None = None
) -> tuple[Code, ...]:
    scale = question.scale
    language = language or form.default_language
    ends = {
        scale.min: form.text(scale.min_label, language) if scale.min_label else "",
        scale.max: form.text(scale.max_label, language) if scale.max_label else "",
    }
    return tuple(Code(p, ends.get(p, "")) for p in range(scale.min, scale.max + 1))


def columns(forms: Sequence[Form], language: str | None = None) -> list[Column]:
    """The answer columns of a survey whose questionnaire versions are ``forms`` (oldest
    first), their texts in ``language`` (the questionnaire's own where it has them in it,
    else in its default language; Tinget's words in English without a language)."""
    made: list[Column] = []
    labels = chosen(language or "en")
    for n, (form, question) in enumerate(_ordered(forms), start=1):
        text = form.text(question.text, language or form.default_language)
        kind = _tag(question)
        name = f"Q{n}"
        items = _items(forms, question.id, language)
        if isinstance(question, SingleChoice):
            codes = tuple(Code(k, label) for k, (_, label) in enumerate(items, start=1))
            made.append(
                Column(name=name, question_id=question.id, type=kind, text=text, codes=codes)
            )
        elif isinstance(question, MultipleChoice | Ranking | Matrix):
            points = _points(form, question, language) if isinstance(question, Matrix) else ()
            for k, (item, label) in enumerate(items, start=1):
                codes = labels if isinstance(question, MultipleChoice) else points
                made.append(
                    Column(
                        name=f"{name}_{k}",
                        question_id=question.id,
                        item_id=item,
                        type=kind,
                        text=f"{text}: {label}",
                        codes=codes,
                    )
                )
        else:
            codes = (
                _points(form, question, language) if isinstance(question, Rating | Likert) else ()
            )
            made.append(
                Column(name=name, question_id=question.id, type=kind, text=text, codes=codes)
            )
    return made


def free_text_questions(forms: Sequence[Form]) -> list[str]:
    """The ids of the free text questions of any version, in the columns' order."""
    return [q.id for _, q in _ordered(forms) if isinstance(q, FreeText)]


class Coder:
    """Turns a response's stored answers into the cells of the answer columns of a survey
    whose questionnaire versions are ``forms`` (oldest first)."""

    def __init__(self, forms: Sequence[Form], language: str | None = None) -> None:
        self.columns = columns(forms, language)
        # a single choice answer's code: its option's place among the question's items
        self._codes = {
            c.question_id: {item: k for k, (item, _) in enumerate(_items(forms, c.question_id), 1)}
            for c in self.columns
            if c.type == "single-choice"
        }

    def cells(self, answers: Mapping[str, Any] | None) -> list[Cell]:
        """The response's cell in each answer column; every one ``[erased]`` when its answers
        were erased (None)."""
        if answers is None:
            return [ERASED] * len(self.columns)
        return [self._cell(column, answers.get(column.question_id)) for column in self.columns]

    def _cell(self, column: Column, answer: Any) -> Cell:
        if answer is None:
            return None
        kind = column.type
        if kind == "single-choice":
            return self._codes[column.question_id].get(str(answer))
        if kind == "multiple-choice":
            return int(column.item_id in answer) if isinstance(answer, list) else None
        if kind == "ranking":
            if isinstance(answer, list) and column.item_id in answer:
                return answer.index(column.item_id) + 1
            return None
        if kind == "matrix":
            point = answer.get(column.item_id) if isinstance(answer, dict) else None
            return point if _numeric(point) else None
        if kind in ("rating", "likert", "number"):
            return answer if _numeric(answer) else None
        return inert(str(answer))  # a free text, a date


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def codebook(made: Iterable[Column], language: str = "en") -> list[list[Cell]]:
    """The codebook as rows (with a header row in ``language``): for each column its question
    id, option or row id, text, type, and each code with its label (a row per code)."""
    rows: list[list[Cell]] = [
        [
            texts.pgettext(language, "survey codebook", "column"),
            texts.pgettext(language, "survey codebook", "question_id"),
            texts.pgettext(language, "survey codebook", "item_id"),
            texts.pgettext(language, "survey codebook", "text"),
            texts.pgettext(language, "survey codebook", "type"),
            texts.pgettext(language, "survey codebook", "code"),
            texts.pgettext(language, "survey codebook", "label"),
        ]
    ]
    for name, meaning in leading(language):
        rows.append([name, None, None, meaning, None, None, None])
    for column in made:
        first = [column.name, column.question_id, column.item_id, inert(column.text), column.type]
        if not column.codes:
            rows.append([*first, None, None])
        for code in column.codes:
            rows.append([*first, code.code, inert(code.label)])
    return rows
