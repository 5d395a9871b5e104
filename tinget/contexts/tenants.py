"""Tenants: municipalities, their hosts and branding; the directory that resolves hosts."""

from __future__ import annotations

from collections.abc import Sequence

from tenants.directory import TenantDirectory
from tenants.domain import HostClaim, Tenant
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.branding import BrandingController

    return [BrandingController]


TENANTS = Context(
    "tenants",
    aggregates=(Tenant, HostClaim),
    read_models=lambda app: [TenantDirectory(app.codec)],
    controllers=_controllers,
    provides=lambda app: {"tenants": app.tenants, "assets": app.assets},
)
