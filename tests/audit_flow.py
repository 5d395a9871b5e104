"""A municipality's flow driven over HTTP for the audit trail's tests, and the CLI runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

Entry = dict[str, Any]


@dataclass
class Flow:
    """A dialog with a post, an edit and a support, and a vox pop with one vote."""

    town: Town
    admin: str
    admin_id: str
    author_id: str
    supporter_id: str
    dialog_id: str
    post_id: str
    poll_id: str


async def person_of(client: httpx.AsyncClient, town: Town, token: str) -> str:
    me = await client.get("/api/v1/me", headers=town.headers(token))
    person: str = me.json()["person_id"]
    return person


async def settle(platform: Platform) -> None:
    """Every read model up to the store, including what policies record meanwhile."""
    while True:
        head = await platform.reader.head()
        await platform.catch_up_projections()
        if await platform.reader.head() == head:
            return


async def run_flow(client: httpx.AsyncClient, platform: Platform, name: str = "Lund") -> Flow:
    town = await create_town(platform, name)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(client, town, admin)
    author = await device_token(client, town)
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"title": "A crossing at the school", "body": "Children cross the road here"},
        headers={**town.headers(author), "x-request-id": "req-post"},
    )
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]
    edited = await client.patch(
        f"/api/v1/posts/{post_id}",
        json={"body": "Children cross here"},
        headers=town.headers(author),
    )
    assert edited.status_code == 200, edited.text
    supporter = await device_token(client, town)
    supported = await client.post(
        f"/api/v1/posts/{post_id}/supports", headers=town.headers(supporter)
    )
    assert supported.status_code == 201, supported.text
    poll = await open_dialog(client, town, admin, kind="vox-pop", settings={"question": "Bridge?"})
    voted = await client.post(
        f"/api/v1/dialogs/{poll['id']}/votes",
        json={"choices": ["yes"]},
        headers={**town.headers(supporter), "x-request-id": "req-vote"},
    )
    assert voted.status_code == 201, voted.text
    await settle(platform)
    return Flow(
        town=town,
        admin=admin,
        admin_id=await person_of(client, town, admin),
        author_id=await person_of(client, town, author),
        supporter_id=await person_of(client, town, supporter),
        dialog_id=dialog["id"],
        post_id=post_id,
        poll_id=poll["id"],
    )


async def listed(
    client: httpx.AsyncClient, flow: Flow, limit: int = 100, **params: str
) -> list[Entry]:
    """Every page of the listing with these filters, newest first."""
    entries: list[Entry] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {**params, "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        page = await client.get(
            "/api/v1/audit", params=query, headers=flow.town.headers(flow.admin)
        )
        assert page.status_code == 200, page.text
        entries += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return entries


def one(entries: list[Entry], event_type: str) -> Entry:
    [found] = [e for e in entries if e["event_type"] == event_type]
    return found
