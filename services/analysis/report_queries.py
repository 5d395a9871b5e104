"""The committee report's figures and texts, read from the read models in one transaction:
the analysis (``analyses``, ``analysis_themes``, ``analysis_ratings``), its dialogs
(``dialogs``), their posts (``posts``, with the authors' names from ``people``), the
participation per day (the dashboards' ``activity_counts`` and ``activity_people``) and the
decisions that answer them (``decisions``).

What a report quotes is what participants see: published posts and comments only (never
pending, hidden or withdrawn ones), none whose text an erasure removed. Free text survey
answers are items too, but a report quotes none of them: their moderation publishes a text
only once staff approve it, and the survey's results are where approved texts are shown. An
author is named only where the post listing names them: the post was not sent anonymously
(Tinget's one record of whether an author lets their name be shown), the person has a display
name and is not erased.
Everything else (sign-in devices, anonymous posts) is quoted without a name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.db import tenant_transaction
from events.personal import ERASED
from services.analysis.opinion_maps import decode_map
from services.analysis.read_model import THEME_MERGED, THEME_SIGNIFICANCE
from services.analysis.report import (
    QUOTES_PER_THEME,
    TOP_ITEMS,
    Branding,
    Day,
    Decision,
    NextStep,
    OpinionSection,
    Participation,
    Question,
    Quote,
    Report,
    ThemeSection,
    TopItem,
)
from services.dialogs.listing import REPORT_BACK_BY

_PUBLISHED = "p.root_id IS NULL AND p.status = 'published'"
_QUOTABLE = "p.status = 'published'"  # a post or a comment
_AUTHOR = (
    "CASE WHEN p.anonymous THEN NULL ELSE pe.display_name END AS author"
    " FROM posts p LEFT JOIN people pe ON pe.tenant_id = p.tenant_id"
    " AND pe.person_id = p.author_id AND pe.erased_at IS NULL"
)
_MEAN = (
    "LEFT JOIN LATERAL (SELECT avg(x.rating)::float8 AS mean, count(*)::int AS n"
    " FROM analysis_ratings x WHERE x.tenant_id = p.tenant_id AND x.analysis_id = $2"
    " AND x.item_id = p.post_id) r ON true"
)

_DAYS = (
    "WITH posted AS (SELECT (p.created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n"
    f" FROM posts p WHERE p.tenant_id = $1 AND p.dialog_id = ANY($2::uuid[]) AND {_PUBLISHED}"
    " GROUP BY 1),"
    " supported AS (SELECT (c.bucket_start AT TIME ZONE 'UTC')::date AS day,"
    " sum(c.count)::int AS n FROM activity_counts c WHERE c.tenant_id = $1"
    " AND c.granularity = 'day' AND c.dialog_id = ANY($2::uuid[])"
    " AND c.metric IN ('supports', 'signatures') GROUP BY 1),"
    " active AS (SELECT (a.bucket_start AT TIME ZONE 'UTC')::date AS day,"
    " count(DISTINCT a.person_id)::int AS n FROM activity_people a WHERE a.tenant_id = $1"
    " AND a.granularity = 'day' AND a.dialog_id = ANY($2::uuid[]) GROUP BY 1)"
    " SELECT d.day, coalesce(posted.n, 0) AS posts, coalesce(supported.n, 0) AS supports,"
    " coalesce(active.n, 0) AS participants"
    " FROM (SELECT day FROM posted UNION SELECT day FROM supported UNION SELECT day FROM active)"
    " d LEFT JOIN posted USING (day) LEFT JOIN supported USING (day)"
    " LEFT JOIN active USING (day) ORDER BY d.day"
)


def _quote(row: Any) -> Quote:
    return Quote(title=row["title"], text=row["body"], author=row["author"])


class ReportQueries:
    """Reads the committee report of an analysis, on the request role's pool (one tenant)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def report(
        self,
        tenant_id: str,
        analysis_id: UUID,
        branding: Branding,
    ) -> Report | None:
        """The analysis's report, or None when the tenant has no such analysis. The days
        missing from the participation series (none happened) are filled with zeros."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            analysis = await conn.fetchrow(
                "SELECT title, dialog_ids FROM analyses WHERE tenant_id = $1 AND analysis_id = $2",
                tenant_id,
                analysis_id,
            )
            if analysis is None:
                return None
            dialogs = list(analysis["dialog_ids"])
            questions, steps = await _dialogs(conn, tenant_id, dialogs)
            participation = await _participation(conn, tenant_id, dialogs)
            themes = await _themes(conn, tenant_id, analysis_id)
            top = await _top(conn, tenant_id, analysis_id, dialogs)
            opinions = await _opinions(conn, tenant_id, dialogs)
        return Report(
            analysis_id=analysis_id,
            title=analysis["title"],
            made_at=datetime.now(UTC),
            branding=branding,
            questions=questions,
            participation=participation,
            themes=themes,
            top_items=top,
            next_steps=steps,
            opinions=opinions,
        )


async def _opinions(
    conn: asyncpg.Connection, tenant_id: str, dialog_ids: list[UUID]
) -> OpinionSection | None:
    """The latest opinion maps of the statements dialogs among ``dialog_ids``: each group
    (lettered A, B, ... in the order of the dialogs and the groups' ids) with its size and the
    statements it agrees with more than the others, and the consensus statements. Statements
    that are not published (hidden, withdrawn since) are left out. None without any group."""
    rows = await conn.fetch(
        "SELECT m.map::text AS map FROM opinion_maps m"
        " JOIN dialogs d ON d.tenant_id = m.tenant_id AND d.dialog_id = m.dialog_id"
        " WHERE m.tenant_id = $1 AND m.dialog_id = ANY($2::uuid[])"
        " ORDER BY d.created_at, d.dialog_id",
        tenant_id,
        dialog_ids,
    )
    maps = [decode_map(r["map"]) for r in rows]
    named = {s.statement_id for m in maps for g in m.groups for s in g.representative}
    named |= {c.statement_id for m in maps for c in m.consensus}
    texts = {
        r["post_id"]: r["body"]
        for r in await conn.fetch(
            "SELECT post_id, body FROM posts WHERE tenant_id = $1 AND post_id = ANY($2::uuid[])"
            " AND status = 'published'",
            tenant_id,
            sorted(named),
        )
    }
    groups = [
        (
            size,
            tuple(
                texts[s.statement_id]
                for s in group.representative
                if s.direction == "agree" and s.statement_id in texts
            ),
        )
        for m in maps
        for group, size in ((g, g.size) for g in sorted(m.groups, key=lambda g: g.id))
    ]
    if not groups:
        return None
    return OpinionSection(
        groups=tuple((_letter(n), size, agreed) for n, (size, agreed) in enumerate(groups)),
        consensus=tuple(
            texts[c.statement_id] for m in maps for c in m.consensus if c.statement_id in texts
        ),
    )


def _letter(n: int) -> str:
    """A, B, ... Z, AA, AB, ...: a group's label in the report."""
    return _letter(n // 26 - 1) + chr(65 + n % 26) if n >= 26 else chr(65 + n)


async def _dialogs(
    conn: asyncpg.Connection, tenant_id: str, dialog_ids: list[UUID]
) -> tuple[tuple[Question, ...], tuple[NextStep, ...]]:
    rows = await conn.fetch(
        "SELECT d.dialog_id, d.title, d.purpose, d.committee, d.results_summary,"
        f" ({REPORT_BACK_BY})::date AS report_back_by FROM dialogs d"
        " WHERE d.tenant_id = $1 AND d.dialog_id = ANY($2::uuid[])",
        tenant_id,
        dialog_ids,
    )
    decided = await conn.fetch(
        "SELECT d.committee, d.decided_on, d.text, d.reference, d.dialog_ids, d.post_ids,"
        " ARRAY(SELECT p.dialog_id FROM posts p WHERE p.tenant_id = d.tenant_id"
        " AND p.post_id = ANY(d.post_ids)) AS post_dialogs"
        " FROM decisions d WHERE d.tenant_id = $1 AND (d.dialog_ids && $2::uuid[]"
        " OR d.post_ids && ARRAY(SELECT p.post_id FROM posts p WHERE p.tenant_id = $1"
        " AND p.dialog_id = ANY($2::uuid[]) AND p.root_id IS NULL))"
        " ORDER BY d.decided_on DESC, d.recorded_at DESC, d.decision_id",
        tenant_id,
        dialog_ids,
    )
    by_id = {r["dialog_id"]: r for r in rows}
    ordered = [by_id[d] for d in dialog_ids if d in by_id]  # in the analysis's order
    questions = tuple(
        Question(r["dialog_id"], r["title"], r["purpose"], r["committee"]) for r in ordered
    )
    steps = tuple(
        NextStep(
            dialog_title=r["title"],
            committee=r["committee"],
            results_summary=r["results_summary"],
            report_back_by=r["report_back_by"],
            decisions=tuple(
                Decision(d["committee"], d["decided_on"], d["text"], d["reference"])
                for d in decided
                if r["dialog_id"] in d["dialog_ids"] or r["dialog_id"] in d["post_dialogs"]
            ),
        )
        for r in ordered
    )
    return questions, steps


async def _participation(
    conn: asyncpg.Connection, tenant_id: str, dialog_ids: list[UUID]
) -> Participation:
    totals = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE p.root_id IS NULL)::int AS posts,"
        " count(*) FILTER (WHERE p.root_id IS NOT NULL)::int AS comments"
        " FROM posts p WHERE p.tenant_id = $1 AND p.dialog_id = ANY($2::uuid[])"
        " AND p.status = 'published'",
        tenant_id,
        dialog_ids,
    )
    people = await conn.fetchval(
        "SELECT count(DISTINCT person_id)::int FROM activity_people WHERE tenant_id = $1"
        " AND granularity = 'day' AND dialog_id = ANY($2::uuid[])",
        tenant_id,
        dialog_ids,
    )
    supports = await conn.fetchval(
        "SELECT coalesce(sum(count), 0)::int FROM activity_counts WHERE tenant_id = $1"
        " AND granularity = 'day' AND dialog_id = ANY($2::uuid[])"
        " AND metric IN ('supports', 'signatures')",
        tenant_id,
        dialog_ids,
    )
    rows = await conn.fetch(_DAYS, tenant_id, dialog_ids)
    assert totals is not None
    return Participation(
        participants=int(people or 0),
        posts=totals["posts"],
        comments=totals["comments"],
        supports=int(supports or 0),
        days=_filled([Day(r["day"], r["posts"], r["supports"], r["participants"]) for r in rows]),
    )


def _filled(days: list[Day]) -> tuple[Day, ...]:
    """Every day from the first to the last, those without activity as zeros."""
    if not days:
        return ()
    known = {d.day: d for d in days}
    first, last = days[0].day.toordinal(), days[-1].day.toordinal()
    return tuple(
        known.get(date.fromordinal(n), Day(date.fromordinal(n), 0, 0, 0))
        for n in range(first, last + 1)
    )


async def _themes(
    conn: asyncpg.Connection, tenant_id: str, analysis_id: UUID
) -> tuple[ThemeSection, ...]:
    themes = await conn.fetch(
        "SELECT t.theme_id, t.heading, t.summary,"
        " cardinality(t.items) - cardinality(m.merged) AS size,"
        f"{THEME_SIGNIFICANCE} FROM analysis_themes t{THEME_MERGED}"
        " WHERE t.tenant_id = $1 AND t.analysis_id = $2"
        " ORDER BY t.created_at, t.theme_id",
        tenant_id,
        analysis_id,
    )
    # the quotes: each theme's published items, the highest rated, then most supported first
    quoted = await conn.fetch(
        "SELECT * FROM (SELECT t.theme_id, p.title, p.body,"
        " row_number() OVER (PARTITION BY t.theme_id ORDER BY r.mean DESC NULLS LAST,"
        " p.supports + p.signatures DESC, p.created_at, p.post_id) AS n, "
        + _AUTHOR
        + " JOIN analysis_themes t ON t.tenant_id = p.tenant_id AND p.post_id = ANY(t.items) "
        + _MEAN
        + f" WHERE p.tenant_id = $1 AND t.analysis_id = $2 AND {_QUOTABLE} AND p.body <> $3)"
        " q WHERE q.n <= $4 ORDER BY q.theme_id, q.n",
        tenant_id,
        analysis_id,
        ERASED,
        QUOTES_PER_THEME,
    )
    quotes: dict[UUID, list[Quote]] = {}
    for row in quoted:
        quotes.setdefault(row["theme_id"], []).append(_quote(row))
    return tuple(
        ThemeSection(
            heading=t["heading"],
            summary=t["summary"],
            size=t["size"],
            significance=t["significance"],
            quotes=tuple(quotes.get(t["theme_id"], ())),
        )
        for t in themes
    )


async def _top(
    conn: asyncpg.Connection, tenant_id: str, analysis_id: UUID, dialog_ids: list[UUID]
) -> tuple[TopItem, ...]:
    """The ranking's head: rated published posts and comments by mean rating, ties by the
    number of ratings, then the newest (as ``sort=rating`` lists them, survey answers left
    out)."""
    rows = await conn.fetch(
        "SELECT p.title, p.body, p.supports + p.signatures AS supports, r.mean, r.n, "
        + _AUTHOR
        + " "
        + _MEAN
        + f" WHERE p.tenant_id = $1 AND p.dialog_id = ANY($3::uuid[]) AND {_QUOTABLE}"
        " AND r.n > 0 AND p.body <> $4"
        " ORDER BY r.mean DESC, r.n DESC, p.created_at DESC, p.post_id DESC LIMIT $5",
        tenant_id,
        analysis_id,
        dialog_ids,
        ERASED,
        TOP_ITEMS,
    )
    return tuple(TopItem(_quote(r), r["mean"], r["n"], r["supports"]) for r in rows)
