"""Responses to a survey: a respondent's draft, the one response, and the mark that they answered.

A person answers a survey once. Their response lives in a stream whose id is a keyed hash of
(tenant, survey, person) (``Keys.response_stream``), so a second response is a version conflict
on that stream, refused by the store itself however many arrive at once, as ballots are.

In an anonymous survey (the dialog's ``anonymous`` setting, the default) the response's event
names nobody (``AnonymousResponseSubmitted``) and the service records it with no actor in its
metadata; nothing but the deployment's secret links its stream to the person. In a survey that
names its respondents (``NamedResponseSubmitted``) the answers are the respondent's personal data,
sealed under their key, which erasure destroys.

Whether a person has answered (for reminders to those who have not, results to those who have)
is a separate ``Respondent`` stream that names the person and holds no answers; the service
records it in a transaction of its own, after the response's.

A respondent's unfinished answers are a ``ResponseDraft``, in a stream keyed like the response
(``Keys.response_draft_stream``): the person finds it again from another device, and it names
nobody either.

Answers are stored as JSON takes them (option ids, lists, numbers, texts, row id to point, a
date as YYYY-MM-DD), after the questionnaire has checked them against the version answered.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

__all__ = [
    "AnonymousResponse",
    "NamedResponse",
    "Respondent",
    "ResponseDraft",
    "respondent_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/surveys/respondents")

StoredAnswers = dict[str, Any]


def respondent_id(dialog_id: UUID, person_id: UUID) -> UUID:
    """The stream that marks that ``person_id`` answered the survey ``dialog_id``."""
    return uuid5(_NAMESPACE, f"respondent:{dialog_id}:{person_id}")


class AnonymousResponse(Aggregate):
    """A response to an anonymous survey. Its id comes from the response key; it names nobody.
    It says only whether its respondent was signed in or used a device token."""

    @staticmethod
    def create_id(
        response_id: UUID, dialog_id: UUID, version: int, answers: StoredAnswers, signed_in: bool
    ) -> UUID:
        return response_id

    @event("AnonymousResponseSubmitted")
    def __init__(
        self,
        response_id: UUID,
        dialog_id: UUID,
        version: int,
        answers: StoredAnswers,
        signed_in: bool,
    ) -> None:
        self.dialog_id = dialog_id
        self.version = version
        self.answers = answers
        self.signed_in = signed_in


class NamedResponse(Aggregate):
    """A response to a survey that names its respondents: the answers are sealed under the
    respondent's key. Its stream is the same keyed one as an anonymous response's. Once the
    respondent is erased the answers read as None (the key that opened them is gone)."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"NamedResponseSubmitted": ("answers",)}
    data_subject: ClassVar[str] = "person_id"

    @staticmethod
    def create_id(
        response_id: UUID,
        dialog_id: UUID,
        person_id: UUID,
        version: int,
        answers: StoredAnswers | None,
    ) -> UUID:
        return response_id

    @event("NamedResponseSubmitted")
    def __init__(
        self,
        response_id: UUID,
        dialog_id: UUID,
        person_id: UUID,
        version: int,
        answers: StoredAnswers | None,  # None: erased (what a sealed field reads as, key gone)
    ) -> None:
        self.dialog_id = dialog_id
        self.person_id = person_id
        self.version = version
        self.answers = answers


class Respondent(Aggregate):
    """That one person answered one survey: no answers, no version, no link to the response."""

    @staticmethod
    def create_id(dialog_id: UUID, person_id: UUID) -> UUID:
        return respondent_id(dialog_id, person_id)

    @event("SurveyAnswered")
    def __init__(self, dialog_id: UUID, person_id: UUID) -> None:
        self.dialog_id = dialog_id
        self.person_id = person_id


class ResponseDraft(Aggregate):
    """A respondent's answers so far, to one version of the questionnaire; it names nobody."""

    @staticmethod
    def create_id(draft_id: UUID, dialog_id: UUID, version: int, answers: StoredAnswers) -> UUID:
        return draft_id

    @event("ResponseDraftStarted")
    def __init__(
        self, draft_id: UUID, dialog_id: UUID, version: int, answers: StoredAnswers
    ) -> None:
        self.dialog_id = dialog_id
        self.version = version
        self.answers = answers
        self.discarded = False

    def save(self, version: int, answers: StoredAnswers) -> bool:
        """Keep these answers; False (nothing recorded) when they are the ones kept."""
        if not self.discarded and (version, answers) == (self.version, self.answers):
            return False
        self._saved(version, answers)
        return True

    @event("ResponseDraftSaved")
    def _saved(self, version: int, answers: StoredAnswers) -> None:
        self.version = version
        self.answers = answers
        self.discarded = False

    def discard(self) -> None:
        """The response was submitted: the draft is done with."""
        if not self.discarded:
            self._discarded()

    @event("ResponseDraftDiscarded")
    def _discarded(self) -> None:
        self.discarded = True
        self.answers = {}
