"""Surveys in memory: the questionnaire's checks, a response's answers, the respondent's option
order, and the questionnaire's way from draft to approved, scheduled, locked and corrected."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from events.errors import Conflict, Forbidden, InvalidInput
from services.identity.access import Caller, Role, SignIn
from services.identity.keys import Keys
from services.surveys.commands import SubmitResponse, WriteQuestionnaire
from services.surveys.domain import (
    Questionnaire,
    QuestionnaireComment,
    Stage,
    SteeringGroup,
    questionnaire_id,
)
from services.surveys.questionnaire import (
    DateQuestion,
    Form,
    FreeText,
    InRange,
    Likert,
    Matrix,
    MultipleChoice,
    Number,
    OneOf,
    Option,
    OptionOrder,
    Question,
    Ranking,
    Rating,
    Row,
    Scale,
    Section,
    SingleChoice,
    TextSize,
    check_form,
    check_response,
)
from services.surveys.responses import AnonymousResponse, ResponseDraft
from services.surveys.service import for_respondent
from tests.domain.gwt import CODEC, T0, given, then, then_payloads

KEYS = Keys(b"s" * 32)
TENANT = "town"


def sv(text: str, **more: str) -> dict[str, str]:
    """A text in Swedish, the questionnaires' default language here, and any others given."""
    return {"sv": text, **{tag.replace("_", "-"): value for tag, value in more.items()}}


def options(*ids: str, anchored: tuple[str, ...] = ()) -> tuple[Option, ...]:
    return tuple(Option(id=i, label=sv(i.title()), anchored=i in anchored) for i in ids)


def form(*questions: Question, sections: tuple[Section, ...] | None = None) -> Form:
    """A questionnaire of one section holding ``questions`` (or of ``sections``)."""
    return Form(
        default_language="sv",
        title=sv("Parken vid skolan", en="The park by the school"),
        sections=sections or (Section(questions=questions),),
    )


def caller(role: Role = Role.ADMINISTRATOR, person: UUID | None = None) -> Caller:
    return Caller(tenant_id=TENANT, person_id=person or uuid4(), role=role, sign_in=SignIn.EMAIL)


# Every type of question, with the settings the answer tests below rely on.
VISIT = SingleChoice(id="visit", text=sv("Besöker du parken?"), options=options("yes", "no"))
USES = MultipleChoice(
    id="uses",
    text=sv("Vad gör du där?"),
    options=options("walk", "play", "sport", "rest"),
    min_choices=2,
    max_choices=3,
)
STARS = Rating(id="stars", text=sv("Hur nöjd är du?"))
AGREE = Likert(
    id="agree",
    text=sv("Parken är trygg"),
    scale=Scale(min=-2, max=2, min_label=sv("Håller inte med"), max_label=sv("Håller med")),
)
AGE = Number(id="age", text=sv("Din ålder"), min=0, max=120, integer=True)
KM = Number(id="km", text=sv("Hur långt har du till parken, i km?"), min=0)
WISH = FreeText(id="wish", text=sv("Vad önskar du?"))
STORY = FreeText(id="story", text=sv("Berätta"), size=TextSize.LONG)
ORDER = Ranking(
    id="order", text=sv("Vad är viktigast?"), options=options("trees", "light", "seats")
)
TOP = Ranking(
    id="top", text=sv("Välj de två viktigaste"), options=options("a", "b", "c", "d"), top=2
)
GRID = Matrix(
    id="grid",
    text=sv("Hur nöjd är du med"),
    rows=(Row(id="paths", label=sv("gångvägarna")), Row(id="light", label=sv("belysningen"))),
    required=True,
)
WHEN = DateQuestion(
    id="when",
    text=sv("När var du där senast?"),
    earliest=date(2025, 1, 1),
    latest=date(2026, 12, 31),
)
EVERY_TYPE = form(VISIT, USES, STARS, AGREE, AGE, KM, WISH, STORY, ORDER, TOP, GRID, WHEN)


def refusal(check: Any, *args: Any) -> list[tuple[str, str]]:
    """Every (field, reason) of the refusal ``check(*args)`` raises."""
    with pytest.raises(InvalidInput) as refused:
        check(*args)
    return list(refused.value.errors)


def fields(check: Any, *args: Any) -> list[str]:
    return [field for field, _ in refusal(check, *args)]


# -- the questionnaire as a whole -------------------------------------------------------------


def test_a_questionnaire_of_every_type_is_taken_and_reads_back_from_json() -> None:
    encoded = msgspec.json.encode(WriteQuestionnaire(form=EVERY_TYPE))
    decoded = msgspec.json.decode(encoded, type=WriteQuestionnaire).form

    assert check_form(EVERY_TYPE) == EVERY_TYPE
    assert decoded == EVERY_TYPE
    assert [type(q).__name__ for _, q in decoded.questions()] == [
        "SingleChoice",
        "MultipleChoice",
        "Rating",
        "Likert",
        "Number",
        "Number",
        "FreeText",
        "FreeText",
        "Ranking",
        "Ranking",
        "Matrix",
        "DateQuestion",
    ]


def test_a_request_body_is_read_strictly_naming_the_field() -> None:
    body = msgspec.json.encode({"form": msgspec.to_builtins(form(STARS))})
    wrong = body.replace(b'"type":"rating"', b'"type":"slider"')
    extra = body.replace(b'"id":"stars"', b'"id":"stars","colour":"red"')

    with pytest.raises(msgspec.ValidationError, match=r"slider.*sections\[0\]\.questions\[0\]"):
        msgspec.json.decode(wrong, type=WriteQuestionnaire)
    with pytest.raises(msgspec.ValidationError, match="unknown field `colour`"):
        msgspec.json.decode(extra, type=WriteQuestionnaire)


def test_texts_are_cleaned_of_blanks_around_them() -> None:
    messy = form(Rating(id="r", text={"sv": "  Hur nöjd?\n", "en": " How happy? "}))

    (_, question), *_ = check_form(messy).questions()

    assert question.text == {"sv": "Hur nöjd?", "en": "How happy?"}


def test_a_text_is_looked_up_in_the_language_asked_then_its_primary_then_the_default() -> None:
    text = sv("Hej", en="Hello", fi_FI="Hei")

    assert EVERY_TYPE.text(text, "en") == "Hello"
    assert EVERY_TYPE.text(text, "sv-FI") == "Hej"
    assert EVERY_TYPE.text(text, "fi-FI") == "Hei"
    assert EVERY_TYPE.text(text, "da") == "Hej"


def _q(question: Question, **changes: Any) -> Form:
    """A questionnaire of ``VISIT`` and then ``question`` changed by ``changes``."""
    return form(VISIT, msgspec.structs.replace(question, **changes))


SECOND = "sections[0].questions[1]"


@pytest.mark.parametrize(
    ("questionnaire", "field", "reason"),
    [
        (_q(USES, max_choices=1), f"{SECOND}.max_choices", "must not be less than min_choices"),
        (_q(USES, max_choices=5), f"{SECOND}.max_choices", "must not exceed the number"),
        (_q(USES, min_choices=0), f"{SECOND}.min_choices", "must be at least 1"),
        (
            _q(USES, min_choices=5, max_choices=None),
            f"{SECOND}.min_choices",
            "must not exceed the number",
        ),
        (_q(VISIT, id="one", options=options("yes")), f"{SECOND}.options", "at least 2 options"),
        (_q(ORDER, options=options(*map(str, range(101)))), f"{SECOND}.options", "at most 100"),
        (_q(ORDER, options=options("a", "b", "a")), f"{SECOND}.options[2].id", "id of option 0"),
        (_q(STARS, id="två ord"), f"{SECOND}.id", "letters (a-z, A-Z), digits"),
        (_q(STARS, id="visit"), f"{SECOND}.id", "'visit' is the id of sections[0].questions[0]"),
        (_q(STARS, scale=Scale(min=1, max=12)), f"{SECOND}.scale.max", "2 to 11 points"),
        (_q(STARS, scale=Scale(min=3, max=3)), f"{SECOND}.scale.max", "2 to 11 points"),
        (_q(STARS, scale=Scale(min=-20, max=-15)), f"{SECOND}.scale.min", "from -10 to 10"),
        (_q(AGREE, scale=Scale(min=1, max=5)), f"{SECOND}.scale.min_label", "labels both"),
        (_q(AGE, min=50, max=10), f"{SECOND}.max", "must not be less than min"),
        (_q(AGE, min=float("nan")), f"{SECOND}.min", "must be a number"),
        (_q(TOP, top=0), f"{SECOND}.top", "from 1 to the number of options"),
        (_q(TOP, top=5), f"{SECOND}.top", "from 1 to the number of options"),
        (_q(GRID, rows=()), f"{SECOND}.rows", "at least 1 row"),
        (
            _q(GRID, rows=tuple(Row(id=f"r{i}", label=sv("R")) for i in range(51))),
            f"{SECOND}.rows",
            "at most 50 rows",
        ),
        (
            _q(WHEN, earliest=date(2026, 2, 1), latest=date(2026, 1, 1)),
            f"{SECOND}.latest",
            "must not be before earliest",
        ),
        (_q(STARS, text={"en": "Happy?"}), f"{SECOND}.text", "default language 'sv'"),
        (_q(STARS, help=sv("x", english="y")), f"{SECOND}.help.english", "not a language tag"),
        (_q(STARS, text=sv("  ")), f"{SECOND}.text.sv", "must not be empty"),
        (_q(STARS, text=sv("x" * 1001)), f"{SECOND}.text.sv", "at most 1000 characters"),
        (
            _q(VISIT, id="v2", options=(Option(id="a", label=sv("A" * 201)), *options("b"))),
            f"{SECOND}.options[0].label.sv",
            "at most 200 characters",
        ),
        (
            form(VISIT, sections=(Section(questions=(VISIT,)), Section(questions=()))),
            "sections[1].questions",
            "at least 1 question",
        ),
        (
            form(sections=tuple(Section(questions=(STARS,)) for _ in range(51))),
            "sections",
            "at most 50",
        ),
    ],
)
def test_a_questionnaire_breaking_a_rule_is_refused_naming_the_field(
    questionnaire: Form, field: str, reason: str
) -> None:
    problems = refusal(check_form, questionnaire)

    assert any(f == field and reason in r for f, r in problems), problems


def test_a_questionnaire_holds_at_most_200_questions() -> None:
    many = tuple(Rating(id=f"q{i}", text=sv("?")) for i in range(201))
    sections = (Section(questions=many[:150]), Section(questions=many[150:]))

    assert refusal(check_form, form(sections=sections)) == [
        ("sections", "at most 200 questions in all, not 201")
    ]
    assert check_form(form(*many[:200]))


def test_ids_are_unique_across_sections() -> None:
    sections = (Section(questions=(VISIT, STARS)), Section(questions=(AGE, STARS)))

    assert refusal(check_form, form(sections=sections)) == [
        ("sections[1].questions[1].id", "'stars' is the id of sections[0].questions[1]")
    ]


def test_every_problem_of_a_questionnaire_is_named_in_one_refusal() -> None:
    broken = form(
        msgspec.structs.replace(USES, max_choices=9),
        msgspec.structs.replace(STARS, scale=Scale(min=0, max=20)),
        msgspec.structs.replace(AGE, id="uses"),
    )

    assert fields(check_form, broken) == [
        "sections[0].questions[0].max_choices",
        "sections[0].questions[1].scale.max",
        "sections[0].questions[2].id",
    ]


def test_a_default_language_that_is_no_language_is_named_alone() -> None:
    assert fields(check_form, msgspec.structs.replace(form(STARS), default_language="svenska")) == [
        "default_language"
    ]


def _shown_if(condition: Any, *before: Question) -> Form:
    return form(*before, msgspec.structs.replace(WISH, shown_if=condition))


@pytest.mark.parametrize(
    ("questionnaire", "field", "reason"),
    [
        (_shown_if(OneOf(question="later", options=("yes",)), VISIT), "question", "not the id"),
        (_shown_if(OneOf(question="wish", options=("yes",)), VISIT), "question", "itself"),
        (_shown_if(OneOf(question="visit", options=("maybe",)), VISIT), "options[0]", "'maybe'"),
        (_shown_if(OneOf(question="visit", options=()), VISIT), "options", "at least one"),
        (
            _shown_if(OneOf(question="visit", options=("yes", "yes")), VISIT),
            "options[1]",
            "given twice",
        ),
        (_shown_if(OneOf(question="stars", options=("1",)), STARS), "question", "one-of refers"),
        (_shown_if(InRange(question="visit", min=1, max=2), VISIT), "question", "in-range refers"),
        (_shown_if(InRange(question="stars", min=6, max=9), STARS), "", "no answer to 'stars'"),
        (_shown_if(InRange(question="age", min=-9, max=-1), AGE), "", "no answer to 'age'"),
        (_shown_if(InRange(question="stars", min=4, max=2), STARS), "max", "not be less than min"),
    ],
)
def test_a_condition_refers_to_an_earlier_question_and_what_it_can_be_answered(
    questionnaire: Form, field: str, reason: str
) -> None:
    [(named, why)] = refusal(check_form, questionnaire)

    last = len(list(questionnaire.questions())) - 1
    assert named == f"sections[0].questions[{last}].shown_if" + (f".{field}" if field else "")
    assert reason in why


def test_a_condition_may_refer_to_a_question_of_an_earlier_section() -> None:
    later = msgspec.structs.replace(WISH, shown_if=OneOf(question="visit", options=("no",)))
    sections = (Section(questions=(VISIT,)), Section(questions=(later,)))
    backwards = (Section(questions=(later,)), Section(questions=(VISIT,)))

    assert check_form(form(sections=sections))
    assert fields(check_form, form(sections=backwards)) == [
        "sections[0].questions[0].shown_if.question"
    ]


# -- a response's answers, type by type ------------------------------------------------------


def answered(question: Question, value: object) -> object:
    """``question``'s answer as the questionnaire of it alone reads ``value``."""
    return check_response(form(question), {question.id: value})[question.id]


def refused(question: Question, value: object) -> list[tuple[str, str]]:
    return refusal(check_response, form(question), {question.id: value})


@pytest.mark.parametrize(
    ("question", "value", "read"),
    [
        (VISIT, "no", "no"),
        (USES, ["walk", "rest"], ("walk", "rest")),
        (USES, ["walk", "rest", "play"], ("walk", "rest", "play")),
        (STARS, 1, 1),
        (STARS, 5, 5),
        (STARS, 4.0, 4),
        (AGREE, -2, -2),
        (AGE, 42, 42),
        (AGE, 42.0, 42),
        (AGE, 0, 0),
        (KM, 3.75, 3.75),
        (WISH, "  More benches ", "More benches"),
        (WISH, "x" * 200, "x" * 200),
        (STORY, "y" * 5000, "y" * 5000),
        (STORY, "Line one\nLine two", "Line one\nLine two"),
        (ORDER, ["seats", "trees", "light"], ("seats", "trees", "light")),
        (TOP, ["d", "a"], ("d", "a")),
        (GRID, {"paths": 1, "light": 5}, {"paths": 1, "light": 5}),
        (WHEN, "2026-06-01", date(2026, 6, 1)),
        (WHEN, "2025-01-01", date(2025, 1, 1)),
    ],
)
def test_an_answer_its_question_takes_is_read_as_its_type(
    question: Question, value: object, read: object
) -> None:
    got = answered(question, value)

    assert got == read
    assert type(got) is type(read)


@pytest.mark.parametrize(
    ("question", "value", "field", "reason"),
    [
        (VISIT, "maybe", "", "'maybe' is not an option"),
        (VISIT, ["yes"], "", "must be the id of one option"),
        (USES, ["walk"], "", "choose at least 2 options"),
        (USES, ["walk", "play", "sport", "rest"], "", "choose at most 3 options"),
        (USES, ["walk", "walk"], "[1]", "'walk' is given twice"),
        (USES, ["walk", "swim"], "[1]", "'swim' is not an option"),
        (USES, "walk", "", "must be a list of option ids"),
        (STARS, 0, "", "must be from 1 to 5"),
        (STARS, 6, "", "must be from 1 to 5"),
        (STARS, 2.5, "", "must be a whole number"),
        (STARS, True, "", "must be a whole number"),
        (STARS, "3", "", "must be a whole number"),
        (AGREE, 3, "", "must be from -2 to 2"),
        (AGE, 42.5, "", "must be a whole number"),
        (AGE, -1, "", "must be at least 0"),
        (AGE, 121, "", "must be at most 120"),
        (AGE, False, "", "must be a number"),
        (KM, float("inf"), "", "must be a number between"),
        (KM, float("nan"), "", "must be a number between"),
        (KM, "3", "", "must be a number"),
        (WISH, "x" * 201, "", "at most 200 characters"),
        (STORY, "y" * 5001, "", "at most 5000 characters"),
        (WISH, "bell\x07", "", "control characters"),
        (WISH, 7, "", "must be a text"),
        (ORDER, ["trees", "light"], "", "must rank every option, 3 in all, not 2"),
        (ORDER, ["trees", "trees", "light"], "[1]", "given twice"),
        (ORDER, ["trees", "light", "pool"], "[2]", "'pool' is not an option"),
        (TOP, ["a", "b", "c"], "", "must rank the top 2 options, 2 in all, not 3"),
        (GRID, {"paths": 3}, ".light", "every row needs an answer"),
        (GRID, {"paths": 3, "light": 9}, ".light", "must be from 1 to 5"),
        (GRID, {"paths": 3, "light": 3, "pond": 1}, ".pond", "'pond' is not a row"),
        (GRID, [3, 3], "", "must map row ids to points"),
        (WHEN, "2026-02-30", "", "must be a date written YYYY-MM-DD"),
        (WHEN, "01/06/2026", "", "must be a date written YYYY-MM-DD"),
        (WHEN, 20260601, "", "must be a date written YYYY-MM-DD"),
        (WHEN, "2024-12-31", "", "must not be before 2025-01-01"),
        (WHEN, "2027-01-01", "", "must not be after 2026-12-31"),
    ],
)
def test_an_answer_its_question_does_not_take_is_refused_naming_the_question(
    question: Question, value: object, field: str, reason: str
) -> None:
    problems = refused(question, value)

    assert problems[0][0] == f"answers.{question.id}{field}"
    assert reason in problems[0][1], problems


def test_an_optional_matrix_takes_any_of_its_rows() -> None:
    optional = msgspec.structs.replace(GRID, required=False)

    assert answered(optional, {"light": 2}) == {"light": 2}
    assert check_response(form(optional), {}) == {}


def test_an_answer_to_no_question_of_the_questionnaire_is_refused() -> None:
    assert refusal(check_response, form(VISIT, STARS), {"swings": "yes", "stars": 3}) == [
        ("answers.swings", "is not a question of this questionnaire")
    ]


def test_a_required_question_must_be_answered_and_a_blank_answer_is_none() -> None:
    required = form(msgspec.structs.replace(WISH, required=True), STARS)

    for blank in ({}, {"wish": None}, {"wish": "   "}, {"wish": ""}):
        assert refusal(check_response, required, blank) == [("answers.wish", "is required")]
    assert check_response(required, {"wish": "Fler bänkar"}) == {"wish": "Fler bänkar"}
    assert check_response(form(WISH, STARS), {"wish": " ", "stars": None}) == {}


def test_every_problem_of_a_response_is_named_in_one_refusal() -> None:
    answers = {"visit": "often", "stars": 9, "age": 200, "grid": {"paths": 1}, "nope": 1}

    assert fields(check_response, EVERY_TYPE, answers) == [
        "answers.nope",
        "answers.visit",
        "answers.stars",
        "answers.age",
        "answers.grid.light",
    ]


def test_a_response_body_is_read_and_checked_against_its_version() -> None:
    body = (
        b'{"version": 1, "answers": {"visit": "yes", "uses": ["play", "sport"],'
        b' "grid": {"paths": 4, "light": 2}, "when": "2026-04-30", "km": 2}}'
    )
    response = msgspec.json.decode(body, type=SubmitResponse)

    assert check_response(EVERY_TYPE, response.answers) == {
        "visit": "yes",
        "uses": ("play", "sport"),
        "grid": {"paths": 4, "light": 2},
        "when": date(2026, 4, 30),
        "km": 2,
    }


# -- shown_if ---------------------------------------------------------------------------------

WHY_NOT = FreeText(
    id="why_not",
    text=sv("Varför inte?"),
    required=True,
    shown_if=OneOf(question="visit", options=("no",)),
)
WHY_LOW = FreeText(
    id="why_low",
    text=sv("Vad kan bli bättre?"),
    required=True,
    shown_if=InRange(question="stars", min=1, max=2),
)
FOLLOW_UP = Rating(
    id="follow_up",
    text=sv("Hur viktigt är det?"),
    shown_if=OneOf(question="why_reason", options=("far",)),
)
CONDITIONAL = form(
    VISIT,
    WHY_NOT,
    STARS,
    WHY_LOW,
    SingleChoice(
        id="why_reason",
        text=sv("Huvudskälet?"),
        options=options("far", "unsafe"),
        shown_if=OneOf(question="visit", options=("no",)),
    ),
    FOLLOW_UP,
    msgspec.structs.replace(
        WISH, id="for_players", shown_if=OneOf(question="uses", options=("play", "sport"))
    ),
    USES,
)


def test_a_question_is_shown_when_its_condition_holds() -> None:
    assert check_response(CONDITIONAL, {"visit": "no", "why_not": "Far away"}) == {
        "visit": "no",
        "why_not": "Far away",
    }
    assert check_response(CONDITIONAL, {"stars": 2, "why_low": "Dark"})["why_low"] == "Dark"
    assert check_response(CONDITIONAL, {"visit": "yes", "stars": 4}) == {"visit": "yes", "stars": 4}


def test_a_required_question_that_is_shown_must_be_answered() -> None:
    assert refusal(check_response, CONDITIONAL, {"visit": "no"}) == [
        ("answers.why_not", "is required")
    ]
    assert refusal(check_response, CONDITIONAL, {"stars": 1}) == [
        ("answers.why_low", "is required")
    ]


def test_an_answer_to_a_question_not_shown_is_refused() -> None:
    problems = refusal(check_response, CONDITIONAL, {"visit": "yes", "why_not": "Busy"})
    unanswered = refusal(check_response, CONDITIONAL, {"why_not": "Busy"})

    assert problems == [
        ("answers.why_not", "is not shown: its condition on an earlier answer is not met")
    ]
    assert unanswered == problems  # an unanswered question meets no condition


def test_hiding_a_question_hides_the_questions_that_depend_on_it() -> None:
    shown = {"visit": "no", "why_not": "Far", "why_reason": "far", "follow_up": 5}
    hidden = {"visit": "yes", "follow_up": 5}

    assert check_response(CONDITIONAL, shown)["follow_up"] == 5
    assert fields(check_response, CONDITIONAL, hidden) == ["answers.follow_up"]


def test_a_multiple_choice_condition_holds_when_any_option_is_chosen() -> None:
    fans = check_response(CONDITIONAL, {"uses": ["rest", "sport"]})

    assert fans == {"uses": ("rest", "sport")}  # for_players comes before uses: not shown
    later = form(
        USES,
        msgspec.structs.replace(WISH, shown_if=OneOf(question="uses", options=("play", "sport"))),
    )
    assert (
        check_response(later, {"uses": ["rest", "sport"], "wish": "A pitch"})["wish"] == "A pitch"
    )
    assert fields(check_response, later, {"uses": ["rest", "walk"], "wish": "A pitch"}) == [
        "answers.wish"
    ]


def test_an_answer_refused_leaves_what_depends_on_it_unjudged() -> None:
    """A refused answer is the one problem named: whether the questions depending on it are
    shown is not known, so they are not called missing or not shown."""
    assert refusal(check_response, CONDITIONAL, {"visit": "perhaps", "why_not": "Busy"}) == [
        ("answers.visit", "'perhaps' is not an option of this question")
    ]
    assert fields(check_response, CONDITIONAL, {"visit": "perhaps", "why_not": 3}) == [
        "answers.visit",
        "answers.why_not",
    ]


# -- the order a respondent sees options in ---------------------------------------------------

SHUFFLED = MultipleChoice(
    id="wishes",
    text=sv("Vad vill du ha?"),
    options=options(*"abcdefghij", "none", anchored=("none",)),
    order=OptionOrder.SHUFFLED,
)


def _order(question: SingleChoice | MultipleChoice | Ranking, respondent: bytes) -> list[str]:
    return [o.id for o in question.presented(respondent)]


def test_options_in_fixed_order_are_shown_as_the_author_lists_them() -> None:
    fixed = msgspec.structs.replace(SHUFFLED, order=OptionOrder.FIXED)

    assert _order(fixed, KEYS.respondent_key(TENANT, uuid4(), uuid4())) == [*"abcdefghij", "none"]


def test_a_respondent_sees_the_same_shuffled_order_every_time() -> None:
    dialog, person = uuid4(), uuid4()
    on_the_phone = _order(SHUFFLED, KEYS.respondent_key(TENANT, dialog, person))
    on_the_laptop = _order(SHUFFLED, Keys(b"s" * 32).respondent_key(TENANT, dialog, person))

    assert on_the_phone == on_the_laptop
    assert sorted(on_the_phone) == sorted(o.id for o in SHUFFLED.options)
    assert on_the_phone[-1] == "none"  # anchored: keeps its place


def test_anchored_options_keep_their_places_wherever_they_are() -> None:
    ranking = Ranking(
        id="priorities",
        text=sv("Ordna"),
        options=options("all", "a", "b", "c", "other", "d", "e", anchored=("all", "other")),
        order=OptionOrder.SHUFFLED,
    )

    for person in range(10):
        seen = _order(ranking, KEYS.respondent_key(TENANT, UUID(int=1), UUID(int=person)))
        assert (seen[0], seen[4]) == ("all", "other")
        assert sorted(seen[1:4] + seen[5:]) == ["a", "b", "c", "d", "e"]


def test_respondents_see_orders_of_their_own() -> None:
    dialog = UUID(int=1)
    orders = {
        tuple(_order(SHUFFLED, KEYS.respondent_key(TENANT, dialog, UUID(int=person))))
        for person in range(100, 120)
    }

    assert len(orders) == 20  # of 10! orders, no two of these people share one
    assert all(order[-1] == "none" for order in orders)
    firsts = {order[0] for order in orders}
    assert len(firsts) > 3


def test_the_order_is_the_respondent_s_own_per_survey_and_per_question() -> None:
    person, one, other = UUID(int=7), UUID(int=8), UUID(int=9)
    key = KEYS.respondent_key(TENANT, one, person)
    twin = msgspec.structs.replace(SHUFFLED, id="wishes_again")

    assert key != KEYS.respondent_key(TENANT, other, person)
    assert key != KEYS.respondent_key("village", one, person)
    assert _order(SHUFFLED, key) != _order(SHUFFLED, KEYS.respondent_key(TENANT, other, person))
    assert _order(SHUFFLED, key) != _order(twin, key)


def test_a_respondent_key_gives_nothing_of_the_ballot_stream_away() -> None:
    dialog, person = uuid4(), uuid4()

    assert KEYS.respondent_key(TENANT, dialog, person)[:16] != (
        KEYS.ballot_stream(TENANT, dialog, person).bytes
    )


# -- the questionnaire's way to the respondents -----------------------------------------------

AUTHOR = caller()
APPROVER = caller()
ANYONE: SteeringGroup = frozenset()  # no steering group: any administrator approves
FIRST = form(VISIT, STARS)
SECOND_DRAFT = form(VISIT, STARS, WISH)
OPENS = T0 + timedelta(days=2)


def drafted(author: Caller = AUTHOR, questionnaire: Form = FIRST) -> Questionnaire:
    return given(Questionnaire.draft(uuid4(), questionnaire, author))


def submitted(author: Caller = AUTHOR) -> Questionnaire:
    q = drafted(author)
    q.submit(author, T0)
    return given(q)


def approved() -> Questionnaire:
    q = submitted()
    q.approve(APPROVER, q.revision, ANYONE)
    return given(q)


def scheduled() -> Questionnaire:
    q = approved()
    q.schedule(OPENS, AUTHOR, T0)
    return given(q)


def locked() -> Questionnaire:
    q = scheduled()
    assert q.lock_if_due(OPENS)
    return given(q)


def test_a_questionnaire_is_drafted_for_a_survey_dialog_by_its_author() -> None:
    dialog = uuid4()
    q = Questionnaire.draft(
        dialog, form(msgspec.structs.replace(STARS, text=sv(" Nöjd? "))), AUTHOR
    )

    [(name, payload)] = then_payloads(q)
    assert name == "QuestionnaireDrafted"
    assert payload["dialog_id"] == dialog
    assert payload["author_id"] == AUTHOR.person_id
    assert payload["form"] == form(msgspec.structs.replace(STARS, text=sv("Nöjd?")))
    assert q.id == questionnaire_id(dialog)  # one questionnaire stream per dialog
    assert (q.stage, q.revision, q.newest_version) == (Stage.DRAFT, 1, 0)


def test_every_type_of_question_survives_the_store() -> None:
    q = drafted(questionnaire=EVERY_TYPE)

    assert q.form == EVERY_TYPE
    assert q.author_id == AUTHOR.person_id


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MODERATOR, Role.ANALYST, Role.OPERATIONS])
def test_only_administrators_draft_a_questionnaire(role: Role) -> None:
    with pytest.raises(Forbidden):
        Questionnaire.draft(uuid4(), FIRST, caller(role))


def test_a_questionnaire_breaking_a_rule_is_not_drafted() -> None:
    with pytest.raises(InvalidInput) as refused_draft:
        Questionnaire.draft(uuid4(), form(VISIT, VISIT), AUTHOR)

    assert refused_draft.value.field == "sections[0].questions[1].id"


def test_a_draft_is_revised_and_counts_its_revisions() -> None:
    q = drafted()
    colleague = caller()

    assert q.revise(SECOND_DRAFT, colleague, T0)
    assert then_payloads(q) == [
        ("QuestionnaireRevised", {"form": SECOND_DRAFT, "by": colleague.person_id})
    ]
    q = given(q)
    assert (q.form, q.revision, q.writers) == (
        SECOND_DRAFT,
        2,
        {AUTHOR.person_id, colleague.person_id},
    )
    assert not q.revise(SECOND_DRAFT, AUTHOR, T0)
    assert then(q) == []


def test_a_draft_is_submitted_once() -> None:
    q = drafted()
    q.submit(AUTHOR, T0)
    assert then_payloads(q) == [("QuestionnaireSubmitted", {"by": AUTHOR.person_id, "revision": 1})]

    q = given(q)
    assert q.stage is Stage.SUBMITTED
    with pytest.raises(Conflict, match="submitted; only a draft is submitted"):
        q.submit(AUTHOR, T0)


def test_another_person_approves_the_revision_they_read() -> None:
    q = submitted()
    q.approve(APPROVER, 1, ANYONE)

    assert then_payloads(q) == [
        ("QuestionnaireApproved", {"by": APPROVER.person_id, "revision": 1})
    ]
    q = given(q)
    assert (q.stage, q.approved_by) == (Stage.APPROVED, APPROVER.person_id)


def test_the_author_cannot_approve_their_own_questionnaire() -> None:
    q = submitted(AUTHOR)

    with pytest.raises(Forbidden, match="someone who wrote none of it"):
        q.approve(AUTHOR, 1, ANYONE)
    assert then(q) == []
    assert q.stage is Stage.SUBMITTED


def test_nobody_who_revised_it_approves_it_either() -> None:
    q = drafted()
    q.revise(SECOND_DRAFT, APPROVER, T0)
    q.submit(AUTHOR, T0)
    q = given(q)

    with pytest.raises(Forbidden, match="someone who wrote none of it"):
        q.approve(APPROVER, 2, ANYONE)
    third = caller()
    q.approve(third, 2, ANYONE)
    assert then(q) == ["QuestionnaireApproved"]


@pytest.mark.parametrize(
    "role", [Role.PARTICIPANT, Role.MODERATOR, Role.ANALYST, Role.CONSULTANT, Role.OPERATIONS]
)
def test_only_those_who_may_approve_surveys_approve(role: Role) -> None:
    q = submitted()

    with pytest.raises(Forbidden, match="may not approve-surveys"):
        q.approve(caller(role), 1, ANYONE)
    assert then(q) == []


def test_with_a_steering_group_only_its_members_approve_or_send_back() -> None:
    member = caller(Role.COMMITTEE_MEMBER)  # a politician on the steering group
    group = frozenset({member.person_id})

    for outsider in (APPROVER, caller(Role.COMMITTEE_MEMBER)):
        q = submitted()
        with pytest.raises(Forbidden, match="steering group, and you are not in it"):
            q.approve(outsider, 1, group)
        with pytest.raises(Forbidden, match="steering group, and you are not in it"):
            q.send_back(outsider, group)
        assert then(q) == []

    q = submitted()
    q.comment(member, "Ask about the winter too", None, T0, group)
    q.approve(member, 1, group)
    assert then(q) == ["QuestionnaireApproved"]


def test_a_steering_group_member_who_lost_the_role_approves_no_more() -> None:
    demoted = caller(Role.PARTICIPANT)
    with pytest.raises(Forbidden, match="steering group, and you are not in it"):
        submitted().approve(demoted, 1, frozenset({demoted.person_id}))


def test_a_steering_group_member_who_wrote_it_does_not_approve_it() -> None:
    q = submitted()
    with pytest.raises(Forbidden, match="wrote none of it"):
        q.approve(AUTHOR, 1, frozenset({AUTHOR.person_id}))


def test_an_approval_of_another_revision_than_the_one_waiting_is_refused() -> None:
    q = submitted()

    with pytest.raises(Conflict, match="revision 1 is waiting for approval, not 2") as stale:
        q.approve(APPROVER, 2, ANYONE)
    assert stale.value.field == "revision"


def test_only_a_submitted_questionnaire_is_approved() -> None:
    with pytest.raises(Conflict, match="draft, not waiting for approval"):
        drafted().approve(APPROVER, 1, ANYONE)
    with pytest.raises(Conflict, match="approved, not waiting for approval"):
        approved().approve(caller(), 1, ANYONE)


def test_a_submitted_questionnaire_is_sent_back_unapproved() -> None:
    q = submitted()
    q.send_back(APPROVER, ANYONE)
    assert then(q) == ["QuestionnaireSentBack"]

    q = given(q)
    assert q.stage is Stage.DRAFT
    with pytest.raises(Conflict, match="draft, not waiting for approval"):
        q.approve(APPROVER, 1, ANYONE)
    with pytest.raises(Conflict, match="draft, not waiting for approval"):
        q.send_back(APPROVER, ANYONE)


def test_a_revision_after_approval_needs_a_new_approval() -> None:
    for q in (approved(), scheduled()):
        assert q.revise(SECOND_DRAFT, AUTHOR, T0)
        q = given(q)
        assert (q.stage, q.approved_by, q.opens_at, q.revision) == (Stage.DRAFT, None, None, 2)
        with pytest.raises(Conflict, match="only an approved one is scheduled"):
            q.schedule(OPENS, AUTHOR, T0)


def test_an_approved_questionnaire_is_scheduled_for_the_dialog_s_opening() -> None:
    q = approved()
    assert q.schedule(OPENS, AUTHOR, T0)
    assert then_payloads(q) == [
        ("QuestionnaireScheduled", {"opens_at": OPENS, "by": AUTHOR.person_id})
    ]

    q = given(q)
    assert (q.stage, q.opens_at) == (Stage.SCHEDULED, OPENS)
    assert not q.schedule(OPENS, AUTHOR, T0)
    assert q.schedule(OPENS + timedelta(hours=1), AUTHOR, T0)  # the dialog's opening moved
    assert then(q) == ["QuestionnaireScheduled"]


def test_only_an_approved_questionnaire_is_scheduled_and_only_ahead() -> None:
    for q in (drafted(), submitted()):
        with pytest.raises(Conflict, match="only an approved one is scheduled"):
            q.schedule(OPENS, AUTHOR, T0)
    with pytest.raises(InvalidInput, match="opens_at: must be in the future"):
        approved().schedule(T0, AUTHOR, T0)


def test_the_questionnaire_is_locked_as_version_1_when_the_survey_opens() -> None:
    q = scheduled()
    assert not q.lock_if_due(OPENS - timedelta(seconds=1))
    assert q.lock_if_due(OPENS)
    assert then_payloads(q) == [("QuestionnaireLocked", {"version": 1})]

    q = given(q)
    assert (q.stage, q.newest_version, q.form_of(1)) == (Stage.LOCKED, 1, FIRST)
    assert not q.lock_if_due(OPENS + timedelta(days=1))


def test_once_the_survey_opens_the_draft_is_not_revised_even_before_the_lock_is_recorded() -> None:
    q = scheduled()

    assert q.stage_at(OPENS) is Stage.LOCKED
    for late in (q, locked()):
        with pytest.raises(Conflict, match="correct the questionnaire as a new version"):
            late.revise(SECOND_DRAFT, AUTHOR, OPENS)
        with pytest.raises(Conflict, match="locked; only a draft is submitted"):
            late.submit(AUTHOR, OPENS)
        assert then(late) == []


def test_a_correction_after_the_opening_is_version_2_and_version_1_stays() -> None:
    q = locked()
    assert q.correct(SECOND_DRAFT, AUTHOR, OPENS)
    assert then_payloads(q) == [
        ("QuestionnaireCorrected", {"version": 2, "form": SECOND_DRAFT, "by": AUTHOR.person_id})
    ]

    q = given(q)
    assert (q.newest_version, q.form_of(1), q.form_of(2)) == (2, FIRST, SECOND_DRAFT)
    assert q.check_response(2, {"wish": "Benches"}) == {"wish": "Benches"}
    assert refusal(q.check_response, 1, {"wish": "Benches"}) == [
        ("answers.wish", "is not a question of this questionnaire")
    ]
    assert not q.correct(SECOND_DRAFT, AUTHOR, OPENS)


def test_a_correction_before_the_lock_is_recorded_records_the_lock_first() -> None:
    q = scheduled()

    assert q.correct(SECOND_DRAFT, AUTHOR, OPENS + timedelta(minutes=5))
    assert then(q) == ["QuestionnaireLocked", "QuestionnaireCorrected"]
    q = given(q)
    assert (q.form_of(1), q.form_of(2)) == (FIRST, SECOND_DRAFT)


def test_a_correction_keeps_each_question_s_type() -> None:
    q = locked()
    retyped = form(VISIT, Number(id="stars", text=sv("Hur många stjärnor?")))

    assert refusal(q.correct, retyped, AUTHOR, OPENS) == [
        (
            "sections[0].questions[1].type",
            "'stars' is a rating question in version 1: a question keeps its type;"
            " a new one takes a new id",
        )
    ]
    assert then(q) == []


def test_a_correction_is_refused_before_the_survey_opens() -> None:
    for q in (drafted(), approved(), scheduled()):
        with pytest.raises(Conflict, match="until the survey opens, revise the draft"):
            q.correct(SECOND_DRAFT, AUTHOR, T0)


def test_a_version_that_does_not_exist_is_named() -> None:
    with pytest.raises(InvalidInput, match="version: the questionnaire has no version yet, not 1"):
        scheduled().form_of(1)
    with pytest.raises(InvalidInput, match="version: the questionnaire has versions 1 to 1, not 2"):
        locked().check_response(2, {})


# -- comments ---------------------------------------------------------------------------------


def test_a_comment_on_a_draft_records_who_wrote_what_about_which_revision() -> None:
    q = drafted()
    reviewer = caller()

    comment = q.comment(reviewer, "  Ask about lighting too. ", "stars", T0, ANYONE)

    [(name, payload)] = then_payloads(comment)
    assert name == "QuestionnaireCommented"
    assert payload == {
        "questionnaire_id": q.id,
        "dialog_id": q.dialog_id,
        "author_id": reviewer.person_id,
        "revision": 1,
        "question_id": "stars",
        "text": "Ask about lighting too.",
    }
    assert then(q) == []  # the questionnaire's stream is untouched
    assert given(comment).text == "Ask about lighting too."


def test_comments_are_taken_while_the_draft_is_written_and_reviewed() -> None:
    assert isinstance(
        submitted().comment(APPROVER, "Fine by me", None, T0, ANYONE), QuestionnaireComment
    )
    for q in (approved(), scheduled(), locked()):
        with pytest.raises(Conflict, match="comments are for drafts"):
            q.comment(APPROVER, "Too late?", None, OPENS, ANYONE)


def test_a_comment_is_about_a_question_the_draft_has_and_says_something() -> None:
    q = drafted()

    with pytest.raises(InvalidInput, match="question_id: 'swings' is not a question"):
        q.comment(AUTHOR, "Where are the swings?", "swings", T0, ANYONE)
    with pytest.raises(InvalidInput, match="text: must not be empty"):
        q.comment(AUTHOR, "   ", None, T0, ANYONE)
    with pytest.raises(InvalidInput, match="text: must be at most 2000 characters"):
        q.comment(AUTHOR, "x" * 2001, None, T0, ANYONE)
    with pytest.raises(Forbidden):
        q.comment(caller(Role.PARTICIPANT), "Me too", None, T0, ANYONE)


def test_a_comment_s_text_and_a_named_response_s_answers_are_personal_and_nothing_else() -> None:
    """An anonymous response's answers are sealed under nobody's key: sealing them under the
    respondent's would name the respondent."""
    definitions = [d for d in CODEC.catalogue.definitions() if d.context == "surveys"]

    assert {d.name: d.personal for d in definitions if d.personal} == {
        "QuestionnaireCommented": frozenset({"text"}),
        "NamedResponseSubmitted": frozenset({"answers"}),
    }
    assert CODEC.catalogue.by_name("QuestionnaireCommented").subject == "author_id"
    assert CODEC.catalogue.by_name("NamedResponseSubmitted").subject == "person_id"
    responses = {
        "AnonymousResponseSubmitted",
        "NamedResponseSubmitted",
        "SurveyAnswered",
        "ResponseDraftStarted",
        "ResponseDraftSaved",
        "ResponseDraftDiscarded",
    }
    assert responses <= {d.name for d in definitions}
    assert {d.name for d in definitions if d.name.startswith("Questionnaire")} == {
        "QuestionnaireDrafted",
        "QuestionnaireRevised",
        "QuestionnaireSubmitted",
        "QuestionnaireSentBack",
        "QuestionnaireApproved",
        "QuestionnaireScheduled",
        "QuestionnaireLocked",
        "QuestionnaireCorrected",
        "QuestionnaireCommented",
    }


def test_every_stage_keeps_what_happened_through_the_store() -> None:
    """Each stage rebuilt from the stored events alone: who wrote, who approved, when it opens,
    which versions went out."""
    q = locked()
    q.correct(SECOND_DRAFT, AUTHOR, OPENS)
    rebuilt = given(q)

    assert (rebuilt.author_id, rebuilt.approved_by) == (AUTHOR.person_id, APPROVER.person_id)
    assert rebuilt.opens_at == OPENS
    assert rebuilt.versions == [FIRST, SECOND_DRAFT]
    assert rebuilt.writers == {AUTHOR.person_id}
    assert rebuilt.revision == 1


# -- respondents: the view, drafts, responses --------------------------------------------------

SHUFFLED_USES = msgspec.structs.replace(
    USES,
    text=sv("Vad gör du där?", en="What do you do there?"),
    options=tuple(Option(id=i, label=sv(f"{i} (sv)", en=f"{i} (en)")) for i in "abcdefgh"),
    min_choices=1,
    max_choices=2,
    order=OptionOrder.SHUFFLED,
)


def test_a_respondent_sees_one_language_and_their_own_order_of_shuffled_options() -> None:
    shown_form = form(VISIT, SHUFFLED_USES, ORDER)
    dialog = uuid4()
    eva = KEYS.respondent_key(TENANT, dialog, uuid4())
    others = [KEYS.respondent_key(TENANT, dialog, uuid4()) for _ in range(3)]

    english, language = for_respondent(shown_form, "en-GB", eva)
    swedish, _ = for_respondent(shown_form, None, eva)
    finnish, fallback = for_respondent(shown_form, "fi", eva)

    def ids(view: dict[str, Any], q: int) -> list[str]:
        return [o["id"] for o in view["sections"][0]["questions"][q]["options"]]

    assert (language, fallback) == ("en", "sv")
    assert english["title"] == "The park by the school"
    assert english["sections"][0]["questions"][1]["text"] == "What do you do there?"
    assert english["sections"][0]["questions"][0]["text"] == "Besöker du parken?"  # no English
    assert finnish["title"] == "Parken vid skolan"
    assert ids(english, 1) == ids(swedish, 1)  # one order per respondent, whatever the language
    assert sorted(ids(english, 1)) == list("abcdefgh")
    orders = {tuple(ids(for_respondent(shown_form, None, k)[0], 1)) for k in [eva, *others]}
    assert len(orders) > 1
    assert ids(english, 2) == ["trees", "light", "seats"]  # fixed order kept


def test_a_draft_records_only_changes_and_is_discarded_once() -> None:
    draft_id = KEYS.response_draft_stream(TENANT, uuid4(), uuid4())
    draft = ResponseDraft(draft_id=draft_id, dialog_id=uuid4(), version=1, answers={"stars": 3})
    draft = given(draft)

    assert draft.save(1, {"stars": 3}) is False
    assert draft.save(1, {"stars": 4}) is True
    draft.discard()
    draft.discard()

    assert then(draft) == ["ResponseDraftSaved", "ResponseDraftDiscarded"]
    assert given(draft).discarded is True


def test_response_streams_are_keyed_per_person_and_survey_and_unlike_each_other() -> None:
    dialog, person = uuid4(), uuid4()

    response = KEYS.response_stream(TENANT, dialog, person)

    assert response == KEYS.response_stream(TENANT, dialog, person)
    assert response != KEYS.response_stream(TENANT, dialog, uuid4())
    assert response != KEYS.response_stream("other", dialog, person)
    assert response != KEYS.response_draft_stream(TENANT, dialog, person)
    assert response != KEYS.ballot_stream(TENANT, dialog, person)
    assert str(person) not in str(response)


def test_an_anonymous_response_event_names_nobody() -> None:
    stream = KEYS.response_stream(TENANT, uuid4(), uuid4())
    response = AnonymousResponse(
        response_id=stream, dialog_id=uuid4(), version=1, answers={"stars": 4}, signed_in=True
    )

    [(name, payload)] = then_payloads(response)

    assert name == "AnonymousResponseSubmitted"
    assert set(payload) == {"response_id", "dialog_id", "version", "answers", "signed_in"}
