"""A survey's export in memory: numbered columns in the newest version's order (questions and
options only earlier versions had come after), codes for every type of question, the codebook,
erased answers, and texts made inert against spreadsheet formulas."""

from __future__ import annotations

from typing import Any

import msgspec

from events.personal import ERASED
from events.spreadsheet import inert
from services.surveys.exports import Coder, codebook, free_text_questions
from services.surveys.questionnaire import Form, check_form

SCALE = {"min": 1, "max": 3, "min_label": {"sv": "Dåligt"}, "max_label": {"sv": "Bra"}}


ROWS = [{"id": "paths", "label": {"sv": "gångar"}}, {"id": "seats", "label": {"sv": "bänkar"}}]


def _options(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "label": {"sv": f"{i}-sv", "en": f"{i}-en"}} for i in ids]


def _form(questions: list[dict[str, Any]]) -> Form:
    body = {
        "default_language": "sv",
        "title": {"sv": "Torget"},
        "sections": [{"questions": questions}],
    }
    return check_form(msgspec.convert(body, Form))


VERSION_1 = _form(
    [
        {
            "type": "single-choice",
            "id": "visit",
            "text": {"sv": "Besök?"},
            "options": _options("yes", "no", "old"),
        },
        {"type": "text", "id": "gone", "text": {"sv": "Borttagen"}},
        {
            "type": "multiple-choice",
            "id": "uses",
            "text": {"sv": "Gör?"},
            "options": _options("shop", "eat"),
        },
    ]
)
VERSION_2 = _form(
    [
        {
            "type": "multiple-choice",
            "id": "uses",
            "text": {"sv": "Vad gör du?"},
            "options": _options("eat", "shop", "meet"),
        },
        {
            "type": "single-choice",
            "id": "visit",
            "text": {"sv": "Besöker du?"},
            "options": _options("no", "yes"),
        },
        {
            "type": "ranking",
            "id": "order",
            "text": {"sv": "Ordning"},
            "options": _options("trees", "light"),
        },
        {"type": "matrix", "id": "parts", "text": {"sv": "Delar"}, "rows": ROWS, "scale": SCALE},
        {"type": "likert", "id": "safe", "text": {"sv": "Tryggt"}, "scale": SCALE},
        {"type": "number", "id": "visits", "text": {"sv": "Antal"}},
        {"type": "date", "id": "when", "text": {"sv": "När"}},
        {"type": "text", "id": "wish", "text": {"sv": "Önskan"}, "size": "long"},
    ]
)


def test_columns_follow_the_newest_version_and_keep_what_earlier_ones_had_after() -> None:
    coder = Coder([VERSION_1, VERSION_2])

    names = [(c.name, c.question_id, c.item_id) for c in coder.columns]

    assert names == [
        ("Q1_1", "uses", "eat"),
        ("Q1_2", "uses", "shop"),
        ("Q1_3", "uses", "meet"),
        ("Q2", "visit", None),
        ("Q3_1", "order", "trees"),
        ("Q3_2", "order", "light"),
        ("Q4_1", "parts", "paths"),
        ("Q4_2", "parts", "seats"),
        ("Q5", "safe", None),
        ("Q6", "visits", None),
        ("Q7", "when", None),
        ("Q8", "wish", None),
        ("Q9", "gone", None),  # only version 1 asked it
    ]
    visit = coder.columns[3]
    assert visit.text == "Besöker du?"  # the newest version's text, in the default language
    assert [(c.code, c.label) for c in visit.codes] == [(1, "no-sv"), (2, "yes-sv"), (3, "old-sv")]
    assert coder.columns[0].text == "Vad gör du?: eat-sv"
    assert [(c.code, c.label) for c in coder.columns[0].codes] == [(0, "not chosen"), (1, "chosen")]
    safe = coder.columns[8]
    assert [(c.code, c.label) for c in safe.codes] == [(1, "Dåligt"), (2, ""), (3, "Bra")]
    assert coder.columns[6].codes == safe.codes  # a matrix row's points
    assert free_text_questions([VERSION_1, VERSION_2]) == ["wish", "gone"]


def test_answers_of_every_version_become_codes() -> None:
    coder = Coder([VERSION_1, VERSION_2])
    old = {"visit": "old", "gone": "=1+1", "uses": ["shop"]}
    new = {
        "uses": ["meet", "eat"],
        "visit": "yes",
        "order": ["light", "trees"],
        "parts": {"seats": 3},
        "safe": 2,
        "visits": -2.5,
        "when": "2026-05-01",
        "wish": "@everyone fler bänkar",
    }

    assert coder.cells(old) == [0, 1, 0, 3, None, None, None, None, None, None, None, None, "'=1+1"]
    assert coder.cells(new) == [
        1, 0, 1, 2, 2, 1, None, 3, 2, -2.5, "2026-05-01", "'@everyone fler bänkar", None,
    ]  # fmt: skip
    assert coder.cells({}) == [None] * 13  # nothing answered: every cell empty
    assert coder.cells(None) == [ERASED] * 13  # the respondent was erased


def test_the_codebook_lists_each_column_with_its_codes() -> None:
    rows = codebook(Coder([VERSION_2]).columns)

    assert rows[0] == ["column", "question_id", "item_id", "text", "type", "code", "label"]
    assert [r[0] for r in rows[1:5]] == ["number", "response", "version", "day"]
    visit = [r for r in rows if r[0] == "Q2"]
    assert visit == [
        ["Q2", "visit", None, "Besöker du?", "single-choice", 1, "no-sv"],
        ["Q2", "visit", None, "Besöker du?", "single-choice", 2, "yes-sv"],
    ]
    assert [r for r in rows if r[0] == "Q8"] == [["Q8", "wish", None, "Önskan", "text", None, None]]
    assert [r[5] for r in rows if r[0] == "Q3_2"] == [None]  # a place: no codes


def test_a_text_a_spreadsheet_would_run_gets_a_leading_apostrophe() -> None:
    for text in ("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert inert(text) == "'" + text
    for text in ("fler bänkar", "1-2", "a=b", ""):
        assert inert(text) == text
