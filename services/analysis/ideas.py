"""Idea development: a promising item of an analysis becomes an ``Idea`` that its analysts take
through stages to a committee's decision.

An idea comes from one or more items of one analysis and has a title, an owner (a member of
the analysis), notes, and the answers to the questions of each stage it has been in. Its
stages run in one order, raw -> assessed -> developed -> ready-for-decision -> decided, one at
a time: an idea moves on only once every question of the stage it is in is answered. The last
step is the decision itself (``decide``): the municipality's committee decision, recorded as
a ``Decision`` (services/participation/decisions.py) linked to the idea's items, so the
feedback loop tells their authors and supporters what was decided.

The questions are the municipality's own (``IdeaQuestions``, one stream per tenant; until it
sets any, ``default_questions`` in its language). An idea records the questions of a stage
when it enters that stage (created: the raw stage's; moved on: the next stage's), so a
municipality changing its questions changes the stages ideas enter afterwards, never the one
an idea is in or the answers it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, InvalidInput
from services.analysis.domain import distinct_ids
from tenants import values

__all__ = [
    "ANSWER_LENGTH",
    "IDEA_TITLE_LENGTH",
    "MAX_IDEA_ITEMS",
    "MAX_NOTES",
    "MAX_QUESTIONS",
    "NOTE_LENGTH",
    "QUESTION_KEY",
    "QUESTION_LENGTH",
    "STAGES",
    "Idea",
    "IdeaQuestions",
    "Note",
    "Outcome",
    "Question",
    "Stage",
    "default_questions",
    "idea_questions_id",
    "parse_stage",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/analysis/ideas")
IDEA_TITLE_LENGTH = 200
NOTE_LENGTH = 5000
ANSWER_LENGTH = 5000
QUESTION_LENGTH = 300
MAX_IDEA_ITEMS = 200  # items one idea comes from (a decision links at most as many posts)
MAX_NOTES = 1000
MAX_QUESTIONS = 10  # questions of one stage
QUESTION_KEY = r"^[a-z][a-z0-9-]{0,39}$"


class Stage(StrEnum):
    RAW = "raw"
    ASSESSED = "assessed"
    DEVELOPED = "developed"
    READY_FOR_DECISION = "ready-for-decision"
    DECIDED = "decided"


STAGES: tuple[Stage, ...] = tuple(Stage)
# The stages that have questions: every one but the last (the decision ends the process).
QUESTIONED: tuple[Stage, ...] = STAGES[:-1]


class Outcome(StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"


def parse_stage(given: str, field: str = "stage") -> Stage:
    try:
        return Stage(given)
    except ValueError:
        known = ", ".join(s.value for s in STAGES)
        raise InvalidInput(field, f"{given!r} is no stage (stages: {known})") from None


class Question(msgspec.Struct, frozen=True, kw_only=True):
    """A question the municipality asks of an idea in a stage: a key its answer is kept under
    and the question's text."""

    key: str
    text: str


class Note(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    text: str
    author_id: UUID
    stage: str  # the stage the idea was in
    added_at: datetime


def idea_questions_id(tenant_id: str) -> UUID:
    """The one stream of a municipality's idea questions."""
    return uuid5(_NAMESPACE, f"questions:{tenant_id}")


# -- the municipality's questions ------------------------------------------------------------

_DEFAULTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "en": {
        "raw": (
            ("need", "What need or problem does the idea answer?"),
            ("feasibility", "Is it feasible, and what stands in the way?"),
        ),
        "assessed": (
            ("cost", "What would it cost, roughly?"),
            ("responsible", "Who in the municipality would be responsible?"),
        ),
        "developed": (("recommendation", "What do the analysts recommend?"),),
    },
    "sv": {
        "raw": (
            ("need", "Vilket behov eller problem svarar idén på?"),
            ("feasibility", "Är den genomförbar, och vad står i vägen?"),
        ),
        "assessed": (
            ("cost", "Vad skulle den kosta, ungefär?"),
            ("responsible", "Vem i kommunen skulle ansvara för den?"),
        ),
        "developed": (("recommendation", "Vad rekommenderar analysgruppen?"),),
    },
    "da": {
        "raw": (
            ("need", "Hvilket behov eller problem svarer idéen på?"),
            ("feasibility", "Er den gennemførlig, og hvad står i vejen?"),
        ),
        "assessed": (
            ("cost", "Hvad vil den koste, cirka?"),
            ("responsible", "Hvem i kommunen ville have ansvaret for den?"),
        ),
        "developed": (("recommendation", "Hvad anbefaler analysegruppen?"),),
    },
    "nb": {
        "raw": (
            ("need", "Hvilket behov eller problem svarer ideen på?"),
            ("feasibility", "Er den gjennomførbar, og hva står i veien?"),
        ),
        "assessed": (
            ("cost", "Hva vil den koste, omtrent?"),
            ("responsible", "Hvem i kommunen ville ha ansvaret for den?"),
        ),
        "developed": (("recommendation", "Hva anbefaler analysegruppen?"),),
    },
    "fi": {
        "raw": (
            ("need", "Mihin tarpeeseen tai ongelmaan idea vastaa?"),
            ("feasibility", "Onko se toteutettavissa, ja mikä on esteenä?"),
        ),
        "assessed": (
            ("cost", "Paljonko se maksaisi suunnilleen?"),
            ("responsible", "Kuka kunnassa vastaisi siitä?"),
        ),
        "developed": (("recommendation", "Mitä analyysiryhmä suosittelee?"),),
    },
}
_LANGUAGES = {"sv": "sv", "da": "da", "nb": "nb", "nn": "nb", "no": "nb", "fi": "fi"}


def default_questions(language: str) -> dict[str, tuple[Question, ...]]:
    """The questions a municipality has until it sets its own, in its language (English for
    a language Tinget has no texts in): need and feasibility to leave the raw stage, cost and
    who is responsible to leave the assessed one, the analysts' recommendation to leave the
    developed one; none before the decision."""
    texts = _DEFAULTS[_LANGUAGES.get(language.split("-")[0].lower(), "en")]
    return {
        stage.value: tuple(Question(key=k, text=t) for k, t in texts.get(stage.value, ()))
        for stage in QUESTIONED
    }


def checked_questions(
    stages: Mapping[str, Sequence[Question]],
) -> dict[str, tuple[Question, ...]]:
    """The questions of each stage, checked: a stage that has questions (any but decided),
    at most ``MAX_QUESTIONS`` each, keys like ``cost`` (lower-case letters, digits and
    hyphens) once per stage, texts not blank. A stage left out has none."""
    for stage in stages:
        if stage not in QUESTIONED:
            known = ", ".join(s.value for s in QUESTIONED)
            raise InvalidInput(
                f"stages.{stage}", f"{stage!r} is no stage with questions (stages: {known})"
            )
    checked: dict[str, tuple[Question, ...]] = {}
    for stage in QUESTIONED:
        given = stages.get(stage.value, ())
        if len(given) > MAX_QUESTIONS:
            raise InvalidInput(f"stages.{stage}", f"at most {MAX_QUESTIONS} questions a stage")
        keys: set[str] = set()
        questions = []
        for i, question in enumerate(given):
            field = f"stages.{stage}[{i}]"
            if re.fullmatch(QUESTION_KEY, question.key) is None:
                raise InvalidInput(
                    f"{field}.key",
                    "a key is a lower-case letter, then up to 39 letters, digits or hyphens",
                )
            if question.key in keys:
                raise InvalidInput(f"{field}.key", f"{question.key!r} is asked twice")
            keys.add(question.key)
            text = values.text(question.text, f"{field}.text", max_length=QUESTION_LENGTH)
            questions.append(Question(key=question.key, text=text))
        checked[stage.value] = tuple(questions)
    return checked


class IdeaQuestions(Aggregate):
    """A municipality's questions for each stage of idea development (one stream a tenant)."""

    @staticmethod
    def create_id(tenant: str) -> UUID:
        return idea_questions_id(tenant)

    @event("IdeaQuestionsStarted")
    def __init__(self, tenant: str) -> None:
        self.stages: dict[str, tuple[Question, ...]] | None = None  # None: the defaults

    def set(self, stages: Mapping[str, Sequence[Question]]) -> bool:
        """Set the questions of every stage (a stage left out has none); False (nothing
        recorded) when they are these already."""
        checked = checked_questions(stages)
        if checked == self.stages:
            return False
        self._set(checked)
        return True

    @event("IdeaQuestionsSet")
    def _set(self, stages: dict[str, tuple[Question, ...]]) -> None:
        self.stages = {k: tuple(v) for k, v in stages.items()}


# -- the idea --------------------------------------------------------------------------------


class Idea(Aggregate):
    """An idea of an analysis, taken through the stages to a decision."""

    @classmethod
    def create(
        cls,
        analysis_id: UUID,
        title: str,
        items: Sequence[UUID],
        questions: Mapping[str, Sequence[Question]],
        created_by: UUID,
    ) -> Idea:
        """A new raw idea from ``items`` (checked to be items of the analysis by the caller),
        with the raw stage's questions of ``questions`` (the municipality's now)."""
        title = values.text(title, "title", max_length=IDEA_TITLE_LENGTH)
        if not items:
            raise InvalidInput("items", "an idea comes from at least one item")
        if len(items) > MAX_IDEA_ITEMS:
            raise InvalidInput("items", f"at most {MAX_IDEA_ITEMS} items")
        distinct_ids(items, "items")
        return cls(
            analysis_id=analysis_id,
            title=title,
            items=tuple(items),
            questions=tuple(questions.get(Stage.RAW.value, ())),
            created_by=created_by,
        )

    @event("IdeaCreated")
    def __init__(
        self,
        analysis_id: UUID,
        title: str,
        items: tuple[UUID, ...],
        questions: tuple[Question, ...],
        created_by: UUID,
    ) -> None:
        self.analysis_id = analysis_id
        self.title = title
        self.items = tuple(items)
        self.created_by = created_by
        self.stage = Stage.RAW
        self.owner_id: UUID | None = None
        # the questions of each stage it entered, as they were then, and their answers
        self.questions: dict[str, tuple[Question, ...]] = {Stage.RAW.value: tuple(questions)}
        self.answers: dict[str, dict[str, str]] = {Stage.RAW.value: {}}
        self.notes: list[Note] = []
        self.decision_id: UUID | None = None
        self.outcome: Outcome | None = None
        self.committee: str | None = None
        self.decided_on: date | None = None

    @property
    def decided(self) -> bool:
        return self.stage is Stage.DECIDED

    def _open(self) -> None:
        if self.decided:
            raise Conflict("the idea was decided: it takes no more changes")

    def missing(self) -> list[Question]:
        """The questions of the stage it is in that are not answered yet."""
        answered = self.answers.get(self.stage.value, {})
        return [q for q in self.questions.get(self.stage.value, ()) if q.key not in answered]

    def retitle(self, title: str) -> bool:
        title = values.text(title, "title", max_length=IDEA_TITLE_LENGTH)
        self._open()
        if title == self.title:
            return False
        self._retitled(self.analysis_id, title)
        return True

    @event("IdeaRetitled")
    def _retitled(self, analysis_id: UUID, title: str) -> None:
        self.title = title

    def set_owner(self, owner_id: UUID) -> bool:
        """Its owner: a member of the analysis (checked by the caller)."""
        self._open()
        if owner_id == self.owner_id:
            return False
        self._owner_set(self.analysis_id, owner_id)
        return True

    @event("IdeaOwnerSet")
    def _owner_set(self, analysis_id: UUID, owner_id: UUID) -> None:
        self.owner_id = owner_id

    def add_note(self, note_id: UUID, text: str, author_id: UUID, at: datetime) -> None:
        text = values.text(text, "text", max_length=NOTE_LENGTH)
        self._open()
        if len(self.notes) >= MAX_NOTES:
            raise Conflict(f"the idea holds {MAX_NOTES} notes already")
        self._note_added(self.analysis_id, note_id, text, author_id, self.stage.value, at)

    @event("IdeaNoteAdded")
    def _note_added(
        self,
        analysis_id: UUID,
        note_id: UUID,
        text: str,
        author_id: UUID,
        stage: str,
        added_at: datetime,
    ) -> None:
        self.notes.append(
            Note(id=note_id, text=text, author_id=author_id, stage=stage, added_at=added_at)
        )

    def answer(self, answers: Mapping[str, str], by: UUID) -> bool:
        """Answers to questions of the stage it is in, by key (an answer given again replaces
        the one before); False (nothing recorded) when they are the answers already."""
        self._open()
        if not answers:
            raise InvalidInput("answers", "give at least one answer")
        asked = {q.key for q in self.questions.get(self.stage.value, ())}
        checked: dict[str, str] = {}
        for key, text in answers.items():
            if key not in asked:
                known = ", ".join(sorted(asked)) or "none"
                raise InvalidInput(
                    f"answers.{key}",
                    f"{key!r} is no question of the {self.stage} stage (its questions: {known})",
                )
            checked[key] = values.text(text, f"answers.{key}", max_length=ANSWER_LENGTH)
        held = self.answers.get(self.stage.value, {})
        if all(held.get(k) == v for k, v in checked.items()):
            return False
        self._answered(self.analysis_id, self.stage.value, checked, by)
        return True

    @event("IdeaQuestionsAnswered")
    def _answered(
        self, analysis_id: UUID, stage: str, answers: dict[str, str], answered_by: UUID
    ) -> None:
        self.answers.setdefault(stage, {}).update(answers)

    def _ready_to_leave(self) -> None:
        missing = self.missing()
        if missing:
            raise Conflict(
                f"the {self.stage} stage has unanswered questions: "
                + "; ".join(f"{q.key} ({q.text})" for q in missing),
                "answers." + missing[0].key if len(missing) == 1 else "answers",
            )

    def advance(self, to: Stage, questions: Mapping[str, Sequence[Question]]) -> None:
        """Move on to the next stage ``to``, with that stage's questions of ``questions`` (the
        municipality's now), once every question of the stage it is in is answered. The
        decision is no move: an idea ready for decision is decided (``decide``)."""
        self._open()
        following = STAGES[STAGES.index(self.stage) + 1]
        if to is Stage.DECIDED and following is Stage.DECIDED:
            raise Conflict(
                "an idea ready for decision moves on by its decision: record it", "stage"
            )
        if to is not following:
            raise Conflict(f"the idea is {self.stage}: its next stage is {following}", "stage")
        self._ready_to_leave()
        self._advanced(
            self.analysis_id, self.stage.value, to.value, tuple(questions.get(to.value, ()))
        )

    @event("IdeaAdvanced")
    def _advanced(
        self, analysis_id: UUID, left: str, stage: str, questions: tuple[Question, ...]
    ) -> None:
        self.stage = Stage(stage)
        self.questions[stage] = tuple(questions)
        self.answers.setdefault(stage, {})

    def decide(self, decision_id: UUID, outcome: Outcome, committee: str, decided_on: date) -> None:
        """The committee's decision on an idea ready for decision (every question of that
        stage answered): recorded as ``decision_id``, a Decision linked to its items."""
        self._open()
        if self.stage is not Stage.READY_FOR_DECISION:
            raise Conflict(
                f"the idea is {self.stage}: only an idea ready for decision is decided", "stage"
            )
        self._ready_to_leave()
        self._decided(self.analysis_id, decision_id, outcome.value, committee, decided_on)

    @event("IdeaDecided")
    def _decided(
        self,
        analysis_id: UUID,
        decision_id: UUID,
        outcome: str,
        committee: str,
        decided_on: date,
    ) -> None:
        self.stage = Stage.DECIDED
        self.decision_id = decision_id
        self.outcome = Outcome(outcome)
        self.committee = committee
        self.decided_on = decided_on
