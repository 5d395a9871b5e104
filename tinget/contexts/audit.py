"""The audit trail: every event of the catalogue, hash-chained per tenant."""

from __future__ import annotations

from projections.audit import AuditTrail
from tinget.contexts.base import Context

AUDIT = Context("audit", read_models=lambda app: [AuditTrail(app.codec)])
