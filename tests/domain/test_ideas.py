"""Ideas in memory: made from items with the raw stage's questions; retitled, owned, noted and
answered; moved through raw -> assessed -> developed -> ready-for-decision one stage at a
time, each only once its questions are answered (refused naming what is missing); decided
only when ready; nothing changes after. The municipality's questions: defaults in its
language, checked when set, and an idea keeps the questions of the stage it is in when they
change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, InvalidInput
from services.analysis.ideas import (
    Idea,
    IdeaQuestions,
    Outcome,
    Question,
    Stage,
    default_questions,
    parse_stage,
)
from tests.domain.gwt import given, then, then_payloads

ANALYSIS = uuid4()
A, B = uuid4(), uuid4()
ANNA, BO = uuid4(), uuid4()
QUESTIONS = default_questions("en")
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def idea(*items: UUID, questions: dict[str, tuple[Question, ...]] = QUESTIONS) -> Idea:
    return given(Idea.create(ANALYSIS, "Benches by the pond", list(items or (A,)), questions, ANNA))


def answered(i: Idea, **answers: str) -> Idea:
    assert i.answer(answers, ANNA)
    return given(i)


def through(i: Idea, stage: Stage) -> Idea:
    """The idea moved on to ``stage`` with every question on the way answered."""
    while i.stage is not stage:
        missing = {q.key: f"answer to {q.key}" for q in i.missing()}
        if missing:
            i = answered(i, **missing)
        nxt = list(Stage)[list(Stage).index(i.stage) + 1]
        i.advance(nxt, QUESTIONS)
        i = given(i)
    return i


def test_an_idea_is_made_from_items_with_the_raw_stages_questions() -> None:
    made = Idea.create(ANALYSIS, " Benches ", [A, B], QUESTIONS, ANNA)
    [(name, payload)] = then_payloads(made)
    assert name == "IdeaCreated"
    assert payload == {
        "analysis_id": ANALYSIS,
        "title": "Benches",
        "items": (A, B),
        "questions": QUESTIONS["raw"],
        "created_by": ANNA,
    }
    i = given(made)
    assert i.stage is Stage.RAW
    assert [q.key for q in i.missing()] == ["need", "feasibility"]


@pytest.mark.parametrize(
    ("title", "items", "field"),
    [("", [A], "title"), ("   ", [A], "title"), ("x", [], "items"), ("x", [A, A], "items[1]")],
)
def test_bad_ideas_are_refused_naming_the_field(title: str, items: list[UUID], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Idea.create(ANALYSIS, title, items, QUESTIONS, ANNA)
    assert refused.value.field == field


def test_owner_title_and_notes_are_recorded_and_the_same_again_records_nothing() -> None:
    i = idea()
    assert i.set_owner(BO)
    assert not i.set_owner(BO)
    assert i.retitle("Benches and tables")
    assert not i.retitle("Benches and tables")
    note = uuid4()
    i.add_note(note, " Ask the park unit ", ANNA, NOW)
    assert then(i) == ["IdeaOwnerSet", "IdeaRetitled", "IdeaNoteAdded"]
    i = given(i)
    assert (i.owner_id, i.title) == (BO, "Benches and tables")
    [n] = i.notes
    assert (n.id, n.text, n.author_id, n.stage, n.added_at) == (
        note,
        "Ask the park unit",
        ANNA,
        "raw",
        NOW,
    )
    with pytest.raises(InvalidInput) as refused:
        i.add_note(uuid4(), "  ", ANNA, NOW)
    assert refused.value.field == "text"
    assert then(i) == []


def test_answers_are_to_the_current_stages_questions_only() -> None:
    i = idea()
    with pytest.raises(InvalidInput) as refused:
        i.answer({"cost": "a lot"}, ANNA)  # a question of the assessed stage
    assert refused.value.field == "answers.cost"
    with pytest.raises(InvalidInput) as refused:
        i.answer({"need": " "}, ANNA)
    assert refused.value.field == "answers.need"
    with pytest.raises(InvalidInput) as refused:
        i.answer({}, ANNA)
    assert refused.value.field == "answers"
    assert then(i) == []
    assert i.answer({"need": "Nowhere to sit"}, BO)
    [(name, payload)] = then_payloads(i)
    assert (name, payload["stage"], payload["answers"], payload["answered_by"]) == (
        "IdeaQuestionsAnswered",
        "raw",
        {"need": "Nowhere to sit"},
        BO,
    )
    assert not i.answer({"need": "Nowhere to sit"}, BO)  # the same again
    assert i.answer({"need": "Too few benches"}, BO)  # replaced
    assert given(i).answers["raw"] == {"need": "Too few benches"}


def test_an_idea_moves_on_only_once_its_stages_questions_are_answered() -> None:
    i = answered(idea(), need="Nowhere to sit")
    with pytest.raises(Conflict) as refused:
        i.advance(Stage.ASSESSED, QUESTIONS)
    assert refused.value.field == "answers.feasibility"
    assert "feasibility" in refused.value.reason
    assert then(i) == []
    i = answered(i, feasibility="Yes")
    i.advance(Stage.ASSESSED, QUESTIONS)
    [(name, payload)] = then_payloads(i)
    assert (name, payload["left"], payload["stage"], payload["questions"]) == (
        "IdeaAdvanced",
        "raw",
        "assessed",
        QUESTIONS["assessed"],
    )
    i = given(i)
    assert i.stage is Stage.ASSESSED
    assert [q.key for q in i.missing()] == ["cost", "responsible"]
    with pytest.raises(Conflict) as refused:
        i.advance(Stage.DEVELOPED, QUESTIONS)
    assert refused.value.field == "answers"  # two missing
    assert "cost" in refused.value.reason
    assert "responsible" in refused.value.reason


def test_stages_run_in_order_one_at_a_time() -> None:
    i = idea()
    for wrong in (Stage.RAW, Stage.DEVELOPED, Stage.READY_FOR_DECISION, Stage.DECIDED):
        with pytest.raises(Conflict) as refused:
            i.advance(wrong, QUESTIONS)
        assert refused.value.field == "stage"
    i = through(i, Stage.READY_FOR_DECISION)
    assert i.stage is Stage.READY_FOR_DECISION
    with pytest.raises(Conflict, match="decision"):
        i.advance(Stage.DECIDED, QUESTIONS)
    with pytest.raises(InvalidInput) as unknown:
        parse_stage("finished")
    assert unknown.value.field == "stage"


def test_only_an_idea_ready_for_decision_is_decided_and_then_takes_no_changes() -> None:
    i = idea()
    with pytest.raises(Conflict) as refused:
        i.decide(uuid4(), Outcome.ADOPTED, "Transport", date(2026, 5, 12))
    assert refused.value.field == "stage"
    i = through(i, Stage.READY_FOR_DECISION)
    decision = uuid4()
    i.decide(decision, Outcome.ADOPTED, "Transport", date(2026, 5, 12))
    [(name, payload)] = then_payloads(i)
    assert (name, payload["decision_id"], payload["outcome"]) == (
        "IdeaDecided",
        decision,
        "adopted",
    )
    i = given(i)
    assert (i.stage, i.decision_id, i.outcome) == (Stage.DECIDED, decision, Outcome.ADOPTED)
    for change in (
        lambda: i.retitle("Other"),
        lambda: i.set_owner(BO),
        lambda: i.add_note(uuid4(), "late", ANNA, NOW),
        lambda: i.answer({"recommendation": "x"}, ANNA),
        lambda: i.advance(Stage.DECIDED, QUESTIONS),
        lambda: i.decide(uuid4(), Outcome.REJECTED, "Transport", date(2026, 5, 13)),
    ):
        with pytest.raises(Conflict, match="decided"):
            change()
    assert then(i) == []


def test_questions_of_the_ready_stage_must_be_answered_before_the_decision() -> None:
    asked = {**QUESTIONS, "ready-for-decision": (Question(key="budget", text="Budget line?"),)}
    i = idea(questions=asked)
    while i.stage is not Stage.READY_FOR_DECISION:
        missing = {q.key: "yes" for q in i.missing()}
        i = answered(i, **missing)
        i.advance(list(Stage)[list(Stage).index(i.stage) + 1], asked)
        i = given(i)
    with pytest.raises(Conflict) as refused:
        i.decide(uuid4(), Outcome.REJECTED, "Transport", date(2026, 5, 12))
    assert refused.value.field == "answers.budget"
    i = answered(i, budget="None")
    i.decide(uuid4(), Outcome.REJECTED, "Transport", date(2026, 5, 12))
    assert then(i) == ["IdeaDecided"]


def test_an_idea_keeps_the_questions_of_its_stage_when_the_municipality_changes_them() -> None:
    i = answered(idea(), need="Nowhere to sit")
    changed = {"raw": (Question(key="impact", text="Impact?"),), "assessed": ()}
    # the raw stage's questions it was made with still hold: feasibility is missing
    assert [q.key for q in i.missing()] == ["feasibility"]
    with pytest.raises(InvalidInput):
        i.answer({"impact": "big"}, ANNA)
    i = answered(i, feasibility="Yes")
    i.advance(Stage.ASSESSED, changed)  # it enters the assessed stage as it is now: no questions
    i = given(i)
    assert i.missing() == []
    assert [q.key for q in i.questions["raw"]] == ["need", "feasibility"]
    i.advance(Stage.DEVELOPED, changed)
    assert then(i) == ["IdeaAdvanced"]


def test_default_questions_come_in_the_municipalitys_language() -> None:
    assert QUESTIONS["raw"][0].text == "What need or problem does the idea answer?"
    assert default_questions("sv")["assessed"][0].text == "Vad skulle den kosta, ungefär?"
    assert default_questions("nn")["developed"] == default_questions("nb")["developed"]
    for language in ("sv", "da", "nb", "fi", "en"):
        asked = default_questions(language)
        assert list(asked) == ["raw", "assessed", "developed", "ready-for-decision"]
        assert [q.key for q in asked["assessed"]] == ["cost", "responsible"]
        assert asked["ready-for-decision"] == ()
    assert default_questions("de") == QUESTIONS  # no texts: English


def test_the_municipalitys_questions_are_checked_when_set() -> None:
    held = given(IdeaQuestions(tenant="town"))
    q = Question(key="cost", text="What does it cost?")
    for stages, field in (
        ({"decided": [q]}, "stages.decided"),
        ({"later": [q]}, "stages.later"),
        ({"raw": [q, q]}, "stages.raw[1].key"),
        ({"raw": [Question(key="Cost!", text="x")]}, "stages.raw[0].key"),
        ({"raw": [Question(key="cost", text=" ")]}, "stages.raw[0].text"),
    ):
        with pytest.raises(InvalidInput) as refused:
            held.set(stages)
        assert refused.value.field == field
    assert then(held) == []
    assert held.set({"assessed": [q]})
    assert not held.set({"assessed": [q]})
    assert then(held) == ["IdeaQuestionsSet"]
    assert given(held).stages == {
        "raw": (),
        "assessed": (q,),
        "developed": (),
        "ready-for-decision": (),
    }
