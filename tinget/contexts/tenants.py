"""Tenants: municipalities, their hosts and branding; the directory that resolves hosts."""

from __future__ import annotations

from tenants.directory import TenantDirectory
from tenants.domain import HostClaim, Tenant
from tinget.contexts.base import Context

TENANTS = Context(
    "tenants",
    aggregates=(Tenant, HostClaim),
    read_models=lambda app: [TenantDirectory(app.codec)],
)
