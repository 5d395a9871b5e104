"""Web push cannot be turned against the network it runs in: only endpoints on the browsers'
push services are taken, a host that resolves into a private or loopback range is refused at
send time without connecting, and a push service that hangs costs one timeout and then is
paused (its breaker opens) while other deliveries go out."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from events.db import tenant_transaction
from services.identity.access import Role
from services.notifications.breaker import Breaker
from services.notifications.push import PushFailed, PushSender, VapidConfig
from services.notifications.push_policy import (
    PushPolicy,
    UnsafeEndpoint,
    VettedResolver,
    refused_address,
)
from services.notifications.push_services import DEFAULT_PUSH_SERVICES
from tests.api import Town, open_dialog, staff_token
from tests.notify import (
    Browser,
    Person,
    PushService,
    device_person,
    send_round,
    submit,
    vapid_private_key,
)
from tinget.bootstrap import Addresses, Platform
from tinget.config import Settings


@pytest.fixture
def platform_addresses(addresses: Addresses, request: pytest.FixtureRequest) -> Addresses:
    """Push on, with the push policy a test asks for (by ``@pytest.mark.parametrize`` on
    ``policy``, indirectly), else the deployment's default one."""
    policy = getattr(request, "param", None) or addresses.push
    return dataclasses.replace(
        addresses,
        push=policy,
        vapid_private_key=vapid_private_key(),
        vapid_subject="mailto:ops@tinget.example",
    )


def subscription(endpoint: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": Browser().keys(), "expirationTime": None}


async def stored_endpoints(platform: Platform) -> list[str]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch("SELECT endpoint FROM push_subscriptions ORDER BY endpoint")
    return [r["endpoint"] for r in rows]


async def push_deliveries(platform: Platform, person: Person) -> list[dict[str, Any]]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT delivery_id, kind, status, attempts, last_error"
            " FROM notification_deliveries WHERE person_id = $1 AND channel = 'push'",
            person.person_id,
        )
    return [dict(r) for r in rows]


async def results_for(
    client: httpx.AsyncClient, platform: Platform, town: Town, people: list[Person]
) -> None:
    """A dialog in which ``people`` took part gets its results: a push to each of them."""
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(client, town, admin)
    for who in people:
        await submit(client, town, who, dialog["id"], title="Swings")
    for path, body in (("close", {"reason": "Done"}), ("results", {"summary": "Swings come"})):
        done = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/{path}", json=body, headers=town.headers(admin)
        )
        assert done.status_code == 200, done.text


REFUSED = {
    "http://fcm.googleapis.com/fcm/send/abc": "https URL",
    "https://127.0.0.1/push": "not an IP address",
    "https://169.254.169.254/latest/meta-data/": "not an IP address",
    "https://10.0.0.1/push": "not an IP address",
    "https://[::1]/push": "not an IP address",
    "https://[fd00::1]/push": "not an IP address",
    "https://nats/push": "not a known browser push service",
    "https://nats:4222/push": "default https port",
    "https://localhost/push": "not a known browser push service",
    "http://localhost:8000/push": "https URL",
    "https://push.example.net/send/abc": "not a known browser push service",
    "https://fcm.googleapis.com.evil.example/send": "not a known browser push service",
    "https://evilfcm.googleapis.com.example/send": "not a known browser push service",
    "https://user:secret@fcm.googleapis.com/fcm/send/abc": "user name",
    "https://fcm.googleapis.com@169.254.169.254/": "user name",
    "https://fcm.googleapis.com:8443/fcm/send/abc": "default https port",
    "https://fcm.googleapis.com:443/fcm/send/abc": "default https port",
    "https://fcm.googleapis.com\\@10.0.0.1/": "not a URL",
    "https://2130706433/push": "not a known browser push service",  # 127.0.0.1 as a number
}
ACCEPTED = [
    "https://fcm.googleapis.com/fcm/send/abc:def",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://web.push.apple.com/QGuQ",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
]


async def test_only_endpoints_on_known_push_services_are_taken(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    eva = await device_person(client, town)
    headers = town.headers(eva.token, language="en")  # refusals as written

    refused = {
        endpoint: await client.post(
            "/api/v1/me/push-subscriptions", json=subscription(endpoint), headers=headers
        )
        for endpoint in REFUSED
    }
    left = await stored_endpoints(platform)
    accepted = [
        await client.post(
            "/api/v1/me/push-subscriptions", json=subscription(endpoint), headers=headers
        )
        for endpoint in ACCEPTED
    ]

    for endpoint, response in refused.items():
        assert response.status_code == 422, (endpoint, response.text)
        assert response.json()["field"] == "endpoint", (endpoint, response.text)
        assert REFUSED[endpoint] in response.text, (endpoint, response.text)
    assert left == []  # nothing of the refused ones was written
    assert [a.status_code for a in accepted] == [201] * len(ACCEPTED)
    assert await stored_endpoints(platform) == sorted(ACCEPTED)


async def test_the_loopback_test_allowance_is_off_by_default(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    """Only tests turn it on, in code: no request field and no environment variable does."""
    eva = await device_person(client, town)
    settings = Settings.from_env({"TINGET_PUSH_LOOPBACK_FOR_TESTS": "yes"})

    refused = await client.post(
        "/api/v1/me/push-subscriptions",
        json={**subscription("http://127.0.0.1:8000/push"), "loopback_for_tests": True},
        headers=town.headers(eva.token),
    )
    plain = await client.post(
        "/api/v1/me/push-subscriptions",
        json=subscription("http://127.0.0.1:8000/push"),
        headers=town.headers(eva.token),
    )

    assert PushPolicy().loopback_for_tests is False
    assert platform.addresses.push == PushPolicy()
    assert platform.sender.push.policy == PushPolicy()
    assert settings.push_services == DEFAULT_PUSH_SERVICES
    assert 400 <= refused.status_code < 500, refused.text  # no such field
    assert plain.status_code == 422, plain.text
    assert plain.json()["field"] == "endpoint"
    assert PushPolicy().check_address("127.0.0.1") == "a loopback address"
    assert PushPolicy(loopback_for_tests=True).check_address("127.0.0.1") is None
    assert PushPolicy(loopback_for_tests=True).check_address("10.0.0.1") == "a private address"


def test_the_push_services_come_from_the_environment() -> None:
    assert Settings.from_env({}).push_services == DEFAULT_PUSH_SERVICES
    assert "notify.windows.com" in DEFAULT_PUSH_SERVICES
    chosen = Settings.from_env({"TINGET_PUSH_SERVICES": " push.example.net, FCM.googleapis.com"})
    assert chosen.push_services == ("push.example.net", "fcm.googleapis.com")
    assert PushPolicy(chosen.push_services).known_service("a.push.example.net")
    assert not PushPolicy(chosen.push_services).known_service("xpush.example.net")
    for bad in ("10.0.0.1", "push example", "https://push.example.net", " , "):
        with pytest.raises(ValueError, match="TINGET_PUSH_SERVICES"):
            Settings.from_env({"TINGET_PUSH_SERVICES": bad})


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",  # 10.0.0.1 through NAT64
        "2001:db8::1",  # documentation
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "142.250.74.10", "2a00:1450:4001:80b::200a"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is None


async def test_the_resolver_gives_only_checked_addresses() -> None:
    with pytest.raises(UnsafeEndpoint, match="resolves to a loopback address"):
        await VettedResolver(PushPolicy()).resolve("localhost", 443)
    found = await VettedResolver(PushPolicy(loopback_for_tests=True)).resolve("localhost", 443)
    assert found
    assert all(ipaddress.ip_address(r["host"]).is_loopback for r in found)


@dataclasses.dataclass
class Listener:
    """A TCP server counting the connections it gets, answering none of them."""

    connections: int = 0
    writers: list[asyncio.StreamWriter] = dataclasses.field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        await reader.read()  # until the client gives up


@pytest.fixture
async def listener_on_443() -> AsyncIterator[Listener | None]:
    """A server where ``https://localhost/`` would connect to (None when this process may not
    listen on port 443)."""
    listener = Listener()
    try:
        server = await asyncio.start_server(listener.handle, "127.0.0.1", 443)
    except OSError:
        yield None
        return
    try:
        yield listener
    finally:
        server.close()
        for w in listener.writers:
            w.close()


@pytest.mark.parametrize(
    "platform_addresses",
    [PushPolicy(services=(*DEFAULT_PUSH_SERVICES, "localhost"))],
    indirect=True,
)
async def test_a_push_service_resolving_to_loopback_is_refused_without_connecting(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    listener_on_443: Listener | None,
) -> None:
    """The name is configured as a push service, so the endpoint is taken; at send time it
    resolves to 127.0.0.1, so nothing is connected to and the subscription is forgotten."""
    eva = await device_person(client, town)
    added = await client.post(
        "/api/v1/me/push-subscriptions",
        json=subscription("https://localhost/push/eva"),
        headers=town.headers(eva.token),
    )
    await results_for(client, platform, town, [eva])

    await send_round(platform)

    assert added.status_code == 201, added.text
    if listener_on_443 is not None:
        await asyncio.sleep(0.1)
        assert listener_on_443.connections == 0
    deliveries = await push_deliveries(platform, eva)
    assert deliveries, "the results should have been pushed to Eva"
    for d in deliveries:
        assert (d["status"], d["attempts"]) == ("failed", 1)  # at once, no retries
        assert d["last_error"] == "the push service localhost resolves to a loopback address"
    assert await stored_endpoints(platform) == []  # forgotten


async def test_a_stored_endpoint_the_rules_refuse_is_not_sent_to(
    client: httpx.AsyncClient, platform: Platform, town: Town, push_service: PushService
) -> None:
    """A subscription registered before these rules (or under other settings) is checked again
    when sending: an http endpoint on a private address is refused and forgotten."""
    eva = await device_person(client, town)
    async with tenant_transaction(platform.app_pool, town.slug) as conn:
        await conn.execute(
            "INSERT INTO push_subscriptions"
            " (tenant_id, subscription_id, person_id, endpoint, p256dh, auth)"
            " VALUES ($1, gen_random_uuid(), $2, $3, $4, $5)",
            town.slug,
            eva.person_id,
            push_service.endpoint("/push/eva"),
            *Browser().keys().values(),
        )
    await results_for(client, platform, town, [eva])

    await send_round(platform)

    assert push_service.received == []
    deliveries = await push_deliveries(platform, eva)
    assert deliveries
    assert {(d["status"], d["last_error"]) for d in deliveries} == {
        ("failed", "the endpoint must be an https URL of a push service")
    }
    assert await stored_endpoints(platform) == []


@pytest.fixture
async def silent_service() -> AsyncIterator[tuple[Listener, int]]:
    """A push service that takes connections and never answers."""
    listener = Listener()
    server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
    try:
        yield listener, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for w in listener.writers:
            w.close()


@pytest.mark.parametrize("platform_addresses", [PushPolicy(loopback_for_tests=True)], indirect=True)
async def test_a_silent_push_service_times_out_and_is_paused_while_others_get_theirs(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    push_service: PushService,
    silent_service: tuple[Listener, int],
) -> None:
    silent, silent_port = silent_service
    sender = platform.sender
    sender.push = PushSender(
        sender.push.vapid,
        platform.addresses.push,
        timeout=0.5,
        breaker=Breaker(failures=1, cooldown=600),
    )
    eva, olle = await device_person(client, town), await device_person(client, town)
    for who, endpoint in (
        (eva, f"http://localhost:{silent_port}/push/eva"),  # host "localhost": the silent one
        (olle, push_service.endpoint("/push/olle")),  # host "127.0.0.1": a working one
    ):
        added = await client.post(
            "/api/v1/me/push-subscriptions",
            json=subscription(endpoint),
            headers=town.headers(who.token),
        )
        assert added.status_code == 201, added.text
    await results_for(client, platform, town, [eva, olle])

    started = time.monotonic()
    await send_round(platform)
    first_round = time.monotonic() - started
    connections_after_first = silent.connections
    to_olle_after_first = len(push_service.received)
    first = await push_deliveries(platform, eva)
    await results_for(client, platform, town, [eva, olle])
    await send_round(platform)
    seen = {d["delivery_id"] for d in first}
    second = [d for d in await push_deliveries(platform, eva) if d["delivery_id"] not in seen]

    assert connections_after_first >= 1
    assert first_round < 5  # settling the read models, plus one 0.5 s timeout
    assert to_olle_after_first >= 1  # Olle's went out in the same round
    assert {(d["status"], d["attempts"]) for d in first} == {("pending", 1)}
    assert {d["last_error"] for d in first} == {
        "the push service localhost did not answer within 0.5 s"
    }
    assert sender.push.breaker.wait("localhost") > 500  # open: localhost is paused
    assert silent.connections == connections_after_first  # not tried while paused
    assert len(push_service.received) > to_olle_after_first  # Olle's still go out
    assert second, "the second results should have been pushed to Eva"
    for d in second:  # kept for later, not counted as an attempt, not dropped
        assert (d["status"], d["attempts"]) == ("pending", 0)
        assert d["last_error"].startswith("the push service localhost kept failing")


async def test_a_redirect_from_the_push_service_is_not_followed() -> None:
    """A push service answering 307 to a private address gets no second request there."""
    asked: list[str] = []

    async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        asked.append(head.decode("latin-1").split(" ", 2)[1])
        writer.write(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:%d/next\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n" % port
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(redirect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    vapid = VapidConfig(vapid_private_key(), "mailto:ops@tinget.example")
    push = PushSender(vapid, PushPolicy(loopback_for_tests=True), timeout=2)
    try:
        with pytest.raises(PushFailed, match="answered a redirect"):
            await push.send(f"http://127.0.0.1:{port}/push", **Browser().keys(), payload=b"{}")
    finally:
        server.close()
    assert asked == ["/push"]
