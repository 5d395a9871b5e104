"""The notifier: decides who hears of an event, and records it once as in-app items and
e-mail and push deliveries.

It runs on the projection runtime. Its own small tables (dialog titles, post authors, who took
part in which dialog) are its read model and are rebuilt with it. The items and deliveries are
not: each has an id derived from (event id, recipient, channel) and is inserted with ON CONFLICT
DO NOTHING in the batch's transaction, so a rebuild or a redelivered batch finds them there
already and nothing is shown or sent twice.

Moderation and gamification events are handled by name; one the catalogue does not know (yet)
is simply not subscribed to. An event older than ``FRESH_FOR`` when first seen (a projection
added to a deployment with years of history) becomes an in-app item only, never an e-mail;
this also makes pruning old finished deliveries safe, as a rebuild never re-creates them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events.catalogue import Catalogue, UnknownEventType
from events.codec import Codec
from events.model import RecordedEvent
from services.notifications import notifier_tables as tables
from services.notifications.facts import (
    FACT_EVENTS,
    NOTIFYING_EVENTS,
    Key,
    Note,
    decide,
    learn,
    results,
)

FRESH_FOR = timedelta(days=2)


class Notifier:
    name = "notifier"
    tables: tuple[str, ...] = (
        "notification_dialogs",
        "notification_posts",
        "notification_participants",
    )

    def __init__(
        self,
        codec: Codec,
        catalogue: Catalogue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.codec = codec
        self.clock = clock
        self.event_types = frozenset(
            name for name in FACT_EVENTS | set(NOTIFYING_EVENTS) if _known(catalogue, name)
        )

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded: list[tuple[RecordedEvent, Any]] = [
            (r, self.codec.decode(r.event_type, r.data, r.stream_id, r.version)) for r in events
        ]
        batch = await tables.load(conn, decoded)
        took_part: dict[Key, set[UUID]] = {}
        notes: list[tuple[RecordedEvent, Note]] = []
        note: Note | None
        for recorded, event in decoded:  # in log order: facts first learnt count at once
            if recorded.event_type in FACT_EVENTS:
                learn(batch, recorded, event)
                continue
            if recorded.event_type == "DialogResultsPublished":
                key = (recorded.tenant_id, recorded.stream_id)
                if key not in took_part:
                    took_part[key] = await tables.participants(conn, key)
                so_far = {p for t, d, p in batch.joined if (t, d) == key}
                note = results(batch, key, event, took_part[key] | so_far)
            else:
                note = decide(batch, recorded, event)
            if note is not None and note.recipients:
                notes.append((recorded, note))
        await tables.save_facts(conn, batch)
        await tables.record(conn, notes, fresh_after=self.clock() - FRESH_FOR)


def _known(catalogue: Catalogue, name: str) -> bool:
    try:
        catalogue.by_name(name)
    except UnknownEventType:
        return False
    return True
