"""castVote's fast path (gateway/fast_vote.py): it answers a plain vote itself, exactly as the
route would, and hands everything else to the route with the body as it was sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.datastructures import State

from gateway.fast_vote import MAX_BODY, fast_vote
from gateway.tenancy import TenantResolver
from services.identity.access import Role
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

URL = "/api/v1/dialogs/{}/votes"


@pytest.fixture
async def poll(client: httpx.AsyncClient, platform: Platform, town: Town) -> dict[str, Any]:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    return await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )


def _comparable(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}


async def test_a_vote_on_the_fast_path_is_answered_as_the_route_answers_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, poll: dict[str, Any]
) -> None:
    url = URL.format(poll["id"])
    fast = await client.post(
        url, json={"choices": ["yes"]}, headers=town.headers(await device_token(client, town))
    )
    # A body larger than the fast path reads is the route's: the same vote, padded (valid JSON).
    padded = json.dumps({"choices": ["no"]}) + " " * MAX_BODY
    routed = await client.post(
        url,
        content=padded,
        headers={
            **town.headers(await device_token(client, town)),
            "content-type": "application/json",
        },
    )

    assert (fast.status_code, routed.status_code) == (201, 201), (fast.text, routed.text)
    assert fast.json() == routed.json() == {"dialog_id": poll["id"], "status": "recorded"}
    assert _comparable(fast) == _comparable(routed)
    assert fast.headers["x-request-id"]
    assert routed.headers["x-request-id"]
    await platform.catch_up_projections()
    tally = await client.get(f"/api/v1/dialogs/{poll['id']}/tally", headers=town.headers())
    assert {r["choice"]: r["votes"] for r in tally.json()["results"]} == {"yes": 1, "no": 1}


async def test_a_refused_vote_reaches_the_route_with_its_body_and_gets_the_routes_problem(
    client: httpx.AsyncClient, town: Town, poll: dict[str, Any]
) -> None:
    url = URL.format(poll["id"])
    voter = town.headers(await device_token(client, town))

    unknown = await client.post(url, json={"choices": ["maybe"]}, headers=voter)
    extra = await client.post(url, json={"choices": ["yes"], "voter": "x"}, headers=voter)
    no_token = await client.post(url, json={"choices": ["yes"]}, headers=town.headers())
    first = await client.post(url, json={"choices": ["yes"]}, headers=voter)
    second = await client.post(url, json={"choices": ["no"]}, headers=voter)

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "choices[0]"
    assert extra.status_code == 400
    assert "voter" in extra.text
    assert no_token.status_code == 401
    assert first.status_code == 201
    assert second.status_code == 409
    assert "one vote per person" in second.json()["detail"]


async def test_a_body_sent_in_chunks_is_read_whole(
    live_server: str, town: Town, poll: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        token = await device_token(client, town)

        async def chunks() -> AsyncIterator[bytes]:
            for part in (b'{"choi', b'ces": ["ye', b's"]}'):
                yield part

        answer = await client.post(
            URL.format(poll["id"]),
            content=chunks(),
            headers={**town.headers(token), "content-type": "application/json"},
        )

    assert answer.status_code == 201, answer.text


class _Route:
    """Stands in for the route behind the middleware: records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_the_route_is_reached_only_by_what_the_fast_path_does_not_answer(
    client: httpx.AsyncClient, platform: Platform, town: Town, poll: dict[str, Any]
) -> None:
    route = _Route()
    middleware = fast_vote(route)
    state = State({"platform": platform, "resolver": TenantResolver(platform.app_pool)})

    async def call(body: bytes, token: str | None) -> int:
        headers = [(b"host", town.host.encode()), (b"content-type", b"application/json")]
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        parts = [body[:5], body[5:]]
        messages = [
            {"type": "http.request", "body": p, "more_body": i == 0} for i, p in enumerate(parts)
        ]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "headers": headers,
            "path_params": {"dialog_id": UUID(poll["id"])},
            "litestar_app": type("App", (), {"state": state})(),
        }
        await middleware(scope, receive, send)  # type: ignore[arg-type]
        status: int = sent[0]["status"]
        return status

    voter = await device_token(client, town)
    plain = await call(b'{"choices": ["yes"]}', voter)
    again = await call(b'{"choices": ["no"]}', voter)
    anonymous = await call(b'{"choices": ["yes"]}', None)
    broken = await call(b'{"choices": [', await device_token(client, town))

    assert plain == 201
    assert (again, anonymous, broken) == (299, 299, 299)
    assert route.bodies == [b'{"choices": ["no"]}', b'{"choices": ["yes"]}', b'{"choices": [']
