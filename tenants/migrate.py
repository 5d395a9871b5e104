"""Schema migrations: numbered SQL files applied once each, in order, under an advisory lock.

A migration is recorded by name, and every one not recorded yet is applied in name order. So a
migration may be given a name that sorts between two that databases have already run (as
``0001_tenant_isolation`` was): a fresh database applies it in its place, an existing one at its
next migrate, before any later-named new one. Such a migration must be harmless on a database
that has all the others; ``0001_tenant_isolation`` only defines the row-level security helper
that the tenant tables' migrations call.
"""

from __future__ import annotations

from importlib import resources

import asyncpg
import structlog

log = structlog.get_logger(__name__)

_LOCK = 0x71A6E7  # one migrator at a time per database


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files("tenants") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


async def migrate(conn: asyncpg.Connection) -> list[str]:
    """Apply every migration not applied yet; return the names applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for name, sql in migration_files():
            if name in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            log.info("migration applied", migration=name)
            applied_now.append(name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK)
    return applied_now
