"""Following a budget project in memory: each follow and unfollow an event on one stream per
(project, person), the same again recording nothing, device tokens and others' follows
refused."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from events.errors import Forbidden, SignInNeeded
from services.budgeting.ballots import BallotKind, BallotRule
from services.budgeting.domain import (
    BudgetProject,
    BudgetRound,
    District,
    Phase,
    PhaseTime,
    Rules,
)
from services.budgeting.follows import ProjectFollow, follow_id, may_follow
from services.budgeting.results import Counting
from services.identity.access import Caller, Role, SignIn
from tests.domain.gwt import CODEC, T0, given, then, then_payloads

TENANT = "town"
DAY = timedelta(days=1)


def caller(role: Role = Role.PARTICIPANT, sign_in: SignIn = SignIn.EMAIL) -> Caller:
    return Caller(tenant_id=TENANT, person_id=uuid4(), role=role, sign_in=sign_in)


def a_project(proposer: Caller) -> BudgetProject:
    phases = tuple(
        PhaseTime(
            phase=phase,
            opens_at=T0 + i * 10 * DAY,
            closes_at=None if phase is Phase.IMPLEMENTATION else T0 + (i + 1) * 10 * DAY,
        )
        for i, phase in enumerate(Phase)
    )
    budget_round = BudgetRound.set_up(
        uuid4(),
        (District(key="north", name="Norr", amount=1000),),
        Rules(ballot=BallotRule(kind=BallotKind.APPROVAL), counting=Counting.GREEDY),
        phases,
        caller(Role.ADMINISTRATOR),
    )
    return BudgetProject.propose(
        budget_round, "north", "Benches", "By the pond", 400, proposer, T0 + DAY, id=uuid4()
    )


def test_a_person_follows_unfollows_and_follows_again_each_once() -> None:
    bo = caller()
    project = a_project(caller())

    follow = ProjectFollow.start(project, bo)
    assert then_payloads(follow) == [
        ("BudgetProjectFollowed", {"project_id": project.id, "person_id": bo.person_id})
    ]
    assert follow.id == follow_id(project.id, bo.person_id)  # one stream per (project, person)
    follow = given(follow)
    assert follow.follow(bo) is False
    assert then(follow) == []  # following again records nothing
    assert follow.unfollow(bo) is True
    assert follow.unfollow(bo) is False
    assert then(follow) == ["BudgetProjectUnfollowed"]
    follow = given(follow)
    assert follow.following is False
    assert follow.follow(bo) is True
    assert then(follow) == ["BudgetProjectFollowedAgain"]
    assert given(follow).following is True


def test_the_proposer_follows_from_the_start_and_only_the_signed_in_follow() -> None:
    ada = caller()
    project = a_project(ada)

    theirs = ProjectFollow.by_proposer(project)
    assert then_payloads(theirs)[0][1]["person_id"] == ada.person_id
    with pytest.raises(SignInNeeded):
        ProjectFollow.start(project, caller(sign_in=SignIn.DEVICE))
    with pytest.raises(Forbidden):  # a consultant takes no part
        ProjectFollow.start(project, caller(Role.CONSULTANT, SignIn.PLATFORM))
    with pytest.raises(Forbidden):  # one's own follows only
        given(theirs).unfollow(caller())
    assert (may_follow(ada), may_follow(caller(Role.CONSULTANT, SignIn.PLATFORM))) == (True, False)
    assert may_follow(caller(sign_in=SignIn.DEVICE)) is False
    assert not CODEC.catalogue.by_name("BudgetProjectFollowed").personal
