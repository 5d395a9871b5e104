"""Posts and comments sent with an Idempotency-Key are made once, however often they are sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

Scene = tuple[Town, dict[str, Any], str]


@pytest.fixture
async def scene(client: httpx.AsyncClient, platform: Platform) -> Scene:
    """A municipality with an open dialog, and a participant's token."""
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    return town, await open_dialog(client, town, admin), await device_token(client, town)


async def stored(platform: Platform, event_type: str) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE event_type = $1", event_type
        )
    return count


async def test_a_post_sent_again_with_its_key_is_made_once(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    town, dialog, citizen = scene
    url = f"/api/v1/dialogs/{dialog['id']}/posts"
    headers = {**town.headers(citizen), "idempotency-key": "k-1"}
    body = {"body": "A crossing by the school"}

    first = await client.post(url, json=body, headers=headers)
    again = await asyncio.gather(*(client.post(url, json=body, headers=headers) for _ in range(20)))

    assert first.status_code == 201, first.text
    assert {r.status_code for r in again} == {201}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert await stored(platform, "PostSubmitted") == 1

    other = await client.post(url, json={"body": "Something else"}, headers=headers)
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]

    # the key is the person's own: another participant's same key makes another post
    neighbour = await device_token(client, town)
    theirs = await client.post(
        url, json=body, headers={**town.headers(neighbour), "idempotency-key": "k-1"}
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    # without a key, each request is a post of its own
    for _ in range(2):
        assert (await client.post(url, json=body, headers=town.headers(citizen))).status_code == 201
    assert await stored(platform, "PostSubmitted") == 4


async def test_a_comment_sent_again_with_its_key_is_made_once(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    town, dialog, citizen = scene
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Benches"},
        headers=town.headers(citizen),
    )
    url = f"/api/v1/posts/{posted.json()['id']}/comments"
    headers = {**town.headers(citizen), "idempotency-key": "reply-7"}

    answers = [await client.post(url, json={"body": "Yes"}, headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await stored(platform, "PostSubmitted") == 2  # the post and one comment


async def test_a_malformed_key_is_refused_naming_the_header(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    town, dialog, citizen = scene
    url = f"/api/v1/dialogs/{dialog['id']}/posts"

    for key in ("x" * 201, "two words"):
        refused = await client.post(
            url, json={"body": "Hi"}, headers={**town.headers(citizen), "idempotency-key": key}
        )
        assert refused.status_code == 400, refused.text
        assert "idempotency-key" in refused.text.lower()
    assert await stored(platform, "PostSubmitted") == 0
