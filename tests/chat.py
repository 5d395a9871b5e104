"""Driving a discussion's live chat over HTTP in tests: a live discussion, posting, reading."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import msgspec

from projections.runtime import LiveConsumer
from tests.api import Town, open_dialog
from tinget.bootstrap import Platform


async def live_discussion(
    client: httpx.AsyncClient,
    town: Town,
    admin: str,
    moderator: str,
    *,
    premoderation: bool = False,
    slow_mode_seconds: int = 0,
    **changes: Any,
) -> str:
    """An open discussion whose chat a moderator made live; its id."""
    dialog = await open_dialog(client, town, admin, kind="discussion", **changes)
    configured = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/chat",
        json={
            "live": True,
            "premoderation": premoderation,
            "slow_mode_seconds": slow_mode_seconds,
        },
        headers=town.headers(moderator),
    )
    assert configured.status_code == 200, configured.text
    dialog_id: str = dialog["id"]
    return dialog_id


async def say(
    client: httpx.AsyncClient,
    town: Town,
    token: str,
    dialog_id: str,
    body: str,
    language: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog_id}/chat/messages",
        json={"body": body},
        headers=town.headers(token, language),
    )


async def said(
    client: httpx.AsyncClient, town: Town, token: str, dialog_id: str, body: str
) -> dict[str, Any]:
    sent = await say(client, town, token, dialog_id, body)
    assert sent.status_code == 201, sent.text
    created: dict[str, Any] = sent.json()
    return created


async def chat_events_recorded(platform: Platform, town: Town) -> list[str]:
    """The chat events stored for the town, as the database owner sees them."""
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        rows = await conn.fetch(
            "SELECT event_type FROM events WHERE tenant_id = $1 AND context = 'chat'"
            " ORDER BY position",
            town.slug,
        )
    finally:
        await conn.close()
    return [r["event_type"] for r in rows]


class SseEvent(msgspec.Struct, kw_only=True):
    """One server-sent event (or comment) as a client reads it."""

    id: int | None = None
    event: str | None = None
    data: Any = None
    comment: str | None = None
    at: float = 0.0  # loop time it was read


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[SseEvent]:
    """The events of a text/event-stream, one per blank-line-ended block."""
    fields: dict[str, str] = {}
    comment: str | None = None
    async for line in lines:
        if line == "":
            if fields or comment is not None:
                yield SseEvent(
                    id=int(fields["id"]) if "id" in fields else None,
                    event=fields.get("event"),
                    data=json.loads(fields["data"]) if "data" in fields else None,
                    comment=comment,
                    at=asyncio.get_running_loop().time(),
                )
            fields, comment = {}, None
        elif line.startswith(":"):
            comment = line[1:].strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


class Watcher:
    """A client following a chat's stream: what it received, in order."""

    def __init__(self, stream: httpx.Response) -> None:
        self.stream = stream
        self.events = sse_events(stream.aiter_lines())
        self.received: list[SseEvent] = []

    async def until_live(self, patience: float = 10.0) -> list[SseEvent]:
        """The backlog: every event before the stream says it is live."""
        backlog: list[SseEvent] = []
        async with asyncio.timeout(patience):
            async for event in self.events:
                if event.event == "live":
                    assert event.id is None  # leaves the client's last event id as it was
                    return backlog
                if event.comment is None:
                    backlog.append(event)
                    self.received.append(event)
        raise AssertionError("the stream ended before it went live")

    async def take(self, count: int, patience: float = 10.0) -> list[SseEvent]:
        """The next ``count`` events (comments skipped)."""
        taken: list[SseEvent] = []
        async with asyncio.timeout(patience):
            async for event in self.events:
                if event.comment is None:
                    taken.append(event)
                    self.received.append(event)
                    if len(taken) == count:
                        return taken
        raise AssertionError(f"the stream ended after {len(taken)} of {count} events")


@asynccontextmanager
async def watching(
    client: httpx.AsyncClient,
    town: Town,
    dialog_id: str,
    token: str | None = None,
    *,
    last_event_id: int | None = None,
    moderation: bool = False,
    by_query: bool = False,
) -> AsyncIterator[Watcher]:
    """A stream of the chat, open and live (its backlog read into ``received``)."""
    path = "moderation-events" if moderation else "events"
    headers = town.headers(token)
    params = {}
    if last_event_id is not None:
        if by_query:
            params["last_event_id"] = str(last_event_id)
        else:
            headers["Last-Event-ID"] = str(last_event_id)
    async with client.stream(
        "GET", f"/api/v1/dialogs/{dialog_id}/chat/{path}", headers=headers, params=params
    ) as stream:
        assert stream.status_code == 200, await stream.aread()
        assert stream.headers["content-type"].startswith("text/event-stream")
        watcher = Watcher(stream)
        await watcher.until_live()
        yield watcher


@asynccontextmanager
async def live_workers(platform: Platform, durable: str = "chat") -> AsyncIterator[None]:
    """As deployed: the relay publishes to JetStream and a live consumer feeds the read
    models (the chat's feed notifies the gateway's hub)."""
    stop = asyncio.Event()
    await platform.catch_up_projections()
    workers = [
        asyncio.create_task(platform.relay().run(stop)),
        asyncio.create_task(
            platform.consume(LiveConsumer(platform.projections, durable=durable), stop)
        ),
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*workers)


def ids_of(events: list[SseEvent]) -> list[int]:
    """The events' ids (every event of the chat's streams has one)."""
    found = [e.id for e in events]
    assert None not in found, found
    return [i for i in found if i is not None]
