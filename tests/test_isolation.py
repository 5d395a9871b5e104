"""Row-level security in SQL: as the application role, a tenant sees and changes only its rows."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from events.db import APP_ROLE, tenant_transaction, url_for_role
from gateway.app import create_app
from services.identity.domain import Person
from tests.helpers import new_event
from tinget.bootstrap import Addresses, Platform, open_app_platform


@pytest.fixture
async def app_conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url_for_role(database_url, APP_ROLE))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def two_tenants(platform: Platform) -> None:
    for tenant in ("oslo", "bergen"):
        for _ in range(3):
            await platform.store.append([new_event(tenant, uuid.uuid4(), 1)])
    await platform.assets.put("oslo", b"\x89PNG\r\n\x1a\nOSLO", "image/png")
    await platform.assets.put("bergen", b"\x89PNG\r\n\x1a\nBERGEN", "image/png")


async def _as_tenant(conn: asyncpg.Connection, tenant: str, sql: str) -> list[asyncpg.Record]:
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant)
        return list(await conn.fetch(sql))


@pytest.mark.usefixtures("two_tenants")
async def test_a_tenant_reads_only_its_own_rows(app_conn: asyncpg.Connection) -> None:
    events = await _as_tenant(app_conn, "oslo", "SELECT DISTINCT tenant_id FROM events")
    assets = await _as_tenant(app_conn, "oslo", "SELECT DISTINCT tenant_id FROM tenant_assets")

    assert [r["tenant_id"] for r in events] == ["oslo"]
    assert [r["tenant_id"] for r in assets] == ["oslo"]


@pytest.mark.usefixtures("two_tenants")
async def test_a_connection_without_tenant_reads_nothing(app_conn: asyncpg.Connection) -> None:
    assert await app_conn.fetchval("SELECT count(*) FROM events") == 0
    assert await app_conn.fetchval("SELECT count(*) FROM tenant_assets") == 0
    # a tenant set in an earlier transaction does not linger
    await _as_tenant(app_conn, "oslo", "SELECT 1")
    assert await app_conn.fetchval("SELECT count(*) FROM events") == 0


@pytest.mark.usefixtures("two_tenants")
async def test_a_tenant_cannot_write_or_remove_another_tenants_rows(
    app_conn: asyncpg.Connection,
) -> None:
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', 'oslo', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_conn.execute(
                "INSERT INTO tenant_assets (tenant_id, sha256, content_type, content)"
                " VALUES ('bergen', 'x', 'image/png', '\\x00')"
            )
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', 'oslo', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_conn.execute(
                "INSERT INTO events (tenant_id, stream_id, version, position, event_id, context,"
                " event_type, data, metadata) VALUES ('bergen', gen_random_uuid(), 1, 1,"
                " gen_random_uuid(), 'x', 'X', '{}', '{}')"
            )
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', 'oslo', true)")
        removed = await app_conn.execute("DELETE FROM events")
    assert removed == "DELETE 0"  # committed events are never removed, not even one's own
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', 'oslo', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_conn.execute("UPDATE events SET data = '{}'")


async def test_the_application_role_owns_nothing_and_cannot_bypass(
    app_conn: asyncpg.Connection,
) -> None:
    role = await app_conn.fetchrow(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert role is not None
    assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
    owned = await app_conn.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
        " WHERE r.rolname = current_user"
    )
    assert owned == 0
    unprotected = await app_conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE a.attname = 'tenant_id' AND c.relkind = 'r'"
        " AND c.relnamespace = 'public'::regnamespace"
        " AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
        " AND c.relname NOT IN ('tenant_directory', 'tenant_hosts', 'projection_positions')"
    )
    assert [r["relname"] for r in unprotected] == []


async def test_tenant_id_leads_every_tenant_owned_primary_key(
    app_conn: asyncpg.Connection,
) -> None:
    rows = await app_conn.fetch(
        "SELECT c.relname, a.attname FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indrelid"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]"
        " WHERE i.indisprimary AND c.relrowsecurity"
    )
    assert rows
    assert {r["relname"]: r["attname"] for r in rows} == {r["relname"]: "tenant_id" for r in rows}


@pytest.mark.usefixtures("two_tenants")
async def test_a_gateway_platform_holds_only_the_app_role(addresses: Addresses) -> None:
    """What a gateway process opens: the app role's pool, bound by row-level security, and
    nothing else. The worker role's URL and NATS are never connected to (both point nowhere
    here), and no attribute of it reaches a pool that reads every tenant."""
    nowhere = dataclasses.replace(
        addresses,
        worker_database_url="postgresql://tinget_worker@127.0.0.1:1/nowhere",
        nats_url="nats://127.0.0.1:1",
    )
    async with open_app_platform(nowhere) as gateway:
        assert not isinstance(gateway, Platform)
        assert not hasattr(gateway, "worker_pool")
        assert set(gateway.pools()) == {"app"}
        assert await gateway.health() == {"postgresql": "ok"}
        async with gateway.app_pool.acquire() as conn:
            assert await conn.fetchval("SELECT current_user") == APP_ROLE
            assert (
                await conn.fetchval(
                    "SELECT rolbypassrls FROM pg_roles WHERE rolname = $1", APP_ROLE
                )
                is False
            )
            assert await conn.fetchval("SELECT count(*) FROM events") == 0
        async with tenant_transaction(gateway.app_pool, "oslo") as conn:
            seen = await conn.fetch("SELECT DISTINCT tenant_id FROM events")
            assert [r["tenant_id"] for r in seen] == ["oslo"]
            bergen = await conn.fetchval("SELECT count(*) FROM events WHERE tenant_id = 'bergen'")
            assert bergen == 0
        transport = httpx.ASGITransport(app=create_app(gateway))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"postgresql": "ok"}


async def test_the_people_look_up_sees_one_tenant_and_leaves_no_tenant_behind(
    platform: Platform, app_conn: asyncpg.Connection
) -> None:
    bergen = Person(person_id=uuid.uuid4(), role="participant", sign_in="device")
    await platform.repository.save("bergen", bergen)
    asked = [bergen.id]

    as_bergen = await app_conn.fetch("SELECT p FROM tinget_people_joined('bergen', $1) p", asked)
    as_oslo = await app_conn.fetch("SELECT p FROM tinget_people_joined('oslo', $1) p", asked)

    assert [r["p"] for r in as_bergen] == [bergen.id]
    assert as_oslo == []
    assert await app_conn.fetchval("SELECT count(*) FROM events") == 0  # nothing lingers
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', 'oslo', true)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_conn.fetch("SELECT p FROM tinget_people_joined('bergen', $1) p", asked)
