"""What administrators and analysts send about analyses (request bodies, checked by msgspec).
None carries a tenant, a creator or a rater: the server takes those from the caller."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from services.analysis.domain import (
    DESCRIPTION_LENGTH,
    HIGHEST,
    LABEL_LENGTH,
    LOWEST,
    MAX_DIALOGS,
    MAX_ITEM_CODES,
    MAX_MEMBERS,
    TITLE_LENGTH,
)


class StartAnalysis(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new analysis over the posts of ``dialog_ids``; ``members`` are administrators or
    analysts of the municipality (the creator is a member whether listed or not)."""

    title: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)]
    dialog_ids: Annotated[list[UUID], Meta(min_length=1, max_length=MAX_DIALOGS)]
    members: Annotated[list[UUID], Meta(max_length=MAX_MEMBERS)] = []


class AddCode(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A code of the analysis's codebook, at the top or under a top-level ``parent_id``."""

    label: Annotated[str, Meta(min_length=1, max_length=LABEL_LENGTH)]
    description: Annotated[str, Meta(max_length=DESCRIPTION_LENGTH)] = ""
    parent_id: UUID | None = None


class TagItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The item's codes, whole: they replace the ones it had (an empty list clears them)."""

    codes: Annotated[list[UUID], Meta(max_length=MAX_ITEM_CODES)]


class RateItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The caller's rating of the item's significance, a whole number from 1 to 10."""

    rating: Annotated[int, Meta(ge=LOWEST, le=HIGHEST)]
