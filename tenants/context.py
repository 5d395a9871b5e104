"""Tenants: municipalities, their hosts and branding; the directory that resolves hosts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from tenants.assets import AssetStore
    from tenants.service import TenantService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    assets: AssetStore
    codec: Codec
    tenants: TenantService


def _aggregates() -> Sequence[type[Aggregate]]:
    from tenants.domain import HostClaim, Tenant

    return (Tenant, HostClaim)


def _read_models(app: Needs) -> Sequence[Projection]:
    from tenants.directory import TenantDirectory
    from tenants.staff import StaffList

    return [TenantDirectory(app.codec), StaffList(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from tenants.directory import TenantHosts
    from tenants.staff import StaffQueries

    return {
        "tenants": app.tenants,
        "assets": app.assets,
        "staff_list": StaffQueries(app.app_pool),
        "tenant_hosts": TenantHosts(app.app_pool),
    }


TENANTS = Context[Needs](
    "tenants",
    package="tenants",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.branding:BrandingController",
        "gateway.administration:AdministrationController",
        "gateway.platform:PlatformController",
        "gateway.widgets:WidgetController",
    ),
    provides=_provides,
    command_paths=("tinget.commands.tenants:tenants",),
)
