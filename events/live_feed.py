"""Live feeds (a dialog's chat): one LISTEN connection and one read per change, per gateway
process, handing every watcher every new entry in order.

Unlike the tally hub (events/live.py), which hands watchers the latest value, a feed's watchers
must each get every entry, once. A read model writes a dialog's entries with increasing
positions (the log positions of the events behind them) and notifies its channel with
'<tenant>:<dialog>' in the same transaction. The hub keeps one topic per (tenant, dialog)
watched in this process and the highest position it has read (``high``): on a notification it
reads the entries after ``high`` once and appends them to every watcher's queue.

Reconnecting without a gap or a duplicate (``watch``): a watcher joins its topic first, and
reads its backlog (the entries after its last event id) from the read model only then. An
entry committed before the join is in that backlog; one committed after it reaches the queue,
since the topic reads past ``high`` after it (a new topic first learns its ``high`` from the
read model, before the watcher reads its backlog). Entries in both are dropped from the queue
by position (``Subscription.after``).

A notification lost (a reconnect, the listening connection down) delays entries, never loses
them: a watcher that heard nothing for a while asks for a read (at most one per interval per
topic), which reads past ``high`` like any other. A watcher too slow to take its entries
(its queue past ``max_queued``) is told so (``Overflow``) and should end its stream: its
client reconnects with its last event id and reads the rest as a backlog.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg
import structlog

from events.live import ChannelListener

log = structlog.get_logger(__name__)

_NEVER = float("-inf")
READ_LIMIT = 1000  # entries one read takes; more are read at once after it


class Positioned(Protocol):
    @property
    def position(self) -> int: ...


E = TypeVar("E", bound=Positioned)


class Overflow(Exception):
    """The watcher fell too far behind; its client should reconnect with its last id."""


@dataclass(eq=False)
class _Queue(Generic[E]):
    entries: list[E] = field(default_factory=list)
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False


@dataclass(eq=False)
class _Topic(Generic[E]):
    tenant_id: str
    dialog_id: UUID
    watchers: set[_Queue[E]] = field(default_factory=set)
    high: int = 0  # the highest position read
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # high was learnt
    read_at: float = _NEVER
    again: bool = False
    reading: asyncio.Task[None] | None = None


class Subscription(Generic[E]):
    """One watcher's queue of a topic's entries."""

    def __init__(self, hub: FeedHub[E], topic: _Topic[E], queue: _Queue[E]) -> None:
        self._hub = hub
        self._topic = topic
        self._queue = queue
        # The topic's position when the watcher joined: every entry after it reaches the
        # queue (one at or before it may too, and is dropped by position), so a watcher that
        # wants only what comes from now on starts here, without reading the read model.
        self.joined_at = topic.high

    async def next(self, patience: float) -> list[E]:
        """The entries queued since the last call (waiting for one up to ``patience``
        seconds; none then, and a read is asked for in case a notification was lost)."""
        queue = self._queue
        if not queue.entries:
            try:
                await asyncio.wait_for(queue.woken.wait(), timeout=patience)
            except TimeoutError:
                self._hub.poll(self._topic, patience)
                return []
        if queue.overflowed:
            raise Overflow("the watcher fell too far behind")
        queue.woken.clear()
        entries, queue.entries = queue.entries, []
        return entries


class FeedHub(Generic[E]):
    """Per process: one queue per watcher, one read per change per (tenant, dialog)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        channel: str,
        read: Callable[[str, UUID, int, int], Awaitable[list[E]]],
        head: Callable[[str, UUID], Awaitable[int]],
        *,
        max_queued: int = 10_000,
    ) -> None:
        self.pool = pool
        self.channel = channel  # NOTIFY channel, payload '<tenant>:<dialog id>'
        self._read = read  # (tenant, dialog, after, limit) -> entries after, in order
        self._head = head  # (tenant, dialog) -> the highest position written
        self.max_queued = max_queued
        self._topics: dict[str, _Topic[E]] = {}
        self._listener = ChannelListener(pool, channel, self._notified, "feed")
        self.reads = 0  # feed reads done, for tests and the curious

    def _notified(self, payload: str) -> None:
        topic = self._topics.get(payload)
        if topic is not None:
            self._refresh(topic)

    def watchers(self, tenant_id: str, dialog_id: UUID) -> int:
        topic = self._topics.get(f"{tenant_id}:{dialog_id}")
        return 0 if topic is None else len(topic.watchers)

    @asynccontextmanager
    async def watch(self, tenant_id: str, dialog_id: UUID) -> AsyncIterator[Subscription[E]]:
        """Join the dialog's topic: every entry committed from now on reaches the queue.
        Read the backlog only inside this block."""
        await self._listener.start()
        key = f"{tenant_id}:{dialog_id}"
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = _Topic(tenant_id, dialog_id)
            try:
                topic.high = await self._head(tenant_id, dialog_id)
            except BaseException:
                if self._topics.get(key) is topic:
                    del self._topics[key]
                topic.ready.set()  # whoever waits reads the head again through a new topic
                raise
            topic.ready.set()
            if topic.again:  # notified while the head was read
                self._refresh(topic)
        else:
            await topic.ready.wait()
            if self._topics.get(key) is not topic:  # its first watcher failed: start again
                async with self.watch(tenant_id, dialog_id) as subscription:
                    yield subscription
                return
        queue: _Queue[E] = _Queue()
        topic.watchers.add(queue)
        try:
            yield Subscription(self, topic, queue)
        finally:
            topic.watchers.discard(queue)
            if not topic.watchers and self._topics.get(key) is topic:
                del self._topics[key]
                if topic.reading is not None:
                    topic.reading.cancel()

    def poll(self, topic: _Topic[E], interval: float) -> None:
        """Read unless a read is in flight or began less than ``interval`` seconds ago."""
        if topic.reading is None and asyncio.get_running_loop().time() - topic.read_at >= interval:
            self._refresh(topic)

    def _refresh(self, topic: _Topic[E]) -> None:
        if topic.reading is not None or not topic.ready.is_set():
            topic.again = True
            return
        topic.reading = asyncio.get_running_loop().create_task(self._reads(topic))

    async def _reads(self, topic: _Topic[E]) -> None:
        """Read past ``high`` until no change came during the last read; queue what came."""
        try:
            while topic.watchers:
                topic.again = False
                topic.read_at = asyncio.get_running_loop().time()
                try:
                    entries = await self._read(
                        topic.tenant_id, topic.dialog_id, topic.high, READ_LIMIT
                    )
                except Exception as error:  # the watchers wait; a poll retries
                    log.warning("feed read failed", error=repr(error))
                    return
                finally:
                    self.reads += 1
                if entries:
                    topic.high = entries[-1].position
                    for queue in topic.watchers:
                        queue.entries.extend(entries)
                        if len(queue.entries) > self.max_queued:
                            queue.overflowed = True
                        queue.woken.set()
                    if len(entries) >= READ_LIMIT:
                        topic.again = True
                if not topic.again:
                    return
        finally:
            topic.reading = None

    async def close(self) -> None:
        for topic in list(self._topics.values()):
            if topic.reading is not None:
                topic.reading.cancel()
        await self._listener.stop()
