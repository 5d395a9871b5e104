"""Backpressure: at a bound a request is refused at once with 503 and Retry-After, never queued
without end, and nothing of it is written. Real PostgreSQL; a full pool or a locked events
table stands in for a database that cannot keep up."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
import pytest

from events.db import PoolExhausted
from events.model import AppendQueueFull
from events.store import EventStore
from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import new_event, serving
from tests.test_live import _next_tally
from tinget.app import build_app
from tinget.bootstrap import Addresses, Backpressure, Platform
from tinget.config import Settings

ACQUIRE_TIMEOUT = 0.5


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    bounds = Backpressure(pool_acquire_timeout=ACQUIRE_TIMEOUT, append_queue_limit=1)
    return dataclasses.replace(addresses, backpressure=bounds)


def capped(platform: Platform, **bounds: int) -> Platform:
    """The same platform (pools, store), with other caps for the app built on it."""
    backpressure = dataclasses.replace(platform.addresses.backpressure, **bounds)
    addresses = dataclasses.replace(platform.addresses, backpressure=backpressure)
    return dataclasses.replace(platform, addresses=addresses)


@asynccontextmanager
async def every_connection_taken(pool: asyncpg.Pool) -> AsyncIterator[None]:
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        yield
    finally:
        for conn in held:
            await pool.release(conn)


@asynccontextmanager
async def events_locked(database_url: str) -> AsyncIterator[None]:
    """No append commits while this holds: the events table is locked against inserts."""
    owner = await asyncpg.connect(database_url)
    try:
        async with owner.transaction():
            await owner.execute("LOCK TABLE events IN SHARE MODE")
            yield
    finally:
        await owner.close()


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 503
    assert problem["type"].endswith("/unavailable")
    assert problem["retry_after"] == 2


async def poll_with_voter(platform: Platform, client: httpx.AsyncClient) -> tuple[Town, str]:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    poll = await open_dialog(client, town, admin, kind="vox-pop", settings={"question": "Q?"})
    return town, poll["id"]


async def test_a_request_finding_no_free_connection_gets_503_in_time(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    town, poll = await poll_with_voter(platform, client)
    voter = await device_token(client, town)
    loop = asyncio.get_running_loop()

    async with every_connection_taken(platform.app_pool):
        began = loop.time()
        listing = await asyncio.wait_for(
            client.get("/api/v1/dialogs", headers=town.headers()), timeout=10
        )
        waited = loop.time() - began
        vote = await asyncio.wait_for(
            client.post(
                f"/api/v1/dialogs/{poll}/votes",
                json={"choices": ["yes"]},
                headers=town.headers(voter),
            ),
            timeout=10,
        )

    assert_retry_later(listing)
    assert "no database connection came free" in listing.json()["detail"]
    assert ACQUIRE_TIMEOUT <= waited < ACQUIRE_TIMEOUT + 2
    assert_retry_later(vote)
    # with connections free again, the same requests pass: the refused vote wrote nothing
    assert (await client.get("/api/v1/dialogs", headers=town.headers())).status_code == 200
    again = await client.post(
        f"/api/v1/dialogs/{poll}/votes", json={"choices": ["yes"]}, headers=town.headers(voter)
    )
    assert again.status_code == 201, again.text


async def test_an_awaited_acquire_gives_up_too_and_the_pool_stays_whole(
    platform: Platform,
) -> None:
    pool = platform.app_pool
    async with every_connection_taken(pool):
        with pytest.raises(PoolExhausted):
            await asyncio.wait_for(pool.acquire(), timeout=10)
        with pytest.raises(PoolExhausted):
            async with pool.acquire():
                pass
    # nothing was lost to the timeouts: every connection can be taken again
    async with every_connection_taken(pool):
        pass


async def test_a_wait_ends_with_a_connection_given_back_in_time_or_with_its_own_cancel(
    platform: Platform,
) -> None:
    pool = platform.app_pool

    async def take() -> asyncpg.Connection:
        return await pool.acquire()

    held = [await take() for _ in range(pool.get_max_size())]
    try:
        waiting = asyncio.create_task(take())
        await asyncio.sleep(ACQUIRE_TIMEOUT / 2)
        await pool.release(held.pop())
        held.append(await asyncio.wait_for(waiting, timeout=5))  # the freed one, not a 503
        await asyncio.sleep(ACQUIRE_TIMEOUT)  # the watchdog has passed its deadline: no cancel
        assert await held[-1].fetchval("SELECT 1") == 1

        cancelled = asyncio.create_task(take())
        await asyncio.sleep(0.05)
        cancelled.cancel()  # a client that went away: cancelled, not "exhausted"
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    finally:
        for conn in held:
            await pool.release(conn)
    async with every_connection_taken(pool):
        pass


def test_the_bounds_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TINGET_POOL_ACQUIRE_TIMEOUT": "0.25",
            "TINGET_APPEND_QUEUE_LIMIT": "50",
            "TINGET_MAX_CONCURRENT_REQUESTS": "7",
            "TINGET_MAX_SSE_CONNECTIONS": "9",
        }
    )
    assert settings.pool_acquire_timeout == 0.25
    assert settings.append_queue_limit == 50
    assert settings.max_concurrent_requests == 7
    assert settings.max_sse_connections == 9
    defaults = Settings.from_env({})
    assert (defaults.pool_acquire_timeout, defaults.max_concurrent_requests) == (2.0, 500)
    with pytest.raises(ValueError, match="TINGET_MAX_SSE_CONNECTIONS"):
        Settings.from_env({"TINGET_MAX_SSE_CONNECTIONS": "0"})
    with pytest.raises(ValueError, match="TINGET_POOL_ACQUIRE_TIMEOUT"):
        Settings.from_env({"TINGET_POOL_ACQUIRE_TIMEOUT": "soon"})


async def test_a_full_append_queue_refuses_at_once_and_writes_nothing(
    platform: Platform, addresses: Addresses
) -> None:
    store = EventStore(platform.app_pool, max_in_flight=1, max_queued=2)
    refused_stream = uuid.uuid4()
    async with events_locked(addresses.owner_url):
        committing = asyncio.create_task(store.append([new_event("oslo", uuid.uuid4(), 1)]))
        await asyncio.sleep(0.2)  # the one commit loop took it and waits for the lock
        waiting = [
            asyncio.create_task(store.append([new_event("oslo", uuid.uuid4(), 1)]))
            for _ in range(2)
        ]
        await asyncio.sleep(0.05)  # both queued behind it
        with pytest.raises(AppendQueueFull):
            await asyncio.wait_for(store.append([new_event("oslo", refused_stream, 1)]), 1)
        assert not committing.done()
        assert not any(w.done() for w in waiting)

    assert all(len(p) == 1 for p in await asyncio.gather(committing, *waiting))
    assert await platform.store.read_stream("oslo", refused_stream) == []
    assert await platform.reader.count() == 3
    await store.append([new_event("oslo", refused_stream, 1)])  # the queue drained: it passes


async def test_a_vote_beyond_the_append_queue_gets_503_and_counts_nothing(
    platform: Platform, client: httpx.AsyncClient, addresses: Addresses
) -> None:
    town, poll = await poll_with_voter(platform, client)
    voters = [await device_token(client, town) for _ in range(4)]
    url = f"/api/v1/dialogs/{poll}/votes"

    def vote(token: str) -> asyncio.Task[httpx.Response]:
        return asyncio.create_task(
            client.post(url, json={"choices": ["yes"]}, headers=town.headers(token))
        )

    async with events_locked(addresses.owner_url):
        # two commits in flight (the store's default) and one append waiting (the bound)
        accepted = []
        for n, token in enumerate(voters[:3], start=1):
            accepted.append(vote(token))
            async with asyncio.timeout(10):  # the vote reached the store (a busy machine: later)
                while platform.store.backlog < n:
                    await asyncio.sleep(0.02)
        refused = await asyncio.wait_for(vote(voters[3]), timeout=2)
        assert not any(a.done() for a in accepted)

    assert [(await a).status_code for a in accepted] == [201, 201, 201]
    assert_retry_later(refused)
    await platform.catch_up_projections()
    tally = (await client.get(f"/api/v1/dialogs/{poll}/tally", headers=town.headers())).json()
    assert tally["ballots"] == 3
    retried = await client.post(url, json={"choices": ["no"]}, headers=town.headers(voters[3]))
    assert retried.status_code == 201, retried.text


async def test_requests_beyond_the_cap_get_503_at_once_health_still_answers(
    platform: Platform,
) -> None:
    app = build_app(capped(platform, max_concurrent_requests=2))
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        town = await create_town(platform)
        platform.app_pool.acquire_timeout = 10.0  # the two in flight wait until released
        try:
            async with every_connection_taken(platform.app_pool):
                in_flight = [
                    asyncio.create_task(client.get("/api/v1/dialogs", headers=town.headers()))
                    for _ in range(2)
                ]
                await asyncio.sleep(0.2)
                third = await asyncio.wait_for(
                    client.get("/api/v1/dialogs", headers=town.headers()), timeout=1
                )
                health = await asyncio.wait_for(client.get("/health"), timeout=1)
                assert not any(r.done() for r in in_flight)
        finally:
            platform.app_pool.acquire_timeout = ACQUIRE_TIMEOUT
        assert_retry_later(third)
        assert "requests in hand" in third.json()["detail"]
        assert health.status_code == 200
        assert [(await r).status_code for r in in_flight] == [200, 200]
        after = await client.get("/api/v1/dialogs", headers=town.headers())
        assert after.status_code == 200  # the slots were given back


async def test_live_streams_beyond_their_cap_get_503_and_leave_requests_alone(
    platform: Platform,
) -> None:
    app = build_app(capped(platform, max_sse_connections=1, max_concurrent_requests=1))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        town, poll = await poll_with_voter(platform, client)
        live = f"/api/v1/dialogs/{poll}/tally/live"
        async with AsyncExitStack() as first:
            stream = await first.enter_async_context(
                client.stream("GET", live, headers=town.headers())
            )
            assert stream.status_code == 200
            await asyncio.wait_for(_next_tally(stream.aiter_lines()), timeout=10)

            second = await client.get(live, headers=town.headers())
            assert_retry_later(second)
            assert "live streams open" in second.json()["detail"]
            # an open stream does not hold the one request slot
            tally = await client.get(f"/api/v1/dialogs/{poll}/tally", headers=town.headers())
            assert tally.status_code == 200

        for _ in range(50):  # the server notices the closed stream and gives its slot back
            async with client.stream("GET", live, headers=town.headers()) as third:
                if third.status_code == 200:
                    break
            await asyncio.sleep(0.1)
        assert third.status_code == 200
