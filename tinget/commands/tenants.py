"""``tinget tenants``: onboarding municipalities and looking after them (the tenants context)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import click
import msgspec

from tinget.commands.common import (
    EXIT_INVALID,
    apply_migrations,
    echo_json,
    fail,
    owner_url_for,
    run,
    settings_of,
    with_platform,
)
from tinget.config import Settings, reveal

if TYPE_CHECKING:
    from events.repository import EventMetadata
    from tenants.domain import Tenant
    from tinget.bootstrap import Platform

DIRECTORY = "tenant_directory"  # tenants.directory.TenantDirectory.name (a test keeps them equal)
_TENANT_ROWS = (
    "SELECT tenant_id, name, status, default_language, hosts FROM tenant_directory"
    " ORDER BY tenant_id"
)


async def _tenant_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(_TENANT_ROWS)]


async def _tenant_rows_if_current(
    settings: Settings, owner_url: str | None
) -> list[dict[str, Any]] | None:
    """The tenant directory, read on one connection of the worker role, when it has applied
    the log's head (what ``tinget status`` reports as no events behind: a running projection
    worker keeps it so); None when it is behind and needs catching up."""
    from events.db import WORKER_ROLE, url_for_role

    if owner_url is not None:
        await apply_migrations(owner_url)
    worker_url = reveal(settings.worker_database_url)
    if worker_url is None:
        assert owner_url is not None  # settings without both roles' URLs have an owner
        worker_url = url_for_role(owner_url, WORKER_ROLE)
    conn = await asyncpg.connect(worker_url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            current = await conn.fetchval(
                "SELECT (SELECT coalesce(max(position), 0) FROM events)"
                " <= (SELECT coalesce(max(position), 0) FROM projection_positions"
                "     WHERE projection = $1)",
                DIRECTORY,
            )
            return await _tenant_rows(conn) if current else None
    finally:
        await conn.close()


def _tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "default_language": tenant.default_language,
        "hosts": tenant.hosts,
        "public_url": tenant.link_base,
        "min_group_size": tenant.min_group_size,
        "status": "suspended" if tenant.suspended else "active",
        "suspension_reason": tenant.suspension_reason,
        "branding": {
            "primary_colour": tenant.primary_colour,
            "secondary_colour": tenant.secondary_colour,
            "background_colour": tenant.background_colour,
            "background_image_url": tenant.background_image_url,
            "welcome_text": tenant.welcome_text,
            "logo_sha256": tenant.logo_sha256,
        },
        "version": tenant.version,
    }


def _operator() -> EventMetadata:
    """What the audit trail says of who acted: an operator, at a shell (no person)."""
    from services.identity.platform_staff import OPERATOR

    return OPERATOR


@click.group()
def tenants() -> None:
    """Onboard and look after municipalities."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The municipality's name as people know it.")
@click.option("--language", default="sv", show_default=True, help="Default language tag.")
@click.option("--host", "hosts", multiple=True, help="A host name it is served at (repeatable).")
@click.option(
    "--public-url",
    help="Where its pages live; every link it sends points there (default https://FIRST-HOST).",
)
@click.pass_context
def tenants_create(
    ctx: click.Context,
    slug: str,
    name: str,
    language: str,
    hosts: tuple[str, ...],
    public_url: str | None,
) -> None:
    """Create a tenant."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.create(
            slug, name, language, hosts, metadata=_operator(), public_url=public_url
        )

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def tenants_list(ctx: click.Context, as_json: bool) -> None:
    """List every tenant (from the tenant directory)."""

    async def go(p: Platform) -> list[dict[str, Any]]:
        await p.catch_up_projections()
        async with p.worker_pool.acquire() as conn:
            return await _tenant_rows(conn)

    async def listed() -> list[dict[str, Any]]:
        settings = settings_of(ctx)
        async with owner_url_for(settings) as owner_url:  # an embedded server stays up for both
            rows = await _tenant_rows_if_current(settings, owner_url)
            if rows is None:  # the directory is behind the log: catch the read models up first
                rows = await with_platform(settings, go)
            return rows

    rows = run(listed())
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['tenant_id']:<24} {r['status']:<10} {r['default_language']:<6}"
            f" {r['name']}  [{', '.join(r['hosts'])}]"
        )
    if not rows:
        click.echo("no tenants yet: tinget tenants create SLUG --name NAME --host HOST")


@tenants.command("show")
@click.argument("slug")
@click.pass_context
def tenants_show(ctx: click.Context, slug: str) -> None:
    """Show one tenant as its events have made it."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.get(slug)

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("update")
@click.argument("slug")
@click.option("--name")
@click.option("--language")
@click.option("--primary-colour", help="#RRGGBB, or '' to clear.")
@click.option("--secondary-colour", help="#RRGGBB, or '' to clear.")
@click.option("--background-colour", help="#RRGGBB, or '' to clear.")
@click.option("--background-image-url", help="An http(s) URL, or '' to clear.")
@click.option("--welcome-text", help="The welcome text, or '' to clear.")
@click.option("--public-url", help="Where its pages live; every link it sends points there.")
@click.option(
    "--min-group-size",
    type=int,
    help="The smallest group whose count results show (3-100; 5 unless set).",
)
@click.option(
    "--logo", type=click.Path(dir_okay=False, path_type=Path), help="A PNG, JPEG or WebP file."
)
@click.pass_context
def tenants_update(ctx: click.Context, /, slug: str, logo: Path | None, **options: Any) -> None:
    """Change a tenant's name, language, branding, public URL or minimum group size."""
    given = {k: v for k, v in options.items() if v is not None}
    if "language" in given:
        given["default_language"] = given.pop("language")
    from tenants.service import TenantChanges

    changes = msgspec.convert(given, TenantChanges)
    if logo is not None and not logo.is_file():
        fail(f"invalid logo: no file {str(logo)!r}", EXIT_INVALID)
    content = logo.read_bytes() if logo is not None else None

    async def go(p: Platform) -> Tenant:
        tenant = await p.tenants.update(slug, changes, metadata=_operator())
        if content is not None:
            tenant = await p.tenants.set_logo(slug, content, metadata=_operator())
        return tenant

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("add-host")
@click.argument("slug")
@click.argument("host")
@click.pass_context
def tenants_add_host(ctx: click.Context, slug: str, host: str) -> None:
    """Serve a tenant at one more host name."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.add_host(slug, host, metadata=_operator())

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("remove-host")
@click.argument("slug")
@click.argument("host")
@click.pass_context
def tenants_remove_host(ctx: click.Context, slug: str, host: str) -> None:
    """Stop serving a tenant at a host name, which any tenant may then claim."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.remove_host(slug, host, metadata=_operator())

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("suspend")
@click.argument("slug")
@click.option("--reason", required=True, help="Shown to everyone who visits meanwhile.")
@click.pass_context
def tenants_suspend(ctx: click.Context, slug: str, reason: str) -> None:
    """Suspend a tenant: its pages answer 403 with the reason."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.suspend(slug, reason, metadata=_operator())

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))


@tenants.command("resume")
@click.argument("slug")
@click.pass_context
def tenants_resume(ctx: click.Context, slug: str) -> None:
    """Lift a tenant's suspension."""

    async def go(p: Platform) -> Tenant:
        return await p.tenants.resume(slug, metadata=_operator())

    echo_json(_tenant_json(run(with_platform(settings_of(ctx), go))))
