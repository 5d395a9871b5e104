"""Connections to PostgreSQL: one owner URL for migrations, one pool per role for the rest.

The pools connect as ``tinget_app`` (bound by row-level security; serves requests) and
``tinget_worker`` (reads the whole log; runs the relay and projections). Their URLs are the
owner URL with the user swapped, unless set explicitly.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from events.model import Busy

APP_ROLE = "tinget_app"
WORKER_ROLE = "tinget_worker"


def url_for_role(url: str, role: str) -> str:
    """The same server and database, as another user (password-less: trust or peer auth)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(role)}@{host}"))


async def _transaction_state_only(conn: asyncpg.Connection) -> None:
    """Nothing to reset beyond what asyncpg always does (an open transaction is rolled back)."""


class PoolExhausted(Busy, TimeoutError):
    """No connection of the pool came free in time: every one is busy with other work."""


class BoundedPool(asyncpg.Pool):  # type: ignore[misc]
    """A pool whose ``acquire`` waits at most ``acquire_timeout`` seconds for a free connection,
    then raises ``PoolExhausted`` (the gateway answers 503 with Retry-After), instead of letting
    requests queue without end behind a busy database.

    With a connection free, ``acquire`` is asyncpg's own and takes it at once (the check and
    the taking run in one step of the event loop, so nothing takes it in between). An acquire
    that must wait joins a queue of waits, oldest first, which one watchdog task looks over
    every tenth of the timeout while there are any, cancelling a wait that is over time. A wait
    costs an append to that queue, not a timer of its own: under load a request waits for a
    connection on most of its acquires, and ``asyncio.timeout`` (a timer) took about 8 µs
    each here, ``wait_for`` (asyncpg's own timeout) more, against about 250 µs of CPU per vote.
    """

    def __init__(self, *args: Any, acquire_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout
        self._waits: deque[_Wait] = deque()
        self._watchdog: asyncio.Task[None] | None = None

    def acquire(self, *, timeout: float | None = None) -> Any:
        must_wait = timeout is None and self._queue is not None and self._queue.empty()
        if must_wait and self.acquire_timeout is not None:
            return _BoundedAcquire(self, None)
        return asyncpg.pool.PoolAcquireContext(self, timeout)

    async def _bounded_acquire(self) -> Any:
        task = asyncio.current_task()
        assert task is not None
        assert self.acquire_timeout is not None
        wait = _Wait(task, asyncio.get_running_loop().time() + self.acquire_timeout)
        cancelling = task.cancelling()
        self._waits.append(wait)
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        try:
            return await self._acquire(None)
        except asyncio.CancelledError:
            if wait.expired and task.uncancel() <= cancelling:
                raise PoolExhausted(
                    f"no database connection came free within {self.acquire_timeout:g} s"
                    f" (all {self.get_max_size()} busy); try again shortly"
                ) from None
            raise
        finally:
            wait.over = True

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        await super().close()

    def terminate(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().terminate()

    async def _watch(self) -> None:
        """Cancel the waits that are over time, until none is left."""
        assert self.acquire_timeout is not None
        waits = self._waits
        try:
            while waits:
                await asyncio.sleep(self.acquire_timeout / 10)
                now = asyncio.get_running_loop().time()
                while waits and (waits[0].over or waits[0].deadline <= now):
                    wait = waits.popleft()
                    if not wait.over:
                        wait.expired = True
                        wait.task.cancel()
        finally:
            self._watchdog = None


@dataclass(slots=True)
class _Wait:
    """One acquire waiting for a connection."""

    task: asyncio.Task[Any]
    deadline: float  # loop time
    over: bool = False  # it got a connection or gave up
    expired: bool = False  # the watchdog cancelled it


class _BoundedAcquire(asyncpg.pool.PoolAcquireContext):  # type: ignore[misc]
    """asyncpg's acquire context, waiting under ``BoundedPool``'s watchdog."""

    pool: BoundedPool
    connection: Any
    done: bool

    async def __aenter__(self) -> Any:
        if self.connection is not None or self.done:
            raise asyncpg.InterfaceError("a connection is already acquired")
        self.connection = await self.pool._bounded_acquire()
        return self.connection

    def __await__(self) -> Any:
        self.done = True
        return self.pool._bounded_acquire().__await__()


async def create_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    session_state: bool = True,
    acquire_timeout: float | None = None,
) -> asyncpg.Pool:
    """One pool for all tenants. A connection attempt gives up after 5 s (asyncpg's default is
    60 s), so a database host that stops answering makes requests fail fast with a 503.
    With ``acquire_timeout``, waiting for a free connection gives up too (``BoundedPool``).

    ``session_state=False`` is for a pool whose users leave nothing in the session: the tenant
    is set per transaction, cursors live in transactions, listeners are removed by their owner
    and no session-level advisory lock is taken. Its connections then go back to the pool
    without asyncpg's reset statement (``RESET ALL; UNLISTEN *; ...``), one round trip less
    per use; the request pool is one, used several times by every request.
    """
    pool = BoundedPool(
        url,
        acquire_timeout=acquire_timeout,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,  # asyncpg.create_pool's defaults, which this constructor lacks
        max_inactive_connection_lifetime=300.0,
        reset=None if session_state else _transaction_state_only,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=5,
        command_timeout=60,
        server_settings={"application_name": "tinget"},
    )
    await pool
    return pool


@asynccontextmanager
async def tenant_transaction(
    pool: asyncpg.Pool, tenant_id: str
) -> AsyncIterator[asyncpg.Connection]:
    """A transaction that sees only ``tenant_id``'s rows (row-level security)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
        yield conn
