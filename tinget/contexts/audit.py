"""The audit trail: every event of the catalogue, hash-chained per tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from projections.audit import AuditQueries, AuditTrail
from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click


def _controllers() -> Sequence[type]:
    from gateway.audit import AuditController

    return [AuditController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.audit import audit

    return [audit]


AUDIT = Context(
    "audit",
    read_models=lambda app: [AuditTrail(app.codec)],
    controllers=_controllers,
    provides=lambda app: {"audit_queries": AuditQueries(app.app_pool, app.codec.catalogue)},
    commands=_commands,
)
