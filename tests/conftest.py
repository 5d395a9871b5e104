"""Fixtures on real PostgreSQL and NATS JetStream: a fresh database and stream per test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from nats.aio.client import Client as NatsClient

from services.identity.access import Role
from tests.api import Town, create_town, staff_token
from tests.helpers import Drops, addresses_for, app_client, database_url_for, serving
from tests.notify import PushService
from tests.services import nats_server, postgres_server
from tests.smtp import SmtpServer, smtp_server
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform, connect_nats, open_platform, run_migrations
from tinget.embedded import EmbeddedNats


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    with nats_server() as url:
        yield url


@pytest.fixture(scope="session")
async def template_database(pg_server: str) -> AsyncIterator[str]:
    """A migrated database that each test's database is copied from."""
    name = f"tinget_tpl_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await run_migrations(database_url_for(pg_server, name))
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def town_template(
    pg_server: str, template_database: str, nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, Town]]:
    """A migrated database that already holds a municipality (``town``), made once: a test
    that asks for the shared ``town`` gets its database copied from this one rather than
    creating the municipality and catching every read model up to it (a third of a second a
    test)."""
    name = f"tinget_town_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        made = addresses_for(
            database_url_for(pg_server, name), nats_url, tmp_path_factory.mktemp("town") / "data"
        )
        async with open_platform(made) as p:
            try:
                shared = await create_town(p)
            finally:
                assert p.js is not None
                await p.js.delete_stream(made.stream_name)
        yield name, shared
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def shares_town(request: pytest.FixtureRequest) -> bool:
    """Whether the test's ``town`` is the one below (not a module's own ``town`` fixture)."""
    if "town" not in request.fixturenames:
        return False
    definitions = request.node._fixtureinfo.name2fixturedefs.get("town", ())
    return bool(definitions) and definitions[-1].func.__module__ == __name__


@pytest.fixture(scope="session")
async def drops(pg_server: str) -> AsyncIterator[Drops]:
    """Where the tests' databases go to be dropped, behind the tests (tests/helpers.py)."""
    dropping = Drops(pg_server)
    try:
        yield dropping
    finally:
        await dropping.drained()


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest,
    pg_server: str,
    template_database: str,
    town_template: tuple[str, Town],
    drops: Drops,
) -> AsyncIterator[str]:
    name = f"tinget_test_{uuid.uuid4().hex[:10]}"
    template = town_template[0] if shares_town(request) else template_database
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    try:
        yield database_url_for(pg_server, name)
    finally:
        await drops.drop(name)


@pytest.fixture
async def town(
    request: pytest.FixtureRequest, platform: Platform, town_template: tuple[str, Town]
) -> Town:
    """A municipality with committees, on a host of its own: in the test's database from the
    start (``town_template``), its read models caught up; made here on a platform that a
    module opens otherwise (not on the test's own ``database_url``)."""
    if "database_url" in request.fixturenames:
        return town_template[1]
    return await create_town(platform)


@pytest.fixture
async def admin(platform: Platform, town: Town) -> str:
    """A token of the town's administrator."""
    return await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    """A real web push service (an HTTP server on a free local port) that records what it
    gets."""
    service = PushService()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    service.port = server.sockets[0].getsockname()[1]
    try:
        yield service
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free port, its inbox for the test to read."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def addresses(database_url: str, nats_url: str, tmp_path: Path) -> Addresses:
    return addresses_for(database_url, nats_url, tmp_path / "data")


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    """What the ``platform`` fixture opens; a module may override it (e.g. with SMTP)."""
    return addresses


@pytest.fixture
async def platform(platform_addresses: Addresses) -> AsyncIterator[Platform]:
    async with open_platform(platform_addresses) as p:
        try:
            yield p
        finally:
            assert p.js is not None
            await p.js.delete_stream(platform_addresses.stream_name)


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[NatsClient]:
    nc = await connect_nats(nats_url)
    try:
        yield nc
    finally:
        await nc.close()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the gateway app, in the test's own event loop (where the pools live)."""
    async with app_client(platform) as c:
        yield c


@pytest.fixture(scope="session")
def recent_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded NATS recent enough to filter a consumer by several subjects (2.10+)."""
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
async def live_server(platform: Platform) -> AsyncIterator[str]:
    """The gateway app served by uvicorn on a free port, for what needs real HTTP streaming."""
    async with serving(build_app(platform)) as url:
        yield url
