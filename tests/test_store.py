"""The event store on real PostgreSQL: append, conflicts, streams, group commit, the log."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from events.model import AppendTooLarge, ConcurrencyConflict
from tests.helpers import new_event
from tinget.bootstrap import Platform


async def test_append_then_read_stream_in_version_order(platform: Platform) -> None:
    stream = uuid.uuid4()
    positions = await platform.store.append([new_event("oslo", stream, v) for v in (1, 2, 3)])

    recorded = await platform.store.read_stream("oslo", stream)

    assert [r.version for r in recorded] == [1, 2, 3]
    assert [r.position for r in recorded] == positions
    assert positions == sorted(positions)
    assert recorded[0].data == b'{"n": 1}'


async def test_two_writes_of_one_version_exactly_one_wins(platform: Platform) -> None:
    stream = uuid.uuid4()
    await platform.store.append([new_event("oslo", stream, 1)])

    outcomes = await asyncio.gather(
        *(
            platform.store.append([new_event("oslo", stream, 2, data=b'{"w": %d}' % i)])
            for i in range(10)
        ),
        return_exceptions=True,
    )

    winners = [o for o in outcomes if isinstance(o, list)]
    losers = [o for o in outcomes if isinstance(o, ConcurrencyConflict)]
    assert len(winners) == 1
    assert len(losers) == 9
    assert losers[0].version == 2
    assert [r.version for r in await platform.store.read_stream("oslo", stream)] == [1, 2]


async def test_conflicting_append_leaves_nothing_of_itself(platform: Platform) -> None:
    stream = uuid.uuid4()
    await platform.store.append([new_event("oslo", stream, v) for v in (1, 2)])

    # versions 2 (taken) and 3 (free): the whole append is refused, 3 is not written
    with pytest.raises(ConcurrencyConflict):
        await platform.store.append([new_event("oslo", stream, v) for v in (2, 3)])

    assert [r.version for r in await platform.store.read_stream("oslo", stream)] == [1, 2]
    assert await platform.reader.count() == 2


async def test_one_conflict_does_not_fail_the_rest_of_its_batch(platform: Platform) -> None:
    taken = uuid.uuid4()
    await platform.store.append([new_event("oslo", taken, 1)])
    free = [uuid.uuid4() for _ in range(50)]

    outcomes = await asyncio.gather(
        platform.store.append([new_event("oslo", taken, 1)]),
        *(platform.store.append([new_event("bergen", s, 1)]) for s in free),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], ConcurrencyConflict)
    assert all(isinstance(o, list) for o in outcomes[1:])
    assert await platform.reader.count() == 51


async def test_concurrent_appends_share_transactions(platform: Platform) -> None:
    streams = [uuid.uuid4() for _ in range(200)]

    await asyncio.gather(*(platform.store.append([new_event("oslo", s, 1)]) for s in streams))

    assert platform.store.stats.events == 200
    assert platform.store.stats.batches < 200
    assert platform.store.stats.largest_batch > 1


async def test_streams_are_per_tenant(platform: Platform) -> None:
    stream = uuid.uuid4()
    await platform.store.append([new_event("oslo", stream, 1)])
    await platform.store.append([new_event("bergen", stream, 1)])

    assert len(await platform.store.read_stream("oslo", stream)) == 1
    assert len(await platform.store.read_stream("bergen", stream)) == 1
    assert await platform.store.read_stream("tromso", stream) == []


async def test_an_append_too_large_is_refused_before_writing(platform: Platform) -> None:
    stream = uuid.uuid4()
    with pytest.raises(AppendTooLarge):
        await platform.store.append([new_event("oslo", stream, v) for v in range(1, 65_537)])
    assert await platform.reader.count() == 0


async def test_log_reads_every_tenant_in_position_order(platform: Platform) -> None:
    for tenant in ("oslo", "bergen", "tromso"):
        await platform.store.append([new_event(tenant, uuid.uuid4(), 1)])

    # a transaction running elsewhere on the server (the horizon is cluster-wide) may hold the
    # log back for a moment: read until all three are past it
    async with asyncio.timeout(30):
        while len(events := await platform.reader.read(0, 100)) < 3:
            await asyncio.sleep(0.01)

    assert [e.tenant_id for e in events] == ["oslo", "bergen", "tromso"]
    assert [e.position for e in events] == sorted(e.position for e in events)
    assert await platform.reader.read(events[-1].position) == []
    assert await platform.reader.head() == events[-1].position


async def test_a_one_statement_read_leaves_no_tenant_on_its_pooled_connection(
    platform: Platform,
) -> None:
    """``read_stream`` and took-part notes set the tenant for their one statement only
    (migrations 0024 and 0051): the next statement on the same pooled connection sees no
    tenant and so no row of it."""
    stream = uuid.uuid4()
    await platform.store.append([new_event("oslo", stream, 1)])
    async with platform.app_pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM tinget_read_stream('oslo', $1, 0)", stream)
        await conn.execute(
            "SELECT tinget_note_took_part_together($1, $2, $3, $4)",
            ["oslo", "bergen"],
            [uuid.uuid4(), uuid.uuid4()],
            [uuid.uuid4(), uuid.uuid4()],
            ["survey", "survey"],
        )
        after = await conn.fetchval("SELECT current_setting('app.tenant_id', true)")
        seen = await conn.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream)
        pending = await conn.fetchval("SELECT count(*) FROM took_part_pending")

    assert [r["version"] for r in rows] == [1]
    assert not after  # '' or NULL: nothing left for the next user of the connection
    assert seen == 0
    assert pending == 0
