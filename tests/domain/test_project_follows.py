"""Following a budget project in memory: each follow and unfollow an event on one stream per
(project, person), the same again recording nothing, device tokens and others' follows refused;
and who the notifier tells of an implementation update (pure functions, no database)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from uuid import UUID, uuid4

import msgspec
import pytest

from events.errors import Forbidden, SignInNeeded
from events.model import RecordedEvent
from events.repository import EventMetadata
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
from services.notifications.facts import Batch, TitleAt, learn, project_updated
from services.notifications.kinds import Kind
from services.notifications.projects import (
    FollowChange,
    ProjectFact,
    actor,
    follow_rows,
    followers,
)
from services.notifications.templates import compose
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


def _recorded(event_type: str, stream: UUID, position: int = 1) -> RecordedEvent:
    return RecordedEvent(
        position, TENANT, stream, 1, uuid4(), "budgeting", event_type, b"{}", b"{}", T0
    )


def test_followers_change_in_log_order_and_an_erasure_ends_every_follow() -> None:
    project, other = uuid4(), uuid4()
    ada, bo, cy = uuid4(), uuid4(), uuid4()
    changes = [
        FollowChange(TENANT, project, bo, True),
        FollowChange(TENANT, project, cy, True),
        FollowChange(TENANT, other, cy, True),
        FollowChange(TENANT, project, bo, False),
        FollowChange(TENANT, None, cy, False),  # cy erased
        FollowChange("elsewhere", project, bo, True),
    ]

    assert followers({ada}, changes, (TENANT, project)) == {ada}
    assert followers({ada}, changes[:2], (TENANT, project)) == {ada, bo, cy}
    ended, last = follow_rows(changes)
    assert ended == [(TENANT, cy)]
    assert last == {
        (TENANT, project, bo): False,
        (TENANT, project, cy): False,
        (TENANT, other, cy): False,
        ("elsewhere", project, bo): True,
    }


def test_an_update_goes_to_the_followers_but_not_to_who_reported_it() -> None:
    round_id, dialog, project, proposer, admin, bo = (uuid4() for _ in range(6))
    batch = Batch(dialogs={(TENANT, dialog): "Medborgarbudget"}, posts={})
    learn(batch, _recorded("BudgetRoundSetUp", round_id), SimpleNamespace(dialog_id=dialog))
    proposed = SimpleNamespace(round_id=round_id, proposer_id=proposer)
    learn(batch, _recorded("BudgetProjectProposed", project, 41), proposed)
    assert batch.projects[(TENANT, project)] == ProjectFact(dialog, proposer, 41)
    update = SimpleNamespace(status="completed", note="Open now", image=None)

    note = project_updated(batch, (TENANT, project), update, {proposer, admin, bo}, admin)

    assert note is not None
    assert (note.kind, set(note.recipients)) == (Kind.PROJECT_UPDATED, {proposer, bo})
    assert note.details == {
        "dialog": "Medborgarbudget",
        "title": TitleAt(41),  # the proposer's sealed title, opened when recorded
        "project": str(project),
        "status": "completed",
        "message": "Open now",
        "photo": "",
        "path": f"/dialogs/{dialog}",
    }
    pictured = SimpleNamespace(status="completed", note="", image="ab" * 32)
    shown = project_updated(batch, (TENANT, project), pictured, {bo}, admin)
    assert shown is not None
    assert shown.details["photo"] == f"/api/v1/images/{'ab' * 32}"
    unknown = project_updated(batch, (TENANT, uuid4()), update, {bo}, None)
    assert unknown is None
    metadata = msgspec.json.encode(EventMetadata(actor=str(admin), role="administrator"))
    assert (actor(metadata), actor(b"{}"), actor(b"not json")) == (admin, None, None)


def test_the_status_is_told_in_words_of_the_persons_language() -> None:
    values = {"dialog": "Budget", "title": "Bänkar", "status": "in-progress", "message": "Nu"}
    swedish = compose(Kind.PROJECT_UPDATED, values, "Lund", "sv", "https://lund.example", {})
    english = compose(Kind.PROJECT_UPDATED, values, "Lund", "en", "https://lund.example", {})
    finnish = compose(Kind.PROJECT_UPDATED, values, "Lund", "fi", "https://lund.example", {})
    report = compose(Kind.REPORT_STATUS, values, "Lund", "sv", "https://lund.example", {})

    assert swedish.subject == "Nytt om «Bänkar»: påbörjat"
    assert english.subject == "News of «Bänkar»: in progress"
    assert finnish.subject == "Uutta hankkeesta «Bänkar»: käynnissä"
    assert report.subject.endswith(": påbörjad")  # a report's status has words of its own
