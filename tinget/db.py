"""Connections to PostgreSQL: one owner URL for migrations, one pool per role for the rest.

The pools connect as ``tinget_app`` (bound by row-level security; serves requests) and
``tinget_worker`` (reads the whole log; runs the relay and projections). Their URLs are the
owner URL with the user swapped, unless set explicitly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

APP_ROLE = "tinget_app"
WORKER_ROLE = "tinget_worker"


def url_for_role(url: str, role: str) -> str:
    """The same server and database, as another user (password-less: trust or peer auth)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(role)}@{host}"))


async def _transaction_state_only(conn: asyncpg.Connection) -> None:
    """Nothing to reset beyond what asyncpg always does (an open transaction is rolled back)."""


async def create_pool(
    url: str, *, min_size: int = 2, max_size: int = 10, session_state: bool = True
) -> asyncpg.Pool:
    """One pool for all tenants. A connection attempt gives up after 5 s (asyncpg's default is
    60 s), so a database host that stops answering makes requests fail fast with a 503.

    ``session_state=False`` is for a pool whose users leave nothing in the session: the tenant
    is set per transaction, cursors live in transactions, listeners are removed by their owner
    and no session-level advisory lock is taken. Its connections then go back to the pool
    without asyncpg's reset statement (``RESET ALL; UNLISTEN *; ...``), one round trip less
    per use; the request pool is one, used several times by every request.
    """
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        reset=None if session_state else _transaction_state_only,
        timeout=5,
        command_timeout=60,
        server_settings={"application_name": "tinget"},
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def tenant_transaction(
    pool: asyncpg.Pool, tenant_id: str
) -> AsyncIterator[asyncpg.Connection]:
    """A transaction that sees only ``tenant_id``'s rows (row-level security)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
        yield conn
