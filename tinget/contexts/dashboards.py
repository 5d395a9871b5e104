"""Dashboards: activity over time, by committee and by dialog kind, for the staff."""

from __future__ import annotations

from collections.abc import Sequence

from projections.dashboards import DashboardQueries, Dashboards
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.dashboards import DashboardController

    return [DashboardController]


DASHBOARDS = Context(
    "dashboards",
    read_models=lambda app: [Dashboards(app.codec.catalogue)],
    controllers=_controllers,
    provides=lambda app: {"dashboard_queries": DashboardQueries(app.app_pool)},
)
