"""The dialog listing: every dialog with its status, times, settings and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from events import tables
from events.codec import Codec
from events.model import RecordedEvent
from events.tables import Key, Row

_encoder = msgspec.json.Encoder()

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
            "status": "draft",
            "close_reason": None,
            "results_summary": None,
            "posts": 0,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
        }
    if row is None:
        return None
    row = {**row, "updated_at": event.timestamp}
    if event_type == "DialogDetailsChanged":
        row.update(_details(event.details))
    elif event_type in _STATUS:
        row["status"] = _STATUS[event_type]
        if event_type == "DialogClosed":
            row["close_reason"] = event.reason
        if event_type == "DialogResultsPublished":
            row["results_summary"] = event.summary
    elif event_type == "PostSubmitted":
        row["posts"] += 1
    return row


def _dialog_of(recorded: RecordedEvent, event: Any) -> Key | None:
    if recorded.event_type == "PostSubmitted":
        return None if event.root_id is not None else (recorded.tenant_id, event.dialog_id)
    return (recorded.tenant_id, recorded.stream_id)


class DialogListing:
    name = "dialog_listing"
    event_types = frozenset({"DialogDrafted", "DialogDetailsChanged", *_STATUS, "PostSubmitted"})
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
