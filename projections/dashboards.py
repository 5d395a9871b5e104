"""Dashboards: activity per dialog in hourly and daily buckets, and moderation timing.

Counting is all this read model does, so it reads only the few fields it needs from each
payload, through the catalogue's views of them (upcast when an older class version wrote the
event) rather than whole domain events: rebuilds of large stores stay fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from events.catalogue import Catalogue, PayloadView
from events.model import RecordedEvent

NO_DIALOG = UUID(int=0)
GRANULARITIES = ("hour", "day")


# The fields read of each event type counted (moderation steps: ``_MODERATED``).
_FIELDS: dict[str, tuple[str, ...]] = {
    "PostSubmitted": ("timestamp", "dialog_id", "author_id", "root_id"),
    "SupportGiven": ("timestamp", "dialog_id", "person_id"),
    "PetitionSigned": ("timestamp", "dialog_id", "person_id"),
    "BallotCast": ("timestamp", "dialog_id"),
    "PersonJoined": ("timestamp", "person_id"),
}
_ENDORSEMENT_METRIC = {"SupportGiven": "supports", "PetitionSigned": "signatures"}
WAITING = frozenset({"PostFlagged", "PostHeldForReview"})
DECIDED = frozenset({"PostHidden", "PostRestored", "PostApproved"})
_MODERATED = ("timestamp", "post_id", "dialog_id")


def buckets(at: datetime) -> tuple[tuple[str, datetime], tuple[str, datetime]]:
    hour = at.replace(minute=0, second=0, microsecond=0)
    return ("hour", hour), ("day", hour.replace(hour=0))


class Dashboards:
    name = "dashboards"
    tables: tuple[str, ...] = ("activity_counts", "activity_people", "moderation_timing")

    def __init__(self, catalogue: Catalogue) -> None:
        known = {d.name for d in catalogue.definitions()}
        # Moderation events count only once that context is in the catalogue.
        self.event_types = frozenset({*_FIELDS, *WAITING, *DECIDED} & known)
        self._views: dict[str, PayloadView] = {
            kind: catalogue.view(kind, _FIELDS.get(kind, _MODERATED)) for kind in self.event_types
        }

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        counts: Counter[tuple[str, str, datetime, UUID, str]] = Counter()
        people: set[tuple[str, str, datetime, UUID, UUID]] = set()
        timing: list[tuple[str, UUID, UUID, datetime, bool]] = []
        for recorded in events:
            kind = recorded.event_type
            tenant = recorded.tenant_id
            event = self._views[kind].decode(recorded.data)
            if kind in WAITING or kind in DECIDED:
                timing.append(
                    (tenant, event.post_id, event.dialog_id, event.timestamp, kind in DECIDED)
                )
                continue
            person: UUID | None = None
            if kind == "PostSubmitted":
                metric, dialog, person = (
                    "comments" if event.root_id else "posts",
                    event.dialog_id,
                    event.author_id,
                )
            elif kind in _ENDORSEMENT_METRIC:
                metric, dialog, person = _ENDORSEMENT_METRIC[kind], event.dialog_id, event.person_id
            elif kind == "BallotCast":
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
