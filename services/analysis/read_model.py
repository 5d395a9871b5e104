"""The analysis read model: analyses with their members and codebooks, the codes and ratings
of their items, and a full-text search vector of every post and comment; the queries beside
it.

An analysis's items are the published posts and comments of its dialogs, as the post listing
shows them (``posts``): hidden, pending and withdrawn ones are no items; and the free text
answers to its surveys (``analysis_answers``, services/analysis/answers.py) that moderation
has not hidden, for viewers who may read survey answers; and the answers in the focus groups
it covers (``focus_group_answers``) that the group's moderator has not hidden, for the same
viewers, named by nobody (searched by a vector made when read). A post's or comment's text is
searched through ``analysis_texts``, a ``tsvector`` per post kept here in the text search
configuration of the tenant's default language (sv swedish, da danish, nb norwegian, fi
finnish, en english, anything else simple), so an inflected form finds its stem. A vector is
made when its post arrives (or is edited) in the language the tenant has then; an erased
author's posts are searched as their events now decode (texts erased), so a rebuild gives the
same rows.

The ratings are kept one row per (item, member), and the mean, spread (population standard
deviation) and count are computed when read.

Themes are kept one row per theme (``analysis_themes``) with their items in the order they
went in; a theme merged into another is deleted (its events keep it). A theme's items count
and mean significance (the mean over its rated items of each item's mean rating) are
computed when read, as an item's themes are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from uuid import UUID

import asyncpg

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASED, ERASURE_EVENT
from events.tables import Row
from services.analysis.domain import codebook_id
from services.dialogs.kinds import PostKind

Sort = Literal["rating", "supports", "date"]

# The text search configuration of each language PostgreSQL stems (by the language's primary
# subtag); others are searched word for word ("simple").
SEARCH_CONFIGS = {
    "sv": "swedish",
    "da": "danish",
    "nb": "norwegian",
    "no": "norwegian",
    "nn": "norwegian",
    "fi": "finnish",
    "en": "english",
}


def search_config(language: str) -> str:
    """The text search configuration for a tenant's default language."""
    return SEARCH_CONFIGS.get(language.split("-")[0].lower(), "simple")


def _document(title: str | None, body: str) -> str:
    """What a post's search vector is made from: its title (if any) and its body."""
    return body if title is None else f"{title}\n{body}"


# a municipality's own codes (``TenantCodeAdded``, on its codebook's stream) are kept in
# ``analysis_codes`` too, under the codebook's id in place of an analysis's
_ANALYSIS_EVENTS = frozenset(
    {
        "AnalysisStarted",
        "AnalysisMemberAdded",
        "AnalysisMemberRemoved",
        "AnalysisFocusGroupCovered",
        "CodeAdded",
        "TenantCodeAdded",
        "ItemCoded",
        "ItemRated",
    }
)
_THEME_EVENTS = frozenset(
    {
        "ThemeCreated",
        "ThemeRewritten",
        "ThemeItemAdded",
        "ThemeItemRemoved",
        "ThemesMerged",
        "ThemeMergedAway",
        "ThemeSplit",
    }
)
_POST_EVENTS = frozenset({"PostSubmitted", "PostEdited"})


class AnalysisWorkspace:
    name = "analysis_workspace"
    event_types = frozenset({*_ANALYSIS_EVENTS, *_THEME_EVENTS, *_POST_EVENTS, ERASURE_EVENT})
    tables: tuple[str, ...] = (
        "analyses",
        "analysis_codes",
        "analysis_item_codes",
        "analysis_ratings",
        "analysis_texts",
        "analysis_themes",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        analyses: list[Row] = []
        codes: list[Row] = []
        coded: dict[tuple[str, UUID, UUID], Row] = {}
        rated: dict[tuple[str, UUID, UUID, UUID], Row] = {}
        texts: dict[tuple[str, UUID], Row] = {}  # posts submitted in this batch
        edits: dict[tuple[str, UUID], Row] = {}  # posts submitted before it
        erased: list[tuple[str, UUID]] = []
        themes: list[tuple[str, tuple[Any, ...]]] = []  # theme statements, in the log's order
        joins: list[tuple[str, tuple[Any, ...]]] = []  # membership changes, in the log's order
        for r in events:
            if r.event_type == ERASURE_EVENT:
                erased.append((r.tenant_id, r.stream_id))
                continue
            e = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            t = r.tenant_id
            match r.event_type:
                case "AnalysisStarted":
                    analyses.append(_analysis(t, r.stream_id, e))
                case "AnalysisMemberAdded":
                    joins.append((_JOINED, (t, r.stream_id, e.person_id)))
                case "AnalysisMemberRemoved":
                    joins.append((_LEFT, (t, r.stream_id, e.person_id)))
                case "AnalysisFocusGroupCovered":
                    joins.append((_COVERED, (t, r.stream_id, e.group_id)))
                case "CodeAdded" | "TenantCodeAdded":
                    codes.append(_code(t, r.stream_id, r.version, e))
                case "ItemCoded":
                    coded[(t, e.analysis_id, e.item_id)] = {
                        "tenant_id": t,
                        "analysis_id": e.analysis_id,
                        "item_id": e.item_id,
                        "codes": list(e.codes),
                    }
                case "ItemRated":
                    rated[(t, e.analysis_id, e.item_id, e.person_id)] = {
                        "tenant_id": t,
                        "analysis_id": e.analysis_id,
                        "item_id": e.item_id,
                        "person_id": e.person_id,
                        "rating": e.rating,
                    }
                case name if name in _THEME_EVENTS:
                    themes.append(_theme_change(t, r.stream_id, name, e))
                case "PostSubmitted":
                    texts[(t, r.stream_id)] = {
                        "tenant_id": t,
                        "post_id": r.stream_id,
                        "dialog_id": e.dialog_id,
                        "author_id": e.author_id,
                        "titled": e.title is not None,
                        "document": _document(e.title, e.body),
                    }
                case "PostEdited":
                    key = (t, r.stream_id)
                    target = texts.get(key)
                    if target is None:
                        edits[key] = {"titled": e.title is not None}
                        target = edits[key]
                    target.update(titled=e.title is not None, document=_document(e.title, e.body))
        await tables.upsert(conn, "analyses", ("tenant_id", "analysis_id"), analyses)
        for statement, args in joins:  # after the analyses they change, started in this batch
            await conn.execute(statement, *args)
        await tables.upsert(conn, "analysis_codes", ("tenant_id", "analysis_id", "code_id"), codes)
        await tables.upsert(
            conn,
            "analysis_item_codes",
            ("tenant_id", "analysis_id", "item_id"),
            list(coded.values()),
        )
        await tables.upsert(
            conn,
            "analysis_ratings",
            ("tenant_id", "analysis_id", "item_id", "person_id"),
            list(rated.values()),
        )
        await _keep_texts(conn, list(texts.values()), edits)
        await _erase(conn, erased)
        for statement, args in themes:
            await conn.execute(statement, *args)


# The merged near-duplicates among a theme's items (``m.merged``), joined to a query over
# ``analysis_themes t``, and the theme's mean significance as a column of it: the mean over its
# rated items, merged ones left out, of each item's mean rating.
THEME_MERGED = (
    " CROSS JOIN LATERAL (SELECT ARRAY(SELECT p.post_id"
    " FROM posts p WHERE p.tenant_id = t.tenant_id AND p.post_id = ANY(t.items)"
    " AND p.merged_into IS NOT NULL) AS merged) m"
)
THEME_SIGNIFICANCE = (
    " (SELECT avg(x.mean)::float8 FROM (SELECT avg(r.rating) AS mean"
    " FROM analysis_ratings r WHERE r.tenant_id = t.tenant_id"
    " AND r.analysis_id = t.analysis_id AND r.item_id = ANY(t.items)"
    " AND NOT r.item_id = ANY(m.merged)"
    " GROUP BY r.item_id) x) AS significance"
)
_THEME_KEY = "tenant_id = $1 AND analysis_id = $2 AND theme_id = $3"
_JOINED = (
    "UPDATE analyses SET members = array_append(members, $3)"
    " WHERE tenant_id = $1 AND analysis_id = $2 AND NOT $3 = ANY(members)"
)
_COVERED = (
    "UPDATE analyses SET focus_group_ids = array_append(focus_group_ids, $3)"
    " WHERE tenant_id = $1 AND analysis_id = $2 AND NOT $3 = ANY(focus_group_ids)"
)
_LEFT = (
    "UPDATE analyses SET members = array_remove(members, $3)"
    " WHERE tenant_id = $1 AND analysis_id = $2"
)


def _theme_change(tenant_id: str, theme_id: UUID, name: str, e: Any) -> tuple[str, tuple[Any, ...]]:
    """The statement (and its arguments) that one theme event makes of its row. Each is
    applied once per event (the runtime skips events it has applied), in the log's order."""
    key = (tenant_id, e.analysis_id, theme_id)
    match name:
        case "ThemeCreated":
            return (
                "INSERT INTO analysis_themes (tenant_id, analysis_id, theme_id, heading, summary,"
                " items, split_from, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT DO NOTHING",
                (*key, e.heading, e.summary, list(e.items), e.split_from, e.timestamp),
            )
        case "ThemeRewritten":
            return (
                f"UPDATE analysis_themes SET heading = $4, summary = $5 WHERE {_THEME_KEY}",
                (*key, e.heading, e.summary),
            )
        case "ThemeItemAdded":
            return (
                "UPDATE analysis_themes SET items = array_append(items, $4)"
                f" WHERE {_THEME_KEY} AND NOT $4 = ANY(items)",
                (*key, e.item_id),
            )
        case "ThemeItemRemoved":
            return (
                f"UPDATE analysis_themes SET items = array_remove(items, $4) WHERE {_THEME_KEY}",
                (*key, e.item_id),
            )
        case "ThemesMerged":
            return (
                "UPDATE analysis_themes SET items = $4, heading = $5, summary = $6"
                f" WHERE {_THEME_KEY}",
                (*key, list(e.items), e.heading, e.summary),
            )
        case "ThemeMergedAway":
            return f"DELETE FROM analysis_themes WHERE {_THEME_KEY}", key
        case _:  # ThemeSplit: the moved items leave, the others keep their order
            return (
                "UPDATE analysis_themes SET items = ARRAY(SELECT u.x FROM unnest(items)"
                " WITH ORDINALITY AS u(x, n) WHERE NOT u.x = ANY($4::uuid[]) ORDER BY u.n)"
                f" WHERE {_THEME_KEY}",
                (*key, list(e.items)),
            )


def _analysis(tenant_id: str, analysis_id: UUID, e: Any) -> Row:
    return {
        "tenant_id": tenant_id,
        "analysis_id": analysis_id,
        "title": e.title,
        "dialog_ids": list(e.dialog_ids),
        "members": list(e.members),
        "created_by": e.created_by,
        "created_at": e.timestamp,
        "focus_group_ids": [],
    }


def _code(tenant_id: str, analysis_id: UUID, version: int, e: Any) -> Row:
    return {
        "tenant_id": tenant_id,
        "analysis_id": analysis_id,
        "code_id": e.code_id,
        "label": e.label,
        "description": e.description,
        "parent_id": e.parent_id,
        "added": version,  # the codebook's order
    }


async def search_configs(conn: asyncpg.Connection, tenants: set[str]) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT tenant_id, default_language FROM tenant_directory"
        " WHERE tenant_id = ANY($1::text[])",
        sorted(tenants),
    )
    found = {r["tenant_id"]: search_config(r["default_language"]) for r in rows}
    return {t: found.get(t, "simple") for t in tenants}


async def _keep_texts(
    conn: asyncpg.Connection, new: list[Row], edits: dict[tuple[str, UUID], Row]
) -> None:
    tenants = {r["tenant_id"] for r in new} | {t for t, _ in edits}
    if not tenants:
        return
    configs = await search_configs(conn, tenants)
    if new:
        await conn.execute(
            "INSERT INTO analysis_texts (tenant_id, post_id, dialog_id, author_id, titled, search)"
            " SELECT k.t, k.p, k.d, k.a, k.titled, to_tsvector(k.c::regconfig, k.doc)"
            " FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bool[],"
            " $6::text[], $7::text[]) AS k(t, p, d, a, titled, c, doc)"
            " ON CONFLICT (tenant_id, post_id) DO UPDATE SET titled = excluded.titled,"
            " search = excluded.search",
            [r["tenant_id"] for r in new],
            [r["post_id"] for r in new],
            [r["dialog_id"] for r in new],
            [r["author_id"] for r in new],
            [r["titled"] for r in new],
            [configs[r["tenant_id"]] for r in new],
            [r["document"] for r in new],
        )
    if edits:
        keys = sorted(edits)
        await conn.execute(
            "UPDATE analysis_texts x SET titled = k.titled,"
            " search = to_tsvector(k.c::regconfig, k.doc)"
            " FROM unnest($1::text[], $2::uuid[], $3::bool[], $4::text[], $5::text[])"
            " AS k(t, p, titled, c, doc) WHERE x.tenant_id = k.t AND x.post_id = k.p",
            [t for t, _ in keys],
            [p for _, p in keys],
            [edits[k]["titled"] for k in keys],
            [configs[k[0]] for k in keys],
            [edits[k]["document"] for k in keys],
        )


async def _erase(conn: asyncpg.Connection, people: list[tuple[str, UUID]]) -> None:
    """An erased author's posts are searched as their events now decode: texts erased."""
    if not people:
        return
    configs = await search_configs(conn, {t for t, _ in people})
    await conn.execute(
        "UPDATE analysis_texts x SET search = to_tsvector(k.c::regconfig,"
        " CASE WHEN x.titled THEN $4 || E'\\n' || $4 ELSE $4 END)"
        " FROM unnest($1::text[], $2::uuid[], $3::text[]) AS k(t, person, c)"
        " WHERE x.tenant_id = k.t AND x.author_id = k.person",
        [t for t, _ in people],
        [p for _, p in people],
        [configs[t] for t, _ in people],
        ERASED,
    )


# -- queries ------------------------------------------------------------------------------

# The orders, over the item ``{i}`` and its ratings ``{r}`` (``mean``, ``n``).
_ORDER: dict[str, str] = {
    # the ranking: by mean rating, ties by the number of ratings (more first)
    "rating": "{r}mean DESC NULLS LAST, {r}n DESC NULLS LAST, {i}created_at DESC, {i}item_id DESC",
    "supports": "{i}supports + {i}signatures DESC, {i}created_at DESC, {i}item_id DESC",
    "date": "{i}created_at DESC, {i}item_id DESC",
}


def _order(sort: Sort, item: str, ratings: str) -> str:
    return _ORDER[sort].format(i=item, r=ratings)


# The kinds of items: the posts' (comments among them) and the free text survey answers'.
ANSWER_KIND = "survey-answer"
FOCUS_GROUP_ANSWER_KIND = "focus-group-answer"
ITEM_KINDS = (*(k.value for k in PostKind), ANSWER_KIND, FOCUS_GROUP_ANSWER_KIND)

# A survey answer's text is not hidden by the surveys' moderation: a condition on ``s``, a row
# of ``analysis_answers`` (services/analysis/answers.py).
ANSWER_NOT_HIDDEN = (
    "NOT EXISTS (SELECT 1 FROM survey_text_decisions d WHERE d.tenant_id = s.tenant_id"
    " AND d.dialog_id = s.dialog_id AND d.response = s.response"
    " AND d.question_id = s.question_id AND d.status = 'hidden')"
)

# The items of the analysis ``a``, one statement: its dialogs' published posts and comments
# (``$10`` a kind or null, ``$4`` a search in the configuration ``$5`` or null) and, when
# ``$11``, the free text answers of its surveys that are not hidden. An answer names nobody
# and is dated by its day. The page is chosen over narrow rows (the item and its ratings, one
# aggregate of the analysis's ratings joined by hash), and only its rows get the author's
# name, codes, the viewer's rating and themes.
_ITEMS = (
    "SELECT i.item_id, i.dialog_id, i.kind, i.parent_id, i.root_id, i.title, i.body,"
    " i.author_id, i.anonymous, pe.display_name, i.supports, i.signatures, i.created_at,"
    " coalesce(c.codes, '{{}}'::uuid[]) AS codes, i.mean, i.spread, coalesce(i.n, 0) AS ratings,"
    " mine.rating AS my_rating,"
    " ARRAY(SELECT th.theme_id FROM analysis_themes th WHERE th.tenant_id = $1"
    " AND th.analysis_id = $2 AND th.items @> ARRAY[i.item_id]"
    " ORDER BY th.created_at, th.theme_id) AS themes"
    " FROM (SELECT i.*, r.mean, r.spread, r.n FROM analyses a CROSS JOIN LATERAL ("
    "SELECT p.post_id AS item_id, p.dialog_id, p.kind, p.parent_id, p.root_id, p.title, p.body,"
    " p.author_id, p.anonymous, p.supports, p.signatures, p.created_at FROM posts p"
    " WHERE p.tenant_id = a.tenant_id AND p.dialog_id = ANY(a.dialog_ids)"
    " AND p.status = 'published' AND ($10::text IS NULL OR p.kind = $10)"
    " AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM analysis_texts t"
    " WHERE t.tenant_id = p.tenant_id AND t.post_id = p.post_id"
    " AND t.search @@ websearch_to_tsquery($5::regconfig, $4)))"
    " UNION ALL"
    f" SELECT s.item_id, s.dialog_id, '{ANSWER_KIND}', NULL::uuid, NULL::uuid, q.text, s.body,"
    " NULL::uuid, true, 0, 0, s.day::timestamp AT TIME ZONE 'UTC'"
    " FROM analysis_answers s LEFT JOIN analysis_survey_questions q"
    " ON q.tenant_id = s.tenant_id AND q.questionnaire_id = s.questionnaire_id"
    " AND q.question_id = s.question_id"
    f" WHERE $11::bool AND ($10::text IS NULL OR $10 = '{ANSWER_KIND}')"
    " AND s.tenant_id = a.tenant_id AND s.dialog_id = ANY(a.dialog_ids)"
    f" AND {ANSWER_NOT_HIDDEN}"
    " AND ($4::text IS NULL OR s.search @@ websearch_to_tsquery($5::regconfig, $4))"
    " UNION ALL"
    f" SELECT f.answer_id, NULL::uuid, '{FOCUS_GROUP_ANSWER_KIND}', NULL::uuid, NULL::uuid,"
    " NULL::text, f.text, NULL::uuid, true, 0, 0, f.answered_at FROM focus_group_answers f"
    f" WHERE $11::bool AND ($10::text IS NULL OR $10 = '{FOCUS_GROUP_ANSWER_KIND}')"
    " AND f.tenant_id = a.tenant_id AND f.group_id = ANY(a.focus_group_ids) AND NOT f.hidden"
    " AND ($4::text IS NULL OR to_tsvector($5::regconfig, f.text)"
    " @@ websearch_to_tsquery($5::regconfig, $4))) i"
    " LEFT JOIN (SELECT x.item_id, avg(x.rating)::float8 AS mean,"
    " stddev_pop(x.rating)::float8 AS spread, count(*)::int AS n FROM analysis_ratings x"
    " WHERE x.tenant_id = $1 AND x.analysis_id = $2 GROUP BY x.item_id) r"
    " ON r.item_id = i.item_id"
    " WHERE a.tenant_id = $1 AND a.analysis_id = $2"
    " AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM analysis_item_codes c"
    " WHERE c.tenant_id = a.tenant_id AND c.analysis_id = a.analysis_id"
    " AND c.item_id = i.item_id AND c.codes && ARRAY(SELECT k.code_id FROM analysis_codes k"
    " WHERE k.tenant_id = a.tenant_id AND k.analysis_id IN (a.analysis_id, $12)"
    " AND (k.code_id = $6 OR k.parent_id = $6))))"
    " AND ($9::uuid IS NULL OR EXISTS (SELECT 1 FROM analysis_themes th"
    " WHERE th.tenant_id = a.tenant_id AND th.analysis_id = a.analysis_id"
    " AND th.theme_id = $9 AND th.items @> ARRAY[i.item_id]))"
    " ORDER BY {inner} LIMIT $7 OFFSET $8) i"
    " LEFT JOIN people pe ON pe.tenant_id = $1 AND pe.person_id = i.author_id"
    " AND pe.erased_at IS NULL"
    " LEFT JOIN analysis_item_codes c ON c.tenant_id = $1"
    " AND c.analysis_id = $2 AND c.item_id = i.item_id"
    " LEFT JOIN analysis_ratings mine ON mine.tenant_id = $1"
    " AND mine.analysis_id = $2 AND mine.item_id = i.item_id AND mine.person_id = $3"
    " ORDER BY {outer}"
)

# The texts of the analysis's items for the machine suggestions, newest first: its dialogs'
# published posts and comments and, when ``$4``, the survey answers not hidden (their text
# alone: the question each answers would make its answers alike).
_TEXTS = (
    "SELECT i.item_id, i.title, i.body FROM analyses a CROSS JOIN LATERAL ("
    "SELECT p.post_id AS item_id, p.title, p.body, p.created_at FROM posts p"
    " WHERE p.tenant_id = a.tenant_id AND p.dialog_id = ANY(a.dialog_ids)"
    " AND p.status = 'published'"
    " UNION ALL SELECT s.item_id, NULL::text, s.body, s.day::timestamp AT TIME ZONE 'UTC'"
    " FROM analysis_answers s WHERE $4::bool AND s.tenant_id = a.tenant_id"
    f" AND s.dialog_id = ANY(a.dialog_ids) AND {ANSWER_NOT_HIDDEN}"
    " UNION ALL SELECT f.answer_id, NULL::text, f.text, f.answered_at"
    " FROM focus_group_answers f WHERE $4::bool AND f.tenant_id = a.tenant_id"
    " AND f.group_id = ANY(a.focus_group_ids) AND NOT f.hidden) i"
    " WHERE a.tenant_id = $1 AND a.analysis_id = $2"
    " ORDER BY i.created_at DESC, i.item_id DESC LIMIT $3"
)


class AnalysisQueries:
    """Reads of the analysis read model, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def analyses(self, tenant_id: str, member: UUID | None) -> list[asyncpg.Record]:
        """The tenant's analyses, newest first; with ``member``, only those they belong to."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT * FROM analyses WHERE tenant_id = $1"
                " AND ($2::uuid IS NULL OR members @> ARRAY[$2::uuid])"
                " ORDER BY created_at DESC, analysis_id",
                tenant_id,
                member,
            )
        return rows

    async def items(
        self,
        tenant_id: str,
        analysis_id: UUID,
        viewer: UUID,
        *,
        language: str,
        q: str | None,
        code: UUID | None,
        sort: Sort,
        limit: int,
        offset: int,
        theme: UUID | None = None,
        kind: str | None = None,
        answers: bool = True,
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` items of the analysis after ``offset``, in ``sort`` order (highest
        first): those matching the search ``q`` (web search syntax, in the configuration of
        ``language``), tagged with ``code`` or a code nested under it, sitting in ``theme``
        and of ``kind``, with the viewer's own rating and the themes each sits in. Survey
        answers are among them only with ``answers`` (a viewer who may read them)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                _ITEMS.format(inner=_order(sort, "i.", "r."), outer=_order(sort, "i.", "i.")),
                tenant_id,
                analysis_id,
                viewer,
                q,
                search_config(language),
                code,
                limit,
                offset,
                theme,
                kind,
                answers,
                codebook_id(tenant_id),
            )
        return rows

    async def themes(self, tenant_id: str, analysis_id: UUID) -> list[asyncpg.Record]:
        """The analysis's themes, oldest first, each with its items, those of them merged
        into another post (``merged``), and their mean significance: the mean over its rated
        items, merged ones left out, of each one's mean rating (null when none is rated)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT t.theme_id, t.heading, t.summary, t.items, t.split_from, t.created_at,"
                f" m.merged,{THEME_SIGNIFICANCE} FROM analysis_themes t{THEME_MERGED}"
                " WHERE t.tenant_id = $1 AND t.analysis_id = $2"
                " ORDER BY t.created_at, t.theme_id",
                tenant_id,
                analysis_id,
            )
        return rows

    async def ratings(self, tenant_id: str, analysis_id: UUID) -> list[asyncpg.Record]:
        """Every rating of the analysis: (item_id, person_id, rating), but those of items
        merged into another post (a duplicate's ratings are kept, not counted)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT r.item_id, r.person_id, r.rating FROM analysis_ratings r"
                " WHERE r.tenant_id = $1 AND r.analysis_id = $2 AND NOT EXISTS (SELECT 1"
                " FROM posts p WHERE p.tenant_id = r.tenant_id AND p.post_id = r.item_id"
                " AND p.merged_into IS NOT NULL)",
                tenant_id,
                analysis_id,
            )
        return rows

    async def texts(
        self, tenant_id: str, analysis_id: UUID, limit: int, *, answers: bool = True
    ) -> list[asyncpg.Record]:
        """The analysis's items (its dialogs' published posts and comments and, with
        ``answers``, its surveys' free text answers not hidden), newest first, at most
        ``limit``: ``item_id``, ``title`` and ``body``, for the machine suggestions."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                _TEXTS, tenant_id, analysis_id, limit, answers
            )
        return rows
