"""Dashboards: activity over time, by committee and by dialog kind, for the staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg

    from events.codec import Codec
    from events.projection import Projection


class _Positions(Protocol):
    """How far the read models are (``projections.positions.ReadModelPositions``)."""

    async def behind(self, tenant_id: str, position: int) -> list[str]: ...


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec

    @property
    def positions(self) -> _Positions: ...


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.dashboards.read_model import Dashboards

    return [Dashboards(app.codec.catalogue)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.dashboards.health import HealthQueries
    from services.dashboards.read_model import DashboardQueries

    return {
        "dashboard_queries": DashboardQueries(app.app_pool),
        "tenant_health": HealthQueries(app.app_pool, app.positions.behind),
    }


DASHBOARDS = Context[Needs](
    "dashboards",
    package="services.dashboards",
    read_models=_read_models,
    controller_paths=("gateway.dashboards:DashboardController",),
    provides=_provides,
)
