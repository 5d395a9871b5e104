"""One active worker per name, the others standing by: a PostgreSQL advisory lock.

The relay and the projection worker each run as one active process with standbys beside it.
The active one holds a session-level advisory lock on a connection of its own. If that
connection is lost (PostgreSQL restarted, a network cut), the server has already released the
lock, so the holder must stop too: a watcher checks the connection every second and ends the
term, and the worker goes back to standing by. The window in which two could be active is that
check interval, and only while PostgreSQL was away.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import asyncpg
import structlog

log = structlog.get_logger(__name__)


def lock_key(name: str) -> int:
    return zlib.crc32(f"tinget-{name}".encode())


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


@asynccontextmanager
async def leadership(
    pool: asyncpg.Pool,
    name: str,
    stop: asyncio.Event,
    *,
    retry: float = 1.0,
    check: float = 1.0,
) -> AsyncIterator[asyncio.Event | None]:
    """Hold the advisory lock ``name`` while the block runs; standbys wait here.

    Yields the term: an event set when the block must end, because ``stop`` was set or the
    lock was lost. Yields None if ``stop`` was set before the lock was won.
    """
    key = lock_key(name)
    async with pool.acquire() as conn:
        while not stop.is_set():
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                break
            log.info("standing by", lock=name)
            await sleep_or_stop(stop, retry)
        if stop.is_set():
            yield None
            return
        log.info("leading", lock=name)
        term = asyncio.Event()
        watcher = asyncio.create_task(_watch(conn, name, stop, term, check))
        try:
            yield term
        finally:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher
            # a lost connection has taken the lock with it
            with suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def _watch(
    conn: asyncpg.Connection, name: str, stop: asyncio.Event, term: asyncio.Event, every: float
) -> None:
    try:
        while not stop.is_set():
            await sleep_or_stop(stop, every)
            if stop.is_set():
                break
            try:
                async with asyncio.timeout(max(every * 5, 5.0)):
                    await conn.fetchval("SELECT 1")
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("leadership lost with its connection", lock=name, error=repr(error))
                break
    finally:
        term.set()
