"""The ``tinget`` command: run any part, migrate, onboard tenants, rebuild read models.

Every call reads the settings and starts the event loop; what a command needs beyond that
(the platform, the web server, the read models) is imported inside the command, so that a quick
command such as ``tinget tenants list`` or ``tinget catalogue`` does not load all of Tinget.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click
import msgspec

from events.errors import InvalidInput, NotFound
from tinget import loop
from tinget.commands.common import (
    EXIT_INVALID,
    EXIT_TAMPERED,
    apply_migrations,
    echo_json,
    fail,
    owner_url_for,
    run,
    settings_of,
    with_platform,
)

# the read model whose position `tinget tenants list` checks before reading it at once
from tinget.commands.tenants import DIRECTORY as DIRECTORY
from tinget.config import ConfigError, Settings
from tinget.contexts import CONTEXTS, Context
from tinget.logs import configure_logging

if TYPE_CHECKING:
    from projections.audit_verify import Report
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
@click.pass_context
def main(ctx: click.Context) -> None:
    """Tinget: citizen dialogue for municipalities."""
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        fail(f"bad configuration: {error}", EXIT_INVALID)
    configure_logging(settings.log_level, json=settings.log_json)
    ctx.obj = settings


@main.command("serve")
@click.pass_context
def serve_all(ctx: click.Context) -> None:
    """Run everything in one process: gateway, relay and projections."""
    from tinget.runner import serve

    loop.run(serve(settings_of(ctx)))


@main.command()
@click.pass_context
def gateway(ctx: click.Context) -> None:
    """Run the HTTP gateway only."""
    from tinget.runner import serve

    loop.run(serve(settings_of(ctx), ("gateway",)))


@main.command()
@click.pass_context
def relay(ctx: click.Context) -> None:
    """Run the relay (store to NATS) only; a second one stands by."""
    from tinget.runner import serve

    loop.run(serve(settings_of(ctx), ("relay",)))


@main.command()
@click.pass_context
def project(ctx: click.Context) -> None:
    """Run the projection workers only."""
    from tinget.runner import serve

    loop.run(serve(settings_of(ctx), ("projections",)))


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply database migrations."""

    async def go() -> list[str]:
        async with owner_url_for(settings_of(ctx)) as owner_url:
            if owner_url is None:
                fail("TINGET_DATABASE_URL: migrating needs the owner role's URL", EXIT_INVALID)
            return await apply_migrations(owner_url)

    applied = run(go())
    click.echo(f"applied: {', '.join(applied)}" if applied else "the schema is up to date")


@main.command()
@click.argument("projection", required=False)
@click.pass_context
def rebuild(ctx: click.Context, projection: str | None) -> None:
    """Rebuild read models from the store alone (all, or the one named)."""

    async def go(platform: Platform) -> dict[str, int]:
        runners = [r for r in platform.projections if projection in (None, r.projection.name)]
        if not runners:
            names = ", ".join(r.projection.name for r in platform.projections)
            raise InvalidInput("projection", f"no projection {projection!r}; known: {names}")
        return {r.projection.name: await r.rebuild(platform.reader) for r in runners}

    for name, count in run(with_platform(settings_of(ctx), go)).items():
        click.echo(f"{name}: rebuilt from {count} events")


@main.command()
@click.pass_context
def catalogue(ctx: click.Context) -> None:
    """Print the event catalogue (names, versions, subjects, JSON schemas) for integrators."""
    from tinget.catalogue import build_catalogue

    echo_json(build_catalogue().export(settings_of(ctx).subject_prefix))


@main.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Relay and projection lag, for operations staff."""
    from projections.runtime import PROJECTIONS_CONSUMER, consumer_lag
    from services.notifications import outbox
    from tinget.bootstrap import open_platform
    from tinget.runner import addresses_for

    settings = settings_of(ctx)

    async def go() -> dict[str, Any]:
        async with (
            addresses_for(settings) as addresses,
            open_platform(addresses, manage_stream=False) as p,
        ):
            relay_lag = await p.relay().lag()
            report: dict[str, Any] = {
                "log_head": await p.reader.head(),
                "relay": {"unpublished_events": relay_lag.events, "seconds": relay_lag.seconds},
                "projections": {},
            }
            if p.consumer is not None:
                try:
                    report["projections_consumer_pending"] = await consumer_lag(
                        p.consumer[1], addresses.stream_name, PROJECTIONS_CONSUMER
                    )
                except Exception as error:
                    report["projections_consumer_pending"] = (
                        f"no consumer yet ({type(error).__name__})"
                    )
            for name, (applied, behind) in (await p.read_model_lag()).items():
                report["projections"][name] = {"applied_position": applied, "events_behind": behind}
            report["notifications"] = {
                "deliveries": await outbox.counts(p.worker_pool),
                "push": p.sender.push.status,
            }
            return report

    echo_json(run(go()))


@main.group()
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


@main.group()
def audit() -> None:
    """The audit trail: every event of a tenant, hash-chained."""


@audit.command("verify")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.pass_context
def audit_verify(ctx: click.Context, slug: str | None) -> None:
    """Walk the hash chains and name every entry altered, removed or reordered (exit 5)."""
    from projections.audit_verify import to_json, verify_trails

    async def go(p: Platform) -> Report:
        report = await verify_trails(p.worker_pool, slug)
        if slug is not None and not report.tenants:
            raise NotFound(f"no audit trail of tenant {slug!r}")
        return report

    report = run(with_platform(settings_of(ctx), go))
    echo_json(to_json(report))
    if not report.intact:
        sys.exit(EXIT_TAMPERED)


@main.group()
def notifications() -> None:
    """The notification outbox, for operations staff."""


@notifications.command("failed")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_context
def notifications_failed(ctx: click.Context, slug: str | None, limit: int) -> None:
    """Deliveries given up after their last retry, newest first, with the reason (no addresses)."""
    from services.notifications import outbox

    async def go(p: Platform) -> list[dict[str, Any]]:
        return await outbox.failed(p.worker_pool, slug, limit)

    echo_json(run(with_platform(settings_of(ctx), go)))


@main.command("platform-token")
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


def add_context_commands(group: click.Group, contexts: Iterable[Context]) -> None:
    """Add each context's commands to ``group`` (tinget/contexts): a command name belongs to
    one context, and none takes the name of a command of ``group`` itself (the platform's)."""
    owners: dict[str | None, str] = dict.fromkeys(group.commands, "the platform")
    for context in contexts:
        for command in context.commands():
            if command.name in owners:
                raise ValueError(
                    f"the context {context.name} declares the command {command.name!r},"
                    f" which {owners[command.name]} has"
                )
            group.add_command(command)
            owners[command.name] = f"the context {context.name}"


add_context_commands(main, CONTEXTS)
