"""The migrations' row-level security: what a fresh database grants and enforces.

``tests/snapshots/row_security.json`` was taken from a fresh database migrated by the
migrations as they were before the row-level security block became one helper
(``tinget_isolate_tenant_tables``, in ``0001_tenant_isolation.sql``); a fresh database must still
have exactly those policies, grants and row-level security flags.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.helpers import database_url_for
from tinget.bootstrap import run_migrations
from tinget.contexts import migrations

SNAPSHOT = Path(__file__).parent / "snapshots" / "row_security.json"
ROLES = ("tinget_app", "tinget_worker", "PUBLIC")


async def access_snapshot(conn: asyncpg.Connection) -> dict[str, Any]:
    """Policies, table and column grants to Tinget's roles (and PUBLIC), function grants, and
    each table's row-level security flags, in a stable order."""
    policies = await conn.fetch(
        "SELECT tablename, policyname, permissive, roles::text[] AS roles, cmd, qual, with_check"
        " FROM pg_policies WHERE schemaname = 'public' ORDER BY tablename, policyname"
    )
    table_grants = await conn.fetch(
        "SELECT table_name, grantee, privilege_type, is_grantable"
        " FROM information_schema.role_table_grants"
        " WHERE table_schema = 'public' AND grantee = ANY($1::text[])"
        " ORDER BY table_name, grantee, privilege_type",
        list(ROLES),
    )
    column_grants = await conn.fetch(
        "SELECT table_name, column_name, grantee, privilege_type, is_grantable"
        " FROM information_schema.role_column_grants"
        " WHERE table_schema = 'public' AND grantee = ANY($1::text[])"
        " ORDER BY table_name, column_name, grantee, privilege_type",
        list(ROLES),
    )
    function_grants = await conn.fetch(
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS function,"
        "       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END"
        "         AS grantee,"
        "       a.privilege_type"
        " FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
        " WHERE p.pronamespace = 'public'::regnamespace"
        "   AND (a.grantee = 0 OR pg_get_userbyid(a.grantee) = ANY($1::text[]))"
        " ORDER BY 1, 2, 3",
        list(ROLES),
    )
    tables = await conn.fetch(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
        " ORDER BY relname"
    )
    return {
        "policies": [dict(r) for r in policies],
        "table_grants": [dict(r) for r in table_grants],
        "column_grants": [dict(r) for r in column_grants],
        "function_grants": [dict(r) for r in function_grants],
        "row_security": {
            r["relname"]: {"enabled": r["relrowsecurity"], "forced": r["relforcerowsecurity"]}
            for r in tables
        },
    }


@pytest.fixture
async def fresh_database(pg_server: str) -> AsyncIterator[str]:
    """An empty database, migrated by the test itself."""
    name = f"tinget_mig_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield database_url_for(pg_server, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def snapshot_of(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        return await access_snapshot(conn)
    finally:
        await conn.close()


async def test_a_fresh_database_has_the_same_policies_and_grants_as_before(
    fresh_database: str,
) -> None:
    await run_migrations(fresh_database)

    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert await snapshot_of(fresh_database) == expected


async def test_an_existing_database_gets_the_helper_and_nothing_else_changes(
    fresh_database: str,
) -> None:
    """A database that ran every other migration before the helper existed: its next migrate
    applies the helper alone, changes no policy or grant, and later migrations can call it."""
    await run_migrations(fresh_database)
    conn = await asyncpg.connect(fresh_database)
    try:
        await conn.execute(
            "DROP FUNCTION tinget_isolate_tenant_tables;"
            " DELETE FROM schema_migrations WHERE name = '0001_tenant_isolation'"
        )
        before = await access_snapshot(conn)

        assert await run_migrations(fresh_database) == ["0001_tenant_isolation"]

        assert await access_snapshot(conn) == before
        await conn.execute("CREATE TABLE later_read_model (tenant_id text NOT NULL, n integer)")
        await conn.execute(
            "SELECT tinget_isolate_tenant_tables(ARRAY['later_read_model'], 'SELECT',"
            " app_grants => 'SELECT', worker_grants => 'SELECT, INSERT')"
        )
        after = await access_snapshot(conn)
    finally:
        await conn.close()
    assert after["row_security"]["later_read_model"] == {"enabled": True, "forced": True}
    assert [p["cmd"] for p in after["policies"] if p["tablename"] == "later_read_model"] == [
        "SELECT"
    ]
    granted = {
        (g["grantee"], g["privilege_type"])
        for g in after["table_grants"]
        if g["table_name"] == "later_read_model"
    }
    assert granted == {
        ("tinget_app", "SELECT"),
        ("tinget_worker", "SELECT"),
        ("tinget_worker", "INSERT"),
    }


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ("'UPDATE'", "policy_for must be"),
        ("'ALL', app_grants => 'SELECT, ALL PRIVILEGES'", "grants must be table privileges"),
        ("'ALL', worker_grants => 'SELECT; DROP TABLE events'", "grants must be table privileges"),
    ],
)
async def test_the_helper_refuses_what_it_does_not_know(
    fresh_database: str, arguments: str, says: str
) -> None:
    await run_migrations(fresh_database)
    conn = await asyncpg.connect(fresh_database)
    try:
        await conn.execute("CREATE TABLE odd (tenant_id text NOT NULL)")
        with pytest.raises(asyncpg.RaiseError, match=says):
            await conn.execute(f"SELECT tinget_isolate_tenant_tables(ARRAY['odd'], {arguments})")
        flags = await conn.fetchrow(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'odd'"
        )
    finally:
        await conn.close()
    assert flags is not None
    assert (flags["relrowsecurity"], flags["relforcerowsecurity"]) == (False, False)


async def test_only_the_owner_may_call_the_helper(fresh_database: str) -> None:
    await run_migrations(fresh_database)
    conn = await asyncpg.connect(fresh_database)
    try:
        may = await conn.fetch(
            "SELECT r, has_function_privilege(r,"
            " 'tinget_isolate_tenant_tables(text[], text, text, text)', 'EXECUTE') AS may"
            " FROM unnest(ARRAY['tinget_app', 'tinget_worker']) r"
        )
    finally:
        await conn.close()
    assert {row["r"]: row["may"] for row in may} == {"tinget_app": False, "tinget_worker": False}


def test_no_migration_repeats_the_row_level_security_block() -> None:
    """Every tenant table but the event log (whose policies differ) goes through the helper."""
    for name, sql in migrations():
        if name in {"0001_roles_and_events", "0001_tenant_isolation"}:
            continue
        assert not re.search(r"ROW LEVEL SECURITY|CREATE POLICY", sql, re.I), name
