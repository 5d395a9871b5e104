"""Dashboards: activity over time, by committee and by dialog kind, for the staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg

    from events.codec import Codec
    from events.projection import Projection


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.dashboards.read_model import Dashboards

    return [Dashboards(app.codec.catalogue)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.dashboards.read_model import DashboardQueries

    return {"dashboard_queries": DashboardQueries(app.app_pool)}


DASHBOARDS = Context[Needs](
    "dashboards",
    package="services.dashboards",
    read_models=_read_models,
    controller_paths=("gateway.dashboards:DashboardController",),
    provides=_provides,
)
