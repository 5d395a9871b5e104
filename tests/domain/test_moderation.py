"""Flags, moderation cases (hold, approve, hide, restore, appeal) and blocks in memory."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from events.errors import Conflict, Forbidden
from services.moderation.domain import (
    Appeal,
    Block,
    Flag,
    ModerationCase,
    Visibility,
    block_id,
    case_id,
    flag_id,
)
from tests.domain.gwt import given, memory_store, then, then_payloads

MODERATOR = uuid4()
OTHER_MODERATOR = uuid4()


def case_of(author: UUID) -> ModerationCase:
    """Given a case opened for a published post by ``author``."""
    return given(ModerationCase(post_id=uuid4(), dialog_id=uuid4(), author_id=author))


def hidden(author: UUID) -> ModerationCase:
    """Given a post hidden by ``MODERATOR``."""
    case = case_of(author)
    case.hide(MODERATOR, "insults")
    return given(case)


def appealed(author: UUID) -> ModerationCase:
    case = hidden(author)
    case.file_appeal(author, "It was irony")
    return given(case)


def test_a_flag_is_one_per_person_and_post(someone: UUID) -> None:
    post_id = uuid4()
    flag = Flag(id=flag_id(post_id, someone), post_id=post_id, dialog_id=uuid4(), reason="spam")
    assert then_payloads(flag)[0][0] == "PostFlagged"
    store = memory_store()
    store.save(Flag(id=flag_id(post_id, someone), post_id=post_id, dialog_id=uuid4(), reason="x"))
    with pytest.raises(IntegrityError):
        store.save(
            Flag(id=flag_id(post_id, someone), post_id=post_id, dialog_id=uuid4(), reason="y")
        )
    assert flag_id(post_id, uuid4()) != flag_id(post_id, someone)


def test_a_case_is_one_per_post_and_starts_published(author: UUID) -> None:
    post_id = uuid4()
    case = ModerationCase(post_id=post_id, dialog_id=uuid4(), author_id=author)
    assert case.id == case_id(post_id)
    assert then(case) == ["ModerationCaseOpened"]
    assert (case.visibility, case.appeal) == (Visibility.PUBLISHED, Appeal.NONE)


def test_a_held_post_waits_then_is_approved(author: UUID) -> None:
    case = case_of(author)
    case.hold()
    assert then(case) == ["PostHeldForReview"]
    case = given(case)
    assert case.visibility is Visibility.PENDING
    case.approve(MODERATOR)
    assert then(case) == ["PostApproved"]
    assert given(case).visibility is Visibility.PUBLISHED


def test_only_a_waiting_post_is_approved(author: UUID) -> None:
    case = case_of(author)
    with pytest.raises(Conflict, match="the post is published, not waiting for approval"):
        case.approve(MODERATOR)
    assert then(case) == []


def test_a_waiting_post_can_be_rejected(author: UUID) -> None:
    case = case_of(author)
    case.hold()
    case = given(case)
    case.hide(MODERATOR, "off topic")
    assert then(case) == ["PostHidden"]
    assert given(case).visibility is Visibility.HIDDEN


def test_a_moderator_hides_a_post_with_the_reason(author: UUID) -> None:
    case = case_of(author)
    case.hide(MODERATOR, "insults")
    [(name, payload)] = then_payloads(case)
    assert name == "PostHidden"
    assert (payload["moderator_id"], payload["reason"]) == (MODERATOR, "insults")
    again = given(case)
    assert (again.visibility, again.hidden_by) == (Visibility.HIDDEN, MODERATOR)


def test_a_hidden_post_is_not_hidden_twice(author: UUID) -> None:
    case = hidden(author)
    with pytest.raises(Conflict, match="hidden already"):
        case.hide(OTHER_MODERATOR, "again")
    assert then(case) == []


def test_a_hidden_post_is_restored(author: UUID) -> None:
    case = hidden(author)
    case.restore(OTHER_MODERATOR, "a mistake")
    assert then(case) == ["PostRestored"]
    assert given(case).visibility is Visibility.PUBLISHED


def test_only_a_hidden_post_is_restored(author: UUID) -> None:
    with pytest.raises(Conflict, match="only a hidden post is restored"):
        case_of(author).restore(MODERATOR, "why")


def test_the_author_appeals_a_hiding_once(author: UUID) -> None:
    case = hidden(author)
    case.file_appeal(author, "It was irony")
    assert then(case) == ["AppealFiled"]
    case = given(case)
    assert case.appeal is Appeal.OPEN
    with pytest.raises(Conflict, match="an author appeals once"):
        case.file_appeal(author, "Please")
    assert then(case) == []


def test_only_the_author_appeals(author: UUID, someone: UUID) -> None:
    with pytest.raises(Forbidden, match="only the author"):
        hidden(author).file_appeal(someone, "On their behalf")


def test_only_a_hidden_post_is_appealed(author: UUID) -> None:
    with pytest.raises(Conflict, match="only a hidden post is appealed"):
        case_of(author).file_appeal(author, "Nothing to appeal")


def test_an_appeal_not_upheld_restores_the_post(author: UUID) -> None:
    case = appealed(author)
    case.decide_appeal(OTHER_MODERATOR, upheld=False, reason="irony indeed")
    assert then(case) == ["AppealDecided"]
    case = given(case)
    assert (case.appeal, case.visibility) == (Appeal.DECIDED, Visibility.PUBLISHED)


def test_an_upheld_appeal_leaves_the_post_hidden(author: UUID) -> None:
    case = appealed(author)
    case.decide_appeal(OTHER_MODERATOR, upheld=True, reason="not irony")
    case = given(case)
    assert (case.appeal, case.visibility) == (Appeal.DECIDED, Visibility.HIDDEN)


def test_the_moderator_who_hid_it_does_not_decide_the_appeal(author: UUID) -> None:
    case = appealed(author)
    with pytest.raises(Forbidden, match="another moderator must"):
        case.decide_appeal(MODERATOR, upheld=True, reason="I stand by it")
    assert then(case) == []


def test_the_author_does_not_decide_their_own_appeal(author: UUID) -> None:
    with pytest.raises(Forbidden, match="the author of a post may not decide"):
        appealed(author).decide_appeal(author, upheld=False, reason="I agree with me")


def test_no_decision_without_an_appeal(author: UUID) -> None:
    with pytest.raises(Conflict, match="no appeal of this post is waiting"):
        hidden(author).decide_appeal(OTHER_MODERATOR, upheld=True, reason="pre-emptively")


def test_a_restoring_settles_an_open_appeal(author: UUID) -> None:
    case = appealed(author)
    case.restore(OTHER_MODERATOR, "on second thought")
    case = given(case)
    assert (case.appeal, case.visibility) == (Appeal.DECIDED, Visibility.PUBLISHED)
    with pytest.raises(Conflict, match="no appeal"):
        case.decide_appeal(OTHER_MODERATOR, upheld=True, reason="late")


def test_a_person_is_blocked_and_unblocked(someone: UUID) -> None:
    block = Block(person_id=someone)
    assert block.id == block_id(someone)
    block.block("repeated insults")
    assert then(block) == ["BlockRecordOpened", "ParticipantBlocked"]
    block = given(block)
    assert (block.blocked, block.reason) == (True, "repeated insults")
    block.unblock("served the time")
    assert then_payloads(block) == [
        ("ParticipantUnblocked", {"person_id": someone, "reason": "served the time"})
    ]
    assert not given(block).blocked


def test_a_block_is_not_recorded_twice(someone: UUID) -> None:
    block = Block(person_id=someone)
    block.block("spam")
    block = given(block)
    with pytest.raises(Conflict, match="blocked already"):
        block.block("more spam")
    assert then(block) == []


def test_only_a_blocked_person_is_unblocked(someone: UUID) -> None:
    block = given(Block(person_id=someone))
    with pytest.raises(Conflict, match="not blocked"):
        block.unblock("nothing to lift")
