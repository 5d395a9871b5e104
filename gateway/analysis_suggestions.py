"""An analysis's machine suggestions over HTTP: groups of items with suggested headings and
their evidence, and near-duplicate pairs, for the analysis's members (404 for anyone else).

Computed on request from the items' texts in the read model (the newest ``MAX_ITEMS``), in a
worker thread, one computation at a time per process; the answer is kept (``CACHED``
analyses, least recently asked first out) under a digest of the items' ids and texts, so it
is made again only when the items change: a new, edited, hidden or withdrawn post.

Suggestions record nothing. Accepting one as a theme belongs to the themes (issue 14, item
2): the client sends a group's ``item_ids`` and ``heading`` to the operation that makes a
theme, which records it as an event of the analysis; ``digest`` names the suggestions it
came from, so that event can carry it as its evidence.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from uuid import UUID
from weakref import WeakKeyDictionary

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from gateway.edge import Injected
from projections.analysis import AnalysisQueries
from services.analysis.service import AnalysisService
from services.analysis.suggestions import Suggestions, suggest
from services.identity.access import Caller
from tenants.directory import TenantEntry

MAX_ITEMS = 2_000  # the newest items the suggestions consider (about 3 s of one core)
CACHED = 64


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


_cache: OrderedDict[tuple[str, UUID, str], Suggestions] = OrderedDict()
# one computation at a time per event loop (a process serves from one; tests may make more)
_computing: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


def _digest(ids: list[UUID], texts: list[str], language: str) -> str:
    h = hashlib.sha256(language.encode())
    for i, t in zip(ids, texts, strict=True):
        h.update(i.bytes)
        h.update(t.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


async def _suggestions(
    tenant_id: str, analysis_id: UUID, digest: str, texts: list[str], language: str
) -> Suggestions:
    key = (tenant_id, analysis_id, digest)
    loop = asyncio.get_running_loop()
    lock = _computing.get(loop)
    if lock is None:
        lock = _computing[loop] = asyncio.Lock()
    async with lock:
        found = _cache.get(key)
        if found is None:
            found = await asyncio.to_thread(suggest, texts, language=language)
            _cache[key] = found
            while len(_cache) > CACHED:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
    return found


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
        rows = await analysis_queries.texts(caller.tenant_id, analysis_id, MAX_ITEMS + 1)
        truncated = len(rows) > MAX_ITEMS
        rows = rows[:MAX_ITEMS]
        ids: list[UUID] = [r["post_id"] for r in rows]
        texts = [f"{r['title'] or ''}\n{r['body']}".strip() for r in rows]
        language = tenant.default_language
        digest = _digest(ids, texts, language)
        found = await _suggestions(caller.tenant_id, analysis_id, digest, texts, language)
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
