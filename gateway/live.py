"""Live poll results: one LISTEN connection per gateway process wakes every watcher.

The tally projection notifies ``tinget_tally`` with '<tenant>:<dialog>' in the transaction that
changes a tally; watchers of that dialog wake and read the new tally. A watcher also reads
every 15 seconds, so a lost notification (a reconnect) delays an update, never loses it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import structlog

from projections.polls import TALLY_CHANNEL

log = structlog.get_logger(__name__)


class TallyWatcher:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._watchers: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._conn: Any = None
        self._lock = asyncio.Lock()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        for woken in self._watchers.get(payload, ()):
            woken.set()

    async def _listen(self) -> None:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return
            try:
                self._conn = await self.pool.acquire()
                await self._conn.add_listener(TALLY_CHANNEL, self._notified)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                self._conn = None
                log.warning("tally notifications unavailable; polling", error=repr(error))

    @asynccontextmanager
    async def watch(self, tenant_id: str, dialog_id: str) -> AsyncIterator[asyncio.Event]:
        await self._listen()
        key = f"{tenant_id}:{dialog_id}"
        woken = asyncio.Event()
        self._watchers[key].add(woken)
        try:
            yield woken
        finally:
            self._watchers[key].discard(woken)
            if not self._watchers[key]:
                del self._watchers[key]

    async def close(self) -> None:
        async with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    await conn.remove_listener(TALLY_CHANNEL, self._notified)
                finally:
                    await self.pool.release(conn)
