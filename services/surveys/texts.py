"""Free text answers to a survey, moderated before anything of them is published.

Staff who read a survey's results (administrators and analysts) list the free text answers to
one question and approve or hide each. A ``SurveyTextReview`` is one text's record: its
stream id follows from (survey, response, question), so two reviewers deciding about
different texts never collide, and each decision is an event naming who took it (``by``; the
event's time says when). A text is pending until it is approved; only approved texts are in
the survey's results, and hiding an approved text takes it out again.

A response is named here as in the survey's exports: by a keyed hash of its stream
(``Keys.survey_row``), which names nobody and says nothing of when it came.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.identity.access import Caller, Permission, event_metadata

__all__ = ["Decision", "SurveyTextReview", "SurveyTextService", "TextStatus", "text_review_id"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/surveys/texts")


def text_review_id(dialog_id: UUID, response: str, question_id: str) -> UUID:
    """The one review stream of a response's free text answer to a question."""
    return uuid5(_NAMESPACE, f"text:{dialog_id}:{response}:{question_id}")


class TextStatus(StrEnum):
    PENDING = "pending"  # nobody has decided: not published
    APPROVED = "approved"  # in the survey's results
    HIDDEN = "hidden"  # never published (or no longer)


class Decision(StrEnum):
    APPROVE = "approve"
    HIDE = "hide"


class SurveyTextReview(Aggregate):
    """What staff decided about one free text answer: approved (published) or hidden."""

    @staticmethod
    def create_id(dialog_id: UUID, response: str, question_id: str) -> UUID:
        return text_review_id(dialog_id, response, question_id)

    @event("SurveyTextReviewOpened")
    def __init__(self, dialog_id: UUID, response: str, question_id: str) -> None:
        self.dialog_id = dialog_id
        self.response = response
        self.question_id = question_id
        self.status = TextStatus.PENDING
        self.decided_by: UUID | None = None

    def decide(self, decision: Decision, by: Caller) -> bool:
        """Approve or hide the text; False (nothing recorded) when it is so already."""
        by.require(Permission.ANALYSE)
        wanted = TextStatus.APPROVED if decision is Decision.APPROVE else TextStatus.HIDDEN
        if self.status is wanted:
            return False
        ids = (self.dialog_id, self.response, self.question_id, by.person_id)
        if wanted is TextStatus.APPROVED:
            self._approved(*ids)
        else:
            self._hidden(*ids)
        return True

    @event("SurveyTextApproved")
    def _approved(self, dialog_id: UUID, response: str, question_id: str, by: UUID) -> None:
        self.status = TextStatus.APPROVED
        self.decided_by = by

    @event("SurveyTextHidden")
    def _hidden(self, dialog_id: UUID, response: str, question_id: str, by: UUID) -> None:
        self.status = TextStatus.HIDDEN
        self.decided_by = by


TextExists = Callable[[str, UUID, str, str], Awaitable[bool]]
"""Whether (tenant, survey, response, question) is a free text answer there is: the survey
responses read model's lookup (the text was listed from it)."""


class SurveyTextService:
    """Staff's decisions about a survey's free text answers."""

    def __init__(self, repository: Repository, exists: TextExists) -> None:
        self.repository = repository
        self.exists = exists

    async def decide(
        self, caller: Caller, dialog_id: UUID, question_id: str, response: str, decision: Decision
    ) -> SurveyTextReview:
        """Approve or hide one free text answer (administrators and analysts); a second
        identical decision records nothing."""
        caller.require(Permission.ANALYSE)
        tenant_id = caller.tenant_id
        if not await self.exists(tenant_id, dialog_id, response, question_id):
            raise NotFound(f"the survey has no free text answer {response}/{question_id}")
        stream = text_review_id(dialog_id, response, question_id)
        try:
            review = await self.repository.get(tenant_id, SurveyTextReview, stream)
        except AggregateNotFound:
            review = SurveyTextReview(
                dialog_id=dialog_id, response=response, question_id=question_id
            )
        if review.decide(decision, caller):
            try:
                await self.repository.save(tenant_id, review, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                raise Conflict("the text was decided on meanwhile; read it and try again") from None
        return review
