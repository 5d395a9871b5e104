"""The threshold policy: when a post's supports or signatures reach its threshold or goal, it
records ``ThresholdReached`` on the post.

It runs on the projection runtime with its own counts, so it is rebuildable and idempotent: the
post records the threshold once, and a redelivered or replayed event finds it recorded already.
The command runs before the batch's transaction commits, so a failure redelivers the batch
rather than losing the crossing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from events import tables
from events.codec import Codec
from events.model import RecordedEvent
from events.tables import Key, Row
from services.dialogs.kinds import Endorsement, post_rules

RecordThreshold = Callable[[str, UUID, int], Awaitable[None]]


class ThresholdPolicy:
    name = "threshold_policy"
    # a support carried over from a merged duplicate counts like one given (services/
    # participation/merges.py), so a post can cross its threshold through a merge
    event_types = frozenset(
        {"PostSubmitted", "SupportGiven", "SupportCarriedOver", "PetitionSigned"}
    )
    tables: tuple[str, ...] = ("endorsement_counts",)

    def __init__(self, codec: Codec, record: RecordThreshold) -> None:
        self.codec = codec
        self.record = record

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded: list[tuple[RecordedEvent, Any]] = [
            (r, self.codec.decode(r.event_type, r.data, r.stream_id, r.version)) for r in events
        ]
        keys = [
            (r.tenant_id, r.stream_id if r.event_type == "PostSubmitted" else e.post_id)
            for r, e in decoded
        ]
        rows: dict[Key, Row] = await tables.load(conn, "endorsement_counts", "post_id", keys)
        crossed: dict[Key, int] = {}
        for key, (recorded, event) in zip(keys, decoded, strict=True):
            if recorded.event_type == "PostSubmitted":
                if event.threshold is not None and key not in rows:
                    petition = post_rules(event.kind).endorsement is Endorsement.SIGNATURE
                    rows[key] = {
                        "tenant_id": key[0],
                        "post_id": key[1],
                        "threshold": None if petition else event.threshold,
                        "goal": event.threshold if petition else None,
                        "supports": 0,
                        "signatures": 0,
                    }
                continue
            row = rows.get(key)
            if row is None:
                continue  # a post without threshold or goal
            column, limit = (
                ("signatures", row["goal"])
                if recorded.event_type == "PetitionSigned"
                else ("supports", row["threshold"])
            )
            row[column] += 1
            if limit is not None and row[column] == limit:
                crossed[key] = row[column]
        await tables.upsert(
            conn, "endorsement_counts", ("tenant_id", "post_id"), [rows[k] for k in sorted(rows)]
        )
        for (tenant_id, post_id), count in sorted(crossed.items()):
            await self.record(tenant_id, post_id, count)
