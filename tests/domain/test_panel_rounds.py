"""Panel rounds in memory: the reminder schedule and its checks, one round per sample, the
sending once, reminders when due to those listed (never more than the sample), and nothing
after the close."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from events.errors import Forbidden, InvalidInput
from services.identity.access import Caller, Role, SignIn
from services.surveys.round_listing import response_rate
from services.surveys.rounds import (
    PanelRound,
    RoundState,
    duration_text,
    reminder_offsets,
    round_id,
)
from tests.domain.gwt import CLOSES, OPENS, T0, given, then, then_payloads

TENANT = "tidaholm"
DAY = 86_400


def caller(role: Role = Role.ADMINISTRATOR) -> Caller:
    return Caller(tenant_id=TENANT, person_id=uuid4(), role=role, sign_in=SignIn.EMAIL)


def started(reminders: tuple[int, ...] = (3 * DAY, 5 * DAY), **changes: object) -> PanelRound:
    fields: dict[str, object] = {
        "panel_id": uuid4(),
        "sample_id": uuid4(),
        "question_id": "district",
        "dialog_id": uuid4(),
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "reminders": reminders,
        "by": caller(),
        "now": T0,
    }
    fields.update(changes)
    return given(PanelRound.start(**fields))  # type: ignore[arg-type]


def sent(members: list[UUID]) -> PanelRound:
    rnd = started()
    assert rnd.send(OPENS, members, "Tidaholmspanelen")
    return given(rnd)


# -- the schedule ----------------------------------------------------------------------------


def test_a_schedule_takes_days_and_iso_durations_in_order() -> None:
    offsets = reminder_offsets([2, "P3D", "p3dt12h", "PT100H", "P7D"])
    assert offsets == (2 * DAY, 3 * DAY, 3 * DAY + 12 * 3600, 100 * 3600, 7 * DAY)
    assert [duration_text(s) for s in offsets] == ["P2D", "P3D", "P3DT12H", "P4DT4H", "P7D"]
    assert reminder_offsets([]) == ()


def test_a_bad_schedule_is_refused_naming_each_offset() -> None:
    with pytest.raises(InvalidInput) as refused:
        reminder_offsets([0, "P3D", "P2D", "soon", "P", -1])
    problems = dict(refused.value.errors)
    assert set(problems) == {
        "reminders",
        "reminders[0]",
        "reminders[2]",
        "reminders[3]",
        "reminders[4]",
        "reminders[5]",
    }
    assert "at most 5" in problems["reminders"]
    assert "positive" in problems["reminders[0]"]
    assert "after the reminder before it" in problems["reminders[2]"]
    assert "ISO 8601" in problems["reminders[3]"]
    with pytest.raises(InvalidInput) as far:
        reminder_offsets([400])
    assert far.value.field == "reminders[0]"


def test_every_reminder_falls_before_the_survey_closes() -> None:
    # The survey opens in an hour and closes 7 days later: a reminder 7 days after the opening
    # is too late, one 6 days after is not.
    with pytest.raises(InvalidInput) as refused:
        started(reminders=(6 * DAY, 7 * DAY))
    assert refused.value.field == "reminders[1]"
    assert "after the survey closes" in refused.value.reason
    assert started(reminders=(6 * DAY,)).reminders == (6 * DAY,)
    # Started when the survey is open: the sending is now, and the schedule counts from then.
    with pytest.raises(InvalidInput):
        started(reminders=(2 * DAY,), now=CLOSES - timedelta(days=1))


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MODERATOR, Role.ANALYST])
def test_only_administrators_start_a_round(role: Role) -> None:
    with pytest.raises(Forbidden):
        started(by=caller(role))


def test_a_sample_has_one_round_by_its_stream() -> None:
    sample = uuid4()
    first = started(sample_id=sample)
    second = started(sample_id=sample)
    assert first.id == second.id == round_id(sample)
    assert started().id != first.id


# -- sending, reminding, closing -------------------------------------------------------------


def test_a_round_is_sent_once_to_the_members_given() -> None:
    rnd = started()
    members = [uuid4(), uuid4(), uuid4()]
    assert rnd.send(OPENS, members + members[:1], "Tidaholmspanelen")
    [(name, payload)] = then_payloads(rnd)
    assert name == "PanelRoundSent"
    assert payload["recipients"] == tuple(sorted(members))
    assert payload["panel"] == "Tidaholmspanelen"
    assert payload["dialog_id"] == rnd.dialog_id
    again = given(rnd)
    assert again.state is RoundState.SENT
    assert not again.send(OPENS, members, "Tidaholmspanelen")
    assert then(again) == []


def test_no_reminder_is_due_before_its_time_or_before_the_sending() -> None:
    members = [uuid4(), uuid4()]
    waiting = started()
    assert waiting.due_reminder(CLOSES) is None
    rnd = sent(members)
    assert rnd.next_reminder_at == OPENS + timedelta(days=3)
    assert rnd.due_reminder(OPENS + timedelta(days=3) - timedelta(seconds=1)) is None
    assert not rnd.remind(OPENS + timedelta(days=2), members, "P")
    assert then(rnd) == []


def test_a_reminder_goes_only_to_those_listed_who_were_sent_the_round() -> None:
    members = [uuid4(), uuid4(), uuid4()]
    rnd = sent(members)
    stranger = uuid4()
    assert rnd.remind(OPENS + timedelta(days=3), [members[1], stranger], "Tidaholmspanelen")
    [(name, payload)] = then_payloads(rnd)
    assert name == "PanelRoundReminderDue"
    assert payload["reminder"] == 1
    assert payload["recipients"] == (members[1],)
    assert set(payload) == {"dialog_id", "panel", "reminder", "recipients", "due_at"}
    again = given(rnd)
    assert again.reminded == 1
    assert again.next_reminder_at == OPENS + timedelta(days=5)
    assert not again.remind(OPENS + timedelta(days=4), members, "Tidaholmspanelen")


def test_a_scheduler_that_was_down_sends_the_latest_reminder_due_not_each() -> None:
    rnd = sent([uuid4()])
    assert rnd.due_reminder(OPENS + timedelta(days=6)) == 2
    assert rnd.remind(OPENS + timedelta(days=6), rnd.recipients, "P")
    assert [p["reminder"] for _, p in then_payloads(rnd)] == [2]
    assert given(rnd).next_reminder_at is None


def test_nothing_is_sent_or_reminded_after_the_close() -> None:
    members = [uuid4()]
    rnd = sent(members)
    assert rnd.close(CLOSES)
    assert then(rnd) == ["PanelRoundClosed"]
    closed = given(rnd)
    assert closed.state is RoundState.CLOSED
    assert closed.due_reminder(CLOSES + timedelta(days=30)) is None
    assert not closed.remind(CLOSES, members, "P")
    assert not closed.close(CLOSES)
    waiting = started()
    assert waiting.close(CLOSES)
    assert not given(waiting).send(CLOSES, members, "P")


# -- the response rate -----------------------------------------------------------------------


def test_small_response_counts_are_suppressed_with_those_that_would_reveal_them() -> None:
    rate = response_rate(
        {"centrum": (9, 6), "fagersanna": (6, 2), "": (1, 0)},
        ["centrum", "fagersanna", "ekedalen"],
        "district",
    )
    assert (rate.sent, rate.responded, rate.suppressed) == (16, 8, False)
    assert rate.rate == 0.5
    by = {s.stratum: s for s in rate.strata}
    assert list(by) == ["centrum", "fagersanna", "ekedalen", ""]
    # fagersanna's 2 is small; with the zeros the hidden ones add up to 2: centrum goes too
    assert all(s.suppressed and s.responded is None and s.rate is None for s in by.values())
    assert [s.sent for s in by.values()] == [9, 6, 0, 1]

    shown = response_rate({"centrum": (5, 5), "fagersanna": (3, 0)}, ["centrum", "fagersanna"], "d")
    assert (shown.strata[0].responded, shown.strata[0].rate) == (5, 1.0)
    # fagersanna's 0 is small; the hidden ones add up to 0, so no more are hidden (as results)
    assert shown.strata[1].suppressed

    few = response_rate({"": (8, 3)}, [], None)
    assert (few.responded, few.rate, few.suppressed, few.strata) == (None, None, True, [])
