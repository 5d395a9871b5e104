"""Dashboards: activity over time, by committee and by dialog kind, for the staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.dashboards import Dashboards

    return [Dashboards(app.codec.catalogue)]


def _controllers() -> Sequence[type]:
    from gateway.dashboards import DashboardController

    return [DashboardController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.dashboards import DashboardQueries

    return {"dashboard_queries": DashboardQueries(app.app_pool)}


DASHBOARDS = Context(
    "dashboards",
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
