"""Dialogs: what a municipality asks, of which kind, when, and what it decided."""

from __future__ import annotations

from collections.abc import Sequence

from projections.dialogs import DialogListing, DialogQueries
from services.dialogs.domain import Dialog, Invitation
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.dialogs import DialogController

    return [DialogController]


DIALOGS = Context(
    "dialogs",
    aggregates=(Dialog, Invitation),
    read_models=lambda app: [DialogListing(app.codec)],
    controllers=_controllers,
    provides=lambda app: {"dialogs": app.dialogs, "dialog_queries": DialogQueries(app.app_pool)},
)
