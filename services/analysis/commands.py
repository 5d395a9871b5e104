"""What administrators and analysts send about analyses (request bodies, checked by msgspec).
None carries a tenant, a creator or a rater: the server takes those from the caller."""

from __future__ import annotations

from datetime import date
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
from services.analysis.ideas import (
    IDEA_TITLE_LENGTH,
    MAX_IDEA_ITEMS,
    NOTE_LENGTH,
    QUESTION_KEY,
    QUESTION_LENGTH,
    STAGES,
    Outcome,
)


class StartAnalysis(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new analysis over the posts of ``dialog_ids``; ``members`` are administrators or
    analysts of the municipality (the creator is a member whether listed or not)."""

    title: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)]
    dialog_ids: Annotated[list[UUID], Meta(min_length=1, max_length=MAX_DIALOGS)]
    members: Annotated[list[UUID], Meta(max_length=MAX_MEMBERS)] = []


class CoverFocusGroup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A focus group of the municipality whose answers become items of the analysis."""

    focus_group_id: UUID


class AddMember(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person of the municipality who joins the analysis: an administrator, an analyst or an
    external analyst."""

    person_id: UUID


class InviteAnalyst(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An analyst from outside the municipality, invited to this analysis with a PIN (e-mailed
    when ``email`` is given, answered once to the administrator either way)."""

    email: Annotated[str, Meta(max_length=254)] | None = None
    name: Annotated[str, Meta(min_length=1, max_length=200)] | None = None


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


# -- idea development ------------------------------------------------------------------------


class CreateIdea(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new idea from one or more items of the analysis, with a title."""

    title: Annotated[str, Meta(min_length=1, max_length=IDEA_TITLE_LENGTH)]
    items: Annotated[list[UUID], Meta(min_length=1, max_length=MAX_IDEA_ITEMS)]


class RetitleIdea(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=IDEA_TITLE_LENGTH)]


class SetIdeaOwner(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The idea's owner: a member of the analysis."""

    owner_id: UUID


class AddIdeaNote(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=NOTE_LENGTH)]


class AnswerIdeaQuestions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Answers to questions of the stage the idea is in, by the question's key."""

    # The keys, their number and the texts are checked by the idea (422 naming ``answers`` or
    # ``answers.<key>``): bounds on an object's keys and values are not in the OpenAPI
    # document, so a 400 would refuse what it allows.
    answers: dict[str, str]


class AdvanceIdea(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The stage the idea moves on to: the one after the stage it is in."""

    # Checked by the service, so an unknown stage is a 422 naming ``stage`` and the stages.
    stage: Annotated[
        str, Meta(max_length=40, extra_json_schema={"enum": [s.value for s in STAGES]})
    ]


class DecideIdea(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The committee's decision on an idea ready for decision: recorded as a decision linked
    to the idea's items (whose authors and supporters are told), with its outcome."""

    outcome: Outcome
    committee: Annotated[str, Meta(min_length=1, max_length=100)]
    decided_on: date
    text: Annotated[str, Meta(min_length=1, max_length=20_000)]
    reference: Annotated[str, Meta(max_length=100)] | None = None  # e.g. a minute number


class QuestionBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: Annotated[str, Meta(min_length=1, max_length=40, pattern=QUESTION_KEY)]
    text: Annotated[str, Meta(min_length=1, max_length=QUESTION_LENGTH)]


class SetIdeaQuestions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The municipality's questions for each stage before the decision (raw, assessed,
    developed, ready-for-decision); a stage left out has none."""

    # The stages are checked by the service (422 naming ``stages.<stage>``), as for answers.
    stages: dict[str, list[QuestionBody]]


class MergeItems(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Merge a near-duplicate item into another: both posts of the analysis's dialogs."""

    duplicate_id: UUID  # the near-duplicate, which leaves the listings
    into_id: UUID  # the post it is merged into, which its supports count for
