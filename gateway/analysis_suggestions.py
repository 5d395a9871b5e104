"""An analysis's machine suggestions over HTTP: groups of items with suggested headings and
their evidence, and near-duplicate pairs, for the analysis's members (404 for anyone else).

Computed on request from the items' texts in the read model (the newest ``MAX_ITEMS``), in a
worker thread, one computation at a time per process, and kept under a digest of the items'
ids and texts (``SuggestionCache``, services/analysis/suggestions.py), so it is made again
only when the items change: a new, edited, hidden or withdrawn post.

Suggestions record nothing; an analyst decides. Accepting a group makes a theme of it
(``POST .../suggestions/{digest}/groups/{n}/theme``): the group is taken from the suggestions
made from the items as they are now (made again if this process has not kept them; the
engine is deterministic), and only if their digest is the one the analyst saw (409 naming
``digest`` once the items changed); the theme records the digest, the group's number and its
terms as its evidence (``ThemeSuggestionAccepted``).
"""

from __future__ import annotations

from typing import Annotated, NamedTuple
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from events.errors import Conflict, InvalidInput
from gateway.analysis import ThemeView, theme_view
from gateway.edge import Injected
from gateway.problems import problems
from services.analysis.domain import HEADING_LENGTH, SUMMARY_LENGTH
from services.analysis.read_model import AnalysisQueries
from services.analysis.service import AnalysisService, SuggestedTheme
from services.analysis.suggestions import SuggestionCache, items_digest
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry

MAX_ITEMS = 2_000  # the newest items the suggestions consider (about 3 s of one core)


class SuggestedGroup(msgspec.Struct, kw_only=True):
    heading: str  # made of its most distinctive terms; analysts write the theme's own
    terms: list[str]  # the most distinctive first
    item_ids: list[UUID]  # the closest to its centre first
    closest: list[UUID]  # the first few items: the evidence shown with the heading


class DuplicatePair(msgspec.Struct, kw_only=True):
    first: UUID
    second: UUID
    similarity: float  # cosine similarity of their TF-IDF vectors, 0.8 to 1


class SuggestionsView(msgspec.Struct, kw_only=True):
    analysis_id: UUID
    digest: str  # of the items' ids and texts the suggestions were made from
    items: int  # the items considered
    truncated: bool  # true when the analysis has more items than were considered
    method: str  # what the groups were made from: "tfidf"
    silhouette: float | None  # of the chosen grouping (-1 to 1), null when none was made
    groups: list[SuggestedGroup]  # the largest first
    duplicates: list[DuplicatePair]  # the most similar first


class AcceptSuggestion(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The theme's heading (the suggested one if left out) and summary."""

    heading: Annotated[str, Meta(min_length=1, max_length=HEADING_LENGTH)] | None = None
    summary: Annotated[str, Meta(max_length=SUMMARY_LENGTH)] = ""


class _Current(NamedTuple):
    ids: list[UUID]
    texts: list[str]
    language: str
    digest: str
    truncated: bool


async def _current(
    queries: AnalysisQueries, tenant: TenantEntry, analysis_id: UUID, caller: Caller
) -> _Current:
    """The items the suggestions consider now (the newest ``MAX_ITEMS`` the caller sees), and
    their digest."""
    rows = await queries.texts(
        tenant.tenant_id, analysis_id, MAX_ITEMS + 1, answers=caller.may(Permission.ANALYSE)
    )
    ids: list[UUID] = [r["item_id"] for r in rows[:MAX_ITEMS]]
    texts = [f"{r['title'] or ''}\n{r['body']}".strip() for r in rows[:MAX_ITEMS]]
    language = tenant.default_language
    digest = items_digest(ids, texts, language)
    return _Current(ids, texts, language, digest, len(rows) > MAX_ITEMS)


class AnalysisSuggestionsController(Controller):
    path = "/api/v1/analyses"
    tags = ["analysis"]

    @get(
        "/{analysis_id:uuid}/suggestions",
        operation_id="suggestAnalysisThemes",
        summary="Machine suggestions: groups of similar items and near-duplicates",
    )
    async def suggestions(
        self,
        analyses: Injected[AnalysisService],
        analysis_queries: Injected[AnalysisQueries],
        suggestion_cache: Injected[SuggestionCache],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        analysis_id: FromPath[UUID],
    ) -> SuggestionsView:
        """Suggested groups of the analysis's items (members; 404 for anyone else): items
        that say similar things, grouped by k-means over TF-IDF vectors of their words and
        character n-grams, the number of groups chosen by silhouette; each with a heading
        from its most distinctive terms and, as evidence, those terms and the items closest
        to its centre. With them the pairs of near-duplicates (cosine similarity at least
        0.8). The newest 2,000 items are considered. Nothing is recorded: a group becomes a
        theme only when an analyst makes one of it."""
        await analyses.get(caller, analysis_id)
        ids, texts, language, digest, truncated = await _current(
            analysis_queries, tenant, analysis_id, caller
        )
        found = await suggestion_cache.get(caller.tenant_id, analysis_id, digest, texts, language)
        return SuggestionsView(
            analysis_id=analysis_id,
            digest=digest,
            items=len(ids),
            truncated=truncated,
            method=found.method,
            silhouette=found.silhouette,
            groups=[
                SuggestedGroup(
                    heading=g.heading,
                    terms=list(g.terms),
                    item_ids=[ids[i] for i in g.members],
                    closest=[ids[i] for i in g.closest],
                )
                for g in found.groups
            ],
            duplicates=[
                DuplicatePair(first=ids[d.first], second=ids[d.second], similarity=d.similarity)
                for d in found.duplicates
            ],
        )

    @post(
        "/{analysis_id:uuid}/suggestions/{digest:str}/groups/{group:int}/theme",
        operation_id="acceptSuggestedTheme",
        summary="Make a theme of a suggested group",
        responses=problems(409, 422),
        status_code=201,
    )
    async def accept(
        self,
        analyses: Injected[AnalysisService],
        analysis_queries: Injected[AnalysisQueries],
        suggestion_cache: Injected[SuggestionCache],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        analysis_id: FromPath[UUID],
        digest: FromPath[str],
        group: FromPath[int],
        data: JSONBody[AcceptSuggestion],
    ) -> ThemeView:
        """Accept a suggested group as a theme (members): its items, the suggested heading
        unless another is given, and the suggestion (``digest``, the group's number, its
        terms) recorded as the theme's evidence. 409 naming ``digest`` when the items have
        changed since those suggestions were made (ask for them again); 422 naming ``group``
        for a number they do not have."""
        await analyses.get(caller, analysis_id)
        ids, texts, language, current, _ = await _current(
            analysis_queries, tenant, analysis_id, caller
        )
        if digest != current:
            raise Conflict(
                "the items have changed since these suggestions were made: ask for them again",
                field="digest",
            )
        found = await suggestion_cache.get(caller.tenant_id, analysis_id, digest, texts, language)
        if not 0 <= group < len(found.groups):
            raise InvalidInput(
                "group", f"these suggestions have {len(found.groups)} groups, numbered from 0"
            )
        chosen = found.groups[group]
        theme = await analyses.accept_suggestion(
            caller,
            analysis_id,
            SuggestedTheme(
                digest=digest,
                number=group,
                items=tuple(ids[i] for i in chosen.members),
                terms=tuple(chosen.terms),
            ),
            data.heading or chosen.heading,
            data.summary,
        )
        return theme_view(theme)
