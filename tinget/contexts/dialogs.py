"""Dialogs: what a municipality asks, of which kind, when, and what it decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.dialogs.domain import Dialog, Invitation

    return (Dialog, Invitation)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.dialogs import DialogListing

    return [DialogListing(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.dialogs import DialogController, ReportBackController

    return [DialogController, ReportBackController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.dialogs import DialogQueries

    return {"dialogs": app.dialogs, "dialog_queries": DialogQueries(app.app_pool)}


DIALOGS = Context(
    "dialogs",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
