"""A discussion's chat in memory: its settings (slow mode 0..3600 s, a setting unchanged
records nothing), a message's moderation (approve only what waits, hide once, pin only what
is shown, a hidden message is pinned no more), and a person's pace under slow mode. Given
events, when a command, then events or a refusal; no database."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from events.errors import Conflict, InvalidInput, TooManyRequests
from services.chat.domain import (
    ChatMessage,
    ChatPace,
    ChatRoom,
    MessageStatus,
    pace_id,
    room_id,
)
from tests.domain.gwt import T0, given, then, then_payloads

DIALOG = uuid4()
AUTHOR = uuid4()


def message(*, held: bool = False) -> ChatMessage:
    return given(
        ChatMessage(
            dialog_id=DIALOG,
            author_id=AUTHOR,
            anonymous=False,
            by_moderator=False,
            body="Hej från Lund",
            held=held,
            id=uuid4(),
        )
    )


def test_a_room_is_one_per_dialog_and_checks_its_slow_mode() -> None:
    room = ChatRoom.set_up(DIALOG, True, False, 30)
    assert room.id == room_id(DIALOG)
    assert then_payloads(room) == [
        (
            "ChatRoomSetUp",
            {"dialog_id": DIALOG, "live": True, "premoderation": False, "slow_mode_seconds": 30},
        )
    ]
    for bad in (-1, 3601):
        with pytest.raises(InvalidInput) as refused:
            ChatRoom.set_up(DIALOG, True, False, bad)
        assert refused.value.field == "slow_mode_seconds"


def test_configuring_records_a_change_and_nothing_when_unchanged() -> None:
    room = given(ChatRoom.set_up(DIALOG, True, False, 0))
    assert room.configure(True, False, 0) is False
    assert then(room) == []
    assert room.configure(True, True, 3600) is True
    assert then(room) == ["ChatRoomConfigured"]
    with pytest.raises(InvalidInput):
        room.configure(True, True, 3601)
    assert then(room) == []


def test_a_room_not_live_refuses() -> None:
    room = given(ChatRoom.set_up(DIALOG, False, False, 0))
    with pytest.raises(Conflict):
        room.ensure_live()


def test_a_held_message_is_approved_once_and_a_shown_one_not_at_all() -> None:
    held = message(held=True)
    assert held.status is MessageStatus.PENDING
    held.approve()
    assert then(held) == ["ChatMessageApproved"]
    with pytest.raises(Conflict):
        given(held).approve()
    with pytest.raises(Conflict):
        message().approve()


def test_hiding_unpins_and_is_done_once() -> None:
    shown = message()
    shown.pin()
    shown.hide("Off topic")
    assert then(shown) == ["ChatMessagePinned", "ChatMessageHidden"]
    hidden = given(shown)
    assert hidden.status is MessageStatus.HIDDEN
    assert not hidden.pinned
    with pytest.raises(Conflict):
        hidden.hide("again")
    with pytest.raises(Conflict):
        hidden.pin()


def test_only_a_shown_message_is_pinned_and_unpinned_once() -> None:
    with pytest.raises(Conflict):
        message(held=True).pin()
    shown = message()
    with pytest.raises(Conflict):
        shown.unpin()
    shown.pin()
    with pytest.raises(Conflict):
        shown.pin()
    shown.unpin()
    assert then(shown) == ["ChatMessagePinned", "ChatMessageUnpinned"]


def test_slow_mode_refuses_a_second_turn_within_its_seconds() -> None:
    pace = ChatPace(dialog_id=DIALOG, person_id=AUTHOR)
    assert pace.id == pace_id(DIALOG, AUTHOR)
    pace.take_turn(uuid4(), T0, 30)
    pace = given(pace)
    with pytest.raises(TooManyRequests) as refused:
        pace.take_turn(uuid4(), T0 + timedelta(seconds=10), 30)
    assert refused.value.retry_after == 20
    assert then(pace) == []
    pace.take_turn(uuid4(), T0 + timedelta(seconds=30), 30)
    assert then(pace) == ["ChatTurnTaken"]
