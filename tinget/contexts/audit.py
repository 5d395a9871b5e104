"""The audit trail: every event of the catalogue, hash-chained per tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.audit import AuditTrail

    return [AuditTrail(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.audit import AuditController

    return [AuditController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.audit import AuditQueries

    return {"audit_queries": AuditQueries(app.app_pool, app.codec.catalogue)}


def _commands() -> Sequence[click.Command]:
    from tinget.commands.audit import audit

    return [audit]


AUDIT = Context(
    "audit",
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
    commands=_commands,
)
