"""The decision listing: every committee decision with the dialogs and posts it answers, and
the queries beside it (the decisions that answer a dialog or any of its posts).

A decision is the municipality's public record, not personal data: its row holds the record
as it was made (``DecisionRecorded``; a decision is not changed afterwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent


class DecisionListing:
    name = "decision_listing"
    event_types = frozenset({"DecisionRecorded"})
    tables: tuple[str, ...] = ("decisions",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        rows = []
        for r in events:
            event = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            rows.append(
                {
                    "tenant_id": r.tenant_id,
                    "decision_id": r.stream_id,
                    "committee": event.committee,
                    "decided_on": event.decided_on,
                    "text": event.text,
                    "reference": event.reference,
                    "dialog_ids": list(event.dialog_ids),
                    "post_ids": list(event.post_ids),
                    "recorded_at": event.timestamp,
                }
            )
        await tables.upsert(conn, "decisions", ("tenant_id", "decision_id"), rows)


class DecisionQueries:
    """Reads of the decision listing, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def answering(self, tenant_id: str, dialog_id: UUID) -> list[asyncpg.Record]:
        """The decisions that answer the dialog or any of its posts, the latest first."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT * FROM decisions d WHERE d.tenant_id = $1"
                " AND (d.dialog_ids @> ARRAY[$2::uuid] OR d.post_ids && ARRAY(SELECT p.post_id"
                " FROM posts p WHERE p.tenant_id = $1 AND p.dialog_id = $2 AND p.root_id IS NULL))"
                " ORDER BY d.decided_on DESC, d.recorded_at DESC, d.decision_id",
                tenant_id,
                dialog_id,
            )
        return rows
