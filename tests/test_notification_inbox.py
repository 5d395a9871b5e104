"""The in-app notification list: every notification becomes an item, read and unread, pages,
bad input named, and another tenant's items never visible (HTTP and SQL)."""

from __future__ import annotations

import uuid

import httpx

from events.db import tenant_transaction
from tests.api import Town, create_town, open_dialog
from tests.notify import Person, device_person, send_round, submit
from tinget.bootstrap import Platform


async def results_for(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, *people: Person
) -> str:
    """A dialog the people posted in, closed, with its results published; returns its id."""
    dialog = await open_dialog(client, town, admin)
    for who in people:
        await submit(client, town, who, dialog["id"], title="A bench by the pond")
    for path, body in (("close", {"reason": "Done"}), ("results", {"summary": "Benches come"})):
        response = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/{path}", json=body, headers=town.headers(admin)
        )
        assert response.status_code == 200, response.text
    await send_round(platform)
    return str(dialog["id"])


async def test_a_person_without_an_address_reads_their_items_and_marks_them_read(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    eva = await device_person(client, town)
    other = await device_person(client, town)
    dialog_id = await results_for(client, platform, town, admin, eva, other)
    headers = town.headers(eva.token)

    listed = await client.get("/api/v1/me/notifications", headers=headers)
    [item] = [i for i in listed.json()["items"] if i["kind"] == "dialog-results"]
    marked = await client.post(f"/api/v1/me/notifications/{item['id']}/read", headers=headers)
    twice = await client.post(f"/api/v1/me/notifications/{item['id']}/read", headers=headers)
    by_other = await client.post(
        f"/api/v1/me/notifications/{item['id']}/read", headers=town.headers(other.token)
    )
    unknown = await client.post(f"/api/v1/me/notifications/{uuid.uuid4()}/read", headers=headers)
    unread = await client.get("/api/v1/me/notifications?unread=true", headers=headers)
    after = await client.get("/api/v1/me/notifications", headers=headers)

    assert listed.status_code == 200, listed.text
    assert item["title"] == "Resultat: Safer cycling to school"
    assert "Benches come" in item["body"]
    assert item["link"] == f"https://{town.host}/dialogs/{dialog_id}"
    assert item["read"] is False
    assert listed.json()["unread"] == len(listed.json()["items"])
    assert (marked.status_code, twice.status_code) == (204, 204)
    assert by_other.status_code == 404
    assert unknown.status_code == 404
    assert item["id"] not in {i["id"] for i in unread.json()["items"]}
    assert after.json()["unread"] == listed.json()["unread"] - 1
    assert {**item, "read": True} in after.json()["items"]
    async with platform.worker_pool.acquire() as conn:
        deliveries = await conn.fetch(
            "SELECT status, last_error FROM notification_deliveries WHERE person_id = $1"
            " AND kind = 'dialog-results'",
            eva.person_id,
        )
    # no address and no push subscription: both skipped, with the reason
    assert sorted(r["last_error"] for r in deliveries) == [
        "the person has no e-mail address",
        "web push is off in this deployment",
    ]


async def test_the_list_pages_newest_first_and_refuses_bad_input_by_name(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    eva = await device_person(client, town)
    for _ in range(3):
        await results_for(client, platform, town, admin, eva)
    headers = town.headers(eva.token)

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/me/notifications", params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += [i["created_at"] + i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    everything = await client.get("/api/v1/me/notifications?limit=100", headers=headers)
    bad_cursor = await client.get("/api/v1/me/notifications?cursor=nope", headers=headers)
    bad_limit = await client.get("/api/v1/me/notifications?limit=0", headers=headers)
    bad_unread = await client.get("/api/v1/me/notifications?unread=perhaps", headers=headers)
    anonymous = await client.get("/api/v1/me/notifications", headers=town.headers())

    assert len(seen) == len(everything.json()["items"]) >= 3
    assert seen == sorted(seen, reverse=True)
    assert (bad_cursor.status_code, bad_cursor.json()["field"]) == (422, "cursor")
    assert (bad_limit.status_code, bad_limit.json()["field"]) == (400, "limit")
    assert (bad_unread.status_code, bad_unread.json()["field"]) == (400, "unread")
    assert anonymous.status_code == 401


async def test_another_tenants_notifications_are_never_visible(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    eva = await device_person(client, town)
    await results_for(client, platform, town, admin, eva)
    elsewhere = await create_town(platform, "Malmö")
    stranger = await device_person(client, elsewhere)
    [item] = (await client.get("/api/v1/me/notifications", headers=town.headers(eva.token))).json()[
        "items"
    ][:1]

    foreign_token = await client.get(
        "/api/v1/me/notifications", headers=elsewhere.headers(eva.token)
    )
    their_list = await client.get(
        "/api/v1/me/notifications", headers=elsewhere.headers(stranger.token)
    )
    their_mark = await client.post(
        f"/api/v1/me/notifications/{item['id']}/read", headers=elsewhere.headers(stranger.token)
    )
    tables = ["notifications", "notification_deliveries", "notification_participants"]
    async with tenant_transaction(platform.app_pool, elsewhere.slug) as conn:
        seen_from_elsewhere = [
            await conn.fetchval(f"SELECT count(*) FROM {t} WHERE tenant_id = $1", town.slug)
            for t in ("notifications", "notification_preferences", "push_subscriptions")
        ]
    async with platform.app_pool.acquire() as conn:
        with_no_tenant = await conn.fetchval("SELECT count(*) FROM notifications")
        refused = []
        for t in tables[1:]:
            try:
                await conn.fetchval(f"SELECT count(*) FROM {t}")
            except Exception as error:  # the request role may not read these at all
                refused.append(type(error).__name__)

    assert foreign_token.status_code == 401
    assert their_list.status_code == 200
    assert their_list.json()["items"] == []
    assert their_mark.status_code == 404
    assert seen_from_elsewhere == [0, 0, 0]
    assert with_no_tenant == 0
    assert refused == ["InsufficientPrivilegeError", "InsufficientPrivilegeError"]
