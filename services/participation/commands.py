"""What participants send (request bodies). Author, tenant and role come from the caller."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from services.dialogs.kinds import Opinion
from services.participation.domain import AnswerState, ReportStatus

Body = Annotated[str, Meta(min_length=1, max_length=10_000)]
Title = Annotated[str, Meta(min_length=1, max_length=200)]
ImageRef = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]


class PlaceInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    address: Annotated[str, Meta(max_length=300)] | None = None


class SubmitPost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[str, Meta(max_length=40)] | None = None  # where a dialog has several kinds
    title: Title | None = None
    body: Body
    place: PlaceInput | None = None
    image: ImageRef | None = None  # the id of an uploaded image
    anonymous: bool = False  # shown without the author's name


class EditPost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title | UnsetType | None = UNSET
    body: Body | UnsetType = UNSET


class Comment(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Body
    anonymous: bool = False


class CastVote(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    choices: Annotated[
        list[Annotated[str, Meta(max_length=200)]], Meta(min_length=1, max_length=20)
    ]


class VoteOnStatement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A vote on a statement of a statements dialog; the voter comes from the caller."""

    statement_id: UUID
    # Checked by the service, so another value is a 422 naming ``vote`` and the values.
    vote: Annotated[
        str, Meta(max_length=20, extra_json_schema={"enum": [o.value for o in Opinion]})
    ]


class ChangeReportStatus(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: ReportStatus
    message: Annotated[str, Meta(max_length=2000)] | None = None


class AnswerPost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The municipality's official answer to a proposal, idea, petition or suggestion. Its
    text is the municipality's, not personal data; who gave it comes from the caller."""

    # Checked by the service, so an unknown state is a 422 naming ``state`` and the states.
    state: Annotated[
        str, Meta(max_length=40, extra_json_schema={"enum": [s.value for s in AnswerState]})
    ]
    text: Annotated[str, Meta(min_length=1, max_length=5000)]


class RecordDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A committee's decision and the dialogs and posts it answers. Who recorded it comes from
    the caller."""

    committee: Annotated[str, Meta(min_length=1, max_length=100)]
    decided_on: date
    text: Annotated[str, Meta(min_length=1, max_length=20_000)]
    reference: Annotated[str, Meta(max_length=100)] | None = None  # e.g. a minute number
    dialog_ids: Annotated[list[UUID], Meta(max_length=50)] = msgspec.field(default_factory=list)
    post_ids: Annotated[list[UUID], Meta(max_length=200)] = msgspec.field(default_factory=list)
