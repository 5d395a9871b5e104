"""Statements dialogs in memory: what a statement may say, who votes on it, and how a vote
is recorded and changed."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, InvalidInput
from services.dialogs.kinds import (
    KIND_POLICIES,
    STATEMENT_MAX_LENGTH,
    DialogKind,
    Opinion,
    PostKind,
    post_rules,
)
from services.participation.domain import EDIT_WINDOW, StatementVote
from tests.domain.gwt import given, then, then_payloads
from tests.domain.test_participation import submitted


def test_a_statements_dialog_takes_statements_and_maps_opinions() -> None:
    policy = KIND_POLICIES[DialogKind.STATEMENTS]
    assert policy.post_kind(None) is PostKind.STATEMENT
    policy.ensure_opinions()
    for kind in DialogKind:
        if kind is not DialogKind.STATEMENTS:
            with pytest.raises(Conflict, match="has no statements to map opinions of"):
                KIND_POLICIES[kind].ensure_opinions()


def test_a_statement_is_short_and_has_no_title() -> None:
    rules = post_rules("statement")
    rules.ensure_text(None, "x" * STATEMENT_MAX_LENGTH)
    with pytest.raises(InvalidInput) as long:
        rules.ensure_text(None, "x" * (STATEMENT_MAX_LENGTH + 1))
    assert long.value.field == "body"
    assert f"at most {STATEMENT_MAX_LENGTH} characters" in long.value.reason
    with pytest.raises(InvalidInput) as titled:
        rules.ensure_text("A title", "Short")
    assert titled.value.field == "title"
    # other posts keep their titles and long bodies
    post_rules("idea").ensure_text("A title", "x" * 5000)


def test_a_statement_cannot_be_edited_or_supported(author: UUID) -> None:
    statement = submitted(PostKind.STATEMENT, author, title=None)
    with pytest.raises(Conflict, match="cannot be edited"):
        statement.edit(author, None, "Changed", statement.created_on + EDIT_WINDOW / 2)
    assert then(statement) == []
    assert post_rules("statement").endorsement is None


def test_only_a_published_statement_by_someone_else_is_voted_on(author: UUID) -> None:
    statement = submitted(PostKind.STATEMENT, author, title=None)
    statement.ensure_votable(uuid4())
    with pytest.raises(Conflict, match="it counts as your agreement"):
        statement.ensure_votable(author)
    idea = submitted(PostKind.IDEA, author)
    with pytest.raises(Conflict, match="this idea is no statement"):
        idea.ensure_votable(uuid4())
    statement.withdraw(author)
    with pytest.raises(Conflict, match="withdrawn"):
        statement.ensure_votable(uuid4())


def test_a_vote_is_recorded_once_and_each_change_is_an_event() -> None:
    statement_id, dialog_id, person = uuid4(), uuid4(), uuid4()
    vote = StatementVote(statement_id=statement_id, dialog_id=dialog_id, person_id=person, vote=1)
    assert vote.id == StatementVote.stream_id(statement_id, person)
    assert then_payloads(vote) == [
        (
            "StatementVoteCast",
            {"statement_id": statement_id, "dialog_id": dialog_id, "person_id": person, "vote": 1},
        )
    ]
    vote = given(vote)
    assert vote.opinion is Opinion.AGREE
    assert vote.change(Opinion.AGREE) is False
    assert then(vote) == []
    assert vote.change(Opinion.PASS) is True
    assert vote.change(Opinion.DISAGREE) is True
    assert [(n, p["vote"]) for n, p in then_payloads(vote)] == [
        ("StatementVoteChanged", 0),
        ("StatementVoteChanged", -1),
    ]
    assert vote.vote == Opinion.DISAGREE.number


def test_votes_are_numbers_in_the_matrix() -> None:
    assert [o.number for o in Opinion] == [1, -1, 0]
    assert all(Opinion.of_number(o.number) is o for o in Opinion)
