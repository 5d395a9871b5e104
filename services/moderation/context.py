"""Moderation: flags, cases, hiding and restoring, appeals, blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from services.moderation.service import ModerationService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    moderation: ModerationService


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.moderation.domain import Block, Flag, ModerationCase

    return (Flag, ModerationCase, Block)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.moderation.queue import BlockedPeopleListing, ModerationQueue

    return [ModerationQueue(app.codec), BlockedPeopleListing(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.moderation.queue import ModerationQueries

    return {"moderation": app.moderation, "moderation_queries": ModerationQueries(app.app_pool)}


MODERATION = Context[Needs](
    "moderation",
    package="services.moderation",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=("gateway.moderation:ModerationController",),
    provides=_provides,
)
