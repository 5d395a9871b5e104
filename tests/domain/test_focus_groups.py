"""Focus groups in memory: who is what to a group, members removed (and the last moderator
kept), the guide and its releases (at once and on a schedule), items deleted before their
release and withdrawn after it, follow-ups, what a participant may answer, marks on answers,
pseudonyms, and what a participant sees of the others' answers."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from events.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.focus_groups.domain import (
    Access,
    FocusGroup,
    FocusGroupAnswer,
    ItemKind,
    Mark,
    MemberRole,
    RemovedFromFocusGroup,
)
from services.focus_groups.read_model import AnswerRow
from services.focus_groups.views import participant_view, transcript, transcript_csv
from services.identity.access import Caller, Role, SignIn
from tests.domain.gwt import T0, given, then, then_payloads

TENANT = "tidaholm"


def caller(role: Role = Role.MODERATOR, person_id: UUID | None = None) -> Caller:
    return Caller(tenant_id=TENANT, person_id=person_id or uuid4(), role=role, sign_in=SignIn.EMAIL)


MODERATOR = caller()


def group(visible: bool = False) -> FocusGroup:
    return FocusGroup.create(MODERATOR, "Trygg skolväg", "Vad gör vägen trygg?", visible)


def with_participants(g: FocusGroup, n: int) -> list[Caller]:
    people = [caller(Role.PARTICIPANT) for _ in range(n)]
    for p in people:
        g.add_member(MODERATOR, p.person_id, MemberRole.PARTICIPANT, "invitees[0]")
    return people


def test_staff_who_may_moderate_create_a_group_and_its_creator_moderates_it() -> None:
    g = group()
    assert then(g) == ["FocusGroupCreated"]
    assert g.access(MODERATOR) is Access.MODERATOR
    with pytest.raises(Forbidden):
        FocusGroup.create(caller(Role.PARTICIPANT), "x", "", False)
    with pytest.raises(Forbidden):
        FocusGroup.create(caller(Role.ANALYST), "x", "", False)
    with pytest.raises(InvalidInput) as refused:
        FocusGroup.create(MODERATOR, " ", "x" * 5001, False)
    assert {f for f, _ in refused.value.errors} == {"title", "description"}


def test_access_participants_observers_other_staff_and_strangers() -> None:
    g = given(group())
    (p,) = with_participants(g, 1)
    observer = caller(Role.ANALYST)
    g.add_member(MODERATOR, observer.person_id, MemberRole.OBSERVER, "person_id")
    g = given(g)
    assert g.access(p) is Access.PARTICIPANT
    assert g.access(observer) is Access.OBSERVER
    assert g.access(caller(Role.ADMINISTRATOR)) is Access.MODERATOR
    with pytest.raises(Forbidden):
        g.access(caller(Role.MODERATOR))  # staff, but not of this group
    with pytest.raises(NotFound):
        g.access(caller(Role.PARTICIPANT))  # never invited: the group does not exist to them
    with pytest.raises(Forbidden):
        g.require_moderator(observer)
    with pytest.raises(Forbidden):
        g.require_staff(p)
    with pytest.raises(Forbidden):
        g.require_participant(observer)
    # Roles in the group count while the municipality's role allows them.
    demoted = caller(Role.PARTICIPANT, MODERATOR.person_id)
    with pytest.raises(NotFound):
        g.access(demoted)
    with pytest.raises(NotFound):
        g.access(caller(Role.PARTICIPANT, observer.person_id))
    with pytest.raises(Forbidden):
        g.access(caller(Role.ANALYST, MODERATOR.person_id))  # staff who may not moderate


def test_a_person_holds_one_role_and_pseudonyms_follow_the_order_participants_came() -> None:
    g = given(group())
    a, b, c = with_participants(g, 3)
    assert then(g) == ["FocusGroupMemberAdded"] * 3
    assert not g.add_member(MODERATOR, a.person_id, MemberRole.PARTICIPANT, "x")
    with pytest.raises(Conflict):
        g.add_member(MODERATOR, a.person_id, MemberRole.OBSERVER, "person_id")
    g = given(g)
    assert [g.pseudonym(x.person_id) for x in (a, b, c)] == [
        "Participant 1",
        "Participant 2",
        "Participant 3",
    ]
    assert g.pseudonym(MODERATOR.person_id) is None


def test_items_are_checked_and_video_links_are_https_on_a_known_player() -> None:
    g = given(group())
    with pytest.raises(InvalidInput) as refused:
        g.add_item(MODERATOR, ItemKind.QUESTION, " ", None, None)
    assert refused.value.field == "text"
    with pytest.raises(InvalidInput) as refused:
        g.add_item(MODERATOR, ItemKind.STIMULUS, "", None, "http://www.youtube.com/watch?v=x")
    assert refused.value.field == "video_url"
    with pytest.raises(InvalidInput) as refused:
        g.add_item(MODERATOR, ItemKind.STIMULUS, "", None, "https://evil.example/v")
    assert refused.value.field == "video_url"
    with pytest.raises(InvalidInput) as refused:
        g.add_item(MODERATOR, ItemKind.STIMULUS, "", "../etc/passwd", None)
    assert refused.value.field == "image_id"
    with pytest.raises(InvalidInput) as refused:
        g.add_item(MODERATOR, ItemKind.STIMULUS, "", None, None)
    assert refused.value.field == "text"
    assert then(g) == []
    g.add_item(MODERATOR, ItemKind.STIMULUS, "", None, "https://www.youtube.com/watch?v=abc")
    g.add_item(MODERATOR, ItemKind.STIMULUS, "Bilden", "ab" * 32, None)
    assert then(g) == ["FocusGroupItemAdded"] * 2


def test_release_now_or_on_a_schedule_and_answers_wait_for_it() -> None:
    g = given(group())
    (p,) = with_participants(g, 1)
    first = g.add_item(MODERATOR, ItemKind.QUESTION, "Hur tar du dig till skolan?", None, None)
    second = g.add_item(MODERATOR, ItemKind.QUESTION, "Var känns det otryggt?", None, None)
    g = given(g)
    with pytest.raises(Conflict):
        g.answerable(p.person_id, first, T0)
    assert g.release(MODERATOR, first, None, T0) == T0
    later = T0 + timedelta(hours=1)
    with pytest.raises(InvalidInput) as refused:
        g.release(MODERATOR, second, T0 - timedelta(minutes=1), T0)
    assert refused.value.field == "at"
    with pytest.raises(InvalidInput):
        g.release(MODERATOR, second, later.replace(tzinfo=None), T0)
    g.release(MODERATOR, second, later, T0)
    assert [name for name, _ in then_payloads(g)] == ["FocusGroupItemReleased"] * 2
    g = given(g)
    with pytest.raises(Conflict):
        g.release(MODERATOR, first, None, T0)
    g.answerable(p.person_id, first, T0)
    with pytest.raises(Conflict):
        g.answerable(p.person_id, second, T0)  # scheduled, its time not come
    g.answerable(p.person_id, second, later)  # released when its time comes
    assert [i.id for i in g.released_items(T0)] == [first]
    assert [i.id for i in g.released_items(later)] == [first, second]
    with pytest.raises(NotFound):
        g.answerable(p.person_id, uuid4(), T0)
    with pytest.raises(Forbidden):
        g.release(p, second, None, T0)  # a participant of the group


def test_a_follow_up_to_one_participant_is_theirs_alone() -> None:
    g = given(group())
    a, b = with_participants(g, 2)
    item = g.add_item(MODERATOR, ItemKind.QUESTION, "Fråga", None, None)
    with pytest.raises(InvalidInput) as refused:
        g.follow_up(MODERATOR, "Berätta mer?", MODERATOR.person_id, item, T0)
    assert {f for f, _ in refused.value.errors} == {"to", "item_id"}  # no participant; unreleased
    g.release(MODERATOR, item, None, T0)
    only_a = g.follow_up(MODERATOR, "Berätta mer?", a.person_id, item, T0)
    everyone = g.follow_up(MODERATOR, "Något mer?", None, None, T0)
    g = given(g)
    assert [f.id for f in g.follow_ups_for(a.person_id)] == [only_a, everyone]
    assert [f.id for f in g.follow_ups_for(b.person_id)] == [everyone]
    g.answerable(a.person_id, only_a, T0)
    with pytest.raises(NotFound):
        g.answerable(b.person_id, only_a, T0)
    assert g.private_to(only_a) == a.person_id


def test_marks_are_set_and_cleared_and_nothing_is_recorded_twice() -> None:
    answer = FocusGroupAnswer.give(uuid4(), uuid4(), uuid4(), " Svaret ")
    assert answer.text == "Svaret"
    answer = given(answer)
    assert answer.mark({Mark.PINNED: True, Mark.HIDDEN: False})
    assert then(answer) == ["FocusGroupAnswerMarked"]
    answer = given(answer)
    assert answer.marks == {Mark.PINNED}
    assert not answer.mark({Mark.PINNED: True})
    assert answer.mark({Mark.PINNED: False, Mark.HIGHLIGHTED: True})
    answer = given(answer)
    assert answer.marks == {Mark.HIGHLIGHTED}
    with pytest.raises(InvalidInput):
        FocusGroupAnswer.give(uuid4(), uuid4(), uuid4(), "   ")


def _row(g: FocusGroup, item: UUID, who: Caller, text: str, **marks: bool) -> AnswerRow:
    return AnswerRow(
        answer_id=uuid4(),
        group_id=g.id,
        item_id=item,
        person_id=who.person_id,
        text=text,
        pinned=marks.get("pinned", False),
        hidden=marks.get("hidden", False),
        highlighted=marks.get("highlighted", False),
        answered_at=T0,
    )


def test_a_participant_sees_the_others_answers_once_they_answered_and_never_hidden_ones() -> None:
    g = given(group(visible=False))
    a, b, c = with_participants(g, 3)
    item = g.add_item(MODERATOR, ItemKind.QUESTION, "Fråga", None, None)
    g.release(MODERATOR, item, None, T0)
    rows = [_row(g, item, a, "A svarar"), _row(g, item, c, "dolt", hidden=True)]
    before = participant_view(g, b.person_id, rows, T0).items[0]
    assert (before.answered, before.others_visible, before.answers) == (False, False, [])
    rows.append(_row(g, item, b, "B svarar", pinned=True))
    after = participant_view(g, b.person_id, rows, T0).items[0]
    assert after.answered
    assert after.others_visible
    assert [(x.author, x.text, x.mine) for x in after.answers] == [
        ("Participant 2", "B svarar", True),  # pinned first
        ("Participant 1", "A svarar", False),
    ]
    own_hidden = participant_view(g, c.person_id, rows, T0).items[0]
    assert "dolt" in [x.text for x in own_hidden.answers]  # its author still sees it
    g.change(MODERATOR, None, None, True)
    everyone = participant_view(g, b.person_id, rows[:2], T0).items[0]
    assert [x.text for x in everyone.answers] == ["A svarar"]


def test_the_transcript_names_pseudonyms_and_csv_is_inert() -> None:
    g = given(group())
    a, b = with_participants(g, 2)
    item = g.add_item(MODERATOR, ItemKind.QUESTION, "Fråga", None, None)
    g.add_item(MODERATOR, ItemKind.QUESTION, "Inte släppt", None, None)
    g.release(MODERATOR, item, None, T0)
    g.follow_up(MODERATOR, "Mer?", b.person_id, item, T0)
    rows = [_row(g, item, a, "=HYPERLINK(1)"), _row(g, item, b, "B", highlighted=True)]
    lines = transcript(g, rows, T0)
    assert [(x.speaker, x.kind, x.about) for x in lines] == [
        ("Moderator", "question", "Item 1"),
        ("Moderator", "follow-up", "Follow-up 1 (Item 1)"),
        ("Participant 1", "answer", "Item 1"),
        ("Participant 2", "answer", "Item 1"),
    ]
    assert lines[1].to == "Participant 2"
    csv = transcript_csv(lines).decode()
    assert "'=HYPERLINK(1)" in csv
    assert "Inte släppt" not in csv
    assert str(a.person_id) not in csv


def test_a_follow_up_to_all_follows_the_visibility_rule_one_to_one_shows_only_ones_own() -> None:
    g = given(group(visible=False))
    a, b = with_participants(g, 2)
    to_all = g.follow_up(MODERATOR, "Något mer?", None, None, T0)
    to_a = g.follow_up(MODERATOR, "Och du?", a.person_id, None, T0)
    rows = [_row(g, to_all, a, "A till alla"), _row(g, to_a, a, "A enskilt")]
    seen_by_b = participant_view(g, b.person_id, rows, T0).follow_ups
    assert [(f.text, [x.text for x in f.answers]) for f in seen_by_b] == [("Något mer?", [])]
    rows.append(_row(g, to_all, b, "B till alla"))
    seen_by_b = participant_view(g, b.person_id, rows, T0).follow_ups
    assert {x.text for x in seen_by_b[0].answers} == {"A till alla", "B till alla"}
    seen_by_a = participant_view(g, a.person_id, rows, T0).follow_ups
    assert [f.to_me_only for f in seen_by_a] == [False, True]
    assert [x.text for x in seen_by_a[1].answers] == ["A enskilt"]
    assert seen_by_a[1].others_visible is False


def test_a_moderator_removes_a_member_who_then_reaches_the_group_no_more() -> None:
    g = given(group())
    a, b = with_participants(g, 2)
    observer = caller(Role.ANALYST)
    g.add_member(MODERATOR, observer.person_id, MemberRole.OBSERVER, "person_id")
    g = given(g)
    with pytest.raises(Forbidden):
        g.remove_member(a, b.person_id)  # a participant removes nobody
    with pytest.raises(Forbidden):
        g.remove_member(observer, a.person_id)  # nor does an observer
    assert g.remove_member(MODERATOR, a.person_id)
    assert g.remove_member(MODERATOR, observer.person_id)
    assert then_payloads(g) == [
        ("FocusGroupMemberRemoved", {"person_id": a.person_id, "role": "participant"}),
        ("FocusGroupMemberRemoved", {"person_id": observer.person_id, "role": "observer"}),
    ]
    g = given(g)
    for removed in (a, observer):
        with pytest.raises(RemovedFromFocusGroup) as refused:
            g.access(removed)
        assert "removed you" in str(refused.value)
    with pytest.raises(RemovedFromFocusGroup):
        g.require_participant(a)
    assert g.access(b) is Access.PARTICIPANT
    # What the removed participant said stays theirs: the pseudonyms do not move.
    assert (g.pseudonym(a.person_id), g.pseudonym(b.person_id)) == (
        "Participant 1",
        "Participant 2",
    )
    assert g.removed == {
        a.person_id: MemberRole.PARTICIPANT,
        observer.person_id: MemberRole.OBSERVER,
    }
    # Removing twice records nothing; someone never a member is 404.
    assert not g.remove_member(MODERATOR, a.person_id)
    with pytest.raises(NotFound):
        g.remove_member(MODERATOR, uuid4())
    assert then(g) == []
    # Invited again, a participant is back under their old pseudonym, and the next one new.
    assert g.add_member(MODERATOR, a.person_id, MemberRole.PARTICIPANT, "invitees[0]")
    (c,) = with_participants(g, 1)
    g = given(g)
    assert g.access(a) is Access.PARTICIPANT
    assert [g.pseudonym(x.person_id) for x in (a, b, c)] == [
        "Participant 1",
        "Participant 2",
        "Participant 3",
    ]
    # A person holds one role in a group: a participant, removed, does not come back as staff.
    assert g.remove_member(MODERATOR, c.person_id)
    with pytest.raises(Conflict) as conflict:
        g.add_member(MODERATOR, c.person_id, MemberRole.OBSERVER, "person_id")
    assert conflict.value.field == "person_id"


def test_the_last_moderator_cannot_be_removed() -> None:
    g = given(group())
    with pytest.raises(Conflict) as refused:
        g.remove_member(MODERATOR, MODERATOR.person_id)
    assert refused.value.field == "person_id"
    assert "last moderator" in refused.value.reason
    other = caller(Role.MODERATOR)
    g.add_member(MODERATOR, other.person_id, MemberRole.MODERATOR, "person_id")
    g = given(g)
    assert g.remove_member(other, MODERATOR.person_id)  # two: one may go
    g = given(g)
    with pytest.raises(RemovedFromFocusGroup):
        g.require_moderator(MODERATOR)
    with pytest.raises(Conflict):
        g.remove_member(other, other.person_id)  # now the last one
    # An administrator moderates every group, removed or not, and is no moderator kept.
    admin = caller(Role.ADMINISTRATOR)
    assert g.access(admin) is Access.MODERATOR
    with pytest.raises(Conflict):
        g.remove_member(admin, other.person_id)


def test_an_item_is_deleted_before_its_release_and_withdrawn_after_it() -> None:
    g = given(group())
    (p,) = with_participants(g, 1)
    draft = g.add_item(MODERATOR, ItemKind.QUESTION, "Utkast", None, None)
    scheduled = g.add_item(MODERATOR, ItemKind.QUESTION, "Senare", None, None)
    shown = g.add_item(MODERATOR, ItemKind.QUESTION, "Nu", None, None)
    later = T0 + timedelta(hours=1)
    g.release(MODERATOR, scheduled, later, T0)
    g.release(MODERATOR, shown, None, T0)
    g = given(g)
    with pytest.raises(Forbidden):
        g.delete_item(p, draft, T0)
    g.delete_item(MODERATOR, draft, T0)
    g.delete_item(MODERATOR, scheduled, T0)  # its time has not come: nobody saw it
    with pytest.raises(Conflict) as refused:
        g.delete_item(MODERATOR, shown, T0)
    assert "withdraw it instead" in str(refused.value)
    with pytest.raises(NotFound):
        g.withdraw(MODERATOR, draft, T0)  # deleted: there is no such item any more
    assert then_payloads(g) == [
        ("FocusGroupItemDeleted", {"item_id": draft}),
        ("FocusGroupItemDeleted", {"item_id": scheduled}),
    ]
    g = given(g)
    assert list(g.items) == [shown]
    with pytest.raises(NotFound):
        g.item(draft)
    g.answerable(p.person_id, shown, T0)
    follow_up = g.follow_up(MODERATOR, "Mer om det?", None, shown, T0)
    g = given(g)

    assert g.withdraw(MODERATOR, shown, later)
    assert then_payloads(g) == [("FocusGroupItemWithdrawn", {"item_id": shown, "at": later})]
    g = given(g)
    assert not g.withdraw(MODERATOR, shown, later)  # withdrawn already: nothing recorded
    assert then(g) == []
    assert g.released_items(later) == []  # participants see it no more
    assert [i.id for i in g.released_items(later, withdrawn=True)] == [shown]
    with pytest.raises(Conflict) as refused:
        g.answerable(p.person_id, shown, later)
    assert "withdrawn" in str(refused.value)
    g.answerable(p.person_id, follow_up, later)  # a follow-up about it is its own question
    with pytest.raises(InvalidInput) as invalid:
        g.follow_up(MODERATOR, "Och nu?", None, shown, later)
    assert invalid.value.field == "item_id"
    with pytest.raises(Conflict):
        g.release(MODERATOR, shown, None, later)
    with pytest.raises(Conflict):
        g.delete_item(MODERATOR, shown, later)
    unreleased = g.add_item(MODERATOR, ItemKind.QUESTION, "Ej släppt", None, None)
    with pytest.raises(Conflict) as refused:
        g.withdraw(MODERATOR, unreleased, later)
    assert "delete it instead" in str(refused.value)


def test_the_transcript_keeps_a_withdrawn_item_marked_and_a_removed_participants_answers() -> None:
    g = given(group())
    a, b = with_participants(g, 2)
    first = g.add_item(MODERATOR, ItemKind.QUESTION, "Första", None, None)
    second = g.add_item(MODERATOR, ItemKind.QUESTION, "Andra", None, None)
    g.release(MODERATOR, first, None, T0)
    g.release(MODERATOR, second, None, T0 + timedelta(seconds=1))
    rows = [_row(g, first, a, "A om första"), _row(g, first, b, "B om första")]
    g.withdraw(MODERATOR, first, T0 + timedelta(minutes=1))
    g.remove_member(MODERATOR, a.person_id)
    g = given(g)
    lines = transcript(g, rows, T0 + timedelta(minutes=2))
    assert [(x.speaker, x.about, x.text, x.marks) for x in lines] == [
        ("Moderator", "Item 1", "Första", "withdrawn"),
        ("Participant 1", "Item 1", "A om första", ""),
        ("Participant 2", "Item 1", "B om första", ""),
        ("Moderator", "Item 2", "Andra", ""),
    ]
    assert lines[0].classes == ("withdrawn",)
    swedish = transcript(g, rows, T0 + timedelta(minutes=2), "sv")
    assert swedish[0].marks == "tillbakadragen"
    assert participant_view(g, b.person_id, rows, T0 + timedelta(minutes=2)).items[0].id == second
