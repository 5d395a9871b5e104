"""What administrators send to create and change dialogs (request bodies, checked by msgspec).

None of them carries a tenant, an author or a role: the server takes those from the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from services.budgeting.commands import BudgetSetup
from services.dialogs.domain import Commenting, DialogKind

Title = Annotated[str, Meta(min_length=1, max_length=200)]
LongText = Annotated[str, Meta(max_length=5000)]
Moment = Annotated[datetime, Meta(tz=True)]
Count = Annotated[int, Meta(ge=1, le=100_000_000)]
Option = Annotated[str, Meta(min_length=1, max_length=200)]


class SettingsInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Left out: the municipality's default for new dialogs (its settings, ``dialog_defaults``)
    comments: Commenting | UnsetType = UNSET
    images: bool | UnsetType = UNSET
    anonymous: bool | UnsetType = UNSET
    support_threshold: Count | None = None
    signature_goal: Count | None = None
    question: Annotated[str, Meta(max_length=500)] | None = None
    options: Annotated[list[Option], Meta(max_length=20)] = msgspec.field(default_factory=list)
    max_choices: Annotated[int, Meta(ge=1, le=20)] = 1
    # posts and comments wait for a moderator's approval (left out: the municipality's default)
    premoderation: bool | UnsetType = UNSET


class TextsInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A dialog's texts in one more language; each left out (or empty) reads as the main one.
    Their lengths are checked as the main texts' are (the service names the field)."""

    title: Annotated[str, Meta(max_length=10_000)] | None = None
    purpose: Annotated[str, Meta(max_length=10_000)] | None = None
    instructions: Annotated[str, Meta(max_length=10_000)] | None = None


# language tag -> texts; the languages (and how many) are checked against the municipality's
# own by the service, which names the field (a key's constraint would not be in the schema)
Translations = dict[str, TextsInput]


class CreateDialog(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: DialogKind
    title: Title
    purpose: LongText
    instructions: LongText = ""
    committee: Annotated[str, Meta(max_length=100)] | None = None
    invite_only: bool = False
    opens_at: Moment
    closes_at: Moment
    settings: SettingsInput = msgspec.field(default_factory=SettingsInput)
    # the texts in the municipality's other languages (not its default language: the main
    # texts are in that one)
    translations: Translations = msgspec.field(default_factory=dict)
    # a budget dialog's round (and only a budget dialog's): its opening and closing follow
    # the round's, from proposal collection opening to voting closing
    budget: BudgetSetup | None = None


class UpdateDialog(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial change before the dialog opens (after it, a correction of its title and
    instructions only): fields left out stay as they are."""

    title: Title | UnsetType = UNSET
    purpose: LongText | UnsetType = UNSET
    instructions: LongText | UnsetType = UNSET
    committee: Annotated[str, Meta(max_length=100)] | UnsetType | None = UNSET
    invite_only: bool | UnsetType = UNSET
    opens_at: Moment | UnsetType = UNSET
    closes_at: Moment | UnsetType = UNSET
    settings: SettingsInput | UnsetType = UNSET
    # replaces the translations held, whole ({} removes them all)
    translations: Translations | UnsetType = UNSET


class CloseDialog(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class PublishResults(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the committee decided, told back to the participants."""

    summary: Annotated[str, Meta(min_length=1, max_length=20_000)]
    # the summary in the municipality's other languages (language tag -> text; not its
    # default language, the summary's own): the languages and the texts' lengths are checked
    # by the service, which names the field (``translations.fi``)
    translations: dict[str, Annotated[str, Meta(max_length=40_000)]] = msgspec.field(
        default_factory=dict
    )


class SetReportBack(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """When the dialog is to report back (publish its results) at the latest."""

    report_back_by: Moment


class Invitee(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, Meta(max_length=254)] | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None


class InvitePeople(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    invitees: Annotated[list[Invitee], Meta(min_length=1, max_length=500)]
