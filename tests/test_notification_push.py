"""Web push with VAPID against a real HTTP push service on a local port: the browser can
decrypt what arrives, it arrives once, a 410 removes the subscription, bad subscriptions are
refused naming the field. The push service here is on 127.0.0.1, which only the test-only
``PushPolicy(loopback_for_tests=True)`` allows (see test_notification_push_guard.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from pywebpush import Vapid  # type: ignore[import-untyped]

from services.identity.access import Role
from services.notifications.push_policy import PushPolicy
from tests.api import Town, open_dialog, staff_token
from tests.notify import Browser, PushService, device_person, send_round, submit, vapid_private_key
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    return dataclasses.replace(
        addresses,
        vapid_private_key=vapid_private_key(),
        vapid_subject="mailto:ops@tinget.example",
        push=PushPolicy(loopback_for_tests=True),  # the push service below is on 127.0.0.1
    )


def subscription(endpoint: str, browser: Browser, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"endpoint": endpoint, "keys": browser.keys(), "expirationTime": None}
    body.update(changes)
    return body


async def test_a_notification_is_pushed_once_encrypted_for_the_browser(
    client: httpx.AsyncClient, platform: Platform, town: Town, push_service: PushService
) -> None:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    eva = await device_person(client, town)
    phone, old_laptop = Browser(), Browser()
    push_service.gone.add("/push/old-laptop")
    headers = town.headers(eva.token)
    added = [
        await client.post(
            "/api/v1/me/push-subscriptions",
            json=subscription(push_service.endpoint(path), browser),
            headers=headers,
        )
        for path, browser in (("/push/phone", phone), ("/push/old-laptop", old_laptop))
    ]
    dialog = await open_dialog(client, town, admin)
    await submit(client, town, eva, dialog["id"], title="Swings")
    for path, body in (("close", {"reason": "Done"}), ("results", {"summary": "Swings come"})):
        done = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/{path}", json=body, headers=town.headers(admin)
        )
        assert done.status_code == 200, done.text

    await send_round(platform)
    await send_round(platform)

    assert [a.status_code for a in added] == [201, 201]
    to_phone = [p for p in push_service.received if p.path == "/push/phone"]
    results = [json.loads(phone.decrypt(p.body)) for p in to_phone]
    [result] = [r for r in results if r["kind"] == "dialog-results"]
    assert result["title"] == "Resultat: Safer cycling to school"
    assert "Swings come" in result["body"]
    assert result["url"] == f"https://{town.host}/dialogs/{dialog['id']}"
    assert len(to_phone) == len(results)  # each notification once, none twice
    authorization = to_phone[0].headers["authorization"]
    assert authorization.startswith("vapid t=")
    assert Vapid.verify(authorization)  # signed with the deployment's VAPID key
    async with platform.worker_pool.acquire() as conn:
        endpoints = await conn.fetch(
            "SELECT endpoint FROM push_subscriptions WHERE person_id = $1", eva.person_id
        )
        statuses = await conn.fetch(
            "SELECT DISTINCT status FROM notification_deliveries WHERE person_id = $1"
            " AND channel = 'push'",
            eva.person_id,
        )
    assert [r["endpoint"] for r in endpoints] == [push_service.endpoint("/push/phone")]
    assert [r["status"] for r in statuses] == ["sent"]


async def test_bad_subscriptions_are_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    eva = await device_person(client, town)
    browser = Browser()
    good = "https://fcm.googleapis.com/fcm/send/abc"
    cases = {
        "endpoint": [
            subscription("http://fcm.googleapis.com/fcm/send/abc", browser),
            subscription("ftp://fcm.googleapis.com/x", browser),
            subscription("not a url", browser),
        ],
        "keys.p256dh": [
            subscription(good, browser, keys={**browser.keys(), "p256dh": "!!!"}),
            subscription(good, browser, keys={**browser.keys(), "p256dh": "AAAA"}),
        ],
        "keys.auth": [
            subscription(good, browser, keys={**browser.keys(), "auth": "AAAA"}),
            subscription(good, browser, keys={"p256dh": browser.keys()["p256dh"]}),  # missing
        ],
        "person_id": [subscription(good, browser, person_id="someone-else")],
    }
    headers = town.headers(eva.token)

    for field, bodies in cases.items():
        for body in bodies:
            response = await client.post(
                "/api/v1/me/push-subscriptions", json=body, headers=headers
            )
            assert 400 <= response.status_code < 500, response.text
            assert response.json()["field"] == field, response.text
    added = await client.post(
        "/api/v1/me/push-subscriptions", json=subscription(good, browser), headers=headers
    )
    renewed = await client.post(
        "/api/v1/me/push-subscriptions", json=subscription(good, browser), headers=headers
    )
    removed = await client.delete(
        f"/api/v1/me/push-subscriptions/{added.json()['id']}", headers=headers
    )
    again = await client.delete(
        f"/api/v1/me/push-subscriptions/{added.json()['id']}", headers=headers
    )

    assert added.status_code == 201, added.text
    assert renewed.json() == added.json()  # one subscription per endpoint
    assert (removed.status_code, again.status_code) == (204, 404)
    async with platform.worker_pool.acquire() as conn:
        left = await conn.fetchval("SELECT count(*) FROM push_subscriptions")
    assert left == 0  # nothing of the refused ones was written


async def test_push_is_off_without_vapid_keys_and_says_so(addresses: Addresses) -> None:
    from services.notifications.push import PushSender, VapidConfig

    assert PushSender(None).status.startswith("disabled")
    with pytest.raises(ValueError, match="TINGET_VAPID_PRIVATE_KEY"):
        VapidConfig("not-a-key", "mailto:ops@tinget.example")
    with pytest.raises(ValueError, match="TINGET_VAPID_SUBJECT"):
        VapidConfig(vapid_private_key(), "ops@tinget.example")
    assert PushSender(VapidConfig(vapid_private_key(), "mailto:ops@tinget.example")).enabled
