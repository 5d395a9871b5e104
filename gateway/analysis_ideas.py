"""Idea development over HTTP: members of an analysis make ideas of its items and take them
through the stages (raw, assessed, developed, ready-for-decision) by answering the
municipality's questions of each, with an owner and notes; an administrator records the
committee's decision on an idea ready for decision, which reaches the authors and supporters
of its items through the feedback loop. Administrators set the municipality's questions.
An analysis the caller does not see is 404, and so is each of its ideas."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from events.errors import Forbidden
from gateway.edge import Injected
from gateway.problems import problems
from services.analysis.commands import (
    AddIdeaNote,
    AdvanceIdea,
    AnswerIdeaQuestions,
    CreateIdea,
    DecideIdea,
    RetitleIdea,
    SetIdeaOwner,
    SetIdeaQuestions,
)
from services.analysis.idea_listing import IdeaQueries
from services.analysis.idea_service import IdeaService
from services.analysis.ideas import QUESTIONED, STAGES, Idea, Question
from services.identity.access import Caller, Permission

StageName = Literal["raw", "assessed", "developed", "ready-for-decision", "decided"]


class QuestionView(msgspec.Struct, kw_only=True):
    key: str
    text: str
    answer: str | None  # null while unanswered


class StageView(msgspec.Struct, kw_only=True):
    """A stage the idea entered, with its questions as they were when it entered."""

    stage: str
    questions: list[QuestionView]


class NoteView(msgspec.Struct, kw_only=True):
    id: UUID
    text: str
    author_id: UUID
    stage: str  # the stage the idea was in
    added_at: datetime


class IdeaDecisionView(msgspec.Struct, kw_only=True):
    decision_id: UUID  # the committee decision (GET /api/v1/decisions/{id})
    outcome: str
    committee: str
    decided_on: date


class IdeaView(msgspec.Struct, kw_only=True):
    """An idea: its stage, title, owner, the items it came from, the questions and answers
    of each stage it entered, what is missing to move on, its notes and its decision."""

    id: UUID
    analysis_id: UUID
    title: str
    stage: str
    owner_id: UUID | None
    items: list[UUID]
    stages: list[StageView]
    missing: list[str]  # keys of the current stage's questions still unanswered
    notes: list[NoteView]
    decision: IdeaDecisionView | None
    created_by: UUID
    created_at: datetime
    changed_at: datetime


class IdeaList(msgspec.Struct, kw_only=True):
    items: list[IdeaView]


class QuestionOut(msgspec.Struct, kw_only=True):
    key: str
    text: str


class IdeaQuestionsView(msgspec.Struct, kw_only=True):
    """The municipality's questions of each stage before the decision (its own, or the
    defaults in its language until it sets them)."""

    stages: dict[str, list[QuestionOut]]


def _stages(
    stage: str,
    questions: Mapping[str, Sequence[Any]],
    answers: Mapping[str, Mapping[str, str]],
) -> tuple[list[StageView], list[str]]:
    entered = [s.value for s in STAGES if s.value in questions]
    views = [
        StageView(
            stage=s,
            questions=[
                QuestionView(key=q["key"], text=q["text"], answer=answers.get(s, {}).get(q["key"]))
                for q in questions[s]
            ],
        )
        for s in entered
    ]
    held = answers.get(stage, {})
    missing = [q["key"] for q in questions.get(stage, ()) if q["key"] not in held]
    return views, missing


def idea_view(idea: Idea) -> IdeaView:
    questions = {s: [msgspec.structs.asdict(q) for q in qs] for s, qs in idea.questions.items()}
    stages, missing = _stages(idea.stage.value, questions, idea.answers)
    decision = (
        None
        if idea.decision_id is None
        or idea.outcome is None
        or idea.committee is None
        or idea.decided_on is None
        else IdeaDecisionView(
            decision_id=idea.decision_id,
            outcome=idea.outcome.value,
            committee=idea.committee,
            decided_on=idea.decided_on,
        )
    )
    return IdeaView(
        id=idea.id,
        analysis_id=idea.analysis_id,
        title=idea.title,
        stage=idea.stage.value,
        owner_id=idea.owner_id,
        items=list(idea.items),
        stages=stages,
        missing=missing,
        notes=[
            NoteView(
                id=n.id,
                text=n.text,
                author_id=n.author_id,
                stage=n.stage,
                added_at=n.added_at,
            )
            for n in idea.notes
        ],
        decision=decision,
        created_by=idea.created_by,
        created_at=idea.created_on,
        changed_at=idea.modified_on,
    )


def _row_view(row: Any) -> IdeaView:
    stages, missing = _stages(
        row["stage"], json.loads(row["questions"]), json.loads(row["answers"])
    )
    decision = (
        None
        if row["decision_id"] is None
        else IdeaDecisionView(
            decision_id=row["decision_id"],
            outcome=row["outcome"],
            committee=row["committee"],
            decided_on=row["decided_on"],
        )
    )
    return IdeaView(
        id=row["idea_id"],
        analysis_id=row["analysis_id"],
        title=row["title"],
        stage=row["stage"],
        owner_id=row["owner_id"],
        items=list(row["items"]),
        stages=stages,
        missing=missing,
        notes=[
            NoteView(
                id=UUID(n["id"]),
                text=n["text"],
                author_id=UUID(n["author_id"]),
                stage=n["stage"],
                added_at=datetime.fromisoformat(n["added_at"]),
            )
            for n in json.loads(row["notes"])
        ],
        decision=decision,
        created_by=row["created_by"],
        created_at=row["created_at"],
        changed_at=row["changed_at"],
    )


_IDEA = "/{analysis_id:uuid}/ideas/{idea_id:uuid}"


class AnalysisIdeasController(Controller):
    path = "/api/v1/analyses"
    tags = ["analysis"]

    @post(
        "/{analysis_id:uuid}/ideas",
        operation_id="createAnalysisIdea",
        summary="Make an idea of items",
        responses=problems(409, 422),
        status_code=201,
    )
    async def create(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[CreateIdea],
    ) -> IdeaView:
        """Make a raw idea with a title from one or more items of the analysis (members);
        it gets the municipality's questions of the raw stage. An id that is no item of this
        analysis (another analysis's or municipality's included) is refused (422 naming
        `items[i]`), and so is an item listed twice."""
        return idea_view(await ideas.create(caller, analysis_id, data))

    @get(
        "/{analysis_id:uuid}/ideas",
        operation_id="listAnalysisIdeas",
        summary="List an analysis's ideas",
    )
    async def list_ideas(
        self,
        ideas: Injected[IdeaService],
        idea_queries: Injected[IdeaQueries],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        stage: Annotated[StageName | None, QueryParameter()] = None,
    ) -> IdeaList:
        """The analysis's ideas, oldest first (members), each with its stage, owner, items,
        questions and answers, notes and decision; `stage` keeps those in that stage."""
        await ideas.analyses.get(caller, analysis_id)
        rows = await idea_queries.ideas(caller.tenant_id, analysis_id, stage)
        return IdeaList(items=[_row_view(r) for r in rows])

    @get(_IDEA, operation_id="getAnalysisIdea", summary="Read an idea")
    async def get_idea(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
    ) -> IdeaView:
        """One idea of the analysis as it stands (members); an idea of another analysis is
        404."""
        return idea_view(await ideas.get(caller, analysis_id, idea_id))

    @put(
        f"{_IDEA}/title",
        operation_id="retitleAnalysisIdea",
        summary="Retitle an idea",
        responses=problems(409, 422),
    )
    async def retitle(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[RetitleIdea],
    ) -> IdeaView:
        """Give the idea a new title (members); the same again records nothing. A decided
        idea takes no more changes (409)."""
        return idea_view(await ideas.retitle(caller, analysis_id, idea_id, data.title))

    @put(
        f"{_IDEA}/owner",
        operation_id="setAnalysisIdeaOwner",
        summary="Set an idea's owner",
        responses=problems(409, 422),
    )
    async def set_owner(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[SetIdeaOwner],
    ) -> IdeaView:
        """Make a member of the analysis the idea's owner (members). Anyone else is refused
        (422 naming `owner_id`)."""
        return idea_view(await ideas.set_owner(caller, analysis_id, idea_id, data.owner_id))

    @post(
        f"{_IDEA}/notes",
        operation_id="addAnalysisIdeaNote",
        summary="Add a note to an idea",
        responses=problems(409, 422),
        status_code=201,
    )
    async def add_note(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[AddIdeaNote],
    ) -> IdeaView:
        """Add a note to the idea (members), kept with its author and the stage the idea is
        in. An empty or blank note is refused naming `text`."""
        return idea_view(await ideas.add_note(caller, analysis_id, idea_id, data))

    @put(
        f"{_IDEA}/answers",
        operation_id="answerAnalysisIdeaQuestions",
        summary="Answer an idea's questions",
        responses=problems(409, 422),
    )
    async def answer(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[AnswerIdeaQuestions],
    ) -> IdeaView:
        """Answer questions of the stage the idea is in, by their keys (members); an answer
        given again replaces the one before. A key that is no question of that stage is
        refused (422 naming `answers.<key>`); a decided idea is 409."""
        return idea_view(await ideas.answer(caller, analysis_id, idea_id, data))

    @post(
        f"{_IDEA}/stage",
        operation_id="advanceAnalysisIdea",
        summary="Move an idea to its next stage",
        responses=problems(409, 422),
        status_code=200,
    )
    async def advance(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[AdvanceIdea],
    ) -> IdeaView:
        """Move the idea on to `stage`, the one after the stage it is in (members): raw,
        assessed, developed, ready-for-decision. It moves once every question of its stage
        is answered; otherwise 409 naming the unanswered questions. A stage that is not the
        next is 409, an unknown one 422 naming `stage`; an idea ready for decision moves on
        by its decision."""
        return idea_view(await ideas.advance(caller, analysis_id, idea_id, data.stage))

    @post(
        f"{_IDEA}/decision",
        operation_id="decideAnalysisIdea",
        summary="Record the decision on an idea",
        responses=problems(409, 422),
        status_code=201,
    )
    async def decide(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        idea_id: FromPath[UUID],
        data: JSONBody[DecideIdea],
    ) -> IdeaView:
        """Record a committee's decision on an idea ready for decision (administrators; an
        analyst is 403), with its outcome: a committee decision (one of the municipality's
        committees, else 422 naming `committee`) linked to the idea's items, whose authors,
        supporters, signers and commenters are told, as of any decision. An idea not ready
        for decision, or with unanswered questions, is 409."""
        idea, _ = await ideas.decide(caller, analysis_id, idea_id, data)
        return idea_view(idea)


def _questions_view(stages: Mapping[str, Sequence[Question]]) -> IdeaQuestionsView:
    return IdeaQuestionsView(
        stages={
            s.value: [QuestionOut(key=q.key, text=q.text) for q in stages.get(s.value, ())]
            for s in QUESTIONED
        }
    )


class IdeaQuestionsController(Controller):
    path = "/api/v1/idea-questions"
    tags = ["analysis"]

    @get("/", operation_id="getIdeaQuestions", summary="Read the questions of idea stages")
    async def get_questions(
        self, ideas: Injected[IdeaService], caller: NamedDependency[Caller]
    ) -> IdeaQuestionsView:
        """The municipality's questions of each stage of idea development (administrators
        and analysts): its own once set, else the defaults in its language (need and
        feasibility, then cost and who is responsible, then the analysts' recommendation)."""
        if not (caller.may(Permission.ANALYSE) or caller.may(Permission.ADMINISTER)):
            raise Forbidden("only administrators and analysts read the idea questions")
        return _questions_view(await ideas.questions(caller.tenant_id))

    @put(
        "/",
        operation_id="setIdeaQuestions",
        summary="Set the questions of idea stages",
        responses=problems(409, 422),
    )
    async def set_questions(
        self,
        ideas: Injected[IdeaService],
        caller: NamedDependency[Caller],
        data: JSONBody[SetIdeaQuestions],
    ) -> IdeaQuestionsView:
        """Set the municipality's questions of each stage before the decision
        (administrators; a stage left out has none). Ideas keep the questions of the stages
        they have entered; new ones apply to the stages ideas enter from now on. A stage that
        is not raw, assessed, developed or ready-for-decision is refused (422 naming
        `stages.<stage>`), and so is a key asked twice in a stage."""
        return _questions_view(await ideas.set_questions(caller, data))
