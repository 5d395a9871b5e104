"""What every ``tinget`` command shares: the settings, the exit codes, running a command's
coroutine with domain errors turned into messages and exit codes, and the platform opened for
one command."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import asyncpg
import click

from events.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tinget import loop
from tinget.config import Settings, reveal

if TYPE_CHECKING:
    from tinget.bootstrap import Platform

T = TypeVar("T")

EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_TAMPERED = 5  # `tinget audit verify` found a broken chain


def settings_of(ctx: click.Context) -> Settings:
    """The settings ``tinget`` read from the environment before any command ran."""
    settings: Settings = ctx.obj
    return settings


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"tinget: {message}", err=True)
    sys.exit(code)


def run(coro: Awaitable[T]) -> T:
    try:
        return loop.run(coro)  # type: ignore[arg-type]
    except InvalidInput as error:
        fail("; ".join(f"invalid {f}: {r}" for f, r in error.errors), EXIT_INVALID)
    except NotFound as error:
        fail(str(error), EXIT_NOT_FOUND)
    except (Conflict, Forbidden) as error:
        fail(str(error), EXIT_CONFLICT)
    except DomainError as error:
        fail(str(error), 1)
    raise AssertionError("unreachable")


async def with_platform(settings: Settings, action: Callable[[Platform], Awaitable[T]]) -> T:
    from tinget.bootstrap import open_platform, run_migrations
    from tinget.runner import addresses_for

    async with addresses_for(settings, need_nats=False) as addresses:
        if addresses.database_url is not None:
            await run_migrations(addresses.database_url)
        async with open_platform(addresses, with_nats=False, pool_size=2) as platform:
            result = await action(platform)
            await platform.catch_up_projections()
            return result


@asynccontextmanager
async def owner_url_for(settings: Settings) -> AsyncIterator[str | None]:
    """The owner role's URL: the configured one, or the embedded PostgreSQL's (the one running
    on the data folder, or one started for this command); None where only the roles' URLs are
    given."""
    async with AsyncExitStack() as stack:
        url = reveal(settings.database_url)
        if settings.postgres_embedded:
            from tinget.embedded import embedded_postgres

            url = await stack.enter_async_context(embedded_postgres(settings.data_dir))
        yield url


async def apply_migrations(owner_url: str) -> list[str]:
    """Apply the migrations not applied yet, as the owner role; their names."""
    from tenants.migrate import migrate
    from tinget.contexts import migrations

    conn = await asyncpg.connect(owner_url)
    try:
        return await migrate(conn, migrations())
    finally:
        await conn.close()


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
