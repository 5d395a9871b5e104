"""Moderation: flags, cases, hiding and restoring, appeals, blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.moderation.domain import Block, Flag, ModerationCase

    return (Flag, ModerationCase, Block)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.moderation import BlockedPeopleListing, ModerationQueue

    return [ModerationQueue(app.codec), BlockedPeopleListing(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.moderation import ModerationController

    return [ModerationController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.moderation import ModerationQueries

    return {"moderation": app.moderation, "moderation_queries": ModerationQueries(app.app_pool)}


MODERATION = Context(
    "moderation",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
