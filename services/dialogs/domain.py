"""Dialogs: what a municipality asks its citizens, for how long, and of whom.

A dialog is drafted, scheduled, opens and closes on its times, and finally gets its results
and the committee's feedback. Whether it accepts a contribution is decided from its state and
the clock, so a late or early write is refused even before the scheduler has recorded the
opening or closing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event
from msgspec.structs import replace

from events.errors import Conflict, Forbidden, InvalidInput
from services.dialogs.kinds import (
    KIND_POLICIES,
    Commenting,
    DialogKind,
    DialogSettings,
    KindPolicy,
    PostKind,
    kind_policy,
    post_rules,
)

__all__ = [
    "REPORT_BACK_AFTER",
    "REPORT_BACK_WARNING",
    "Commenting",
    "Dialog",
    "DialogDetails",
    "DialogKind",
    "DialogNotOpen",
    "DialogSettings",
    "DialogTexts",
    "Invitation",
    "Status",
    "invitation_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/dialogs")
# A dialog reports back (publishes its results) by this long after it closes, unless an
# administrator sets another date; its administrators are warned this long before that date.
REPORT_BACK_AFTER = timedelta(days=14)
REPORT_BACK_WARNING = timedelta(days=2)


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    RESULTS_PUBLISHED = "results-published"


class DialogTexts(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A dialog's texts in one more language; a text left out reads as the main one."""

    title: str | None = None
    purpose: str | None = None
    instructions: str | None = None


class DialogDetails(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    purpose: str
    instructions: str
    committee: str | None
    invite_only: bool
    opens_at: datetime
    closes_at: datetime
    settings: DialogSettings
    # the texts in the municipality's other languages, by language tag (the main texts are in
    # its default language); the municipality's own words, no personal data
    translations: dict[str, DialogTexts] = msgspec.field(default_factory=dict)

    def texts_in(self, language: str) -> DialogTexts:
        """The title, purpose and instructions to show in ``language``: its translation's
        where given, else the main text."""
        return texts_in(self.translations, language, self.title, self.purpose, self.instructions)


def texts_in(
    translations: dict[str, DialogTexts], language: str, title: str, purpose: str, instructions: str
) -> DialogTexts:
    """The texts to show in ``language`` (as given, then its base language), each given text
    of its translation, else the main one. For the details and for a read model's row."""
    given = translations.get(language) or translations.get(language.split("-")[0], DialogTexts())
    return DialogTexts(
        title=given.title or title,
        purpose=given.purpose or purpose,
        instructions=given.instructions or instructions,
    )


def _translations_v1(state: dict[str, Any]) -> None:
    """Version 1 details had no translations: they read as none."""
    details = state.get("details")
    if isinstance(details, dict):
        details.setdefault("translations", {})


class DialogNotOpen(Conflict):
    """A contribution outside the dialog's open time, or to a draft or closed dialog."""

    problem_type = "dialog-not-open"


CORRECTABLE = frozenset({"title", "instructions", "translations"})
"""What of a dialog's details may still change after it opened: texts, not what is asked
(of the translations, too, their titles and instructions only, not their purposes)."""


def invitation_id(dialog_id: UUID, person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"invitation:{dialog_id}:{person_id}")


class Dialog(Aggregate):
    """A dialog of one kind; what it allows is its kind's policy (``services.dialogs.kinds``)."""

    class DialogDrafted(Aggregate.Created):
        """Version 2 added the details' ``translations``; version 1 details read as none."""

        class_version = 2
        kind: str
        details: DialogDetails

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _translations_v1(state)

    class DialogDetailsChanged(Aggregate.Event):
        """Version 2 added the details' ``translations``; version 1 details read as none."""

        class_version = 2
        details: DialogDetails

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _translations_v1(state)

    class DialogResultsPublished(Aggregate.Event):
        """Version 2 added ``translations``: the summary in the municipality's other
        languages (language -> text; a budget's count writes them). Version 1 had none."""

        class_version = 2
        summary: str
        translations: dict[str, str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("translations", {})

    class DialogTextsCorrected(Aggregate.Event):
        """Version 2 added ``translations``, the corrected translations whole. A version 1
        correction was made when a dialog had none: it reads as none."""

        class_version = 2
        title: str
        instructions: str
        translations: dict[str, DialogTexts]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("translations", {})

    @classmethod
    def draft(cls, kind: DialogKind, details: DialogDetails) -> Dialog:
        """A new draft, its settings checked against what its kind allows."""
        return cls(kind=kind.value, details=_settled(kind_policy(kind), details))

    @event(DialogDrafted)
    def __init__(self, kind: str, details: DialogDetails) -> None:
        self.kind = DialogKind(kind)
        self.details = details
        self.status = Status.DRAFT
        self.close_reason: str | None = None
        self.results_summary: str | None = None
        self.results_translations: dict[str, str] = {}  # the summary in other languages
        self.report_back_date: datetime | None = None  # set by an administrator, if any
        self.reminded_for: datetime | None = None  # the report-back date warned of

    @property
    def report_back_by(self) -> datetime:
        """When the dialog is to report back: the date an administrator set, or
        ``REPORT_BACK_AFTER`` after it closes."""
        if self.report_back_date is not None:
            return self.report_back_date
        return self.details.closes_at + REPORT_BACK_AFTER

    @property
    def reported_back(self) -> bool:
        """Publishing the results is reporting back."""
        return self.status is Status.RESULTS_PUBLISHED

    def set_report_back_by(self, when: datetime) -> bool:
        """An administrator's report-back date: not before the dialog closes, and only while
        it has not reported back. False (nothing recorded) when it is the date it has."""
        if self.reported_back:
            raise Conflict("the dialog has reported back already: its results are published")
        if when < self.details.closes_at:
            closes = self.details.closes_at.isoformat()
            raise InvalidInput("report_back_by", f"must not be before the dialog closes ({closes})")
        if when == self.report_back_by:
            return False
        self._report_back_date_set(when)
        return True

    @event("ReportBackDateSet")
    def _report_back_date_set(self, report_back_by: datetime) -> None:
        self.report_back_date = report_back_by

    def remind_report_back(self, now: datetime) -> bool:
        """Record, once per report-back date, that it lapses within ``REPORT_BACK_WARNING``
        (or has lapsed) with no results published: the notifier warns the administrators."""
        if self.status is Status.DRAFT or self.reported_back:
            return False
        due = self.report_back_by
        if self.reminded_for == due or now < due - REPORT_BACK_WARNING:
            return False
        self._report_back_reminded(due)
        return True

    @event("ReportBackReminderDue")
    def _report_back_reminded(self, report_back_by: datetime) -> None:
        self.reminded_for = report_back_by

    @property
    def policy(self) -> KindPolicy:
        return KIND_POLICIES[self.kind]

    def post_kind(self, given: str | None) -> PostKind:
        """The kind of a new post in this dialog, or why the dialog takes none of it."""
        return self.policy.post_kind(given)

    def post_threshold(self, kind: PostKind) -> int | None:
        """What a new post of ``kind`` aims for: a petition's goal, or the support threshold."""
        return post_rules(kind).threshold(self.details.settings)

    def ensure_commenting(self, *, signed_in: bool) -> None:
        """Refuse a comment where comments are off, or from a device token where only the
        signed-in may comment."""
        commenting = self.details.settings.comments
        if commenting is Commenting.OFF:
            raise Conflict("comments are off in this dialog")
        if commenting is Commenting.SIGNED_IN and not signed_in:
            raise Forbidden("only signed-in participants may comment in this dialog")

    def ensure_images(self) -> None:
        if not self.details.settings.images:
            raise InvalidInput("image", "this dialog does not take images")

    def ensure_ballots(self) -> None:
        self.policy.ensure_ballots()

    def ballot_choices(self, given: Sequence[str]) -> tuple[str, ...]:
        """A ballot's choices, as the dialog's options spell them, or the first one refused."""
        return self.policy.choices(self.details.settings, given)

    def status_at(self, now: datetime) -> Status:
        """The status as the clock has it, ahead of the scheduler's events."""
        d = self.details
        if self.status in (Status.SCHEDULED, Status.OPEN) and now >= d.closes_at:
            return Status.CLOSED
        if self.status is Status.SCHEDULED and now >= d.opens_at:
            return Status.OPEN
        return self.status

    def ensure_accepting(self, now: datetime) -> None:
        status = self.status_at(now)
        if status is Status.OPEN:
            return
        if status is Status.DRAFT:
            raise DialogNotOpen("the dialog is a draft and not published yet")
        if status is Status.SCHEDULED:
            raise DialogNotOpen(f"the dialog opens at {self.details.opens_at.isoformat()}")
        when = self.details.closes_at if self.close_reason is None else None
        raise DialogNotOpen(
            "the dialog is closed"
            + (f" since {when.isoformat()}" if when else f": {self.close_reason}")
        )

    def change_details(self, details: DialogDetails, now: datetime) -> bool:
        """Change the details before the dialog opens; False (nothing recorded) when they are
        the details it has. Settings are checked against what the dialog's kind allows.

        Once it has opened, only its title and instructions may still change (a typo fixed),
        recorded as a correction (``DialogTextsCorrected``); what people answer to (its
        purpose, committee, audience, times and settings) does not change under them."""
        details = _settled(self.policy, details)
        if details == self.details:
            return False
        if self.status_at(now) in (Status.DRAFT, Status.SCHEDULED):
            self._details_changed(details)
            return True
        fixed = [
            f
            for f in DialogDetails.__struct_fields__
            if f not in CORRECTABLE and getattr(details, f) != getattr(self.details, f)
        ]
        old, new = self.details.translations, details.translations
        fixed += [
            f"translations.{language}.purpose"
            for language in sorted(set(old) | set(new))
            if (old[language].purpose if language in old else None)
            != (new[language].purpose if language in new else None)
        ]
        if fixed:
            raise Conflict(
                "once a dialog has opened only its title and instructions can be corrected,"
                f" not {', '.join(fixed)}",
                field=fixed[0],
            )
        self._texts_corrected(details.title, details.instructions, details.translations)
        return True

    @event(DialogDetailsChanged)
    def _details_changed(self, details: DialogDetails) -> None:
        self.details = details

    @event(DialogTextsCorrected)
    def _texts_corrected(
        self, title: str, instructions: str, translations: dict[str, DialogTexts]
    ) -> None:
        self.details = replace(
            self.details, title=title, instructions=instructions, translations=translations
        )

    def schedule(self, now: datetime) -> None:
        if self.status is not Status.DRAFT:
            raise Conflict(f"the dialog is {self.status.value}, not a draft")
        if self.details.closes_at <= now:
            raise Conflict("the dialog's closing time has passed; change it first")
        self._scheduled()

    @event("DialogScheduled")
    def _scheduled(self) -> None:
        self.status = Status.SCHEDULED

    def open_if_due(self, now: datetime) -> bool:
        if self.status is Status.SCHEDULED and self.details.opens_at <= now:
            self._opened()
            return True
        return False

    @event("DialogOpened")
    def _opened(self) -> None:
        self.status = Status.OPEN

    def close_if_due(self, now: datetime) -> bool:
        if self.status in (Status.SCHEDULED, Status.OPEN) and self.details.closes_at <= now:
            self._closed(None)
            return True
        return False

    def close(self, reason: str, now: datetime | None = None) -> None:
        """Close the dialog before its time. Closed early (``now`` before its closing time),
        it is to report back ``REPORT_BACK_AFTER`` after ``now`` rather than after the time it
        was to close, unless an administrator set a date (``ReportBackDateSet``)."""
        if self.status not in (Status.SCHEDULED, Status.OPEN):
            raise Conflict(f"the dialog is {self.status.value}; only an open one can be closed")
        self._closed(reason)
        if now is not None and self.report_back_date is None and now < self.details.closes_at:
            self._report_back_date_set(now + REPORT_BACK_AFTER)

    @event("DialogClosed")
    def _closed(self, reason: str | None) -> None:
        self.status = Status.CLOSED
        self.close_reason = reason

    def publish_results(
        self, summary: str, now: datetime, translations: Mapping[str, str] | None = None
    ) -> None:
        """Publish what came of the dialog: ``summary`` in the municipality's default
        language, and ``translations`` of it (language -> text) when there are any."""
        if self.status_at(now) not in (Status.CLOSED, Status.RESULTS_PUBLISHED):
            raise Conflict("results are published after the dialog has closed")
        if self.status is not Status.CLOSED and self.status is not Status.RESULTS_PUBLISHED:
            self._closed(None)
        self._results_published(summary, dict(sorted((translations or {}).items())))

    @event(DialogResultsPublished)
    def _results_published(self, summary: str, translations: dict[str, str]) -> None:
        self.status = Status.RESULTS_PUBLISHED
        self.results_summary = summary
        self.results_translations = translations


def _settled(policy: KindPolicy, details: DialogDetails) -> DialogDetails:
    settings = policy.settings(details.settings)
    return details if settings == details.settings else replace(details, settings=settings)


class Invitation(Aggregate):
    """A person invited to an invite-only dialog; one stream per (dialog, person)."""

    @staticmethod
    def create_id(dialog_id: UUID, person_id: UUID) -> UUID:
        return invitation_id(dialog_id, person_id)

    @event("InvitationIssued")
    def __init__(self, dialog_id: UUID, person_id: UUID) -> None:
        self.dialog_id = dialog_id
        self.person_id = person_id
