"""A tailing reader misses no committed event while many writers append concurrently."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from events.store import LogReader
from tests.helpers import new_event
from tinget.bootstrap import Platform

WRITERS = 16
EVENTS_PER_WRITER = 150


async def test_tailing_reader_misses_nothing_under_16_concurrent_writers(
    platform: Platform, database_url: str
) -> None:
    written: list[uuid.UUID] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        stream = uuid.uuid4()
        for version in range(1, EVENTS_PER_WRITER + 1):
            event = new_event(f"tenant-{n % 4}", stream, version)
            await platform.store.append([event])
            written.append(event.event_id)

    async def slow_transactions() -> None:
        # A writer that holds its transaction open across a commit of the others: its event
        # gets a lower position than later commits; the reader must still see it.
        conn = await asyncpg.connect(database_url)
        try:
            for _ in range(10):
                async with conn.transaction():
                    event = new_event("slow", uuid.uuid4(), 1)
                    await conn.fetch(
                        "SELECT * FROM tinget_append($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        [0],
                        [event.tenant_id],
                        [event.stream_id],
                        [1],
                        [event.event_id],
                        [event.context],
                        [event.event_type],
                        [event.data],
                        [event.metadata],
                    )
                    await asyncio.sleep(0.05)
                written.append(event.event_id)
        finally:
            await conn.close()

    seen: list[uuid.UUID] = []

    async def tail() -> None:
        reader = LogReader(platform.worker_pool)
        position = 0
        while True:
            batch = await reader.read(position, 500)
            if batch:
                assert all(e.position > position for e in batch)
                seen.extend(e.event_id for e in batch)
                position = batch[-1].position
            elif done.is_set() and position >= await reader.head():
                return  # every write has committed and the reader is at the head
            else:
                # Nothing below the horizon yet: a transaction still running anywhere on the
                # server (the horizon is cluster-wide) holds it back; read again shortly.
                await asyncio.sleep(0.001)

    tailer = asyncio.create_task(tail())
    await asyncio.gather(*(writer(n) for n in range(WRITERS)), slow_transactions())
    done.set()
    await asyncio.wait_for(tailer, timeout=30)

    assert len(written) == WRITERS * EVENTS_PER_WRITER + 10
    assert len(seen) == len(set(seen))
    assert set(seen) == set(written)
