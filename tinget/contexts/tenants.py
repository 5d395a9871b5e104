"""Tenants: municipalities, their hosts and branding; the directory that resolves hosts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tenants.directory import TenantDirectory
from tenants.domain import HostClaim, Tenant
from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click


def _controllers() -> Sequence[type]:
    from gateway.branding import BrandingController

    return [BrandingController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.tenants import tenants

    return [tenants]


TENANTS = Context(
    "tenants",
    aggregates=(Tenant, HostClaim),
    read_models=lambda app: [TenantDirectory(app.codec)],
    controllers=_controllers,
    provides=lambda app: {"tenants": app.tenants, "assets": app.assets},
    commands=_commands,
)
