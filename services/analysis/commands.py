"""What administrators and analysts send about analyses (request bodies, checked by msgspec).
None carries a tenant, a creator or a rater: the server takes those from the caller."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from services.analysis.domain import (
    DESCRIPTION_LENGTH,
    HEADING_LENGTH,
    HIGHEST,
    LABEL_LENGTH,
    LOWEST,
    MAX_DIALOGS,
    MAX_ITEM_CODES,
    MAX_MEMBERS,
    MAX_THEME_ITEMS,
    SUMMARY_LENGTH,
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


class CreateTheme(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A theme of the analysis with a heading, a summary and, if given, its first items."""

    heading: Annotated[str, Meta(min_length=1, max_length=HEADING_LENGTH)]
    summary: Annotated[str, Meta(max_length=SUMMARY_LENGTH)] = ""
    items: Annotated[list[UUID], Meta(max_length=MAX_THEME_ITEMS)] = []


class RewriteTheme(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The theme's heading and summary, whole."""

    heading: Annotated[str, Meta(min_length=1, max_length=HEADING_LENGTH)]
    summary: Annotated[str, Meta(max_length=SUMMARY_LENGTH)] = ""


class AddThemeItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An item of the analysis to put into the theme."""

    item_id: UUID


class MergeThemes(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Another theme of the analysis to take into this one; the heading and summary of the
    merged theme (this theme's when left out)."""

    theme_id: UUID
    heading: Annotated[str, Meta(min_length=1, max_length=HEADING_LENGTH)] | None = None
    summary: Annotated[str, Meta(max_length=SUMMARY_LENGTH)] | None = None


class SplitTheme(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Some of the theme's items (not all) to move to a new theme with its own heading."""

    items: Annotated[list[UUID], Meta(min_length=1, max_length=MAX_THEME_ITEMS)]
    heading: Annotated[str, Meta(min_length=1, max_length=HEADING_LENGTH)]
    summary: Annotated[str, Meta(max_length=SUMMARY_LENGTH)] = ""


class MergeItems(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Merge a near-duplicate item into another: both posts of the analysis's dialogs."""

    duplicate_id: UUID  # the near-duplicate, which leaves the listings
    into_id: UUID  # the post it is merged into, which its supports count for
