"""Dialogs: what a municipality asks, of which kind, when, and what it decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from services.dialogs.service import DialogService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    dialogs: DialogService


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.dialogs.domain import Dialog, Invitation

    return (Dialog, Invitation)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.dialogs.listing import DialogListing

    return [DialogListing(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.dialogs.listing import DialogQueries

    return {"dialogs": app.dialogs, "dialog_queries": DialogQueries(app.app_pool)}


DIALOGS = Context[Needs](
    "dialogs",
    package="services.dialogs",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.dialogs:DialogController",
        "gateway.dialogs:ReportBackController",
    ),
    provides=_provides,
)
