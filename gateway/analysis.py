"""Analyses over HTTP: administrators start an analysis over dialogs with its members; members
build its codebook, tag items with codes, rate their significance, group items into themes
(merged and split as the analysis goes), and list, search, filter and rank its items; the
analysis shows how far its raters agree (Krippendorff's alpha). An analysis the caller is no
member of (nor an administrator) is 404, and so is each of its themes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from events.errors import InvalidInput, NotFound
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT
from gateway.problems import problems
from services.analysis.agreement import agreement
from services.analysis.commands import (
    AddCode,
    AddThemeItem,
    CreateTheme,
    MergeItems,
    MergeThemes,
    RateItem,
    RewriteTheme,
    SplitTheme,
    StartAnalysis,
    TagItem,
)
from services.analysis.domain import Analysis, AnalysisItem, Code, Theme
from services.analysis.read_model import ITEM_KINDS, AnalysisQueries, Sort
from services.analysis.service import AnalysisService
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry

MAX_OFFSET = 10_000
QUERY_LENGTH = 200


class CodeView(msgspec.Struct, kw_only=True):
    id: UUID
    label: str
    description: str
    parent_id: UUID | None  # the top-level code it is nested under, if any


class AnalysisView(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    dialog_ids: list[UUID]
    members: list[UUID]
    created_by: UUID
    created_at: datetime
    codes: list[CodeView]  # the codebook, in the order its codes were added
    # the focus groups whose answers (not hidden by their moderators) are items too
    focus_group_ids: list[UUID] = []
    # Krippendorff's alpha (interval) over the members' ratings: null with fewer than two
    # raters or two rated items, or when undefined (no item rated twice, one value throughout)
    agreement: float | None = None


class AnalysisSummary(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    dialog_ids: list[UUID]
    members: list[UUID]
    created_at: datetime


class AnalysisList(msgspec.Struct, kw_only=True):
    items: list[AnalysisSummary]


class ItemCodes(msgspec.Struct, kw_only=True):
    analysis_id: UUID
    item_id: UUID
    codes: list[UUID]


class ItemRating(msgspec.Struct, kw_only=True):
    """The caller's rating as recorded, and the item's ratings with it."""

    analysis_id: UUID
    item_id: UUID
    rating: int
    mean: float
    spread: float  # the population standard deviation of the ratings
    ratings: int


class ItemView(msgspec.Struct, kw_only=True):
    """One item: a post or comment of the analysis's dialogs, its author shown as the post
    listing shows them (nobody for an anonymous post), or a free text answer to one of its
    surveys (titled by its question, naming nobody, dated by its day), or an answer in one of
    its focus groups (naming nobody, no dialog), with the analysis's codes and ratings of it."""

    id: UUID
    dialog_id: UUID | None  # null for a focus group's answer
    kind: str  # the post's kind, "comment", "survey-answer" or "focus-group-answer"
    parent_id: UUID | None  # a comment's: the post or comment it answers
    root_id: UUID | None  # a comment's: the post its thread is under
    title: str | None  # a survey answer's: its question
    text: str
    author_id: UUID | None
    author_name: str | None
    supports: int
    signatures: int
    created_at: datetime
    codes: list[UUID]
    rating_mean: float | None  # null until rated
    rating_spread: float | None  # population standard deviation
    ratings: int
    my_rating: int | None
    themes: list[UUID]  # the themes it sits in, oldest first


class ThemeView(msgspec.Struct, kw_only=True):
    """A theme as recorded: its heading, summary and items (in the order they went in)."""

    id: UUID
    analysis_id: UUID
    heading: str
    summary: str
    items: list[UUID]
    split_from: UUID | None  # the theme it was split from, if any


class ThemeSummary(msgspec.Struct, kw_only=True):
    """A theme as listed, with its items' count and mean significance."""

    id: UUID
    heading: str
    summary: str
    items: list[UUID]
    # its items merged into another post as near-duplicates (they stay listed in items)
    merged_items: list[UUID]
    items_count: int  # its items but the merged ones
    # the mean over its rated items (merged ones left out) of each one's mean rating; null
    # while none is rated
    mean_significance: float | None
    split_from: UUID | None
    created_at: datetime


class ThemeList(msgspec.Struct, kw_only=True):
    items: list[ThemeSummary]


class ItemPage(msgspec.Struct, kw_only=True):
    items: list[ItemView]
    next_offset: int | None  # the offset of the next page, null on the last


class ItemsMerged(msgspec.Struct, kw_only=True):
    """A near-duplicate merged into another item; its supports follow within moments."""

    analysis_id: UUID
    duplicate_id: UUID
    into_id: UUID


class TenantCodeList(msgspec.Struct, kw_only=True):
    items: list[CodeView]  # in the order they were added


def _code_view(code_id: UUID, code: Code) -> CodeView:
    return CodeView(
        id=code_id, label=code.label, description=code.description, parent_id=code.parent_id
    )


def theme_view(theme: Theme) -> ThemeView:
    return ThemeView(
        id=theme.id,
        analysis_id=theme.analysis_id,
        heading=theme.heading,
        summary=theme.summary,
        items=list(theme.items),
        split_from=theme.split_from,
    )


def analysis_view(analysis: Analysis, alpha: float | None = None) -> AnalysisView:
    return AnalysisView(
        id=analysis.id,
        title=analysis.title,
        dialog_ids=list(analysis.dialog_ids),
        members=list(analysis.members),
        created_by=analysis.created_by,
        created_at=analysis.created_on,
        focus_group_ids=list(analysis.focus_group_ids),
        codes=[
            CodeView(id=i, label=c.label, description=c.description, parent_id=c.parent_id)
            for i, c in analysis.codes.items()
        ],
        agreement=alpha,
    )


def _item(row: Any) -> ItemView:
    anonymous = row["anonymous"]
    return ItemView(
        id=row["item_id"],
        dialog_id=row["dialog_id"],
        kind=row["kind"],
        parent_id=row["parent_id"],
        root_id=row["root_id"],
        title=row["title"],
        text=row["body"],
        author_id=None if anonymous else row["author_id"],
        author_name=None if anonymous else row["display_name"],
        supports=row["supports"],
        signatures=row["signatures"],
        created_at=row["created_at"],
        codes=list(row["codes"]),
        rating_mean=row["mean"],
        rating_spread=row["spread"],
        ratings=row["ratings"],
        my_rating=row["my_rating"],
        themes=list(row["themes"]),
    )


def _rating(analysis_id: UUID, item: AnalysisItem, caller: Caller) -> ItemRating:
    given = list(item.ratings.values())
    mean = sum(given) / len(given)
    spread = (sum((r - mean) ** 2 for r in given) / len(given)) ** 0.5
    return ItemRating(
        analysis_id=analysis_id,
        item_id=item.item_id,
        rating=item.ratings[caller.person_id],
        mean=mean,
        spread=spread,
        ratings=len(given),
    )


class AnalysisController(Controller):
    path = "/api/v1/analyses"
    tags = ["analysis"]

    @post(
        "/",
        operation_id="startAnalysis",
        summary="Start an analysis",
        responses=problems(409, 422),
        status_code=201,
    )
    async def start(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        data: JSONBody[StartAnalysis],
    ) -> AnalysisView:
        """Start an analysis (administrators) over the posts, comments and free text survey
        answers of one or more dialogs of the municipality, with its members: administrators
        or analysts (the creator is one). An unknown dialog, one that takes neither posts nor
        survey responses, or a person who is no administrator or analyst is refused (422)
        naming `dialog_ids[i]` or `members[i]`."""
        return analysis_view(await analyses.start(caller, data))

    @get("/", operation_id="listAnalyses", summary="List analyses")
    async def list_analyses(
        self,
        analysis_queries: Injected[AnalysisQueries],
        caller: NamedDependency[Caller],
    ) -> AnalysisList:
        """The analyses the caller belongs to, newest first (administrators: every analysis
        of the municipality). Others get an empty list."""
        member = None if caller.may(Permission.ADMINISTER) else caller.person_id
        rows = await analysis_queries.analyses(caller.tenant_id, member)
        return AnalysisList(
            items=[
                AnalysisSummary(
                    id=r["analysis_id"],
                    title=r["title"],
                    dialog_ids=list(r["dialog_ids"]),
                    members=list(r["members"]),
                    created_at=r["created_at"],
                )
                for r in rows
            ]
        )

    @get("/{analysis_id:uuid}", operation_id="getAnalysis", summary="Read an analysis")
    async def get_analysis(
        self,
        analyses: Injected[AnalysisService],
        analysis_queries: Injected[AnalysisQueries],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
    ) -> AnalysisView:
        """The analysis with its dialogs, members and codebook, and how far its raters agree
        (`agreement`: Krippendorff's alpha at the interval level over the members' ratings,
        null with fewer than two raters or two rated items): for its members and
        administrators (404 for anyone else)."""
        analysis = await analyses.get(caller, analysis_id)
        rows = await analysis_queries.ratings(caller.tenant_id, analysis_id)
        ratings = [(r["item_id"], r["person_id"], r["rating"]) for r in rows]
        # CPU-bound (about 80 ms for 50,000 ratings): off the event loop
        alpha = await asyncio.to_thread(agreement, ratings)
        return analysis_view(analysis, alpha)

    @post(
        "/{analysis_id:uuid}/codes",
        operation_id="addAnalysisCode",
        summary="Add a code to an analysis's codebook",
        responses=problems(409, 422),
        status_code=201,
    )
    async def add_code(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[AddCode],
    ) -> CodeView:
        """Add a code with a label and a description (members), at the top of the codebook
        or nested under a top-level code (`parent_id`). Codes nest one level: a parent that
        is itself nested, or no code of this analysis, is refused (422 naming `parent_id`);
        a label taken at the same level is a conflict (409)."""
        code_id, code = await analyses.add_code(caller, analysis_id, data)
        return CodeView(
            id=code_id, label=code.label, description=code.description, parent_id=code.parent_id
        )

    @put(
        "/{analysis_id:uuid}/items/{item_id:uuid}/codes",
        operation_id="tagAnalysisItem",
        summary="Set the codes of an item",
        responses=problems(409, 422),
    )
    async def tag(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        item_id: FromPath[UUID],
        data: JSONBody[TagItem],
    ) -> ItemCodes:
        """Replace the codes an item (a post or comment of the analysis's dialogs, or a free
        text answer to one of its surveys, as the item list shows them) is tagged with
        (members); an empty list clears them. Each is a code of this analysis or of the
        municipality's own codebook: any other (another analysis's, another municipality's)
        is refused (422 naming `codes[i]`). An item merged into another post is a conflict
        (409)."""
        item = await analyses.tag(caller, analysis_id, item_id, data.codes)
        return ItemCodes(analysis_id=analysis_id, item_id=item_id, codes=list(item.codes))

    @put(
        "/{analysis_id:uuid}/items/{item_id:uuid}/rating",
        operation_id="rateAnalysisItem",
        summary="Rate an item's significance",
        responses=problems(409, 422),
    )
    async def rate(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        item_id: FromPath[UUID],
        data: JSONBody[RateItem],
    ) -> ItemRating:
        """Rate the significance of an item from 1 to 10 (members): one rating per member,
        which a new one replaces. Answers the item's mean, spread (population standard
        deviation) and number of ratings with it."""
        item = await analyses.rate(caller, analysis_id, item_id, data.rating)
        return _rating(analysis_id, item, caller)

    @get(
        "/{analysis_id:uuid}/items",
        operation_id="listAnalysisItems",
        summary="List, search and sort an analysis's items",
        responses=problems(422),
    )
    async def items(
        self,
        analyses: Injected[AnalysisService],
        analysis_queries: Injected[AnalysisQueries],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        analysis_id: FromPath[UUID],
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=QUERY_LENGTH)] = None,
        code: Annotated[UUID | None, QueryParameter()] = None,
        theme: Annotated[UUID | None, QueryParameter()] = None,
        sort: Annotated[Sort, QueryParameter()] = "date",
        kind: Annotated[str | None, QueryParameter(max_length=QUERY_LENGTH)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)] = 0,
    ) -> ItemPage:
        """The analysis's items (members): the published posts and comments of its dialogs
        (not hidden, pending or withdrawn ones) and, for administrators and analysts (who read
        survey answers anyway; not external analysts), the free text answers to its surveys
        that moderation has not hidden, each with its codes, the mean, spread and number of
        its ratings and the caller's own; for the same callers, the answers in the focus groups
        it covers that their moderators did not hide (`focus-group-answer`, naming nobody).
        `kind` keeps one kind of item: a post kind, `comment`, `survey-answer` or
        `focus-group-answer` (422 naming `kind` for another). `q` searches their text
        in full (web search syntax:
        words, "quoted phrases", or, -not) in the municipality's language, so an inflected
        form finds the word; `code` keeps the items tagged with that code or one nested
        under it (422 naming `code` when it is no code of this analysis); `theme` keeps the
        items in that theme (422 naming `theme` when it is no theme of this analysis); `sort`
        orders them, highest first: by mean `rating` (the ranking: unrated last, ties by the
        number of ratings), `supports` (with signatures) or `date` (the newest first, the
        default). Each item lists the themes it sits in. Pages by `limit` and `offset`."""
        analysis = await analyses.get(caller, analysis_id)
        if kind is not None and kind not in ITEM_KINDS:
            raise InvalidInput("kind", f"is no kind of item: one of {', '.join(ITEM_KINDS)}")
        if code is not None and code not in await analyses.codes_for(caller, analysis):
            raise InvalidInput(
                "code", f"{code} is no code of this analysis nor of the municipality's codebook"
            )
        if theme is not None:
            try:
                await analyses.theme(caller, analysis_id, theme)
            except NotFound:
                raise InvalidInput("theme", f"{theme} is not a theme of this analysis") from None
        rows = await analysis_queries.items(
            caller.tenant_id,
            analysis_id,
            caller.person_id,
            language=tenant.default_language,
            q=None if q is None else q.strip() or None,
            code=code,
            sort=sort,
            limit=limit + 1,
            offset=offset,
            theme=theme,
            kind=kind,
            answers=caller.may(Permission.ANALYSE),
        )
        return ItemPage(
            items=[_item(r) for r in rows[:limit]],
            next_offset=offset + limit if len(rows) > limit else None,
        )

    # -- themes --------------------------------------------------------------------------

    @post(
        "/{analysis_id:uuid}/themes",
        operation_id="createAnalysisTheme",
        summary="Create a theme",
        responses=problems(409, 422),
        status_code=201,
    )
    async def create_theme(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[CreateTheme],
    ) -> ThemeView:
        """Create a theme (members) with a heading, a summary and, if given, its first items:
        items of this analysis (else 422 naming `items[i]`)."""
        return theme_view(await analyses.create_theme(caller, analysis_id, data))

    @get("/{analysis_id:uuid}/themes", operation_id="listAnalysisThemes", summary="List themes")
    async def list_themes(
        self,
        analyses: Injected[AnalysisService],
        analysis_queries: Injected[AnalysisQueries],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
    ) -> ThemeList:
        """The analysis's themes, oldest first (members), each with its items, their count
        and their mean significance (the mean over its rated items of each one's mean
        rating). An item merged into another post as a near-duplicate stays in `items` and
        is listed in `merged_items`, but is left out of the count and the significance. A
        theme merged into another is not listed."""
        await analyses.get(caller, analysis_id)
        rows = await analysis_queries.themes(caller.tenant_id, analysis_id)
        return ThemeList(
            items=[
                ThemeSummary(
                    id=r["theme_id"],
                    heading=r["heading"],
                    summary=r["summary"],
                    items=list(r["items"]),
                    merged_items=list(r["merged"]),
                    items_count=len(r["items"]) - len(r["merged"]),
                    mean_significance=r["significance"],
                    split_from=r["split_from"],
                    created_at=r["created_at"],
                )
                for r in rows
            ]
        )

    @put(
        "/{analysis_id:uuid}/themes/{theme_id:uuid}",
        operation_id="rewriteAnalysisTheme",
        summary="Rewrite a theme's heading and summary",
        responses=problems(409, 422),
    )
    async def rewrite_theme(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        theme_id: FromPath[UUID],
        data: JSONBody[RewriteTheme],
    ) -> ThemeView:
        """Replace a theme's heading and summary (members); the same again records nothing.
        A theme of another analysis, or one merged away, is 404."""
        return theme_view(await analyses.rewrite_theme(caller, analysis_id, theme_id, data))

    @post(
        "/{analysis_id:uuid}/themes/{theme_id:uuid}/items",
        operation_id="addAnalysisThemeItem",
        summary="Put an item into a theme",
        responses=problems(409, 422),
        status_code=200,
    )
    async def add_theme_item(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        theme_id: FromPath[UUID],
        data: JSONBody[AddThemeItem],
    ) -> ThemeView:
        """Put an item into a theme (members; an item may sit in several themes, and one
        already in this theme records nothing). An id that is no item of this analysis is
        refused (422 naming `item_id`)."""
        return theme_view(await analyses.add_to_theme(caller, analysis_id, theme_id, data.item_id))

    @delete(
        "/{analysis_id:uuid}/themes/{theme_id:uuid}/items/{item_id:uuid}",
        operation_id="removeAnalysisThemeItem",
        summary="Take an item out of a theme",
        responses=problems(409),
        status_code=200,
    )
    async def remove_theme_item(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        theme_id: FromPath[UUID],
        item_id: FromPath[UUID],
    ) -> ThemeView:
        """Take an item out of a theme (members); an item not in the theme is 404."""
        return theme_view(await analyses.remove_from_theme(caller, analysis_id, theme_id, item_id))

    @post(
        "/{analysis_id:uuid}/themes/{theme_id:uuid}/merge",
        operation_id="mergeAnalysisThemes",
        summary="Merge another theme into a theme",
        responses=problems(409, 422),
        status_code=200,
    )
    async def merge_themes(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        theme_id: FromPath[UUID],
        data: JSONBody[MergeThemes],
    ) -> ThemeView:
        """Merge the theme `theme_id` of the body into this one (members): the merged theme
        holds the items of both and keeps this theme's heading and summary unless new ones
        are given; the other theme is gone. The theme itself, or no theme of this analysis,
        is refused (422 naming `theme_id`); a theme changed meanwhile is a conflict (409)."""
        return theme_view(await analyses.merge_themes(caller, analysis_id, theme_id, data))

    @post(
        "/{analysis_id:uuid}/themes/{theme_id:uuid}/split",
        operation_id="splitAnalysisTheme",
        summary="Split a theme",
        responses=problems(409, 422),
        status_code=201,
    )
    async def split_theme(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        theme_id: FromPath[UUID],
        data: JSONBody[SplitTheme],
    ) -> ThemeView:
        """Move some of a theme's items to a new theme with its own heading and summary
        (members); answers the new theme. Moving no item, all of them, or one not in the
        theme is refused naming `items` or `items[i]`."""
        return theme_view(await analyses.split_theme(caller, analysis_id, theme_id, data))

    # -- near-duplicates -----------------------------------------------------------------

    @post(
        "/{analysis_id:uuid}/merges",
        operation_id="mergeAnalysisItems",
        summary="Merge a near-duplicate item into another",
        responses=problems(409, 422),
        status_code=201,
    )
    async def merge_items(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[MergeItems],
    ) -> ItemsMerged:
        """Mark the item `duplicate_id` as a near-duplicate of `into_id` and merge it there
        (members): both proposals, ideas or suggestions of this analysis's dialogs, neither
        withdrawn. The duplicate leaves the listings (fetched directly it shows as `merged`
        with `merged_into`); its supporters' supports are carried to the other post, each
        person once, moments later (the post's threshold counts them); the authors of both
        and the duplicate's supporters and commenters are told. Petitions are not merged (a
        signature is its signer's own, for its petition's text). No item of this analysis,
        the same post twice, a post merged already or merged into another is refused naming
        `duplicate_id` or `into_id` (422; a duplicate merged already, or a merge racing
        another on either post, 409)."""
        into = await analyses.merge_items(caller, analysis_id, data)
        return ItemsMerged(analysis_id=analysis_id, duplicate_id=data.duplicate_id, into_id=into.id)


class TenantCodeController(Controller):
    """The municipality's own codebook, shared by all its analyses."""

    path = "/api/v1/codes"
    tags = ["analysis"]

    @post(
        "/",
        operation_id="addTenantCode",
        summary="Add a code to the municipality's codebook",
        responses=problems(409, 422),
        status_code=201,
    )
    async def add_code(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        data: JSONBody[AddCode],
    ) -> CodeView:
        """Add a code with a label and a description to the municipality's own codebook
        (administrators), at the top or nested under one of its top-level codes
        (`parent_id`). Members of any of its analyses tag items with it, next to the
        analysis's own codes. Codes nest one level: a parent that is itself nested, or no
        code of this codebook (an analysis's code included), is refused (422 naming
        `parent_id`); a label taken at the same level is a conflict (409 naming `label`)."""
        code_id, code = await analyses.add_tenant_code(caller, data)
        return _code_view(code_id, code)

    @get("/", operation_id="listTenantCodes", summary="List the municipality's codebook")
    async def list_codes(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
    ) -> TenantCodeList:
        """The municipality's own codes (administrators and analysts), in the order they
        were added, each with its parent if nested."""
        codes = await analyses.tenant_codes(caller)
        return TenantCodeList(items=[_code_view(i, c) for i, c in codes.items()])
