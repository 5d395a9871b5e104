"""The municipality's official answers to posts, in memory: which posts take one, which
states follow which, and what each answer records."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, Forbidden
from services.dialogs.kinds import POST_RULES, AnswerState, PostKind
from services.identity.access import PERMISSIONS, TENANT_ROLES, Caller, Permission, Role, SignIn
from services.participation.domain import Post
from tests.domain.gwt import given, then, then_payloads
from tests.domain.test_participation import submitted

ANSWERABLE = (PostKind.PROPOSAL, PostKind.IDEA, PostKind.PETITION, PostKind.SUGGESTION)
OFFICIAL = uuid4()


@pytest.mark.parametrize("kind", ANSWERABLE)
def test_an_answer_records_its_state_text_and_who_gave_it(kind: PostKind, author: UUID) -> None:
    post = submitted(kind, author)

    post.answer(AnswerState.UNDER_CONSIDERATION, "The committee takes it up in May", OFFICIAL)

    assert then_payloads(post) == [
        (
            "PostAnswered",
            {
                "state": "under-consideration",
                "text": "The committee takes it up in May",
                "answered_by": OFFICIAL,
            },
        )
    ]
    again = given(post)
    assert again.answer_state is AnswerState.UNDER_CONSIDERATION
    assert again.answer_text == "The committee takes it up in May"


def test_only_proposals_ideas_petitions_and_suggestions_are_answerable() -> None:
    assert {k for k, r in POST_RULES.items() if r.answerable} == set(ANSWERABLE)


def test_a_post_is_answered_again_as_things_move_on(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    post.answer(AnswerState.RECEIVED, "Thank you, we have it", OFFICIAL)
    post = given(post)
    post.answer(AnswerState.ACCEPTED, "Accepted by the committee", OFFICIAL)
    post = given(post)
    post.answer(AnswerState.IMPLEMENTED, "The crossing is built", OFFICIAL)

    assert then(post) == ["PostAnswered"]
    assert given(post).answer_state is AnswerState.IMPLEMENTED


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (PostKind.PROBLEM_REPORT, "changing its status"),
        (PostKind.TOPIC, "a topic gets no official answer"),
        (PostKind.COMMENT, "a comment gets no official answer"),
    ],
)
def test_other_kinds_are_refused_with_the_reason(kind: PostKind, reason: str, author: UUID) -> None:
    post = submitted(kind, author)

    with pytest.raises(Conflict, match=reason):
        post.answer(AnswerState.ACCEPTED, "Yes", OFFICIAL)
    assert then(post) == []


def test_a_withdrawn_post_is_not_answered(author: UUID) -> None:
    post = submitted(PostKind.IDEA, author)
    post.withdraw(author)
    post = given(post)

    with pytest.raises(Conflict, match="withdrawn"):
        post.answer(AnswerState.REJECTED, "No", OFFICIAL)


def test_received_comes_only_before_any_other_answer(author: UUID) -> None:
    post = submitted(PostKind.PETITION, author)
    post.answer(AnswerState.REJECTED, "Not this year", OFFICIAL)
    post = given(post)

    with pytest.raises(Conflict, match="'received' comes before") as refused:
        post.answer(AnswerState.RECEIVED, "We have it", OFFICIAL)
    assert refused.value.field == "state"
    assert then(post) == []


def test_the_same_answer_twice_is_refused_but_a_new_text_is_recorded(author: UUID) -> None:
    post = submitted(PostKind.SUGGESTION, author)
    post.answer(AnswerState.UNDER_CONSIDERATION, "In May", OFFICIAL)
    post = given(post)

    with pytest.raises(Conflict, match="this answer") as refused:
        post.answer(AnswerState.UNDER_CONSIDERATION, "In May", OFFICIAL)
    assert refused.value.field == "state"
    post.answer(AnswerState.UNDER_CONSIDERATION, "Moved to June", OFFICIAL)
    assert then(post) == ["PostAnswered"]


def test_an_answer_is_no_personal_data_of_the_author() -> None:
    assert "PostAnswered" not in Post.personal_fields


@pytest.mark.parametrize("role", sorted(TENANT_ROLES | {Role.CONSULTANT, Role.OPERATIONS}))
def test_administrators_and_committee_members_answer_and_nobody_else(role: Role) -> None:
    caller = Caller(tenant_id="town", person_id=uuid4(), role=role, sign_in=SignIn.EMAIL)
    answers = role in (Role.ADMINISTRATOR, Role.COMMITTEE_MEMBER)

    assert (Permission.ANSWER in PERMISSIONS[role]) is answers
    if answers:
        caller.require(Permission.ANSWER)
    else:
        with pytest.raises(Forbidden):
            caller.require(Permission.ANSWER)


def test_a_committee_member_administers_nothing_but_sees_every_dialog() -> None:
    member = Caller(
        tenant_id="town", person_id=uuid4(), role=Role.COMMITTEE_MEMBER, sign_in=SignIn.EMAIL
    )
    assert member.staff
    assert not member.may(Permission.ADMINISTER)
    assert not member.may(Permission.MODERATE)
