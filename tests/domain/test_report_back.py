"""A dialog's report-back date in memory: its default, an administrator's date, the warning
recorded once per date, and publishing the results as reporting back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.errors import Conflict, InvalidInput
from services.dialogs.domain import REPORT_BACK_AFTER, REPORT_BACK_WARNING, DialogKind
from tests.domain.gwt import CLOSES, drafted, given, open_dialog, then, then_payloads


def test_a_dialog_reports_back_fourteen_days_after_it_closes_by_default() -> None:
    dialog = open_dialog()

    assert timedelta(days=14) == REPORT_BACK_AFTER
    assert dialog.report_back_by == CLOSES + timedelta(days=14)


def test_an_administrators_date_is_recorded_and_kept() -> None:
    dialog = open_dialog()
    when = CLOSES + timedelta(days=30)

    assert dialog.set_report_back_by(when)

    assert then_payloads(dialog) == [("ReportBackDateSet", {"report_back_by": when})]
    assert given(dialog).report_back_by == when


def test_the_same_date_again_records_nothing() -> None:
    dialog = open_dialog()

    assert not dialog.set_report_back_by(CLOSES + REPORT_BACK_AFTER)
    assert then(dialog) == []


def test_a_date_before_the_dialog_closes_is_refused_naming_the_field() -> None:
    dialog = open_dialog()

    with pytest.raises(InvalidInput) as refused:
        dialog.set_report_back_by(CLOSES - timedelta(minutes=1))

    assert refused.value.field == "report_back_by"
    assert then(dialog) == []


def test_once_the_results_are_published_the_date_cannot_change() -> None:
    dialog = open_dialog()
    dialog.publish_results("Ten new benches", CLOSES + timedelta(days=1))
    dialog = given(dialog)

    assert dialog.reported_back
    with pytest.raises(Conflict, match="reported back already"):
        dialog.set_report_back_by(CLOSES + timedelta(days=30))


def test_the_warning_is_recorded_once_two_days_before_the_date() -> None:
    dialog = open_dialog()
    due = dialog.report_back_by

    assert timedelta(days=2) == REPORT_BACK_WARNING
    assert not dialog.remind_report_back(due - REPORT_BACK_WARNING - timedelta(seconds=1))
    assert dialog.remind_report_back(due - REPORT_BACK_WARNING)
    assert then_payloads(dialog) == [("ReportBackReminderDue", {"report_back_by": due})]
    dialog = given(dialog)
    assert not dialog.remind_report_back(due)  # once
    assert not dialog.remind_report_back(due + timedelta(days=5))
    assert then(dialog) == []


def test_a_new_date_is_warned_of_again() -> None:
    dialog = open_dialog()
    due = dialog.report_back_by
    assert dialog.remind_report_back(due - timedelta(days=1))
    later = due + timedelta(days=10)
    dialog.set_report_back_by(later)
    dialog = given(dialog)

    assert not dialog.remind_report_back(due)  # the new date is far
    assert dialog.remind_report_back(later - timedelta(days=1))
    assert then_payloads(dialog)[-1] == ("ReportBackReminderDue", {"report_back_by": later})


def test_a_dialog_that_reported_back_or_is_a_draft_is_never_warned() -> None:
    published = open_dialog(DialogKind.PETITION)
    published.publish_results("Accepted", CLOSES + timedelta(days=1))
    published = given(published)
    draft = drafted()

    far = CLOSES + timedelta(days=365)
    assert not published.remind_report_back(far)
    assert not draft.remind_report_back(far)
    assert then(published) == []
    assert then(draft) == []
