"""Dialogs: what a municipality asks, of which kind, when, and what it decided."""

from __future__ import annotations

from projections.dialogs import DialogListing
from services.dialogs.domain import Dialog, Invitation
from tinget.contexts.base import Context

DIALOGS = Context(
    "dialogs",
    aggregates=(Dialog, Invitation),
    read_models=lambda app: [DialogListing(app.codec)],
)
