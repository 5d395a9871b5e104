"""Schema migrations: numbered SQL files applied once each, in order, under an advisory lock.

Each context keeps its own in its folder (``<package>/migrations/``; the platform's own, the
roles, the event log, the relay and the positions, are the tenants context's); the composition
root gathers them all (``tinget.contexts.migrations``) and they run in one order, by name, over
all contexts: a context's migration that uses another's table is numbered after it.

A migration is recorded by name, and every one not recorded yet is applied in name order. So a
migration may be given a name that sorts between two that databases have already run (as
``0001_tenant_isolation`` was): a fresh database applies it in its place, an existing one at its
next migrate, before any later-named new one. Such a migration must be harmless on a database
that has all the others; ``0001_tenant_isolation`` only defines the row-level security helper
that the tenant tables' migrations call.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import structlog

log = structlog.get_logger(__name__)

_LOCK = 0x71A6E7  # one migrator at a time per database


Migration = tuple[str, str]  # (name, SQL)


def in_order(migrations: Sequence[Migration]) -> list[Migration]:
    """All migrations by name, refusing two of one name (from two contexts' folders)."""
    seen: set[str] = set()
    for name, _ in migrations:
        if name in seen:
            raise ValueError(f"two migrations are named {name!r}: give one the next number")
        seen.add(name)
    return sorted(migrations, key=lambda migration: migration[0])


async def migrate(conn: asyncpg.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply every migration not applied yet, in name order; return the names applied now."""
    ordered = in_order(migrations)
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for name, sql in ordered:
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
