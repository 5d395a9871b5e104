"""``tinget people`` and ``tinget platform-token``: staff set up by operators, erasure and
access requests, and tokens for Tinget's own staff (the identity context)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import click
import msgspec

from events.errors import InvalidInput
from tinget.commands.common import echo_json, run, settings_of, with_platform

if TYPE_CHECKING:
    from tinget.bootstrap import Platform


class _RoleName(click.ParamType[str]):
    """The name of a role of ``services.identity.access`` (tenant or platform roles), looked up
    when the option is used or shown, not on every call of the command."""

    name = "role"

    def __init__(self, roles: str) -> None:
        self.roles = roles  # TENANT_ROLES or PLATFORM_ROLES

    def names(self) -> list[str]:
        from services.identity import access

        roles: frozenset[access.Role] = getattr(access, self.roles)
        return [role.value for role in sorted(roles)]

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"[{'|'.join(self.names())}]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value not in self.names():
            self.fail(f"{value!r} is not one of {', '.join(self.names())}", param, ctx)
        return str(value)


@click.group()
def people() -> None:
    """People of a tenant: staff set up by operators and consultants."""


@people.command("add-staff")
@click.argument("slug")
@click.argument("email")
@click.option(
    "--role",
    type=_RoleName("TENANT_ROLES"),
    default="administrator",
    show_default=True,
)
@click.pass_context
def people_add_staff(ctx: click.Context, slug: str, email: str, role: str) -> None:
    """Give a person a role in a tenant and print a one-time sign-in link for them."""

    from services.identity.access import Role

    async def go(p: Platform) -> dict[str, Any]:
        tenant = await p.tenants.get(slug)
        person_id = await p.identity.add_staff(slug, email, Role(role))
        code = await p.identity.sign_in_link_for(slug, person_id)
        base = tenant.link_base
        return {
            "person_id": str(person_id),
            "role": role,
            "sign_in_code": code,
            "sign_in_link": f"{base}/sign-in?code={code}" if base else None,
            "expires_in_minutes": 15,
        }

    echo_json(run(with_platform(settings_of(ctx), go)))


@people.command("sign-in-providers")
@click.argument("slug")
@click.pass_context
def people_sign_in_providers(ctx: click.Context, slug: str) -> None:
    """List a tenant's identity providers (OpenID Connect): issuer, client id, whom each signs
    in and the redirect URI to register at it; never a client secret."""

    async def go(p: Platform) -> list[Any]:
        from services.identity.oidc import OidcSignIn

        tenant = await p.tenants.get(slug)
        oidc = OidcSignIn(p.app_pool, p.repository, p.keys, p.identity)
        return [msgspec.to_builtins(v) for v in await oidc.listed(slug, tenant.link_base)]

    echo_json(run(with_platform(settings_of(ctx), go)))


def _person(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput("person", "is not a person id (a UUID)") from None


@people.command("erase")
@click.argument("slug")
@click.argument("person")
@click.pass_context
def people_erase(ctx: click.Context, slug: str, person: str) -> None:
    """Erase a person: e-mail address, name and data key gone, tokens revoked; their events
    stay, with what they wrote unreadable."""

    async def go(p: Platform) -> dict[str, Any]:
        person_id = _person(person)
        await p.tenants.get(slug)
        from services.identity.access import event_metadata

        erasure = await p.identity.erase_person(slug, person_id, event_metadata(None))
        return msgspec.to_builtins(erasure)  # type: ignore[no-any-return]

    echo_json(run(with_platform(settings_of(ctx), go)))


@people.command("export")
@click.argument("slug")
@click.argument("person")
@click.pass_context
def people_export(ctx: click.Context, slug: str, person: str) -> None:
    """Print everything held about a person as JSON (a data-subject access request)."""

    async def go(p: Platform) -> dict[str, Any]:
        person_id = _person(person)
        await p.tenants.get(slug)
        return await p.identity.export_person(slug, person_id)

    echo_json(run(with_platform(settings_of(ctx), go)))


@click.command("platform-token")
@click.option("--role", type=_RoleName("PLATFORM_ROLES"), required=True)
@click.pass_context
def platform_token(ctx: click.Context, role: str) -> None:
    """A short-lived token for Tinget's own staff (consultants act as any tenant's
    administrator; operations read health)."""

    from services.identity.access import Role

    async def go(p: Platform) -> dict[str, Any]:
        issued = p.tokens.issue_platform(uuid.uuid4(), Role(role))
        return {"token": issued.token, "role": role, "expires_at": issued.expires_at.isoformat()}

    echo_json(run(with_platform(settings_of(ctx), go)))
