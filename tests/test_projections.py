"""The projection runtime on the tenant directory: idempotent, rebuildable, fed from NATS."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec
import pytest

from events import envelope
from events.catalogue import Catalogue
from events.model import RecordedEvent
from events.relay import Relay
from projections.runtime import REBUILD_YOUNG_THRESHOLD, ProjectionRunner, consumer_lag
from tenants.service import TenantChanges
from tests.helpers import caught_up, unique_slug
from tinget.bootstrap import Addresses, Platform, open_platform


async def snapshot(platform: Platform) -> dict[str, list[dict[str, Any]]]:
    async with platform.worker_pool.acquire() as conn:
        directory = await conn.fetch("SELECT * FROM tenant_directory ORDER BY tenant_id")
        hosts = await conn.fetch("SELECT * FROM tenant_hosts ORDER BY host")
    return {"directory": [dict(r) for r in directory], "hosts": [dict(r) for r in hosts]}


async def onboard(platform: Platform, count: int) -> list[str]:
    slugs = [unique_slug() for _ in range(count)]
    for i, slug in enumerate(slugs):
        await platform.tenants.create(slug, f"Town {i}", "sv", hosts=[f"{slug}.example"])
        await platform.tenants.update(
            slug, TenantChanges(primary_colour="#00aa00", welcome_text=f"Välkommen {i}")
        )
        if i % 2:
            await platform.tenants.add_host(slug, f"www.{slug}.example")
        if i % 3 == 0:
            await platform.tenants.suspend(slug, "contract ended")
    return slugs


def runner_of(platform: Platform) -> ProjectionRunner:
    return platform.projections[0]


async def consume_until_caught_up(
    platform: Platform, runner: ProjectionRunner, catalogue: Catalogue | None = None
) -> None:
    assert platform.js is not None
    assert platform.nc is not None
    stop = asyncio.Event()
    task = asyncio.create_task(
        runner.run_nats(
            platform.js,
            platform.nc,
            stream=platform.addresses.stream_name,
            prefix=platform.addresses.subject_prefix,
            catalogue=catalogue or platform.codec.catalogue,
            stop=stop,
        )
    )
    try:
        async with asyncio.timeout(30):
            while True:
                await asyncio.sleep(0.05)
                try:
                    lag = await consumer_lag(
                        platform.js, platform.addresses.stream_name, runner.projection.name
                    )
                except Exception:
                    continue
                if lag == 0:
                    break
    finally:
        stop.set()
        await task


async def relay_all(platform: Platform) -> Relay:
    relay = platform.relay()
    head = await platform.reader.head()
    while await relay.run_once(await relay.position()) != head:
        pass
    return relay


async def test_live_read_model_from_nats_equals_a_rebuild_from_the_store(
    platform: Platform,
) -> None:
    slugs = await onboard(platform, 6)
    await relay_all(platform)
    runner = runner_of(platform)

    await consume_until_caught_up(platform, runner)
    live = await snapshot(platform)
    await runner.rebuild(platform.reader)
    rebuilt = await snapshot(platform)

    assert sorted(r["tenant_id"] for r in live["directory"]) == sorted(slugs)
    assert live == rebuilt
    suspended = [r for r in live["directory"] if r["status"] == "suspended"]
    assert len(suspended) == 2
    assert len(live["hosts"]) == 9


async def test_a_projection_fed_duplicates_changes_nothing(platform: Platform) -> None:
    await onboard(platform, 3)
    runner = runner_of(platform)
    events = await platform.reader.read(0, 1000)

    await runner.apply_batch(events)
    once = await snapshot(platform)
    again = await runner.apply_batch(events)
    half = await runner.apply_batch(events[: len(events) // 2] + events)

    assert again == 0
    assert half == 0
    assert await snapshot(platform) == once


async def test_a_message_redelivered_over_nats_changes_nothing(platform: Platform) -> None:
    assert platform.js is not None
    await onboard(platform, 2)
    await relay_all(platform)
    runner = runner_of(platform)
    await consume_until_caught_up(platform, runner)
    before = await snapshot(platform)

    # the same events again, under new message ids (as after the duplicate window)
    for event in await platform.reader.read(0, 1000):
        await platform.js.publish(
            f"{platform.addresses.subject_prefix}.{event.tenant_id}.{event.context}."
            f"{event.event_type}",
            envelope.encode(event),
        )
    skipped_before = runner.stats.skipped
    await consume_until_caught_up(platform, runner)

    assert runner.stats.skipped > skipped_before
    assert await snapshot(platform) == before


async def test_a_worker_takes_its_backlog_from_the_store_and_only_new_events_from_nats(
    platform: Platform,
) -> None:
    """A worker starting on a stream that holds events it has not consumed (its consumer is new,
    or was left behind while the worker was down) reads them from the store, and NATS delivers
    only what is published after it started: the backlog is not delivered again to be decoded,
    vouched for and skipped message by message while new events wait behind it."""
    assert platform.js is not None
    assert platform.nc is not None
    await onboard(platform, 4)
    await relay_all(platform)
    runner = runner_of(platform)
    stream = platform.addresses.stream_name
    stop = asyncio.Event()
    task = asyncio.create_task(
        runner.run_nats(
            platform.js,
            platform.nc,
            stream=stream,
            prefix=platform.addresses.subject_prefix,
            catalogue=platform.codec.catalogue,
            stop=stop,
            reader=platform.reader,
        )
    )
    try:
        head = await platform.reader.head()
        async with asyncio.timeout(30):
            while await runner.applied_position() < head:
                await asyncio.sleep(0.05)
        await onboard(platform, 1)
        await relay_all(platform)
        published = await platform.reader.read(head, 1000)
        later = [e for e in published if e.event_type in runner.projection.event_types]
        async with asyncio.timeout(30):
            while await runner.applied_position() < later[-1].position:
                await asyncio.sleep(0.05)
        info = await platform.js.consumer_info(stream, runner.projection.name)
    finally:
        stop.set()
        await task
    live = await snapshot(platform)
    await runner.rebuild(platform.reader)

    # at most the events published since it started (a server without subject filters, such
    # as nats-server 2.9, delivers the other types too)
    assert 0 < info.delivered.consumer_seq <= len(published)
    assert runner.stats.skipped == 0
    assert live == await snapshot(platform)


async def test_rebuild_needs_only_postgresql(platform: Platform, addresses: Addresses) -> None:
    await onboard(platform, 3)
    await platform.catch_up_projections()
    expected = await snapshot(platform)

    offline = dataclasses.replace(addresses, nats_url=None)
    async with open_platform(offline, with_nats=False) as without_nats:
        assert without_nats.js is None
        count = await runner_of(without_nats).rebuild(without_nats.reader)
        assert count > 0
        assert await snapshot(without_nats) == expected


async def test_a_forged_message_is_not_applied(platform: Platform) -> None:
    """Messages published straight into the stream, claiming a tenant or a position the store
    does not hold for them, change no read model; genuine events after them still apply."""
    assert platform.js is not None
    first, second = await onboard(platform, 2)
    await relay_all(platform)
    runner = runner_of(platform)
    await consume_until_caught_up(platform, runner)
    before = await snapshot(platform)
    events = await platform.reader.read(0, 1000)
    created = next(e for e in events if e.tenant_id == first)
    renamed = next(e for e in reversed(events) if e.tenant_id == first)
    head = await platform.reader.head()
    prefix = platform.addresses.subject_prefix

    def subject(event: RecordedEvent) -> str:
        return f"{prefix}.{event.tenant_id}.{event.context}.{event.event_type}"

    forged = [
        # a tenant that does not exist, at a position nothing holds
        msgspec.structs.replace(
            created,
            tenant_id="forged",
            position=head + 1_000,
            event_id=uuid.uuid4(),
            stream_id=uuid.uuid4(),
            data=created.data.replace(b"Town 0", b"Forged Town"),
        ),
        # a real tenant's event rewritten, at a position beyond what it has applied
        msgspec.structs.replace(
            renamed,
            position=head + 2_000,
            event_id=uuid.uuid4(),
            data=renamed.data.replace("Välkommen".encode(), b"Hacked"),
        ),
        # a real event claimed for another tenant
        msgspec.structs.replace(created, tenant_id=second),
    ]
    for event in forged:
        await platform.js.publish(subject(event), envelope.encode(event))
    # the real event on another tenant's subject
    wrong_subject = f"{prefix}.{second}.{created.context}.{created.event_type}"
    await platform.js.publish(wrong_subject, envelope.encode(created))
    applied_before = runner.stats.applied
    await consume_until_caught_up(platform, runner)

    assert runner.stats.applied == applied_before
    assert await snapshot(platform) == before

    (third,) = await onboard(platform, 1)  # genuine events after the forged ones still apply
    await relay_all(platform)
    await consume_until_caught_up(platform, runner)
    live = await snapshot(platform)
    assert sorted(r["tenant_id"] for r in live["directory"]) == sorted([first, second, third])
    await runner.rebuild(platform.reader)
    assert await snapshot(platform) == live


async def test_a_rebuild_collects_the_young_generation_less_often_and_restores_it(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    await onboard(platform, 2)
    await caught_up(platform)
    runner = runner_of(platform)
    seen: list[tuple[int, int, int]] = []
    original = runner.projection.apply

    async def watching(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        seen.append(gc.get_threshold())
        await original(conn, events)

    monkeypatch.setattr(runner.projection, "apply", watching)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        await runner.rebuild(platform.reader)
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)

    assert seen
    assert all(t == (REBUILD_YOUNG_THRESHOLD, 10, 10) for t in seen)
    assert after == (700, 10, 10)
