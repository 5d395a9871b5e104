"""Read-your-writes: every write answer carries its log position (``Tinget-Position``); a read
sending it back (``Tinget-Min-Position``) sees the write, waiting a bounded time for the read
models, else 503 with Retry-After; validation that depends on the tenant's own state reads the
aggregate; counts leave out what participants do not see.

The read models here are fed late on purpose (a task catches them up 0.3 s after the write),
so a read that did not wait would see them before the write.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from projections.runtime import LiveConsumer
from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, device_token, dialog_body, open_dialog, staff_token
from tinget.bootstrap import Platform

POSITION = "Tinget-Position"
MIN_POSITION = "Tinget-Min-Position"
LATE = 0.3  # seconds before the read models are fed


@pytest.fixture
async def late_read_models(platform: Platform) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Start tasks that catch the read models up ``LATE`` seconds from now."""
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    await asyncio.gather(*tasks)


def feed_later(platform: Platform, tasks: list[asyncio.Task[None]]) -> None:
    async def later() -> None:
        await asyncio.sleep(LATE)
        await platform.catch_up_projections()

    tasks.append(asyncio.create_task(later()))


def position(response: httpx.Response) -> int:
    assert response.status_code < 300, response.text
    return int(response.headers[POSITION])


async def test_a_write_answer_carries_the_position_its_events_reached(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    created = await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers(admin))
    listed = await client.get("/api/v1/dialogs", headers=town.headers(admin))

    assert position(created) == await platform.reader.head()
    assert POSITION not in listed.headers  # a read appends nothing


async def test_hide_then_read_never_shows_the_hidden_post(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    late_read_models: list[asyncio.Task[None]],
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Paint the bridge pink"},
        headers=town.headers(citizen),
    )
    await platform.catch_up_projections()
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)

    hidden = await client.post(
        f"/api/v1/posts/{posted.json()['id']}/hide",
        json={"reason": "Off topic"},
        headers=town.headers(moderator),
    )
    feed_later(platform, late_read_models)
    began = time.perf_counter()
    listed = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        headers={**town.headers(citizen), MIN_POSITION: str(position(hidden))},
    )
    shown = await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=town.headers(citizen))

    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    assert time.perf_counter() - began >= LATE * 0.9  # it waited for the read models
    assert shown.json()["posts"] == 0  # the dialog's count leaves the hidden post out


async def test_vote_then_tally_counts_the_vote(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    late_read_models: list[asyncio.Task[None]],
) -> None:
    poll = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    voter = town.headers(await device_token(client, town))

    voted = await client.post(
        f"/api/v1/dialogs/{poll['id']}/votes", json={"choices": ["yes"]}, headers=voter
    )
    feed_later(platform, late_read_models)
    tally = await client.get(
        f"/api/v1/dialogs/{poll['id']}/tally",
        headers={**town.headers(), MIN_POSITION: str(position(voted))},
    )

    assert tally.status_code == 200, tally.text
    assert tally.json()["ballots"] == 1
    assert {r["choice"]: r["votes"] for r in tally.json()["results"]}["yes"] == 1


async def test_committees_then_dialog_is_accepted_at_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(committees=["Culture"]))

    created = await client.post(
        "/api/v1/dialogs", json=dialog_body(committee="Culture"), headers=town.headers(admin)
    )
    unknown = await client.post(
        "/api/v1/dialogs", json=dialog_body(committee="Transport"), headers=town.headers(admin)
    )

    assert created.status_code == 201, created.text
    assert created.json()["committee"] == "Culture"
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "committee"


async def test_close_answers_with_the_real_counts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    for body in ("A crossing by the school", "Lights on the path"):
        citizen = await device_token(client, town)
        answer = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"body": body},
            headers=town.headers(citizen),
        )
        assert answer.status_code == 201, answer.text
    await platform.catch_up_projections()

    closed = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close",
        json={"reason": "Enough ideas"},
        headers=town.headers(admin),
    )

    assert closed.status_code == 200, closed.text
    assert closed.json()["posts"] == 2


async def test_a_position_not_reached_in_time_is_503_with_retry_after(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    platform.addresses = dataclasses.replace(
        platform.addresses,
        backpressure=dataclasses.replace(platform.addresses.backpressure, read_wait=0.2),
    )
    created = await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers(admin))

    answer = await client.get(  # no worker feeds the read models here
        "/api/v1/dialogs", headers={**town.headers(admin), MIN_POSITION: str(position(created))}
    )

    assert answer.status_code == 503
    assert answer.headers["retry-after"]
    assert answer.json()["field"] == MIN_POSITION


# Values of Tinget-Min-Position that are no position in the log
BAD_POSITIONS = ["abc", "-3", "0", "1.5", "9" * 30, ""]


async def test_a_bad_position_is_400_naming_the_header(
    client: httpx.AsyncClient, town: Town
) -> None:
    for case in BAD_POSITIONS:
        answer = await client.get("/api/v1/dialogs", headers={**town.headers(), MIN_POSITION: case})

        assert answer.status_code == 400, (case, answer.text)
        assert answer.json()["field"] == MIN_POSITION, (case, answer.text)


async def test_the_openapi_document_describes_both_headers(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    vote = document["paths"]["/api/v1/dialogs/{dialog_id}/votes"]["post"]
    tally = document["paths"]["/api/v1/dialogs/{dialog_id}/tally"]["get"]

    assert MIN_POSITION in [p["name"] for p in tally.get("parameters", [])]
    assert MIN_POSITION not in [p["name"] for p in vote.get("parameters", [])]
    assert POSITION in vote["responses"]["201"]["headers"]
    assert (
        "headers" not in tally["responses"]["200"]
        or POSITION not in (tally["responses"]["200"]["headers"])
    )


async def test_counts_leave_out_pending_and_hidden_items(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    moderated = await open_dialog(client, town, admin, settings={"premoderation": True})
    dialog = await open_dialog(client, town, admin)
    citizen = town.headers(await device_token(client, town))
    pending = await client.post(
        f"/api/v1/dialogs/{moderated['id']}/posts", json={"body": "Waiting"}, headers=citizen
    )
    post = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts", json={"body": "A bench"}, headers=citizen
    )
    comments = [
        await client.post(
            f"/api/v1/posts/{post.json()['id']}/comments", json={"body": body}, headers=citizen
        )
        for body in ("Yes please", "Spam spam")
    ]
    assert all(c.status_code == 201 for c in (pending, post, *comments)), [
        c.text for c in (pending, post, *comments)
    ]
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    hidden = await client.post(
        f"/api/v1/posts/{comments[1].json()['id']}/hide",
        json={"reason": "Spam"},
        headers=town.headers(moderator),
    )
    await platform.catch_up_projections()

    seen_moderated = await client.get(f"/api/v1/dialogs/{moderated['id']}", headers=citizen)
    seen_post = await client.get(f"/api/v1/posts/{post.json()['id']}", headers=citizen)
    listed = await client.get("/api/v1/dialogs", headers=citizen)

    assert hidden.status_code == 200, hidden.text
    assert seen_moderated.json()["posts"] == 0
    assert seen_post.json()["comments"] == 1
    counts = {d["id"]: d["posts"] for d in listed.json()["items"]}
    assert counts == {moderated["id"]: 0, dialog["id"]: 1}


async def test_with_live_workers_a_vote_is_in_the_tally_it_asks_for(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    """As deployed: the relay publishes, a live consumer feeds the read models, which are sent
    only the event types they take; every read model must count as having the vote."""
    poll = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    await platform.catch_up_projections()
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(platform.relay().run(stop)),
        asyncio.create_task(
            platform.consume(LiveConsumer(platform.projections, durable="ryw"), stop)
        ),
    ]
    try:
        tallies = []
        for _ in range(3):
            voter = town.headers(await device_token(client, town))
            voted = await client.post(
                f"/api/v1/dialogs/{poll['id']}/votes", json={"choices": ["yes"]}, headers=voter
            )
            tallies.append(
                await client.get(
                    f"/api/v1/dialogs/{poll['id']}/tally",
                    headers={**town.headers(), MIN_POSITION: str(position(voted))},
                )
            )
    finally:
        stop.set()
        await asyncio.gather(*workers)

    assert [t.status_code for t in tallies] == [200, 200, 200], [t.text for t in tallies]
    assert [t.json()["ballots"] for t in tallies] == [1, 2, 3]


async def test_a_position_given_twice_is_400_naming_the_header(
    client: httpx.AsyncClient, town: Town
) -> None:
    headers = [(k, v) for k, v in town.headers().items()]
    answer = await client.get(
        "/api/v1/dialogs", headers=[*headers, (MIN_POSITION, "1"), (MIN_POSITION, "99")]
    )

    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == MIN_POSITION
    assert "more than once" in answer.json()["detail"]


async def test_the_worker_feeds_the_very_read_models_that_reads_wait_for(
    platform: Platform,
) -> None:
    """Each read model is made once per process: the worker's runners apply the same objects
    that read-your-writes asks for their positions, not copies made again."""
    fed = [runner.projection for runner in platform.projections]

    assert len(fed) == len(platform.read_models) > 0
    assert all(a is b for a, b in zip(fed, platform.read_models, strict=True))
