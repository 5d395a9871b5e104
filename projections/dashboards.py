"""Dashboards: activity per dialog in hourly and daily buckets, and moderation timing.

Counting is all this read model does, so it decodes only the few fields it needs from each
payload (msgspec structs per event type) rather than whole domain events: rebuilds of large
stores stay fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.catalogue import Catalogue
from events.model import RecordedEvent

NO_DIALOG = UUID(int=0)
GRANULARITIES = ("hour", "day")


class _Post(msgspec.Struct):
    timestamp: datetime
    dialog_id: UUID
    author_id: UUID
    root_id: UUID | None = None


class _Endorsement(msgspec.Struct):
    timestamp: datetime
    dialog_id: UUID
    person_id: UUID


class _Ballot(msgspec.Struct):
    timestamp: datetime
    dialog_id: UUID


class _Joined(msgspec.Struct):
    timestamp: datetime
    person_id: UUID


class _Moderated(msgspec.Struct):
    timestamp: datetime
    post_id: UUID
    dialog_id: UUID


_decoders: dict[str, msgspec.json.Decoder[Any]] = {
    "PostSubmitted": msgspec.json.Decoder(_Post),
    "SupportGiven": msgspec.json.Decoder(_Endorsement),
    "PetitionSigned": msgspec.json.Decoder(_Endorsement),
    "BallotCast": msgspec.json.Decoder(_Ballot),
    "PersonJoined": msgspec.json.Decoder(_Joined),
}
_ENDORSEMENT_METRIC = {"SupportGiven": "supports", "PetitionSigned": "signatures"}
WAITING = frozenset({"PostFlagged", "PostHeldForReview"})
DECIDED = frozenset({"PostHidden", "PostRestored", "PostApproved"})
_moderated = msgspec.json.Decoder(_Moderated)


def buckets(at: datetime) -> tuple[tuple[str, datetime], tuple[str, datetime]]:
    hour = at.replace(minute=0, second=0, microsecond=0)
    return ("hour", hour), ("day", hour.replace(hour=0))


class Dashboards:
    name = "dashboards"
    tables: tuple[str, ...] = ("activity_counts", "activity_people", "moderation_timing")

    def __init__(self, catalogue: Catalogue) -> None:
        known = {d.name for d in catalogue.definitions()}
        # Moderation events count only once that context is in the catalogue.
        self.event_types = frozenset({*_decoders, *WAITING, *DECIDED} & known)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        counts: Counter[tuple[str, str, datetime, UUID, str]] = Counter()
        people: set[tuple[str, str, datetime, UUID, UUID]] = set()
        timing: list[tuple[str, UUID, UUID, datetime, bool]] = []
        for recorded in events:
            kind = recorded.event_type
            tenant = recorded.tenant_id
            if kind in WAITING or kind in DECIDED:
                m = _moderated.decode(recorded.data)
                timing.append((tenant, m.post_id, m.dialog_id, m.timestamp, kind in DECIDED))
                continue
            event = _decoders[kind].decode(recorded.data)
            person: UUID | None = None
            if isinstance(event, _Post):
                metric, dialog, person = (
                    "comments" if event.root_id else "posts",
                    event.dialog_id,
                    event.author_id,
                )
            elif isinstance(event, _Endorsement):
                metric, dialog, person = _ENDORSEMENT_METRIC[kind], event.dialog_id, event.person_id
            elif isinstance(event, _Ballot):
                metric, dialog = "votes", event.dialog_id
            else:
                metric, dialog = "joined", NO_DIALOG
            for granularity, start in buckets(event.timestamp):
                counts[(tenant, granularity, start, dialog, metric)] += 1
                if person is not None:
                    people.add((tenant, granularity, start, dialog, person))
        await self._write(conn, counts, people, timing)

    @staticmethod
    async def _write(
        conn: asyncpg.Connection,
        counts: Counter[tuple[str, str, datetime, UUID, str]],
        people: set[tuple[str, str, datetime, UUID, UUID]],
        timing: list[tuple[str, UUID, UUID, datetime, bool]],
    ) -> None:
        if counts:
            keys = sorted(counts)
            await conn.execute(
                "INSERT INTO activity_counts AS a"
                " (tenant_id, granularity, bucket_start, dialog_id, metric, count)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::uuid[],"
                " $5::text[], $6::int[])"
                " ON CONFLICT (tenant_id, granularity, bucket_start, dialog_id, metric)"
                " DO UPDATE SET count = a.count + excluded.count",
                *(list(column) for column in zip(*keys, strict=True)),
                [counts[k] for k in keys],
            )
        if people:
            await conn.execute(
                "INSERT INTO activity_people"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::uuid[],"
                " $5::uuid[]) ON CONFLICT DO NOTHING",
                *(list(column) for column in zip(*sorted(people), strict=True)),
            )
        for tenant, post, dialog, at, decided in timing:  # moderation steps are few
            if decided:
                await conn.execute(
                    "UPDATE moderation_timing SET decided_at = $3 WHERE tenant_id = $1"
                    " AND post_id = $2 AND decided_at IS NULL",
                    tenant,
                    post,
                    at,
                )
            else:  # a new flag after a decision opens a new wait
                await conn.execute(
                    "INSERT INTO moderation_timing AS m"
                    " (tenant_id, post_id, dialog_id, waiting_since)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, post_id) DO UPDATE"
                    " SET waiting_since = excluded.waiting_since, decided_at = NULL"
                    " WHERE m.decided_at IS NOT NULL",
                    tenant,
                    post,
                    dialog,
                    at,
                )
