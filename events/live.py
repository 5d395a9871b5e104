"""Live results (poll tallies, opinion maps): one LISTEN connection and one read per change,
per gateway process.

A read model (the poll tallies, on ``tinget_tally``) notifies its channel with
'<tenant>:<dialog>' in the transaction that changes a tally. The hub keeps one topic per
(tenant, dialog) watched in this process: on a notification it reads that dialog's tally once
and hands the value to every watcher of it, however many there are (a vox pop on a council
webcast may have thousands). A read in flight when more notifications come is followed by
exactly one more read, not one per notification.

Handing over is setting a flag: a watcher takes the topic's latest value when it is ready to
send, so a slow client skips values it had no time for, gets the newest, and never holds up
the others. A watcher that goes away leaves its topic; the last one removes it.

A watcher that heard nothing for a while asks for a read (``poll``); the hub reads at most once
per interval per topic, so a lost notification (a reconnect, the listening connection down)
delays an update, never loses it, and costs one read per topic, not one per watcher.

The same hub serves statements dialogs' opinion maps, on the opinion mapper's channel
(``services.analysis.opinion_maps.OPINION_CHANNEL``), with a read of the map instead of the tally.

Access is not the hub's business: the route checks each watcher's right to see the dialog
(drafts, invite-only dialogs) before it subscribes, as for any other read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg
import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
_NEVER = float("-inf")


@dataclass(eq=False)
class _Topic(Generic[T]):
    """One watched dialog: its watchers, the latest value read, and the read in flight."""

    tenant_id: str
    dialog_id: UUID
    watchers: set[asyncio.Event] = field(default_factory=set)
    latest: T | None = None
    read_at: float = _NEVER  # loop time the last read began
    again: bool = False  # a change came while a read was in flight: read once more after it
    reading: asyncio.Task[None] | None = None


class Subscription(Generic[T]):
    """One watcher's view of a topic."""

    def __init__(self, hub: TallyHub[T], topic: _Topic[T], woken: asyncio.Event) -> None:
        self._hub = hub
        self._topic = topic
        self._woken = woken

    async def next(self, patience: float) -> T | None:
        """The topic's latest value once it changed (the first call: once one was read), or
        None after ``patience`` seconds without a change (then a read is asked for, in case a
        notification was lost)."""
        try:
            await asyncio.wait_for(self._woken.wait(), timeout=patience)
        except TimeoutError:
            self._hub.poll(self._topic, patience)
            return None
        self._woken.clear()
        return self._topic.latest


class ChannelListener:
    """A hub's held connection LISTENing on a NOTIFY channel, handing each payload to
    ``notified``. Started on first use and again after a lost connection; without one (the
    database unreachable) nothing is handed on, and the hub's watchers poll."""

    def __init__(
        self, pool: asyncpg.Pool, channel: str, notified: Callable[[str], None], what: str
    ) -> None:
        self.pool = pool
        self.channel = channel
        self._notified = notified
        self._what = what  # what the notifications are of, for the log
        self._conn: Any = None
        self._lock = asyncio.Lock()

    def _callback(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self._notified(payload)

    async def start(self) -> None:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return
            try:
                self._conn = await self.pool.acquire()
                await self._conn.add_listener(self.channel, self._callback)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if self._conn is not None:
                    with suppress(Exception):
                        await self.pool.release(self._conn)
                self._conn = None
                log.warning(f"{self._what} notifications unavailable; polling", error=repr(error))

    async def stop(self) -> None:
        async with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    await conn.remove_listener(self.channel, self._callback)
                finally:
                    await self.pool.release(conn)


class TallyHub(Generic[T]):
    """Per process: one subscriber set per (tenant, dialog), one read per change for all."""

    def __init__(
        self, pool: asyncpg.Pool, channel: str, read: Callable[[str, UUID], Awaitable[T]]
    ) -> None:
        self.pool = pool
        self.channel = channel  # NOTIFY channel, payload '<tenant>:<dialog id>'
        self._read = read
        self._topics: dict[str, _Topic[T]] = {}
        self._listener = ChannelListener(pool, channel, self._notified, "tally")
        self.reads = 0  # tally reads done, for tests and the curious

    def _notified(self, payload: str) -> None:
        topic = self._topics.get(payload)
        if topic is not None:
            self._refresh(topic)

    def watchers(self, tenant_id: str, dialog_id: UUID) -> int:
        """How many watch this dialog in this process now."""
        topic = self._topics.get(f"{tenant_id}:{dialog_id}")
        return 0 if topic is None else len(topic.watchers)

    @asynccontextmanager
    async def watch(self, tenant_id: str, dialog_id: UUID) -> AsyncIterator[Subscription[T]]:
        """Subscribe to a dialog's tally: the first ``next`` gives the current value."""
        await self._listener.start()
        key = f"{tenant_id}:{dialog_id}"
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = _Topic(tenant_id, dialog_id)
        woken = asyncio.Event()
        topic.watchers.add(woken)
        if topic.latest is not None:
            woken.set()  # the value the others have, at once
        elif topic.reading is None:
            self._refresh(topic)  # the first watcher: read now; later ones wait for that read
        try:
            yield Subscription(self, topic, woken)
        finally:
            topic.watchers.discard(woken)
            if not topic.watchers and self._topics.get(key) is topic:
                del self._topics[key]

    def poll(self, topic: _Topic[T], interval: float) -> None:
        """Read unless a read is in flight or began less than ``interval`` seconds ago."""
        if topic.reading is None and asyncio.get_running_loop().time() - topic.read_at >= interval:
            self._refresh(topic)

    def _refresh(self, topic: _Topic[T]) -> None:
        if topic.reading is not None:
            topic.again = True
            return
        topic.reading = asyncio.get_running_loop().create_task(self._reads(topic))

    async def _reads(self, topic: _Topic[T]) -> None:
        """Read until no change came during the last read; wake the watchers on a new value."""
        try:
            while topic.watchers:
                topic.again = False
                topic.read_at = asyncio.get_running_loop().time()
                try:
                    value = await self._read(topic.tenant_id, topic.dialog_id)
                except Exception as error:  # the watchers keep what they have; a poll retries
                    log.warning("tally read failed", error=repr(error))
                    return
                finally:
                    self.reads += 1
                if value != topic.latest:
                    topic.latest = value
                    for woken in topic.watchers:
                        woken.set()
                if not topic.again:
                    return
        finally:
            topic.reading = None

    async def close(self) -> None:
        for topic in list(self._topics.values()):
            if topic.reading is not None:
                topic.reading.cancel()
        await self._listener.stop()
