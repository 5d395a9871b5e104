"""The dialog listing: every dialog with its status, times, settings and counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.tables import Key, Row
from services.dialogs.domain import REPORT_BACK_AFTER, DialogTexts

_encoder = msgspec.json.Encoder()


class ListedTexts(DialogTexts, frozen=True, kw_only=True, omit_defaults=True):
    """A dialog's texts in one more language as the listing keeps them (its ``translations``
    column, language -> texts): the dialog's own (``DialogTexts``) and its results summary
    in that language, where it was published in it. One column for both, so a list reads
    each dialog's texts in every language from its own row, in one query."""

    results_summary: str | None = None


_listed_decoder = msgspec.json.Decoder(dict[str, ListedTexts])


def listed_texts(row: Any) -> tuple[dict[str, DialogTexts], dict[str, str]]:
    """A listing row's translations: the dialog's texts (language -> texts, each language
    with at least one) and its results summary's (language -> text)."""
    listed = _listed_decoder.decode(row["translations"])
    texts = {
        language: DialogTexts(title=t.title, purpose=t.purpose, instructions=t.instructions)
        for language, t in listed.items()
        if t.title or t.purpose or t.instructions
    }
    summaries = {language: t.results_summary for language, t in listed.items() if t.results_summary}
    return texts, summaries


def _translations(texts: dict[str, DialogTexts], summaries: dict[str, str]) -> str:
    """The ``translations`` column of a dialog's texts and its results summary's."""
    merged = {
        language: ListedTexts(
            title=texts[language].title if language in texts else None,
            purpose=texts[language].purpose if language in texts else None,
            instructions=texts[language].instructions if language in texts else None,
            results_summary=summaries.get(language),
        )
        for language in sorted(set(texts) | set(summaries))
    }
    return _encoder.encode(merged).decode()


_STATUS = {
    "DialogScheduled": "scheduled",
    "DialogOpened": "open",
    "DialogClosed": "closed",
    "DialogResultsPublished": "results-published",
}


def _details(details: Any) -> Row:
    return {
        "title": details.title,
        "purpose": details.purpose,
        "instructions": details.instructions,
        "committee": details.committee,
        "access": "invited" if details.invite_only else "open",
        "opens_at": details.opens_at,
        "closes_at": details.closes_at,
        "settings": _encoder.encode(details.settings).decode(),
    }


def evolve(row: Row | None, key: Key, event_type: str, event: Any) -> Row | None:
    """The listing row after one event (a pure function of row and event)."""
    if event_type == "DialogDrafted":
        return {
            "tenant_id": key[0],
            "dialog_id": key[1],
            "kind": event.kind,
            **_details(event.details),
            "translations": _translations(event.details.translations, {}),
            "status": "draft",
            "close_reason": None,
            "results_summary": None,
            "report_back_by": None,
            "report_back_reminded_for": None,
            "posts": 0,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
        }
    if row is None:
        return None
    row = {**row, "updated_at": event.timestamp}
    if event_type == "DialogDetailsChanged":
        row.update(_details(event.details))
        row["translations"] = _translations(event.details.translations, listed_texts(row)[1])
    elif event_type == "DialogTextsCorrected":
        row.update(
            title=event.title,
            instructions=event.instructions,
            translations=_translations(event.translations, listed_texts(row)[1]),
        )
    elif event_type in _STATUS:
        row["status"] = _STATUS[event_type]
        if event_type == "DialogClosed":
            row["close_reason"] = event.reason
        if event_type == "DialogResultsPublished":
            row["results_summary"] = event.summary
            row["translations"] = _translations(listed_texts(row)[0], event.translations)
    elif event_type == "ReportBackDateSet":
        row["report_back_by"] = event.report_back_by
    elif event_type == "ReportBackReminderDue":
        row["report_back_reminded_for"] = event.report_back_by
    elif event_type == "PostSubmitted":
        row["posts"] += 1
    return row


def _dialog_of(recorded: RecordedEvent, event: Any) -> Key | None:
    if recorded.event_type == "PostSubmitted":
        return None if event.root_id is not None else (recorded.tenant_id, event.dialog_id)
    return (recorded.tenant_id, recorded.stream_id)


class DialogListing:
    name = "dialog_listing"
    event_types = frozenset(
        {
            "DialogDrafted",
            "DialogDetailsChanged",
            "DialogTextsCorrected",
            *_STATUS,
            "ReportBackDateSet",
            "ReportBackReminderDue",
            "PostSubmitted",
        }
    )
    tables: tuple[str, ...] = ("dialogs",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded = [
            (r, self.codec.decode(r.event_type, r.data, r.stream_id, r.version)) for r in events
        ]
        keyed = [(k, r, e) for r, e in decoded if (k := _dialog_of(r, e)) is not None]
        rows: dict[Key, Row | None] = dict(
            await tables.load(conn, "dialogs", "dialog_id", (k for k, _, _ in keyed))
        )
        touched: set[Key] = set()
        for key, recorded, event in keyed:
            rows[key] = evolve(rows.get(key), key, recorded.event_type, event)
            touched.add(key)
        changed = [row for k in sorted(touched) if (row := rows.get(k)) is not None]
        await tables.upsert(conn, "dialogs", ("tenant_id", "dialog_id"), changed)


# When a dialog is to report back: the date set, or REPORT_BACK_AFTER after it closes.
REPORT_BACK_BY = (
    f"coalesce(d.report_back_by, d.closes_at + interval '{REPORT_BACK_AFTER.days} days')"
)

# A dialog's posts as participants count them: published, not hidden, pending or withdrawn.
PUBLISHED_POSTS = (
    "(SELECT count(*) FROM posts p WHERE p.tenant_id = d.tenant_id AND p.dialog_id = d.dialog_id"
    " AND p.root_id IS NULL AND p.status = 'published')::int AS published_posts"
)


class DialogQueries:
    """Reads of the dialog listing, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def counts(self, tenant_id: str, dialog_id: UUID) -> tuple[int, int]:
        """A dialog's published posts and ballots; (0, 0) for none."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                f"SELECT {PUBLISHED_POSTS}, coalesce(b.ballots, 0) AS ballots FROM dialogs d"
                " LEFT JOIN poll_ballots b USING (tenant_id, dialog_id)"
                " WHERE d.tenant_id = $1 AND d.dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        return (0, 0) if row is None else (row["published_posts"], row["ballots"])

    async def report_back_due(
        self, tenant_id: str, until: datetime, limit: int
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` published dialogs that have not reported back (no results published)
        and are to by ``until``, the most urgent first, each with its ``due`` date."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                f"SELECT * FROM (SELECT d.*, {REPORT_BACK_BY} AS due, {PUBLISHED_POSTS}"
                " FROM dialogs d WHERE d.tenant_id = $1"
                " AND d.status IN ('scheduled', 'open', 'closed')) s"
                " WHERE s.due <= $2 ORDER BY s.due, s.dialog_id LIMIT $3",
                tenant_id,
                until,
                limit,
            )
        return rows

    async def page(
        self,
        tenant_id: str,
        *,
        drafts: bool,
        signed_in: bool,
        kind: str | None,
        committee: str | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        """Up to ``limit`` dialogs, newest first, after the keyset ``after``: drafts only if
        ``drafts``, invite-only ones only for a ``signed_in`` viewer (who sees which of them
        is for the caller to sort out), with their published posts and ballots."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                f"SELECT d.*, {PUBLISHED_POSTS}, coalesce(b.ballots, 0) AS ballots FROM dialogs d"
                " LEFT JOIN poll_ballots b USING (tenant_id, dialog_id)"
                " WHERE d.tenant_id = $1 AND ($2 OR d.status <> 'draft')"
                " AND ($8 OR d.access <> 'invited')"
                " AND ($3::text IS NULL OR d.kind = $3)"
                " AND ($4::text IS NULL OR d.committee = $4)"
                " AND ($5::timestamptz IS NULL OR (d.created_at, d.dialog_id) < ($5, $6::uuid))"
                " ORDER BY d.created_at DESC, d.dialog_id DESC LIMIT $7",
                tenant_id,
                drafts,
                kind,
                committee,
                None if after is None else after[0],
                None if after is None else after[1],
                limit,
                signed_in,
            )
        return rows
