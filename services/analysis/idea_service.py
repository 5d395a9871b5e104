"""Idea development's commands: members of an analysis make ideas of its items, give them an
owner, notes and answers to the municipality's questions, and move them through the stages;
the decision on an idea ready for decision is recorded as a committee ``Decision`` linked to
its items, in the same append as the idea's own ``IdeaDecided``, so the feedback loop (the
notifier's ``DecisionRecorded``) tells the items' authors and supporters.

Everything is checked against the aggregates, never a read model: the analysis (404 for
anyone who does not see it), each item (a post of the analysis's dialogs, not a comment nor
a survey answer, read from its stream), the owner (a member of the analysis), the committee
(the tenant's own list) and the municipality's questions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.analysis.commands import (
    AddIdeaNote,
    AnswerIdeaQuestions,
    CreateIdea,
    DecideIdea,
    SetIdeaQuestions,
)
from services.analysis.domain import Analysis
from services.analysis.ideas import (
    Idea,
    IdeaQuestions,
    Question,
    default_questions,
    idea_questions_id,
    parse_stage,
)
from services.analysis.service import AnalysisService
from services.identity.access import Caller, Permission, event_metadata
from services.participation.decisions import Decision, known_committee
from tenants.domain import Tenant, tenant_stream_id

_ATTEMPTS = 4  # tries of a change that stands on its own when others change the idea at once


class IdeaService:
    def __init__(self, repository: Repository, analyses: AnalysisService) -> None:
        self.repository = repository
        self.analyses = analyses

    # -- the municipality's questions ----------------------------------------------------

    async def _tenant(self, tenant_id: str) -> Tenant:
        return await self.repository.get(tenant_id, Tenant, tenant_stream_id(tenant_id))

    async def questions(self, tenant_id: str) -> dict[str, tuple[Question, ...]]:
        """The municipality's questions of each stage: its own once it set them, else the
        defaults in its language."""
        try:
            held = await self.repository.get(tenant_id, IdeaQuestions, idea_questions_id(tenant_id))
        except AggregateNotFound:
            held = None
        if held is not None and held.stages is not None:
            return held.stages
        return default_questions((await self._tenant(tenant_id)).default_language)

    async def set_questions(
        self, caller: Caller, command: SetIdeaQuestions
    ) -> dict[str, tuple[Question, ...]]:
        """Set the municipality's questions (administrators). Ideas keep the questions of the
        stage they are in; the new ones apply to the stages ideas enter from now on."""
        caller.require(Permission.ADMINISTER)
        stages = {
            stage: [Question(key=q.key, text=q.text) for q in given]
            for stage, given in command.stages.items()
        }
        try:
            held = await self.repository.get(
                caller.tenant_id, IdeaQuestions, idea_questions_id(caller.tenant_id)
            )
        except AggregateNotFound:
            held = IdeaQuestions(tenant=caller.tenant_id)
        if held.set(stages):
            await self._save(caller, held)
        assert held.stages is not None
        return held.stages

    # -- ideas ---------------------------------------------------------------------------

    async def create(self, caller: Caller, analysis_id: UUID, command: CreateIdea) -> Idea:
        """A raw idea from items of the analysis (else 422 naming ``items[i]``)."""
        analysis = await self.analyses.get(caller, analysis_id)
        for i, item_id in enumerate(command.items):
            if not await self.analyses.is_post(caller.tenant_id, analysis, item_id, f"items[{i}]"):
                raise InvalidInput(
                    f"items[{i}]",
                    f"{item_id} is no post of this analysis: an idea is made of posts"
                    " (not comments or survey answers), as its decision answers posts",
                )
        idea = Idea.create(
            analysis.id,
            command.title,
            command.items,
            await self.questions(caller.tenant_id),
            caller.person_id,
        )
        await self._save(caller, idea)
        return idea

    async def get(self, caller: Caller, analysis_id: UUID, idea_id: UUID) -> Idea:
        """An idea of the analysis, if the caller sees the analysis (404 otherwise, and for
        an idea of another analysis)."""
        analysis = await self.analyses.get(caller, analysis_id)
        return await self._idea(caller.tenant_id, analysis, idea_id)

    async def _idea(self, tenant_id: str, analysis: Analysis, idea_id: UUID) -> Idea:
        try:
            idea = await self.repository.get(tenant_id, Idea, idea_id)
        except AggregateNotFound:
            idea = None
        if idea is None or idea.analysis_id != analysis.id:
            raise NotFound(f"no idea {idea_id} in this analysis")
        return idea

    async def retitle(self, caller: Caller, analysis_id: UUID, idea_id: UUID, title: str) -> Idea:
        return await self._change(caller, analysis_id, idea_id, lambda idea: idea.retitle(title))

    async def set_owner(
        self, caller: Caller, analysis_id: UUID, idea_id: UUID, owner_id: UUID
    ) -> Idea:
        """Give the idea an owner: a member of the analysis (else 422 naming ``owner_id``)."""
        analysis = await self.analyses.get(caller, analysis_id)
        if not analysis.is_member(owner_id):
            raise InvalidInput("owner_id", f"{owner_id} is no member of this analysis")
        return await self._change(
            caller, analysis_id, idea_id, lambda idea: idea.set_owner(owner_id)
        )

    async def add_note(
        self, caller: Caller, analysis_id: UUID, idea_id: UUID, command: AddIdeaNote
    ) -> Idea:
        note_id = uuid4()

        def add(idea: Idea) -> bool:
            idea.add_note(note_id, command.text, caller.person_id, datetime.now(UTC))
            return True

        return await self._change(caller, analysis_id, idea_id, add)

    async def answer(
        self, caller: Caller, analysis_id: UUID, idea_id: UUID, command: AnswerIdeaQuestions
    ) -> Idea:
        """Answer questions of the stage the idea is in. Not tried again on a conflict: the
        idea may have moved on meanwhile, and the answers were meant for the stage seen."""
        analysis = await self.analyses.get(caller, analysis_id)
        idea = await self._idea(caller.tenant_id, analysis, idea_id)
        if idea.answer(command.answers, caller.person_id):
            await self._save(caller, idea)
        return idea

    async def advance(self, caller: Caller, analysis_id: UUID, idea_id: UUID, stage: str) -> Idea:
        """Move the idea on to ``stage``, the next one, once the questions of the stage it is
        in are answered (409 naming what is missing)."""
        to = parse_stage(stage)
        analysis = await self.analyses.get(caller, analysis_id)
        idea = await self._idea(caller.tenant_id, analysis, idea_id)
        idea.advance(to, await self.questions(caller.tenant_id))
        await self._save(caller, idea)
        return idea

    async def decide(
        self, caller: Caller, analysis_id: UUID, idea_id: UUID, command: DecideIdea
    ) -> tuple[Idea, Decision]:
        """The committee's decision on an idea ready for decision (administrators, who give
        the municipality's word; an analyst is 403): a ``Decision`` linked to the idea's
        items and the idea decided, in one append. The items' authors, supporters, signers
        and commenters are told by the notifier, as of any decision."""
        analysis = await self.analyses.get(caller, analysis_id)
        idea = await self._idea(caller.tenant_id, analysis, idea_id)
        caller.require(Permission.ANSWER)
        committee = known_committee(await self._tenant(caller.tenant_id), command.committee)
        decision = Decision.record(
            committee=committee,
            decided_on=command.decided_on,
            text=command.text,
            reference=command.reference,
            dialog_ids=(),
            post_ids=idea.items,
            recorded_by=caller.person_id,
        )
        idea.decide(decision.id, command.outcome, committee, command.decided_on)
        await self._save(caller, idea, decision)
        return idea, decision

    async def _change(
        self, caller: Caller, analysis_id: UUID, idea_id: UUID, change: Callable[[Idea], bool]
    ) -> Idea:
        """Apply ``change`` (one that stands on its own: a title, an owner, a note) and save
        it, applied again to an idea another member changed meanwhile, a few times, before
        the caller is told to try again."""
        analysis = await self.analyses.get(caller, analysis_id)
        for _ in range(_ATTEMPTS - 1):
            idea = await self._idea(caller.tenant_id, analysis, idea_id)
            if not change(idea):
                return idea
            try:
                await self.repository.save(caller.tenant_id, idea, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return idea
        idea = await self._idea(caller.tenant_id, analysis, idea_id)
        if change(idea):
            await self._save(caller, idea)
        return idea

    async def _save(self, caller: Caller, *aggregates: Aggregate) -> None:
        try:
            await self.repository.save(
                caller.tenant_id, *aggregates, metadata=event_metadata(caller)
            )
        except ConcurrencyConflict:
            raise Conflict("the idea was changed meanwhile; read it and try again") from None
