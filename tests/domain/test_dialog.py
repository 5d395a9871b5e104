"""The Dialog aggregate: drafting by its kind's policy, status transitions, the clock."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest

from events.errors import Conflict, Forbidden, InvalidInput
from services.dialogs.domain import (
    Commenting,
    Dialog,
    DialogKind,
    DialogNotOpen,
    DialogSettings,
    Invitation,
    Status,
    invitation_id,
)
from services.dialogs.kinds import PostKind
from tests.domain.gwt import (
    CLOSES,
    OPENS,
    T0,
    details,
    drafted,
    given,
    open_dialog,
    replay,
    scheduled,
    then,
    then_payloads,
)


@pytest.mark.parametrize("kind", list(DialogKind))
def test_a_draft_of_every_kind_records_its_kind_and_settings(kind: DialogKind) -> None:
    dialog = Dialog.draft(kind, details(kind))
    events = dialog.collect_events()
    assert [type(e).__name__ for e in events] == ["DialogDrafted"]
    rebuilt = replay(Dialog, events)
    assert (rebuilt.kind, rebuilt.status, rebuilt.policy.kind) == (kind, Status.DRAFT, kind)
    assert rebuilt.details == dialog.details


def test_a_vox_pops_draft_records_yes_and_no_with_one_choice() -> None:
    dialog = Dialog.draft(
        DialogKind.VOX_POP,
        details(
            DialogKind.VOX_POP,
            dialog_settings=DialogSettings(question="A youth council?", max_choices=2),
        ),
    )
    [(_, payload)] = then_payloads(dialog)
    assert payload["details"].settings.options == ("yes", "no")
    assert payload["details"].settings.max_choices == 1


def test_a_draft_with_settings_its_kind_refuses_records_nothing() -> None:
    with pytest.raises(InvalidInput) as refused:
        Dialog.draft(
            DialogKind.DISCUSSION,
            details(dialog_settings=DialogSettings(signature_goal=100)),
        )
    assert refused.value.field == "settings.signature_goal"


def test_scheduling_a_draft() -> None:
    dialog = drafted()
    dialog.schedule(T0)
    assert then(dialog) == ["DialogScheduled"]
    assert dialog.status is Status.SCHEDULED


def test_a_dialog_is_scheduled_once() -> None:
    dialog = scheduled()
    with pytest.raises(Conflict, match="the dialog is scheduled, not a draft"):
        dialog.schedule(T0)
    assert then(dialog) == []


def test_a_dialog_whose_closing_time_has_passed_is_not_scheduled() -> None:
    dialog = drafted()
    with pytest.raises(Conflict, match="closing time has passed"):
        dialog.schedule(CLOSES)
    assert then(dialog) == []


def test_it_opens_when_its_time_comes_and_not_before() -> None:
    dialog = scheduled()
    assert not dialog.open_if_due(OPENS - timedelta(seconds=1))
    assert then(dialog) == []
    assert dialog.open_if_due(OPENS)
    assert then(dialog) == ["DialogOpened"]
    assert not dialog.open_if_due(OPENS)  # open already
    assert then(dialog) == []


def test_a_draft_never_opens_by_the_clock() -> None:
    dialog = drafted()
    assert not dialog.open_if_due(CLOSES - timedelta(seconds=1))
    assert not dialog.close_if_due(CLOSES)
    assert then(dialog) == []


def test_it_closes_when_its_time_comes() -> None:
    dialog = open_dialog()
    assert not dialog.close_if_due(CLOSES - timedelta(seconds=1))
    assert dialog.close_if_due(CLOSES)
    assert then_payloads(dialog) == [("DialogClosed", {"reason": None})]
    assert dialog.status is Status.CLOSED


def test_a_scheduled_dialog_past_its_closing_time_closes_without_opening() -> None:
    dialog = scheduled()
    assert dialog.close_if_due(CLOSES)
    assert then(dialog) == ["DialogClosed"]


def test_an_administrator_closes_an_open_dialog_with_a_reason() -> None:
    dialog = open_dialog()
    dialog.close("the council decided early")
    assert then_payloads(dialog) == [("DialogClosed", {"reason": "the council decided early"})]
    assert dialog.close_reason == "the council decided early"


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_only_a_scheduled_or_open_dialog_is_closed(status: str) -> None:
    dialog = drafted()
    if status == "closed":
        dialog = open_dialog()
        dialog.close("early")
        dialog = given(dialog)
    with pytest.raises(Conflict, match=f"the dialog is {status}; only an open one"):
        dialog.close("again")
    assert then(dialog) == []


def test_the_clock_runs_ahead_of_the_scheduler() -> None:
    dialog = scheduled()
    assert dialog.status_at(OPENS - timedelta(seconds=1)) is Status.SCHEDULED
    assert dialog.status_at(OPENS) is Status.OPEN
    assert dialog.status_at(CLOSES) is Status.CLOSED
    assert dialog.status is Status.SCHEDULED  # nothing recorded by asking


def test_an_open_dialog_accepts_contributions() -> None:
    open_dialog().ensure_accepting(OPENS + timedelta(hours=1))


def test_a_draft_accepts_nothing() -> None:
    with pytest.raises(DialogNotOpen, match="a draft and not published yet"):
        drafted().ensure_accepting(OPENS + timedelta(hours=1))


def test_a_scheduled_dialog_says_when_it_opens() -> None:
    with pytest.raises(DialogNotOpen, match=re.escape(f"the dialog opens at {OPENS.isoformat()}")):
        scheduled().ensure_accepting(T0)


def test_a_dialog_past_its_closing_time_refuses_before_the_scheduler_closes_it() -> None:
    dialog = open_dialog()
    with pytest.raises(
        DialogNotOpen, match=re.escape(f"the dialog is closed since {CLOSES.isoformat()}")
    ):
        dialog.ensure_accepting(CLOSES)
    assert DialogNotOpen.problem_type == "dialog-not-open"


def test_a_dialog_closed_early_gives_its_reason() -> None:
    dialog = open_dialog()
    dialog.close("the site is sold")
    with pytest.raises(DialogNotOpen, match="the dialog is closed: the site is sold"):
        given(dialog).ensure_accepting(OPENS + timedelta(hours=1))


def test_a_dialog_closed_early_reports_back_two_weeks_after_it_closed() -> None:
    dialog = open_dialog()
    early = OPENS + timedelta(days=1)
    dialog.close("enough answers", early)
    assert then(dialog) == ["DialogClosed", "ReportBackDateSet"]
    assert given(dialog).report_back_by == early + timedelta(days=14)


def test_a_date_an_administrator_set_stays_when_the_dialog_closes_early() -> None:
    dialog = open_dialog()
    chosen = CLOSES + timedelta(days=30)
    assert dialog.set_report_back_by(chosen)
    then(dialog)
    dialog.close("enough answers", OPENS + timedelta(days=1))
    assert then(dialog) == ["DialogClosed"]
    assert given(dialog).report_back_by == chosen


def test_details_change_before_it_opens() -> None:
    dialog = scheduled()
    changed = msgspec.structs.replace(dialog.details, title="A skatepark by the harbour")
    assert dialog.change_details(changed, T0)
    assert then(dialog) == ["DialogDetailsChanged"]
    assert given(dialog).details.title == "A skatepark by the harbour"


def test_unchanged_details_record_nothing_even_when_open() -> None:
    dialog = open_dialog()
    assert not dialog.change_details(dialog.details, OPENS)
    assert then(dialog) == []


def test_what_people_answer_to_does_not_change_once_it_opened_by_the_clock() -> None:
    dialog = scheduled()
    changed = msgspec.structs.replace(
        dialog.details, title="Fixed", purpose="Something else", closes_at=OPENS
    )
    with pytest.raises(Conflict, match="not purpose, closes_at") as refused:
        dialog.change_details(changed, OPENS)
    assert refused.value.field == "purpose"
    assert then(dialog) == []


def test_an_open_dialogs_title_and_instructions_are_corrected_and_recorded_so() -> None:
    dialog = scheduled()
    fixed = msgspec.structs.replace(
        dialog.details, title="A skatepark by the harbour", instructions="Say where and why"
    )
    assert dialog.change_details(fixed, OPENS)
    assert then(dialog) == ["DialogTextsCorrected"]
    again = given(dialog)
    assert again.details == fixed
    assert not again.change_details(fixed, OPENS)


def test_changed_settings_are_checked_against_the_kind_first() -> None:
    dialog = open_dialog(DialogKind.POLL)
    bad = msgspec.structs.replace(
        dialog.details, settings=msgspec.structs.replace(dialog.details.settings, max_choices=9)
    )
    with pytest.raises(InvalidInput) as refused:
        dialog.change_details(bad, OPENS)
    assert refused.value.field == "settings.max_choices"


def test_results_are_published_after_it_closed() -> None:
    dialog = open_dialog()
    dialog.close("done")
    dialog = given(dialog)
    dialog.publish_results("We build it by the school", CLOSES)
    assert then_payloads(dialog) == [
        ("DialogResultsPublished", {"summary": "We build it by the school", "translations": {}})
    ]
    assert dialog.status is Status.RESULTS_PUBLISHED
    # published again, with the summary in the municipality's other languages beside it
    dialog = given(dialog)
    dialog.publish_results("Vi bygger vid skolan", CLOSES, {"fi": "Rakennamme koulun luo"})
    assert then_payloads(dialog) == [
        (
            "DialogResultsPublished",
            {"summary": "Vi bygger vid skolan", "translations": {"fi": "Rakennamme koulun luo"}},
        )
    ]
    assert dialog.results_translations == {"fi": "Rakennamme koulun luo"}


def test_results_close_a_dialog_the_scheduler_has_not_closed_yet() -> None:
    dialog = open_dialog()
    dialog.publish_results("Decided", CLOSES)
    assert then(dialog) == ["DialogClosed", "DialogResultsPublished"]


def test_results_are_not_published_while_it_is_open() -> None:
    dialog = open_dialog()
    with pytest.raises(Conflict, match="after the dialog has closed"):
        dialog.publish_results("Too early", CLOSES - timedelta(seconds=1))
    assert then(dialog) == []


def test_results_can_be_published_again_with_a_new_summary() -> None:
    dialog = open_dialog()
    dialog.publish_results("First", CLOSES)
    dialog = given(dialog)
    dialog.publish_results("Corrected", CLOSES)
    assert then(dialog) == ["DialogResultsPublished"]
    assert dialog.results_summary == "Corrected"


def test_a_dialog_asks_its_kind_about_posts() -> None:
    assert open_dialog(DialogKind.PROPOSALS).post_kind("idea") is PostKind.IDEA
    with pytest.raises(Conflict, match="a poll dialog takes votes, not posts"):
        open_dialog(DialogKind.POLL).post_kind(None)


def test_a_posts_threshold_comes_from_the_dialogs_settings() -> None:
    petition = open_dialog(DialogKind.PETITION, dialog_settings=DialogSettings(signature_goal=5000))
    assert petition.post_threshold(PostKind.PETITION) == 5000
    proposals = open_dialog(dialog_settings=DialogSettings(support_threshold=100))
    assert proposals.post_threshold(PostKind.PROPOSAL) == 100
    assert proposals.post_threshold(PostKind.COMMENT) is None


def test_a_vox_pop_takes_a_ballot_of_yes_or_no() -> None:
    vox_pop = open_dialog(DialogKind.VOX_POP)
    vox_pop.ensure_ballots()
    assert vox_pop.ballot_choices([" YES"]) == ("yes",)
    with pytest.raises(InvalidInput, match="at most 1 choice"):
        vox_pop.ballot_choices(["yes", "no"])


def test_a_proposals_dialog_takes_no_ballots() -> None:
    with pytest.raises(Conflict, match="a proposals dialog takes posts, not votes"):
        open_dialog().ensure_ballots()


def test_an_invitation_is_one_stream_per_dialog_and_person() -> None:
    dialog_id, person_id = uuid4(), uuid4()
    invitation = Invitation(dialog_id=dialog_id, person_id=person_id)
    assert invitation.id == invitation_id(dialog_id, person_id)
    assert Invitation(dialog_id=dialog_id, person_id=person_id).id == invitation.id
    assert Invitation(dialog_id=dialog_id, person_id=uuid4()).id != invitation.id
    assert then(invitation) == ["InvitationIssued"]


@pytest.mark.parametrize(
    ("commenting", "signed_in", "refusal"),
    [
        (Commenting.EVERYONE, False, None),
        (Commenting.EVERYONE, True, None),
        (Commenting.SIGNED_IN, True, None),
        (Commenting.SIGNED_IN, False, "only signed-in participants may comment"),
        (Commenting.OFF, True, "comments are off in this dialog"),
        (Commenting.OFF, False, "comments are off in this dialog"),
    ],
)
def test_who_may_comment(commenting: Commenting, signed_in: bool, refusal: str | None) -> None:
    dialog = open_dialog(dialog_settings=DialogSettings(comments=commenting))
    if refusal is None:
        dialog.ensure_commenting(signed_in=signed_in)
        return
    with pytest.raises((Conflict, Forbidden), match=refusal) as refused:
        dialog.ensure_commenting(signed_in=signed_in)
    assert isinstance(refused.value, Conflict if commenting is Commenting.OFF else Forbidden)


def test_images_only_where_the_dialog_takes_them() -> None:
    open_dialog(dialog_settings=DialogSettings(images=True)).ensure_images()
    with pytest.raises(InvalidInput) as refused:
        open_dialog().ensure_images()
    assert (refused.value.field, refused.value.reason) == (
        "image",
        "this dialog does not take images",
    )
