"""Live chat and moderated live blog: a discussion dialog's chat room, its messages, and each
participant's pace in it (slow mode).

Three aggregates, each guarding one rule with the store's help:

- ``ChatRoom``: one per dialog (its stream id follows from the dialog's): whether the chat is
  live, whether messages wait for a moderator's approval (pre-moderation, for a live blog
  beside a webcast), and the slow mode (seconds a participant waits between two messages).
- ``ChatMessage``: one per message. What its author wrote is personal data, sealed under the
  author's key like a post's body (``events.personal``), so erasure leaves it unreadable.
  Moderators approve a held message, hide a message, and pin or unpin a shown one.
- ``ChatPace``: one per (dialog, person), its stream id following from both. With slow mode
  on, each message is saved together with a ``ChatTurnTaken`` on the author's pace, in one
  append: two messages sent at once both read the same version, and the second append is a
  version conflict, not a check that a race could slip past.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, InvalidInput, TooManyRequests

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/chat")

MAX_SLOW_MODE = 3600  # seconds
MAX_MESSAGE = 2000  # characters of a message


def room_id(dialog_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"room:{dialog_id}")


def pace_id(dialog_id: UUID, person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"pace:{dialog_id}:{person_id}")


def slow_mode(seconds: int) -> int:
    """A slow mode: 0 (off) to ``MAX_SLOW_MODE`` whole seconds, else 422 naming the field."""
    if isinstance(seconds, bool) or not 0 <= seconds <= MAX_SLOW_MODE:
        raise InvalidInput(
            "slow_mode_seconds",
            f"must be a whole number of seconds from 0 (off) to {MAX_SLOW_MODE}",
        )
    return seconds


class ChatRoom(Aggregate):
    """A discussion dialog's chat: live or not, pre-moderated or not, and its slow mode."""

    @staticmethod
    def create_id(dialog_id: UUID, live: bool, premoderation: bool, slow_mode_seconds: int) -> UUID:
        return room_id(dialog_id)

    @event("ChatRoomSetUp")
    def __init__(
        self, dialog_id: UUID, live: bool, premoderation: bool, slow_mode_seconds: int
    ) -> None:
        self.dialog_id = dialog_id
        self.live = live
        self.premoderation = premoderation
        self.slow_mode_seconds = slow_mode_seconds

    @classmethod
    def set_up(
        cls, dialog_id: UUID, live: bool, premoderation: bool, slow_mode_seconds: int
    ) -> ChatRoom:
        return cls(
            dialog_id=dialog_id,
            live=live,
            premoderation=premoderation,
            slow_mode_seconds=slow_mode(slow_mode_seconds),
        )

    def configure(self, live: bool, premoderation: bool, slow_mode_seconds: int) -> bool:
        """Change the settings; False (nothing recorded) when they are as asked already."""
        seconds = slow_mode(slow_mode_seconds)
        if (live, premoderation, seconds) == (
            self.live,
            self.premoderation,
            self.slow_mode_seconds,
        ):
            return False
        self._configured(live, premoderation, seconds)
        return True

    @event("ChatRoomConfigured")
    def _configured(self, live: bool, premoderation: bool, slow_mode_seconds: int) -> None:
        self.live = live
        self.premoderation = premoderation
        self.slow_mode_seconds = slow_mode_seconds

    def ensure_live(self) -> None:
        if not self.live:
            raise Conflict("the dialog's chat is not live")


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for a moderator's approval (pre-moderation)
    SHOWN = "shown"
    HIDDEN = "hidden"


class ChatMessage(Aggregate):
    """One message of a dialog's chat."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"ChatMessagePosted": ("body",)}
    data_subject: ClassVar[str] = "author_id"

    @event("ChatMessagePosted")
    def __init__(
        self,
        dialog_id: UUID,
        author_id: UUID,
        anonymous: bool,
        by_moderator: bool,
        body: str,
        held: bool,
        *,
        id: UUID,  # eventsourcing takes the aggregate's id by this name
    ) -> None:
        self.dialog_id = dialog_id
        self.author_id = author_id
        self.anonymous = anonymous
        self.by_moderator = by_moderator
        self.body = body
        self.status = MessageStatus.PENDING if held else MessageStatus.SHOWN
        self.pinned = False

    def approve(self) -> None:
        if self.status is not MessageStatus.PENDING:
            raise Conflict(f"the message is {self.status.value}, not waiting for approval")
        self._approved(self.dialog_id)

    @event("ChatMessageApproved")
    def _approved(self, dialog_id: UUID) -> None:
        self.status = MessageStatus.SHOWN

    def hide(self, reason: str) -> None:
        if self.status is MessageStatus.HIDDEN:
            raise Conflict("the message is hidden already")
        self._hidden(self.dialog_id, reason)

    @event("ChatMessageHidden")
    def _hidden(self, dialog_id: UUID, reason: str) -> None:
        self.status = MessageStatus.HIDDEN
        self.pinned = False  # a hidden message is pinned no more

    def pin(self) -> None:
        if self.status is not MessageStatus.SHOWN:
            raise Conflict(f"only a shown message is pinned; this one is {self.status.value}")
        if self.pinned:
            raise Conflict("the message is pinned already")
        self._pinned(self.dialog_id)

    @event("ChatMessagePinned")
    def _pinned(self, dialog_id: UUID) -> None:
        self.pinned = True

    def unpin(self) -> None:
        if not self.pinned:
            raise Conflict("the message is not pinned")
        self._unpinned(self.dialog_id)

    @event("ChatMessageUnpinned")
    def _unpinned(self, dialog_id: UUID) -> None:
        self.pinned = False


class ChatPace(Aggregate):
    """A person's turns in one dialog's chat, for its slow mode."""

    @staticmethod
    def create_id(dialog_id: UUID, person_id: UUID) -> UUID:
        return pace_id(dialog_id, person_id)

    @event("ChatPaceStarted")
    def __init__(self, dialog_id: UUID, person_id: UUID) -> None:
        self.dialog_id = dialog_id
        self.person_id = person_id
        self.last_turn: datetime | None = None

    def take_turn(self, message_id: UUID, now: datetime, slow_mode_seconds: int) -> None:
        """Record a message's turn, or refuse it (429 with the seconds to wait) when the
        person's last message was sent less than ``slow_mode_seconds`` ago."""
        wait = self.wait(now, slow_mode_seconds)
        if wait > 0:
            raise TooManyRequests(
                f"slow mode: one message every {slow_mode_seconds} seconds;"
                f" wait {wait} more seconds",
                retry_after=wait,
            )
        self._turn_taken(message_id, now)

    def wait(self, now: datetime, slow_mode_seconds: int) -> int:
        """Whole seconds until the person may send again (0: now)."""
        if self.last_turn is None or slow_mode_seconds <= 0:
            return 0
        left = self.last_turn + timedelta(seconds=slow_mode_seconds) - now
        return max(0, math.ceil(left.total_seconds()))

    @event("ChatTurnTaken")
    def _turn_taken(self, message_id: UUID, at: datetime) -> None:
        self.last_turn = at
