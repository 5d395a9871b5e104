"""The audit trail fed live over NATS: one durable consumer filtering every event type of the
catalogue (here 60 and more subjects), on the configured NATS and on an embedded recent one,
and what it builds equals a rebuild from PostgreSQL, hashes included."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from events.codec import Codec
from events.model import NewEvent
from projections.runtime import ProjectionRunner
from services.audit.trail import AuditTrail
from tests.api import create_town
from tests.test_projections import consume_until_caught_up
from tinget.bootstrap import Addresses, Platform
from tinget.catalogue import build_catalogue

EXTRA_TYPES = 35


def many_events_aggregate(count: int) -> type[Aggregate]:
    """An aggregate with ``count`` event types, so the consumer filters many more subjects."""
    events = {
        f"Thing{i}Happened": type(
            f"Thing{i}Happened",
            (Aggregate.Event,),
            {"__qualname__": f"Bulk.Thing{i}Happened", "__module__": __name__},
        )
        for i in range(count)
    }
    return type("Bulk", (Aggregate,), {**events, "__qualname__": "Bulk", "__module__": __name__})


@pytest.fixture(params=["configured", "embedded"])
def platform_addresses(
    request: pytest.FixtureRequest, addresses: Addresses, recent_nats: str
) -> Addresses:
    if request.param == "embedded":
        return dataclasses.replace(addresses, nats_url=recent_nats)
    return addresses


async def snapshot(platform: Platform) -> list[dict[str, Any]]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM audit_entries ORDER BY tenant_id, seq")
    return [dict(r) for r in rows]


async def relay_everything(platform: Platform) -> None:
    relay = platform.relay()
    head = await platform.reader.head()
    async with asyncio.timeout(30):
        while await relay.run_once(await relay.position()) != head:
            await asyncio.sleep(0.01)


async def test_the_live_trail_over_many_subjects_equals_a_rebuild(
    platform: Platform, recent_nats: str
) -> None:
    assert platform.js is not None
    assert platform.nc is not None
    catalogue = build_catalogue()
    catalogue.register(many_events_aggregate(EXTRA_TYPES), "bulk")
    trail = AuditTrail(Codec(catalogue))
    runner = ProjectionRunner(platform.worker_pool, trail)
    towns = [await create_town(platform, name) for name in ("Lund", "Ystad")]
    await platform.store.append(
        [
            NewEvent(
                tenant_id=towns[n % 2].slug,
                stream_id=uuid.uuid4(),
                version=1,
                context="bulk",
                event_type=f"Thing{n % EXTRA_TYPES}Happened",
                data=json.dumps({"n": n, "dialog_id": str(uuid.uuid4())}).encode(),
                metadata=json.dumps({"actor": str(uuid.uuid4()), "role": "moderator"}).encode(),
                event_id=uuid.uuid4(),
            )
            for n in range(3 * EXTRA_TYPES)
        ]
    )
    await relay_everything(platform)

    await consume_until_caught_up(platform, runner, catalogue)
    live = await snapshot(platform)
    info = await platform.js.consumer_info(platform.addresses.stream_name, trail.name)
    await runner.rebuild(platform.reader)
    rebuilt = await snapshot(platform)

    subjects = {
        f"{platform.addresses.subject_prefix}.*.{d.context}.{d.name}"
        for d in catalogue.definitions()
    }
    assert len(subjects) >= 60
    version = platform.nc.connected_server_version
    recent = (version.major, version.minor) >= (2, 10)
    assert recent or platform.addresses.nats_url != recent_nats
    if recent:  # a 2.9 server ignores filter_subjects (and so delivers every subject)
        assert set(info.config.filter_subjects or ()) == subjects
    async with platform.worker_pool.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM events")
    assert len(live) == stored
    assert sum(1 for e in live if e["context"] == "bulk") == 3 * EXTRA_TYPES
    assert live == rebuilt
