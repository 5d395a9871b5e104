"""The ``tinget`` command: run any part, migrate, rebuild read models, print the catalogue and
the lag, the platform's own commands; each context adds its own (``tinget tenants``,
``tinget people`` ...), declared as its ``commands`` (tinget/contexts, tinget/commands).

Every call reads the settings and starts the event loop; what a command needs beyond that
(the platform, the web server, the read models) is imported inside the command, so that a quick
command such as ``tinget tenants list`` or ``tinget catalogue`` does not load all of Tinget.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from events.errors import InvalidInput
from tinget import loop
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

# the read model whose position `tinget tenants list` checks before reading it at once
from tinget.commands.tenants import DIRECTORY as DIRECTORY
from tinget.config import ConfigError, Settings
from tinget.contexts import CONTEXTS, Context
from tinget.logs import configure_logging

if TYPE_CHECKING:
    from tinget.bootstrap import Platform


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
@click.option("--sibling", is_flag=True, hidden=True, help="Started by a gateway beside it.")
@click.pass_context
def gateway(ctx: click.Context, sibling: bool) -> None:
    """Run the HTTP gateway only (in TINGET_HTTP_PROCESSES processes on one port)."""
    from tinget.runner import serve

    loop.run(serve(settings_of(ctx), ("gateway",), sibling=sibling))


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


def add_context_commands(group: click.Group, contexts: Iterable[Context[Any]]) -> None:
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
