"""Live poll results over server-sent events, through a real HTTP server (uvicorn)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import httpx
import pytest

import gateway.live
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
            assert second["results"] == [  # a Swedish town's vox pop, in its words
                {"choice": "yes", "label": "Ja", "votes": 1},
                {"choice": "no", "label": "Nej", "votes": 0},
            ]


class _TallyQueries:
    """Counts the statements that read ``poll_tallies`` on every connection of a pool, through
    the driver's query logger: what the database was really asked, nothing stubbed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, query: asyncpg.connection.LoggedQuery) -> None:
        if "FROM poll_tallies" in query.query:
            self.count += 1

    async def attach(self, pool: asyncpg.Pool) -> None:
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        for conn in held:
            conn.add_query_logger(self)
        for conn in held:
            await pool.release(conn)


async def test_one_tally_change_is_read_once_for_all_watchers_of_the_dialog(
    platform: Platform, live_server: str
) -> None:
    watchers = 5
    queries = _TallyQueries()
    await queries.attach(platform.app_pool)  # before any stream holds a connection
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        poll = await open_dialog(
            client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
        )
        voter = await device_token(client, town)
        url = f"/api/v1/dialogs/{poll['id']}/tally/live"
        async with AsyncExitStack() as streams:
            lines = []
            for _ in range(watchers):
                stream = await streams.enter_async_context(
                    client.stream("GET", url, headers=town.headers())
                )
                lines.append(stream.aiter_lines())
            firsts = await asyncio.gather(
                *(asyncio.wait_for(_next_tally(s), timeout=10) for s in lines)
            )
            assert [f["ballots"] for f in firsts] == [0] * watchers
            before = queries.count

            cast = await client.post(
                f"/api/v1/dialogs/{poll['id']}/votes",
                json={"choices": ["yes"]},
                headers=town.headers(voter),
            )
            assert cast.status_code == 201
            await platform.catch_up_projections()  # one NOTIFY for the dialog

            seconds = await asyncio.gather(
                *(asyncio.wait_for(_next_tally(s), timeout=5) for s in lines)
            )
            assert [s["ballots"] for s in seconds] == [1] * watchers
            yes = {"choice": "yes", "label": "Ja", "votes": 1}
            no = {"choice": "no", "label": "Nej", "votes": 0}
            assert all(s["results"] == [yes, no] for s in seconds)
            await asyncio.sleep(0.3)  # a read per watcher, if there were, would be done by now
            assert queries.count - before == 1


async def test_a_keep_alive_is_a_comment_that_fires_no_event_in_a_browser(
    platform: Platform, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between changes the stream sends a comment line only: a ``data:`` line with it would
    make a browser's EventSource fire an empty ``message`` event each time."""
    monkeypatch.setattr(gateway.live, "KEEPALIVE_SECONDS", 0.2)
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        poll = await open_dialog(
            client, town, admin, kind="vox-pop", settings={"question": "Lower the speed limit?"}
        )
        url = f"/api/v1/dialogs/{poll['id']}/tally/live"
        async with client.stream("GET", url, headers=town.headers()) as stream:
            blocks: list[list[str]] = [[]]
            async for line in stream.aiter_lines():
                if line:
                    blocks[-1].append(line)
                elif blocks[-1]:
                    if blocks[-1][0].startswith(": keep-alive"):
                        break
                    blocks.append([])
    assert blocks[0][0] == "event: tally"  # the tally first, then the keep-alive alone
    assert blocks[-1] == [": keep-alive"]
