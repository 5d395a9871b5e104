"""Moderation: flags, cases, hiding and restoring, appeals, blocks."""

from __future__ import annotations

from collections.abc import Sequence

from projections.moderation import BlockedPeopleListing, ModerationQueries, ModerationQueue
from services.moderation.domain import Block, Flag, ModerationCase
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.moderation import ModerationController

    return [ModerationController]


MODERATION = Context(
    "moderation",
    aggregates=(Flag, ModerationCase, Block),
    read_models=lambda app: [ModerationQueue(app.codec), BlockedPeopleListing(app.codec)],
    controllers=_controllers,
    provides=lambda app: {
        "moderation": app.moderation,
        "moderation_queries": ModerationQueries(app.app_pool),
    },
)
