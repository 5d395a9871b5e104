"""Live poll results over server-sent events, through a real HTTP server (uvicorn)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx

from services.identity.access import Role
from tests.api import create_town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform


async def _next_tally(lines: AsyncIterator[str]) -> dict[str, object]:
    event = None
    async for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "tally":
            body: dict[str, object] = json.loads(line.split(":", 1)[1])
            return body
    raise AssertionError("the stream ended")


async def test_watchers_see_each_vote_as_it_is_counted(
    platform: Platform, live_server: str
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        poll = await open_dialog(
            client, town, admin, kind="vox-pop", settings={"question": "Lower the speed limit?"}
        )
        voter = await device_token(client, town)
        url = f"/api/v1/dialogs/{poll['id']}/tally/live"
        async with client.stream("GET", url, headers=town.headers()) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            first = await asyncio.wait_for(_next_tally(lines), timeout=10)
            assert first["ballots"] == 0

            cast = await client.post(
                f"/api/v1/dialogs/{poll['id']}/votes",
                json={"choices": ["yes"]},
                headers=town.headers(voter),
            )
            assert cast.status_code == 201
            await platform.catch_up_projections()  # the tally projection notifies watchers

            second = await asyncio.wait_for(_next_tally(lines), timeout=5)
            assert second["ballots"] == 1
            assert second["results"] == [
                {"choice": "yes", "votes": 1},
                {"choice": "no", "votes": 0},
            ]
