"""``tinget platform-staff``: Tinget's own staff, consultants and operations, who sign in to the
platform console by e-mail link (the identity context)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from tinget.commands.common import echo_json, run, settings_of, with_platform

if TYPE_CHECKING:
    from tinget.bootstrap import Platform

PLATFORM_ROLES = ("consultant", "operations")  # services.identity.access.PLATFORM_ROLES


@click.group("platform-staff")
def platform_staff() -> None:
    """Tinget's own staff: consultants onboard municipalities, operations read their health."""


@platform_staff.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(PLATFORM_ROLES), required=True)
@click.pass_context
def platform_staff_add(ctx: click.Context, email: str, role: str) -> None:
    """Make EMAIL's holder platform staff in ROLE (or give them ROLE); they then sign in at the
    platform console (TINGET_PLATFORM_URL) with an e-mailed link."""

    async def go(p: Platform) -> dict[str, Any]:
        from services.identity.access import Role
        from services.identity.platform_staff import OPERATOR, PlatformStaff

        staff = PlatformStaff(p.identity, p.addresses.platform_url)
        person_id = await staff.add(email, Role(role), OPERATOR)
        return {"person_id": str(person_id), "role": role}

    echo_json(run(with_platform(settings_of(ctx), go)))


@platform_staff.command("remove")
@click.argument("email")
@click.pass_context
def platform_staff_remove(ctx: click.Context, email: str) -> None:
    """Remove EMAIL's holder from the platform staff: their tokens are taken back at once and
    their address forgotten; the audit trail keeps their id and role on what they did."""

    async def go(p: Platform) -> dict[str, Any]:
        from services.identity.platform_staff import OPERATOR, PlatformStaff

        staff = PlatformStaff(p.identity, p.addresses.platform_url)
        person_id = await staff.remove(email, OPERATOR)
        return {"person_id": str(person_id), "removed": True}

    echo_json(run(with_platform(settings_of(ctx), go)))
