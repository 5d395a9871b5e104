"""Moderation: flags, cases, hiding and restoring, appeals, blocks."""

from __future__ import annotations

from projections.moderation import BlockedPeopleListing, ModerationQueue
from services.moderation.domain import Block, Flag, ModerationCase
from tinget.contexts.base import Context

MODERATION = Context(
    "moderation",
    aggregates=(Flag, ModerationCase, Block),
    read_models=lambda app: [ModerationQueue(app.codec), BlockedPeopleListing(app.codec)],
)
