"""Citizen panels in memory: a panel's details and their checks, unique names, a membership's
way from invited to active, paused and left, and the draw of a round's sample."""

from __future__ import annotations

from collections import Counter
from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, Forbidden, InvalidInput
from services.identity.access import Caller, Role, SignIn
from services.surveys.panels import (
    BackgroundOption,
    BackgroundQuestion,
    Membership,
    MembershipStatus,
    Panel,
    PanelDetails,
    PanelNames,
    PanelSample,
    SampleMethod,
    allocate,
    draw,
    membership_id,
)
from tests.domain.gwt import CODEC, given, then, then_payloads

TENANT = "tidaholm"


def caller(role: Role = Role.ADMINISTRATOR) -> Caller:
    return Caller(tenant_id=TENANT, person_id=uuid4(), role=role, sign_in=SignIn.EMAIL)


def question(qid: str, *options: str) -> BackgroundQuestion:
    return BackgroundQuestion(
        id=qid,
        label=qid.title(),
        options=tuple(BackgroundOption(id=o, label=o.title()) for o in options),
    )


AGE = question("age", "16-29", "30-49", "50-64", "65")
DISTRICT = question("district", "centrum", "fagersanna", "madangsholm")


def details(**changes: object) -> PanelDetails:
    fields: dict[str, object] = {
        "name": "Tidaholmspanelen",
        "description": "Fyra enkäter om året",
        "consent": "Jag samtycker till att mina svar används i kommunens undersökningar.",
        "questions": (AGE, DISTRICT),
        "open_sign_up": True,
    }
    fields.update(changes)
    return PanelDetails(**fields)  # type: ignore[arg-type]


def created(**changes: object) -> Panel:
    return given(Panel.create(details(**changes), caller()))


def errors(error: InvalidInput) -> dict[str, str]:
    return dict(error.errors)


# -- panels ----------------------------------------------------------------------------------


def test_an_administrator_creates_a_panel_with_its_details_cleaned() -> None:
    panel = Panel.create(details(name="  Tidaholmspanelen "), caller())
    [(name, payload)] = then_payloads(panel)
    assert name == "PanelCreated"
    assert payload["details"].name == "Tidaholmspanelen"
    assert given(panel).details.questions == (AGE, DISTRICT)
    assert given(panel).consent_revision == 1


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MODERATOR, Role.ANALYST])
def test_only_administrators_create_panels(role: Role) -> None:
    with pytest.raises(Forbidden):
        Panel.create(details(), caller(role))


def test_every_problem_of_the_details_is_named() -> None:
    bad = details(
        name=" ",
        consent="",
        questions=(
            question("Age!", "a", "b"),
            question("district", "x"),
            question("district", "y", "y"),
        ),
    )
    with pytest.raises(InvalidInput) as refused:
        Panel.create(bad, caller())
    named = errors(refused.value)
    assert named["name"] == "must not be empty"
    assert named["consent"] == "must not be empty"
    assert "questions[0].id" in named
    assert named["questions[1].options"].startswith("a question has 2 to")
    assert "another question" in named["questions[2].id"]
    assert named["questions[2].options[1].id"] == "'y' is listed twice"


def test_a_change_keeps_every_question_and_option_once_offered() -> None:
    panel = created()
    with pytest.raises(InvalidInput) as refused:
        panel.change(details(questions=(AGE,)), caller())
    assert errors(refused.value)["questions"].startswith("'district' is missing")
    fewer = question("district", "centrum", "fagersanna")
    with pytest.raises(InvalidInput) as refused:
        panel.change(details(questions=(AGE, fewer)), caller())
    assert "'madangsholm' missing" in errors(refused.value)["questions[1].options"]
    assert then(panel) == []


def test_questions_and_options_are_added_and_the_consent_revision_counts() -> None:
    panel = created()
    more = question("district", "centrum", "fagersanna", "madangsholm", "ekedalen")
    gender = question("gender", "woman", "man", "other")
    assert panel.change(details(questions=(AGE, more, gender), consent="Nytt samtycke"), caller())
    assert then(panel) == ["PanelChanged"]
    again = given(panel)
    assert again.consent_revision == 2
    assert [q.id for q in again.details.questions] == ["age", "district", "gender"]
    assert not again.change(again.details, caller())  # the same: nothing recorded
    assert then(again) == []


def test_joining_takes_consent_and_an_answer_to_every_question() -> None:
    panel = created()
    with pytest.raises(InvalidInput) as refused:
        panel.check_consent(None)
    assert refused.value.field == "consent"
    with pytest.raises(InvalidInput):
        panel.check_consent(False)
    assert panel.check_consent(True) == 1

    with pytest.raises(InvalidInput) as refused:
        panel.check_background({"age": "99", "shoe": "42"})
    named = errors(refused.value)
    assert named["background.age"].startswith("'99' is not an option")
    assert named["background.shoe"].startswith("not a background question")
    assert named["background.district"] == "must be answered"
    answers = {"age": "30-49", "district": "centrum"}
    assert panel.check_background(answers) == answers
    assert panel.check_background({"age": "65"}, partial=True) == {"age": "65"}


def test_two_panels_do_not_share_a_name_whatever_its_case() -> None:
    names = PanelNames.start(TENANT)
    first, second = uuid4(), uuid4()
    assert names.take(first, "Tidaholmspanelen")
    names = given(names)
    with pytest.raises(InvalidInput) as refused:
        names.take(second, "tidaholmspanelen ")
    assert refused.value.field == "name"
    assert not names.take(first, "Tidaholmspanelen")  # its own name
    assert names.take(first, "Ungdomspanelen", previous="Tidaholmspanelen")
    names = given(names)
    assert names.take(second, "Tidaholmspanelen")  # released by the rename


# -- memberships -----------------------------------------------------------------------------


def test_an_invited_person_joins_pauses_resumes_and_leaves() -> None:
    panel_id, person = uuid4(), uuid4()
    membership = Membership.open(panel_id, person)
    assert membership.id == membership_id(panel_id, person)
    assert membership.invite()
    assert not membership.invite()  # invited already
    assert then(membership) == ["PanelMembershipOpened", "PanelMemberInvited"]

    membership = given(membership)
    assert membership.status is MembershipStatus.INVITED
    assert membership.join(1, open_sign_up=False).value == "invitation"
    [(name, payload)] = then_payloads(membership)
    assert (name, payload) == ("PanelMemberJoined", {"via": "invitation", "consent_revision": 1})

    membership = given(membership)
    assert membership.status is MembershipStatus.ACTIVE
    membership.pause()
    membership = given(membership)
    assert membership.status is MembershipStatus.PAUSED
    with pytest.raises(Conflict):
        membership.pause()
    membership.resume()
    membership.leave()
    assert then(membership) == ["PanelMemberResumed", "PanelMemberLeft"]
    left = given(membership)
    assert left.status is MembershipStatus.LEFT
    with pytest.raises(Conflict):
        left.leave()
    with pytest.raises(Conflict):
        left.resume()


def test_without_an_invitation_only_an_open_panel_takes_a_person() -> None:
    closed = Membership.open(uuid4(), uuid4())
    with pytest.raises(Forbidden):
        closed.join(1, open_sign_up=False)
    signed_up = Membership.open(uuid4(), uuid4())
    assert signed_up.join(3, open_sign_up=True).value == "sign-up"
    member = given(signed_up)
    assert member.consent_revision == 3
    with pytest.raises(Conflict):
        member.join(3, open_sign_up=True)  # a member already
    assert not member.invite()  # a member is not invited again


def test_one_who_left_is_invited_again_or_signs_up_again() -> None:
    membership = Membership.open(uuid4(), uuid4())
    membership.join(1, open_sign_up=True)
    membership.leave()
    membership = given(membership)
    assert membership.invite()
    membership.join(1, open_sign_up=False)
    assert then(membership)[-2:] == ["PanelMemberInvited", "PanelMemberJoined"]


# -- samples ---------------------------------------------------------------------------------


def test_proportional_allocation_gives_the_remainders_to_the_largest_fractions() -> None:
    assert allocate({"a": 50, "b": 30, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    # shares 3.5, 2.1, 1.4 of 7: whole parts 3, 2, 1; one place left goes to a (0.5)
    assert allocate({"a": 50, "b": 30, "c": 20}, 7) == {"a": 4, "b": 2, "c": 1}
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert allocate({"a": 3, "b": 0}, 3) == {"a": 3, "b": 0}
    for total in range(101):
        sizes = {"a": 37, "b": 41, "c": 22}
        given_ = allocate(sizes, total)
        assert sum(given_.values()) == total
        assert all(given_[s] <= sizes[s] for s in sizes)
        assert all(abs(given_[s] - total * sizes[s] / 100) < 1 for s in sizes)


def test_a_sample_cannot_be_larger_than_the_active_members() -> None:
    with pytest.raises(InvalidInput) as refused:
        allocate({"a": 2, "b": 1}, 4)
    assert refused.value.field == "total"


def population(sizes: dict[str, int]) -> dict[UUID, str]:
    return {uuid4(): stratum for stratum, n in sizes.items() for _ in range(n)}


def test_a_stratified_draw_is_proportional_and_reproducible_with_its_seed() -> None:
    strata = population({"16-29": 200, "30-49": 300, "50-64": 300, "65": 200})
    allocation, members = draw(strata, 100, seed=42)
    assert allocation == {"16-29": 20, "30-49": 30, "50-64": 30, "65": 20}
    assert len(members) == len(set(members)) == 100
    assert Counter(strata[m] for m in members) == Counter(allocation)
    assert draw(dict(reversed(list(strata.items()))), 100, seed=42) == (allocation, members)
    _, other = draw(strata, 100, seed=43)
    assert other != members


def test_a_sample_event_records_how_it_was_drawn_and_no_answers() -> None:
    panel_id, members = uuid4(), (uuid4(), uuid4())
    sample = PanelSample.record(
        panel_id, SampleMethod.STRATIFIED, "age", 2, 7, {"16-29": 1, "65": 1}, members
    )
    [(name, payload)] = then_payloads(sample)
    assert name == "PanelSampleDrawn"
    assert payload == {
        "panel_id": panel_id,
        "method": "stratified",
        "question_id": "age",
        "total": 2,
        "seed": 7,
        "allocation": {"16-29": 1, "65": 1},
        "members": members,
    }
    assert given(sample).members == members


def test_no_panel_event_carries_personal_data() -> None:
    """Membership events hold ids, statuses and the consent revision: the background answers
    are kept outside the events, so nothing of a panel is sealed or erased by key."""
    panel_events = {
        d.name: d.personal
        for d in CODEC.catalogue.definitions()
        if d.context == "surveys" and d.name.startswith("Panel")
    }
    assert panel_events == dict.fromkeys(
        [
            "PanelCreated",
            "PanelChanged",
            "PanelNamesStarted",
            "PanelNameTaken",
            "PanelMembershipOpened",
            "PanelMemberInvited",
            "PanelMemberJoined",
            "PanelMemberPaused",
            "PanelMemberResumed",
            "PanelMemberLeft",
            "PanelSampleDrawn",
            "PanelRoundStarted",
            "PanelRoundSent",
            "PanelRoundReminderDue",
            "PanelRoundClosed",
        ],
        frozenset(),
    )
    joined = CODEC.catalogue.by_name("PanelMemberJoined").json_schema()
    fields = joined["$defs"]["PanelMemberJoined"]["properties"]
    assert set(fields) == {"timestamp", "via", "consent_revision", "class_version"}
