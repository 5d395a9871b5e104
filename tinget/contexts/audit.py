"""The audit trail: every event of the catalogue, hash-chained per tenant."""

from __future__ import annotations

from collections.abc import Sequence

from projections.audit import AuditQueries, AuditTrail
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.audit import AuditController

    return [AuditController]


AUDIT = Context(
    "audit",
    read_models=lambda app: [AuditTrail(app.codec)],
    controllers=_controllers,
    provides=lambda app: {"audit_queries": AuditQueries(app.app_pool, app.codec.catalogue)},
)
