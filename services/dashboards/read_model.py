"""Dashboards: activity per dialog in hourly and daily buckets, and moderation timing.

Counting is all this read model does, so it reads only the few fields it needs from each
payload, through the catalogue's views of them (upcast when an older class version wrote the
event) rather than whole domain events: rebuilds of large stores stay fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.catalogue import Catalogue, PayloadView
from events.db import tenant_transaction
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
# Every post submitted counts in "posts"; those a moderator hid, or held for approval, are
# shown apart, in the bucket of the decision.
_SHOWN_APART = {"PostHidden": "hidden", "PostHeldForReview": "held"}


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
                if kind in _SHOWN_APART:  # posts hidden or held in the bucket, beside "posts"
                    for granularity, start in buckets(event.timestamp):
                        counts[
                            (tenant, granularity, start, event.dialog_id, _SHOWN_APART[kind])
                        ] += 1
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


METRICS = ("posts", "comments", "supports", "signatures", "votes", "joined", "hidden", "held")

_COUNTS = (
    "SELECT {key}, c.metric, sum(c.count)::int AS n FROM activity_counts c"
    " LEFT JOIN dialogs d ON d.tenant_id = c.tenant_id AND d.dialog_id = c.dialog_id"
    " WHERE c.tenant_id = $1 AND c.granularity = $2 AND c.bucket_start >= $3"
    " AND c.bucket_start < $4 AND ($5::uuid IS NULL OR c.dialog_id = $5)"
    " GROUP BY 1, 2 ORDER BY 1"
)


def _fold(rows: list[asyncpg.Record]) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row[0], dict.fromkeys(METRICS, 0))[row["metric"]] = row["n"]
    return out


@dataclass(frozen=True)
class Activity:
    """A tenant's (or one dialog's) activity in a window: counts per metric by bucket, by
    committee and by dialog kind, the distinct participants, and the moderation figures."""

    series: dict[Any, dict[str, int]]
    by_committee: dict[Any, dict[str, int]]
    by_kind: dict[Any, dict[str, int]]
    participants: int
    queue: int
    decided: int
    median_minutes_to_decision: float | None


class DashboardQueries:
    """Reads of the dashboards' counters, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def activity(
        self,
        tenant_id: str,
        granularity: str,
        start: datetime,
        end: datetime,
        dialog_id: UUID | None,
    ) -> Activity:
        window = (tenant_id, granularity, start, end, dialog_id)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            series = _fold(await conn.fetch(_COUNTS.format(key="c.bucket_start"), *window))
            committees = _fold(await conn.fetch(_COUNTS.format(key="d.committee"), *window))
            kinds = _fold(await conn.fetch(_COUNTS.format(key="d.kind"), *window))
            participants = await conn.fetchval(
                "SELECT count(DISTINCT person_id) FROM activity_people WHERE tenant_id = $1"
                " AND granularity = $2 AND bucket_start >= $3 AND bucket_start < $4"
                " AND ($5::uuid IS NULL OR dialog_id = $5)",
                *window,
            )
            moderation = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE decided_at IS NULL) AS queue,"
                " count(decided_at) AS decided,"
                " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
                "  decided_at - waiting_since) / 60) FILTER (WHERE decided_at IS NOT NULL)"
                "  AS median FROM moderation_timing"
                " WHERE tenant_id = $1 AND ($2::uuid IS NULL OR dialog_id = $2)",
                tenant_id,
                dialog_id,
            )
        assert moderation is not None
        return Activity(
            series=series,
            by_committee=committees,
            by_kind=kinds,
            participants=int(participants or 0),
            queue=int(moderation["queue"]),
            decided=int(moderation["decided"]),
            median_minutes_to_decision=None
            if moderation["median"] is None
            else round(float(moderation["median"]), 2),
        )
