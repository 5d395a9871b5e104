"""The audit trail: every event of the catalogue, hash-chained per tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg

    from events.codec import Codec
    from events.projection import Projection


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.audit.trail import AuditTrail

    return [AuditTrail(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.audit.trail import AuditQueries

    return {"audit_queries": AuditQueries(app.app_pool, app.codec.catalogue)}


AUDIT = Context[Needs](
    "audit",
    package="services.audit",
    read_models=_read_models,
    controller_paths=("gateway.audit:AuditController",),
    provides=_provides,
    command_paths=("tinget.commands.audit:audit",),
)
