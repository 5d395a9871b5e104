"""Posts and comments as participants see them, with supports, signatures and comment counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from events.codec import Codec
from events.model import RecordedEvent
from projections import tables
from projections.tables import Key, Row


def _submitted(key: Key, event: Any) -> Row:
    place = event.place
    return {
        "tenant_id": key[0],
        "post_id": key[1],
        "dialog_id": event.dialog_id,
        "kind": event.kind,
        "author_id": event.author_id,
        "anonymous": event.anonymous,
        "title": event.title,
        "body": event.body,
        "parent_id": event.parent_id,
        "root_id": event.root_id,
        "latitude": None if place is None else place.latitude,
        "longitude": None if place is None else place.longitude,
        "address": None if place is None else place.address,
        "image": event.image,
        "status": "published",
        "report_status": "received" if event.kind == "problem-report" else None,
        "report_message": None,
        "supports": 0,
        "signatures": 0,
        "comments": 0,
        "threshold_reached": False,
        "created_at": event.timestamp,
        "edited_at": None,
    }


def evolve(row: Row | None, key: Key, event_type: str, event: Any) -> Row | None:
    """The post's row after one event that concerns it (a pure function)."""
    if event_type == "PostSubmitted" and row is None:
        return _submitted(key, event)
    if row is None:
        return None
    row = dict(row)
    match event_type:
        case "PostSubmitted":  # a comment in this post's thread
            row["comments"] += 1
        case "PostEdited":
            row.update(title=event.title, body=event.body, edited_at=event.timestamp)
        case "PostWithdrawn":
            row["status"] = "withdrawn"
        case "ThresholdReached" | "SignatureGoalReached":
            row["threshold_reached"] = True
        case "ReportStatusChanged":
            row.update(report_status=event.status, report_message=event.message)
        case "SupportGiven":
            row["supports"] += 1
        case "PetitionSigned":
            row["signatures"] += 1
    return row


def _keys(recorded: RecordedEvent, event: Any) -> list[Key]:
    """The posts an event changes: itself, or the post it supports, or its thread's root."""
    t = recorded.tenant_id
    if recorded.event_type in ("SupportGiven", "PetitionSigned"):
        return [(t, event.post_id)]
    if recorded.event_type == "PostSubmitted" and event.root_id is not None:
        return [(t, recorded.stream_id), (t, event.root_id)]
    return [(t, recorded.stream_id)]


class PostListing:
    name = "post_listing"
    event_types = frozenset(
        {
            "PostSubmitted",
            "PostEdited",
            "PostWithdrawn",
            "ThresholdReached",
            "SignatureGoalReached",
            "ReportStatusChanged",
            "SupportGiven",
            "PetitionSigned",
        }
    )
    tables: tuple[str, ...] = ("posts",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        work = [
            (k, r.event_type, e)
            for r in events
            for e in [self.codec.decode(r.event_type, r.data, r.stream_id, r.version)]
            for k in _keys(r, e)
        ]
        rows: dict[Key, Row | None] = dict(
            await tables.load(conn, "posts", "post_id", (k for k, _, _ in work))
        )
        touched: set[Key] = set()
        for key, event_type, event in work:
            rows[key] = evolve(rows.get(key), key, event_type, event)
            touched.add(key)
        changed = [row for k in sorted(touched) if (row := rows.get(k)) is not None]
        await tables.upsert(conn, "posts", ("tenant_id", "post_id"), changed)
