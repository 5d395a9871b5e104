"""Moderation: flags, hiding and restoring, pre-moderation, appeals and blocks.

Three aggregates, each guarding one rule with the store's help:

- ``Flag``: one person's flag of one post. Its stream id follows from (post, flagger), so a
  second flag by the same person is a version conflict, not a check a race could slip past. The
  flagger is the event metadata's actor, never the payload.
- ``ModerationCase``: one per post (stream id from the post id). It holds whether the post is
  waiting for approval, published or hidden, who hid it, and its one appeal.
- ``Block``: one per person; whether the person's writes are refused, and why.

eventsourcing gives every aggregate one creation event, and ``PostHeldForReview``,
``PostHidden`` and ``ParticipantBlocked`` can each happen more than once in a stream (hidden,
restored, hidden again), so a case starts with ``ModerationCaseOpened`` and a block record with
``BlockRecordOpened``, always followed in the same append by what happened.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/moderation")


def flag_id(post_id: UUID, person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"flag:{post_id}:{person_id}")


def case_id(post_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"case:{post_id}")


def block_id(person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"block:{person_id}")


class Flag(Aggregate):
    """A participant's flag of a post or comment, with the reason."""

    @event("PostFlagged")
    def __init__(self, id: UUID, post_id: UUID, dialog_id: UUID, reason: str) -> None:
        self.post_id = post_id
        self.reason = reason


class Visibility(StrEnum):
    PENDING = "pending"  # waiting for a moderator's approval (pre-moderation)
    PUBLISHED = "published"
    HIDDEN = "hidden"


class Appeal(StrEnum):
    NONE = "none"
    OPEN = "open"
    DECIDED = "decided"


class ModerationCase(Aggregate):
    """What moderators decided about one post, and the author's one appeal (whose reason,
    the author's own words, is sealed under the author's key)."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"AppealFiled": ("reason",)}
    data_subject: ClassVar[str] = "author_id"

    @staticmethod
    def create_id(post_id: UUID, dialog_id: UUID, author_id: UUID) -> UUID:
        return case_id(post_id)

    @event("ModerationCaseOpened")
    def __init__(self, post_id: UUID, dialog_id: UUID, author_id: UUID) -> None:
        self.post_id = post_id
        self.dialog_id = dialog_id
        self.author_id = author_id
        self.visibility = Visibility.PUBLISHED
        self.reason: str | None = None
        self.hidden_by: UUID | None = None
        self.appeal = Appeal.NONE

    def _ids(self) -> tuple[UUID, UUID, UUID]:
        return self.post_id, self.dialog_id, self.author_id

    def hold(self) -> None:
        """A new post in a pre-moderated dialog waits for approval."""
        self._held(*self._ids())

    @event("PostHeldForReview")
    def _held(self, post_id: UUID, dialog_id: UUID, author_id: UUID) -> None:
        self.visibility = Visibility.PENDING

    def approve(self, moderator_id: UUID) -> None:
        if self.visibility is not Visibility.PENDING:
            raise Conflict(f"the post is {self.visibility.value}, not waiting for approval")
        self._approved(*self._ids(), moderator_id)

    @event("PostApproved")
    def _approved(
        self, post_id: UUID, dialog_id: UUID, author_id: UUID, moderator_id: UUID
    ) -> None:
        self.visibility = Visibility.PUBLISHED
        self.reason = None

    def hide(self, moderator_id: UUID, reason: str) -> None:
        """Hide a published post, or reject one waiting for approval."""
        if self.visibility is Visibility.HIDDEN:
            raise Conflict("the post is hidden already")
        self._hidden(*self._ids(), moderator_id, reason)

    @event("PostHidden")
    def _hidden(
        self, post_id: UUID, dialog_id: UUID, author_id: UUID, moderator_id: UUID, reason: str
    ) -> None:
        self.visibility = Visibility.HIDDEN
        self.reason = reason
        self.hidden_by = moderator_id

    def restore(self, moderator_id: UUID, reason: str) -> None:
        """Show a hidden post again; an open appeal is settled by it."""
        if self.visibility is not Visibility.HIDDEN:
            raise Conflict(f"the post is {self.visibility.value}; only a hidden post is restored")
        self._restored(*self._ids(), moderator_id, reason)

    @event("PostRestored")
    def _restored(
        self, post_id: UUID, dialog_id: UUID, author_id: UUID, moderator_id: UUID, reason: str
    ) -> None:
        self.visibility = Visibility.PUBLISHED
        self.reason = reason
        if self.appeal is Appeal.OPEN:
            self.appeal = Appeal.DECIDED

    def file_appeal(self, person_id: UUID, reason: str) -> None:
        if person_id != self.author_id:
            raise Forbidden("only the author of a post may appeal its hiding")
        if self.appeal is not Appeal.NONE:
            raise Conflict("the post has been appealed already; an author appeals once")
        if self.visibility is not Visibility.HIDDEN:
            raise Conflict(f"the post is {self.visibility.value}; only a hidden post is appealed")
        self._appeal_filed(*self._ids(), reason)

    @event("AppealFiled")
    def _appeal_filed(self, post_id: UUID, dialog_id: UUID, author_id: UUID, reason: str) -> None:
        self.appeal = Appeal.OPEN

    def decide_appeal(self, moderator_id: UUID, upheld: bool, reason: str) -> None:
        """Upheld: the hiding stands. Not upheld: the post is restored."""
        if self.appeal is not Appeal.OPEN:
            raise Conflict("no appeal of this post is waiting for a decision")
        if moderator_id == self.hidden_by:
            raise Forbidden(
                "the moderator who hid the post may not decide its appeal; another moderator must"
            )
        if moderator_id == self.author_id:
            raise Forbidden("the author of a post may not decide its appeal")
        self._appeal_decided(*self._ids(), moderator_id, upheld, reason)

    @event("AppealDecided")
    def _appeal_decided(
        self,
        post_id: UUID,
        dialog_id: UUID,
        author_id: UUID,
        moderator_id: UUID,
        upheld: bool,
        reason: str,
    ) -> None:
        self.appeal = Appeal.DECIDED
        self.reason = reason
        if not upheld:
            self.visibility = Visibility.PUBLISHED


class Block(Aggregate):
    """Whether a person is blocked from taking part, and why."""

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return block_id(person_id)

    @event("BlockRecordOpened")
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.blocked = False
        self.reason: str | None = None

    def block(self, reason: str) -> None:
        if self.blocked:
            raise Conflict("the person is blocked already")
        self._blocked(self.person_id, reason)

    @event("ParticipantBlocked")
    def _blocked(self, person_id: UUID, reason: str) -> None:
        self.blocked = True
        self.reason = reason

    def unblock(self, reason: str) -> None:
        if not self.blocked:
            raise Conflict("the person is not blocked")
        self._unblocked(self.person_id, reason)

    @event("ParticipantUnblocked")
    def _unblocked(self, person_id: UUID, reason: str) -> None:
        self.blocked = False
        self.reason = reason
