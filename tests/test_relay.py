"""The relay: every committed event reaches JetStream once, across crashes and re-sends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.helpers import new_event
from tinget.bootstrap import Addresses, Platform


async def stream_message_ids(js: JetStreamContext, stream: str, prefix: str) -> list[str]:
    sub = await js.pull_subscribe(
        f"{prefix}.>",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
    )
    ids: list[str] = []
    total = (await js.stream_info(stream)).state.messages
    while len(ids) < total:
        for msg in await sub.fetch(1000, timeout=5):
            assert msg.headers is not None
            ids.append(msg.headers["Nats-Msg-Id"])
    await sub.unsubscribe()
    return ids


async def store_event_ids(platform: Platform) -> list[str]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_id FROM events ORDER BY position")
    return [str(r["event_id"]) for r in rows]


async def fill(platform: Platform, tenants: int, streams: int, versions: int) -> None:
    async def one(n: int) -> None:
        stream = uuid.uuid4()
        for v in range(1, versions + 1):
            await platform.store.append([new_event(f"town{n % tenants}", stream, v)])

    await asyncio.gather(*(one(n) for n in range(streams)))


async def test_relay_publishes_every_event_with_subject_and_id(platform: Platform) -> None:
    assert platform.js is not None
    await fill(platform, tenants=3, streams=10, versions=5)
    relay = platform.relay("solo")

    head = await platform.reader.head()
    position = 0
    async with asyncio.timeout(30):  # the log is read up to the server's oldest transaction
        while position != head:
            position = await relay.run_once(position)

    assert position == head
    ids = await stream_message_ids(
        platform.js, platform.addresses.stream_name, platform.addresses.subject_prefix
    )
    assert ids == await store_event_ids(platform)
    prefix = platform.addresses.subject_prefix
    msg = await platform.js.get_last_msg(platform.addresses.stream_name, f"{prefix}.town1.>")
    assert msg.subject == f"{prefix}.town1.testing.ThingHappened"
    assert (await relay.lag()).events == 0


async def test_resent_events_are_reported_as_duplicates_and_not_stored_twice(
    platform: Platform,
) -> None:
    assert platform.js is not None
    await fill(platform, tenants=2, streams=10, versions=10)
    relay = platform.relay("resend")
    head = await platform.reader.head()
    while await relay.run_once(await relay.position()) != head:
        pass

    # a crash after publishing but before saving the position: the relay starts over
    async with platform.worker_pool.acquire() as conn:
        await conn.execute("UPDATE relay_positions SET position = 0 WHERE name = 'resend'")
    again = platform.relay("resend")
    while await again.run_once(await again.position()) != head:
        pass

    assert again.stats.duplicates == 100
    assert again.stats.published == 0
    info = await platform.js.stream_info(platform.addresses.stream_name)
    assert info.state.messages == 100


async def test_relay_killed_mid_stream_and_restarted_loses_and_repeats_nothing(
    platform: Platform, addresses: Addresses
) -> None:
    assert platform.js is not None
    env = {
        **os.environ,
        "TINGET_DATABASE_URL": addresses.owner_url,
        "TINGET_NATS_URL": str(addresses.nats_url),
        "TINGET_STREAM": addresses.stream_name,
        "TINGET_SUBJECT_PREFIX": addresses.subject_prefix,
        "TINGET_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "tinget", "relay"]
    writing = asyncio.create_task(fill(platform, tenants=5, streams=40, versions=150))

    first = subprocess.Popen(command, env=env)
    try:
        async with asyncio.timeout(60):
            while (await platform.js.stream_info(addresses.stream_name)).state.messages < 500:
                await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    published_before_kill = (await platform.js.stream_info(addresses.stream_name)).state.messages
    await writing

    second = subprocess.Popen(command, env=env)
    try:
        total = await platform.reader.count()
        async with asyncio.timeout(90):
            while (await platform.js.stream_info(addresses.stream_name)).state.messages < total:
                await asyncio.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    assert 500 <= published_before_kill < total
    ids = await stream_message_ids(platform.js, addresses.stream_name, addresses.subject_prefix)
    assert len(ids) == total == 6000
    assert ids == await store_event_ids(platform)
