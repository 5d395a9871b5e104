"""Dashboards for a municipality's staff: activity over time, by committee and dialog kind,
live poll tallies, and how the moderation queue is doing. JSON for administrators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from events.db import tenant_transaction
from events.errors import Forbidden, InvalidInput
from gateway.auth import platform_of
from gateway.polls import poll_results
from gateway.problems import problems
from gateway.views import PollResults
from services.identity.access import Caller, Permission

METRICS = ("posts", "comments", "supports", "signatures", "votes", "joined")


class Bucket(msgspec.Struct, kw_only=True):
    bucket: datetime
    counts: dict[str, int]


class Slice(msgspec.Struct, kw_only=True):
    key: str | None
    counts: dict[str, int]


class ModerationFigures(msgspec.Struct, kw_only=True):
    queue: int
    decided: int
    median_minutes_to_decision: float | None


class Dashboard(msgspec.Struct, kw_only=True):
    granularity: str
    since: datetime
    until: datetime
    dialog_id: UUID | None
    totals: dict[str, int]
    participants: int
    series: list[Bucket]
    by_committee: list[Slice]
    by_kind: list[Slice]
    moderation: ModerationFigures
    tally: PollResults | None = None


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


class DashboardController(Controller):
    path = "/api/v1/dashboard"
    tags = ["dashboards"]

    @get(
        "/",
        operation_id="getDashboard",
        summary="Read the activity dashboard",
        responses=problems(422),
    )
    async def dashboard(
        self,
        state: State,
        caller: NamedDependency[Caller],
        granularity: Annotated[Literal["hour", "day"], QueryParameter()] = "day",
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        dialog_id: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Dashboard:
        """Activity of the municipality (or of one dialog) between ``since`` and ``until``."""
        if not (caller.may(Permission.ADMINISTER) or caller.may(Permission.ANALYSE)):
            raise Forbidden("dashboards are for administrators and analysts")
        end = (until or datetime.now(UTC)).astimezone(UTC)
        start = (since or end - timedelta(days=30)).astimezone(UTC)
        if start >= end:
            raise InvalidInput("since", "must be before until")
        if end - start > timedelta(days=3660):
            raise InvalidInput("since", "the range may span at most ten years")
        platform = platform_of(state)
        tenant = caller.tenant_id
        window = (tenant, granularity, start, end, dialog_id)
        async with tenant_transaction(platform.app_pool, tenant) as conn:
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
                tenant,
                dialog_id,
            )
        totals = dict.fromkeys(METRICS, 0)
        for counts in series.values():
            for metric, n in counts.items():
                totals[metric] += n
        assert moderation is not None
        tally = None
        if dialog_id is not None:
            dialog = await platform.dialogs.get(tenant, dialog_id)
            if dialog.policy.ballots:
                tally = await poll_results(platform, tenant, dialog)
        return Dashboard(
            granularity=granularity,
            since=start,
            until=end,
            dialog_id=dialog_id,
            totals=totals,
            participants=int(participants or 0),
            series=[Bucket(bucket=b, counts=c) for b, c in series.items()],
            by_committee=[Slice(key=k, counts=c) for k, c in committees.items()],
            by_kind=[Slice(key=k, counts=c) for k, c in kinds.items()],
            moderation=ModerationFigures(
                queue=int(moderation["queue"]),
                decided=int(moderation["decided"]),
                median_minutes_to_decision=None
                if moderation["median"] is None
                else round(float(moderation["median"]), 2),
            ),
            tally=tally,
        )
