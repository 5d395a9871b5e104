"""What administrators and residents send about citizen panels (request bodies, checked by
msgspec). None carries a tenant or a person: the server takes those from the caller."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from services.surveys.panels import (
    CONSENT_LENGTH,
    DESCRIPTION_LENGTH,
    MAX_QUESTIONS,
    NAME_LENGTH,
    BackgroundQuestion,
    SampleMethod,
)

# Question id to option id; each checked against the panel's questions (422 naming it).
Background = Annotated[dict[str, str], Meta(max_length=MAX_QUESTIONS)]


class CreatePanel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=NAME_LENGTH)]
    description: Annotated[str, Meta(max_length=DESCRIPTION_LENGTH)] = ""
    consent: Annotated[str, Meta(min_length=1, max_length=CONSENT_LENGTH)]
    questions: Annotated[list[BackgroundQuestion], Meta(max_length=MAX_QUESTIONS)] = []
    open_sign_up: bool = False  # False: members join by invitation only


class ChangePanel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields left out stay. Questions are given whole: each offered before, with each of its
    options, stays."""

    name: Annotated[str, Meta(min_length=1, max_length=NAME_LENGTH)] | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=DESCRIPTION_LENGTH)] | UnsetType = UNSET
    consent: Annotated[str, Meta(min_length=1, max_length=CONSENT_LENGTH)] | UnsetType = UNSET
    questions: Annotated[list[BackgroundQuestion], Meta(max_length=MAX_QUESTIONS)] | UnsetType = (
        UNSET
    )
    open_sign_up: bool | UnsetType = UNSET


class InviteToPanel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    emails: Annotated[
        list[Annotated[str, Meta(min_length=3, max_length=254)]], Meta(min_length=1, max_length=500)
    ]


class JoinPanel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Joining: the consent text accepted and every background question answered (by option
    id). ``consent`` must be true; left out, it is refused naming the field."""

    consent: bool | None = None
    background: Background = {}


class JoinByInvitation(JoinPanel, kw_only=True, forbid_unknown_fields=True):
    """Joining from the invitation's link: its code signs the person in."""

    code: Annotated[str, Meta(min_length=1, max_length=200)]


class ChangeBackground(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A member's new answers to some background questions (the others stay)."""

    background: Background


class DrawSample(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``all``: every active member. ``stratified``: ``total`` members drawn at random,
    allocated to the options of ``question_id`` in proportion to the active members answering
    each; ``seed`` (made up when left out) is recorded, so a draw can be repeated."""

    method: SampleMethod = SampleMethod.ALL
    question_id: str | None = None  # one of the panel's background questions
    # (ranges checked by the service: the API document keeps no bounds on an optional number)
    total: int | None = None  # 1 to the number of active members
    seed: int | None = None  # 0 to 2**63 - 1
