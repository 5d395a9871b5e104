"""Panel rounds: a survey sent to a panel's drawn sample, reminders to those who have not
answered, and the close with the survey.

A ``PanelRound`` goes with one ``PanelSample`` (its stream id follows from the sample's, so a
sample has one round at most, however many ask at once) and one survey dialog. Staff start it
with a reminder schedule: offsets after the sending, each later than the one before, the last
before the survey closes. It is sent when the survey opens (at once, when it is open already),
to the sampled members still active; each reminder goes to those of them who have not answered
when it is recorded; it closes when the survey closes.

Every step is an event with when it happened (``PanelRoundSent``, ``PanelRoundReminderDue``,
``PanelRoundClosed``); the notifier turns sending and reminders into messages to the people they
list. A reminder's list names who had not answered then, never what anyone answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import InvalidInput
from services.identity.access import Caller, Permission

__all__ = [
    "MAX_REMINDERS",
    "PanelRound",
    "RoundState",
    "duration_text",
    "reminder_offsets",
    "round_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/panels/rounds")
MAX_REMINDERS = 5
MAX_DAYS = 366
_DAY = 86_400
# ISO 8601 durations in days, hours and minutes: P3D, PT12H, P1DT6H, PT90M.
_DURATION = re.compile(r"P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?)?")


def round_id(sample_id: UUID) -> UUID:
    """The one round a sample can have."""
    return uuid5(_NAMESPACE, f"round:{sample_id}")


def _seconds(value: int | str) -> int | None:
    """Seconds of an offset given in days (a number) or as an ISO 8601 duration, or None."""
    if isinstance(value, int):
        return value * _DAY if abs(value) <= MAX_DAYS else None
    found = _DURATION.fullmatch(value.strip().upper())
    if found is None or value.strip().upper() in ("P", "PT") or value.strip().endswith("T"):
        return None
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return days * _DAY + hours * 3600 + minutes * 60


def duration_text(seconds: int) -> str:
    """An offset as an ISO 8601 duration (``P3D``, ``PT12H``, ``P1DT6H``)."""
    days, rest = divmod(seconds, _DAY)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def reminder_offsets(given: Sequence[int | str], field: str = "reminders") -> tuple[int, ...]:
    """The reminder schedule in seconds after the sending, or every problem of it named: at
    most ``MAX_REMINDERS``, each a positive number of days or an ISO 8601 duration (``P3D``,
    ``PT12H``), each later than the one before."""
    problems: list[tuple[str, str]] = []
    if len(given) > MAX_REMINDERS:
        problems.append((field, f"at most {MAX_REMINDERS} reminders"))
    offsets: list[int] = []
    for i, value in enumerate(given):
        at = f"{field}[{i}]"
        seconds = _seconds(value)
        if seconds is None:
            problems.append(
                (
                    at,
                    f"{value!r} is no offset: a number of days (at most {MAX_DAYS}) or an"
                    " ISO 8601 duration in days, hours or minutes (P3D, PT12H)",
                )
            )
        elif seconds <= 0:
            problems.append((at, "must be after the sending (positive)"))
        elif seconds > MAX_DAYS * _DAY:
            problems.append((at, f"must be at most {MAX_DAYS} days after the sending"))
        elif offsets and seconds <= offsets[-1]:
            problems.append((at, "must come after the reminder before it"))
        else:
            offsets.append(seconds)
    if problems:
        raise InvalidInput.of(problems)
    return tuple(offsets)


class RoundState(StrEnum):
    WAITING = "waiting"  # started; sent when the survey opens
    SENT = "sent"  # sent to the sample; reminders follow on schedule
    CLOSED = "closed"  # the survey closed: nothing more is sent


class PanelRound(Aggregate):
    """One round of a panel: its sample, its survey, its reminder schedule and how far it got."""

    @staticmethod
    def create_id(
        panel_id: UUID,
        sample_id: UUID,
        dialog_id: UUID,
        question_id: str | None,
        reminders: tuple[int, ...],
        started_by: UUID,
    ) -> UUID:
        return round_id(sample_id)

    @classmethod
    def start(
        cls,
        *,
        panel_id: UUID,
        sample_id: UUID,
        question_id: str | None,
        dialog_id: UUID,
        opens_at: datetime,
        closes_at: datetime,
        reminders: tuple[int, ...],
        by: Caller,
        now: datetime,
    ) -> PanelRound:
        """A round of the sample for the survey (administrators). The survey's readiness is
        the service's to check; here: every reminder falls before the survey closes."""
        by.require(Permission.ADMINISTER)
        sends_at = max(now, opens_at)
        late = [
            (
                f"reminders[{i}]",
                f"falls at {(sends_at + timedelta(seconds=s)).isoformat()}, after the survey"
                f" closes ({closes_at.isoformat()})",
            )
            for i, s in enumerate(reminders)
            if sends_at + timedelta(seconds=s) >= closes_at
        ]
        if late:
            raise InvalidInput.of(late)
        return cls(
            panel_id=panel_id,
            sample_id=sample_id,
            dialog_id=dialog_id,
            question_id=question_id,
            reminders=reminders,
            started_by=by.person_id,
        )

    @event("PanelRoundStarted")
    def __init__(
        self,
        panel_id: UUID,
        sample_id: UUID,
        dialog_id: UUID,
        question_id: str | None,
        reminders: tuple[int, ...],
        started_by: UUID,
    ) -> None:
        self.panel_id = panel_id
        self.sample_id = sample_id
        self.dialog_id = dialog_id
        self.question_id = question_id  # the sample's: the strata of the response rate
        self.reminders = tuple(reminders)  # seconds after the sending
        self.started_by = started_by
        self.state = RoundState.WAITING
        self.recipients: tuple[UUID, ...] = ()
        self.sent_at: datetime | None = None
        self.reminded = 0  # how many of the reminders are done (recorded or passed over)
        self.closed_at: datetime | None = None

    def send(self, now: datetime, recipients: Iterable[UUID], panel: str) -> bool:
        """Record the sending to ``recipients`` (the sampled members still active); False
        when it was sent or closed already."""
        if self.state is not RoundState.WAITING:
            return False
        self._sent(self.dialog_id, panel, tuple(sorted(set(recipients))), now)
        return True

    @event("PanelRoundSent")
    def _sent(
        self, dialog_id: UUID, panel: str, recipients: tuple[UUID, ...], sent_at: datetime
    ) -> None:
        self.state = RoundState.SENT
        self.recipients = tuple(recipients)
        self.sent_at = sent_at

    @property
    def next_reminder_at(self) -> datetime | None:
        if self.state is not RoundState.SENT or self.sent_at is None:
            return None
        if self.reminded >= len(self.reminders):
            return None
        return self.sent_at + timedelta(seconds=self.reminders[self.reminded])

    def due_reminder(self, now: datetime) -> int | None:
        """The number (1, 2, ...) of the reminder due at ``now``: the latest one whose time
        has come, so that a scheduler that was down sends one reminder, not several at once."""
        if self.state is not RoundState.SENT or self.sent_at is None:
            return None
        sent_at = self.sent_at
        due = [
            n
            for n, s in enumerate(self.reminders, start=1)
            if n > self.reminded and sent_at + timedelta(seconds=s) <= now
        ]
        return due[-1] if due else None

    def remind(self, now: datetime, recipients: Iterable[UUID], panel: str) -> bool:
        """Record the reminder due now to ``recipients``: the sampled members sent the round
        who have not answered (and are still active). False when none is due."""
        number = self.due_reminder(now)
        if number is None:
            return False
        whom = tuple(sorted(set(recipients) & set(self.recipients)))
        self._reminded(self.dialog_id, panel, number, whom, now)
        return True

    @event("PanelRoundReminderDue")
    def _reminded(
        self,
        dialog_id: UUID,
        panel: str,
        reminder: int,
        recipients: tuple[UUID, ...],
        due_at: datetime,
    ) -> None:
        self.reminded = reminder

    def close(self, now: datetime) -> bool:
        """The survey closed: nothing more is sent. False when closed already."""
        if self.state is RoundState.CLOSED:
            return False
        self._closed(now)
        return True

    @event("PanelRoundClosed")
    def _closed(self, closed_at: datetime) -> None:
        self.state = RoundState.CLOSED
        self.closed_at = closed_at
