"""Tenants: municipalities, their hosts and branding; the directory that resolves hosts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from tenants.domain import HostClaim, Tenant

    return (Tenant, HostClaim)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from tenants.directory import TenantDirectory

    return [TenantDirectory(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.branding import BrandingController

    return [BrandingController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.tenants import tenants

    return [tenants]


TENANTS = Context(
    "tenants",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=lambda app: {"tenants": app.tenants, "assets": app.assets},
    commands=_commands,
)
