"""What moderators, observers and participants send about focus groups (request bodies,
checked by msgspec). None carries a tenant or an author: the server takes those from the
caller."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from services.focus_groups.domain import (
    ANSWER_LENGTH,
    DESCRIPTION_LENGTH,
    ITEM_TEXT_LENGTH,
    NOTE_LENGTH,
    TITLE_LENGTH,
    ItemKind,
)


class CreateFocusGroup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)]
    description: Annotated[str, Meta(max_length=DESCRIPTION_LENGTH)] = ""
    # False: a participant sees the others' answers to an item only once they answered it
    answers_visible_before_answering: bool = False


class ChangeFocusGroup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields left out stay."""

    title: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)] | None = None
    description: Annotated[str, Meta(max_length=DESCRIPTION_LENGTH)] | None = None
    answers_visible_before_answering: bool | None = None


class Invitee(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A participant to invite: with an e-mail address their PIN is e-mailed too; either way
    it is answered once, to hand over."""

    email: Annotated[str, Meta(min_length=3, max_length=254)] | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None


class InviteParticipants(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    invitees: Annotated[list[Invitee], Meta(min_length=1, max_length=100)]


class AddStaffMember(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A member of the municipality's staff as a moderator (one who may moderate) or an
    observer (any staff role)."""

    person_id: UUID
    role: Literal["moderator", "observer"]


class AddItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A guide item: a question (a text) or a stimulus (a text, an image or a video link)."""

    kind: ItemKind
    text: Annotated[str, Meta(max_length=ITEM_TEXT_LENGTH)] = ""
    image_id: Annotated[str, Meta(max_length=64)] | None = None  # an uploaded image's id
    video_url: Annotated[str, Meta(max_length=500)] | None = None  # https, a known player


class ReleaseItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Left out (or an empty body): released now. A later time: released when it comes."""

    at: datetime | None = None


class SendFollowUp(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=ITEM_TEXT_LENGTH)]
    to: UUID | None = None  # one participant; left out: every participant
    item_id: UUID | None = None  # the released item it follows up, if any


class GiveAnswer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=ANSWER_LENGTH)]


class MarkAnswer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Marks to set (true) or clear (false); those left out stay."""

    pinned: bool | None = None
    hidden: bool | None = None
    highlighted: bool | None = None


class WriteNote(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=NOTE_LENGTH)]
    item_id: UUID | None = None  # an item or follow-up of the group it is about
    answer_id: UUID | None = None  # an answer of the group it is about
