"""Analysis: an analysis group's workspace over the posts, comments and free text survey
answers of one or more dialogs.

An ``Analysis`` names its dialogs and its members (the municipality's administrators and
analysts) and holds its codebook: codes with a label and a description, nested at most one
level (a code under a parent code, never under a child). Only members, and administrators,
see an analysis at all.

What analysts record about one item (a post, comment or survey answer) lives in an
``AnalysisItem``, one stream per (analysis, item) whose id follows from both: the codes the
item is tagged with and each member's rating of its significance, 1-10, once per member and
changeable. Busy analysts working on different items never contend on one stream, and two
analysts rating the same item at once conflict only on that item.

Items are grouped into themes: a ``Theme`` per theme (a stream of its own, so analysts
working on different themes never contend) with a heading and a summary, its items, and
merges and splits recorded on the themes they touch.

Every action is an event, so the analysis itself can be audited and replayed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, InvalidInput, NotFound
from tenants import values

__all__ = [
    "DESCRIPTION_LENGTH",
    "HEADING_LENGTH",
    "HIGHEST",
    "LABEL_LENGTH",
    "LOWEST",
    "MAX_CODES",
    "MAX_DIALOGS",
    "MAX_ITEM_CODES",
    "MAX_MEMBERS",
    "MAX_THEME_ITEMS",
    "SUMMARY_LENGTH",
    "TITLE_LENGTH",
    "Analysis",
    "AnalysisItem",
    "Code",
    "Codebook",
    "Theme",
    "codebook_id",
    "distinct_ids",
    "item_id_of",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/analysis")
TITLE_LENGTH = 200
LABEL_LENGTH = 100
DESCRIPTION_LENGTH = 2000
MAX_DIALOGS = 50
MAX_MEMBERS = 200
MAX_CODES = 500  # codes in one analysis's codebook
MAX_ITEM_CODES = 50  # codes on one item
LOWEST = 1  # the lowest significance rating
HIGHEST = 10  # the highest


def item_id_of(analysis_id: UUID, item_id: UUID) -> UUID:
    """The one stream of what an analysis records about one item."""
    return uuid5(_NAMESPACE, f"item:{analysis_id}:{item_id}")


class Code(msgspec.Struct, frozen=True, kw_only=True):
    """A code of the codebook; ``parent_id`` is the code it is nested under, if any."""

    label: str
    description: str
    parent_id: UUID | None


def distinct_ids(ids: Sequence[UUID], field: str) -> None:
    """Refuse an id listed twice, naming its place (``field[i]``)."""
    seen: set[UUID] = set()
    for i, given in enumerate(ids):
        if given in seen:
            raise InvalidInput(f"{field}[{i}]", f"{given} is listed twice")
        seen.add(given)


class Analysis(Aggregate):
    """One analysis: its title, dialogs, members and codebook."""

    @classmethod
    def start(
        cls,
        title: str,
        dialog_ids: Sequence[UUID],
        members: Sequence[UUID],
        created_by: UUID,
    ) -> Analysis:
        """A new analysis; its creator is always a member. The caller has checked that each
        dialog and member exists in this tenant (the aggregate cannot load them)."""
        title = values.text(title, "title", max_length=TITLE_LENGTH)
        if not dialog_ids:
            raise InvalidInput("dialog_ids", "an analysis covers at least one dialog")
        distinct_ids(dialog_ids, "dialog_ids")
        distinct_ids(members, "members")
        everyone = (*members, created_by) if created_by not in members else tuple(members)
        if len(everyone) > MAX_MEMBERS:
            raise InvalidInput("members", f"at most {MAX_MEMBERS} members")
        return cls(
            title=title,
            dialog_ids=tuple(dialog_ids),
            members=everyone,
            created_by=created_by,
        )

    @event("AnalysisStarted")
    def __init__(
        self,
        title: str,
        dialog_ids: tuple[UUID, ...],
        members: tuple[UUID, ...],
        created_by: UUID,
    ) -> None:
        self.title = title
        self.dialog_ids = tuple(dialog_ids)
        self.members = tuple(members)
        self.created_by = created_by
        self.codes: dict[UUID, Code] = {}
        self.focus_group_ids: tuple[UUID, ...] = ()

    def is_member(self, person_id: UUID) -> bool:
        return person_id in self.members

    def add_member(self, person_id: UUID, external: bool) -> bool:
        """Make the person a member (the caller has checked they may be one); a member
        already records nothing. ``external``: an analyst from outside the municipality,
        invited to this analysis alone."""
        if person_id in self.members:
            return False
        if len(self.members) >= MAX_MEMBERS:
            raise InvalidInput("person_id", f"the analysis has {MAX_MEMBERS} members, the most")
        self._member_added(person_id, external)
        return True

    @event("AnalysisMemberAdded")
    def _member_added(self, person_id: UUID, external: bool) -> None:
        self.members = (*self.members, person_id)

    def remove_member(self, person_id: UUID) -> None:
        """End the person's membership; they no longer see the analysis. What they recorded
        stays (their codes, ratings and themes are the analysis's record). The last member
        cannot leave: an analysis always has someone to work on it."""
        if person_id not in self.members:
            raise NotFound(f"no member {person_id}")
        if len(self.members) == 1:
            raise Conflict("the analysis's last member cannot be removed")
        self._member_removed(person_id)

    @event("AnalysisMemberRemoved")
    def _member_removed(self, person_id: UUID) -> None:
        self.members = tuple(m for m in self.members if m != person_id)

    def covers(self, dialog_id: UUID) -> bool:
        return dialog_id in self.dialog_ids

    def cover_focus_group(self, group_id: UUID) -> bool:
        """Take a focus group's answers in as items (the caller has checked that the group
        exists in this tenant); False when the analysis covers it already."""
        if group_id in self.focus_group_ids:
            return False
        if len(self.focus_group_ids) >= MAX_DIALOGS:
            raise InvalidInput("focus_group_id", f"an analysis covers at most {MAX_DIALOGS}")
        self._focus_group_covered(group_id)
        return True

    @event("AnalysisFocusGroupCovered")
    def _focus_group_covered(self, group_id: UUID) -> None:
        self.focus_group_ids = (*self.focus_group_ids, group_id)

    def covers_focus_group(self, group_id: UUID) -> bool:
        return group_id in self.focus_group_ids

    def add_code(self, code_id: UUID, label: str, description: str, parent_id: UUID | None) -> Code:
        """Add a code to the codebook, at the top or under a top-level code."""
        label, description = _checked_code(
            self.codes, label, description, parent_id, "this analysis"
        )
        self._code_added(code_id, label, description, parent_id)
        return self.codes[code_id]

    @event("CodeAdded")
    def _code_added(
        self, code_id: UUID, label: str, description: str, parent_id: UUID | None
    ) -> None:
        self.codes[code_id] = Code(label=label, description=description, parent_id=parent_id)


def _checked_code(
    codes: Mapping[UUID, Code],
    label: str,
    description: str,
    parent_id: UUID | None,
    owner: str,
) -> tuple[str, str]:
    """A new code's label and description, checked against the codebook ``codes`` it joins:
    nested one level at most, under a code of the same codebook, its label free at its level."""
    label = values.text(label, "label", max_length=LABEL_LENGTH)
    description = values.text(
        description, "description", max_length=DESCRIPTION_LENGTH, required=False
    )
    if len(codes) >= MAX_CODES:
        raise Conflict(f"the codebook holds {MAX_CODES} codes already")
    if parent_id is not None:
        parent = codes.get(parent_id)
        if parent is None:
            raise InvalidInput("parent_id", f"{parent_id} is not a code of {owner}")
        if parent.parent_id is not None:
            raise InvalidInput(
                "parent_id",
                f"{parent_id} is itself nested under {parent.parent_id}: codes nest one level deep",
            )
    folded = label.casefold()
    for other in codes.values():
        if other.parent_id == parent_id and other.label.casefold() == folded:
            raise Conflict(f"the code {label!r} is there already at that level", "label")
    return label, description


def codebook_id(tenant_id: str) -> UUID:
    """The one stream of a municipality's own codebook."""
    return uuid5(_NAMESPACE, f"codebook:{tenant_id}")


class Codebook(Aggregate):
    """A municipality's own codebook: codes its administrators keep for every analysis, which
    members of any of its analyses tag items with, next to the analysis's own codes. The
    same rules as an analysis's codebook: nested one level, a label once per level."""

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return codebook_id(tenant_id)

    @event("CodebookOpened")
    def __init__(self, tenant_id: str) -> None:
        self.codes: dict[UUID, Code] = {}

    def add_code(self, code_id: UUID, label: str, description: str, parent_id: UUID | None) -> Code:
        label, description = _checked_code(
            self.codes, label, description, parent_id, "the municipality's codebook"
        )
        self._code_added(code_id, label, description, parent_id)
        return self.codes[code_id]

    @event("TenantCodeAdded")
    def _code_added(
        self, code_id: UUID, label: str, description: str, parent_id: UUID | None
    ) -> None:
        self.codes[code_id] = Code(label=label, description=description, parent_id=parent_id)


class AnalysisItem(Aggregate):
    """What one analysis records about one item: its codes and the members' ratings."""

    @staticmethod
    def create_id(analysis_id: UUID, item_id: UUID) -> UUID:
        return item_id_of(analysis_id, item_id)

    @event("AnalysisItemOpened")
    def __init__(self, analysis_id: UUID, item_id: UUID) -> None:
        self.analysis_id = analysis_id
        self.item_id = item_id
        self.codes: tuple[UUID, ...] = ()
        self.ratings: dict[UUID, int] = {}

    def tag(self, codes: Sequence[UUID], codebook: Mapping[UUID, Code]) -> bool:
        """Replace the item's codes with ``codes``, each a code of ``codebook``: the
        analysis's codes and the municipality's. False (nothing recorded) when the item has
        those codes already."""
        if len(codes) > MAX_ITEM_CODES:
            raise InvalidInput("codes", f"at most {MAX_ITEM_CODES} codes on one item")
        for i, code_id in enumerate(codes):
            if code_id not in codebook:
                raise InvalidInput(
                    f"codes[{i}]",
                    f"{code_id} is no code of this analysis nor of the municipality's codebook",
                )
        distinct_ids(codes, "codes")
        if set(codes) == set(self.codes):
            return False
        self._coded(self.analysis_id, self.item_id, tuple(codes))
        return True

    # The item events name the analysis and the item, so a read model needs no other event
    # to place them.
    @event("ItemCoded")
    def _coded(self, analysis_id: UUID, item_id: UUID, codes: tuple[UUID, ...]) -> None:
        self.codes = tuple(codes)

    def rate(self, person_id: UUID, rating: int) -> bool:
        """The person's rating of the item's significance, 1-10 (a new one replaces theirs).
        False (nothing recorded) when it is theirs already."""
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise InvalidInput("rating", f"must be a whole number from {LOWEST} to {HIGHEST}")
        if not LOWEST <= rating <= HIGHEST:
            raise InvalidInput("rating", f"must be from {LOWEST} to {HIGHEST}, not {rating}")
        if self.ratings.get(person_id) == rating:
            return False
        self._rated(self.analysis_id, self.item_id, person_id, rating)
        return True

    @event("ItemRated")
    def _rated(self, analysis_id: UUID, item_id: UUID, person_id: UUID, rating: int) -> None:
        self.ratings[person_id] = rating


HEADING_LENGTH = 200
SUMMARY_LENGTH = 5000
MAX_THEME_ITEMS = 5000  # items in one theme


class Theme(Aggregate):
    """A theme of an analysis: a heading and a summary its analysts write, and the items they
    put into it (an item may sit in several themes). One stream per theme, so analysts
    working on different themes never contend. A theme merged into another is gone: it takes
    no more changes, and its merge is recorded on both."""

    @classmethod
    def create(
        cls,
        analysis_id: UUID,
        heading: str,
        summary: str,
        items: Sequence[UUID] = (),
        split_from: UUID | None = None,
    ) -> Theme:
        """A new theme with ``items`` (checked to be items of the analysis by the caller)."""
        heading, summary = _written(heading, summary)
        distinct_ids(items, "items")
        if len(items) > MAX_THEME_ITEMS:
            raise InvalidInput("items", f"at most {MAX_THEME_ITEMS} items in one theme")
        return cls(
            analysis_id=analysis_id,
            heading=heading,
            summary=summary,
            items=tuple(items),
            split_from=split_from,
        )

    @event("ThemeCreated")
    def __init__(
        self,
        analysis_id: UUID,
        heading: str,
        summary: str,
        items: tuple[UUID, ...],
        split_from: UUID | None,
    ) -> None:
        self.analysis_id = analysis_id
        self.heading = heading
        self.summary = summary
        self.items = tuple(items)
        self.split_from = split_from
        self.merged_into: UUID | None = None
        self.suggestion: str | None = None  # the digest of the suggestions it was made from

    @property
    def gone(self) -> bool:
        return self.merged_into is not None

    def accept_suggestion(self, digest: str, group: int, terms: Sequence[str]) -> None:
        """Record, as the new theme's evidence, the machine suggestion an analyst accepted:
        the suggestions' digest (of the items' ids and texts they were made from), the
        group's number among them and its distinctive terms."""
        if self.suggestion is not None:
            raise Conflict("the theme was made from a suggestion already")
        self._suggestion_accepted(self.analysis_id, digest, group, tuple(terms))

    @event("ThemeSuggestionAccepted")
    def _suggestion_accepted(
        self, analysis_id: UUID, digest: str, group: int, terms: tuple[str, ...]
    ) -> None:
        self.suggestion = digest

    def rewrite(self, heading: str, summary: str) -> bool:
        """A new heading and summary; False (nothing recorded) when they are the same."""
        heading, summary = _written(heading, summary)
        if (heading, summary) == (self.heading, self.summary):
            return False
        self._rewritten(self.analysis_id, heading, summary)
        return True

    @event("ThemeRewritten")
    def _rewritten(self, analysis_id: UUID, heading: str, summary: str) -> None:
        self.heading = heading
        self.summary = summary

    def add(self, item_id: UUID) -> bool:
        """Put an item (of the analysis, checked by the caller) into the theme; False when it
        is there already."""
        if item_id in self.items:
            return False
        if len(self.items) >= MAX_THEME_ITEMS:
            raise Conflict(f"the theme holds {MAX_THEME_ITEMS} items already")
        self._item_added(self.analysis_id, item_id)
        return True

    @event("ThemeItemAdded")
    def _item_added(self, analysis_id: UUID, item_id: UUID) -> None:
        self.items = (*self.items, item_id)

    def remove(self, item_id: UUID) -> bool:
        """Take an item out of the theme; False when it is not in it."""
        if item_id not in self.items:
            return False
        self._item_removed(self.analysis_id, item_id)
        return True

    @event("ThemeItemRemoved")
    def _item_removed(self, analysis_id: UUID, item_id: UUID) -> None:
        self.items = tuple(i for i in self.items if i != item_id)

    def merge(self, other: Theme, heading: str | None, summary: str | None) -> None:
        """Take ``other`` (``theme_id``) into this theme: the items of both, this theme's
        heading and summary unless new ones are given. ``other`` is gone after."""
        if other.id == self.id:
            raise InvalidInput("theme_id", "a theme cannot be merged with itself")
        if other.analysis_id != self.analysis_id or other.gone:
            raise InvalidInput("theme_id", f"{other.id} is not a theme of this analysis")
        heading, summary = _written(
            self.heading if heading is None else heading,
            self.summary if summary is None else summary,
        )
        merged = (*self.items, *(i for i in other.items if i not in self.items))
        self._merged(self.analysis_id, other.id, merged, heading, summary)
        other._merged_away(other.analysis_id, self.id)

    @event("ThemesMerged")
    def _merged(
        self,
        analysis_id: UUID,
        absorbed: UUID,
        items: tuple[UUID, ...],
        heading: str,
        summary: str,
    ) -> None:
        self.items = tuple(items)
        self.heading = heading
        self.summary = summary

    @event("ThemeMergedAway")
    def _merged_away(self, analysis_id: UUID, into: UUID) -> None:
        self.merged_into = into

    def split(self, items: Sequence[UUID], heading: str, summary: str) -> Theme:
        """Move ``items`` (some of this theme's, not all) to a new theme with its own heading
        and summary; the new theme."""
        if not items:
            raise InvalidInput("items", "a split moves at least one item")
        for i, item_id in enumerate(items):
            if item_id not in self.items:
                raise InvalidInput(f"items[{i}]", f"{item_id} is not in this theme")
        distinct_ids(items, "items")
        if len(items) == len(self.items):
            raise InvalidInput(
                "items", "a split leaves at least one item in the theme: this moves them all"
            )
        new = Theme.create(self.analysis_id, heading, summary, items, split_from=self.id)
        self._split(self.analysis_id, new.id, tuple(items))
        return new

    @event("ThemeSplit")
    def _split(self, analysis_id: UUID, new_theme_id: UUID, items: tuple[UUID, ...]) -> None:
        moved = set(items)
        self.items = tuple(i for i in self.items if i not in moved)


def _written(heading: str, summary: str) -> tuple[str, str]:
    return (
        values.text(heading, "heading", max_length=HEADING_LENGTH),
        values.text(summary, "summary", max_length=SUMMARY_LENGTH, required=False),
    )
