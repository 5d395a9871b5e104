"""A projection whose event types grew: its old NATS consumer skipped the new types, so the
runtime rebuilds it from the store and consumes on with the new subjects."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from projections.runtime import consumer_lag
from tests.test_projections import onboard, relay_all, runner_of, snapshot
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, recent_nats: str) -> Addresses:
    return dataclasses.replace(addresses, nats_url=recent_nats)


async def test_a_consumer_made_for_fewer_event_types_is_replaced_after_a_rebuild(
    platform: Platform,
) -> None:
    assert platform.js is not None
    assert platform.nc is not None
    stream, prefix = platform.addresses.stream_name, platform.addresses.subject_prefix
    runner = runner_of(platform)
    # The consumer as an older Tinget made it: tenants created, nothing about their hosts.
    await platform.js.add_consumer(
        stream,
        config=ConsumerConfig(
            durable_name=runner.projection.name,
            ack_policy=AckPolicy.ALL,
            deliver_policy=DeliverPolicy.ALL,
            filter_subjects=[f"{prefix}.*.tenants.TenantCreated"],
        ),
    )
    await onboard(platform, 4)
    await relay_all(platform)

    stop = asyncio.Event()
    task = asyncio.create_task(
        runner.run_nats(
            platform.js,
            platform.nc,
            stream=stream,
            prefix=prefix,
            catalogue=platform.codec.catalogue,
            stop=stop,
            reader=platform.reader,
        )
    )
    try:
        async with asyncio.timeout(30):
            while True:
                await asyncio.sleep(0.05)
                try:
                    info = await platform.js.consumer_info(stream, runner.projection.name)
                except Exception:
                    continue
                wanted = len(runner.projection.event_types)
                subjects = info.config.filter_subjects or []
                if (
                    len(subjects) == wanted
                    and await consumer_lag(platform.js, stream, runner.projection.name) == 0
                ):
                    break
    finally:
        stop.set()
        await task
    live = await snapshot(platform)
    await runner.rebuild(platform.reader)

    assert len(live["hosts"]) >= 4  # the hosts the old consumer never delivered
    assert live == await snapshot(platform)
