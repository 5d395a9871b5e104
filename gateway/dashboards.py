"""Dashboards for a municipality's staff: activity over time, by committee and dialog kind,
live poll tallies, and how the moderation queue is doing. JSON for administrators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from events.errors import Forbidden, InvalidInput
from gateway.edge import Injected
from gateway.polls import poll_results
from gateway.problems import problems
from gateway.views import PollResults
from services.dashboards.read_model import METRICS, DashboardQueries
from services.dialogs.service import DialogService
from services.identity.access import Caller, Permission
from services.participation.tallies import TallyQueries
from tenants.directory import TenantEntry


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
        dialogs: Injected[DialogService],
        dashboard_queries: Injected[DashboardQueries],
        tally_queries: Injected[TallyQueries],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        granularity: Annotated[Literal["hour", "day"], QueryParameter()] = "day",
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        dialog_id: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Dashboard:
        """Activity of the municipality (or of one dialog) between ``since`` and ``until``:
        administrators and analysts, and the platform's operations staff, who read any
        municipality's figures (never anyone's personal data) and change nothing."""
        if not (
            caller.may(Permission.ADMINISTER)
            or caller.may(Permission.ANALYSE)
            or caller.may(Permission.OPERATE)
        ):
            raise Forbidden("dashboards are for administrators, analysts and operations")
        end = (until or datetime.now(UTC)).astimezone(UTC)
        start = (since or end - timedelta(days=30)).astimezone(UTC)
        if start >= end:
            raise InvalidInput("since", "must be before until")
        if end - start > timedelta(days=3660):
            raise InvalidInput("since", "the range may span at most ten years")
        tenant_id = caller.tenant_id
        activity = await dashboard_queries.activity(tenant_id, granularity, start, end, dialog_id)
        totals = dict.fromkeys(METRICS, 0)
        for counts in activity.series.values():
            for metric, n in counts.items():
                totals[metric] += n
        tally = None
        if dialog_id is not None:
            dialog = await dialogs.get(tenant_id, dialog_id)
            if dialog.policy.ballots:
                tally = await poll_results(tally_queries, tenant, dialog)
        return Dashboard(
            granularity=granularity,
            since=start,
            until=end,
            dialog_id=dialog_id,
            totals=totals,
            participants=activity.participants,
            series=[Bucket(bucket=b, counts=c) for b, c in activity.series.items()],
            by_committee=[Slice(key=k, counts=c) for k, c in activity.by_committee.items()],
            by_kind=[Slice(key=k, counts=c) for k, c in activity.by_kind.items()],
            moderation=ModerationFigures(
                queue=activity.queue,
                decided=activity.decided,
                median_minutes_to_decision=activity.median_minutes_to_decision,
            ),
            tally=tally,
        )
