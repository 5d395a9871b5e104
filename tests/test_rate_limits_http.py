"""Rate limits a crowd behind one proxy can live with: counted per forwarded client address
(only from trusted proxies), per target and under a per-tenant ceiling; counters keyed by
keyed hashes only, and pruned when their window has passed."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.forwarding import TrustedProxies
from services.identity.records import Rule, prune_rate_limits
from tests.api import Town
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform

PROXY_PEER = ("10.0.0.7", 1234)  # the ingress controller, in the trusted range
STRANGER_PEER = ("198.51.100.4", 1234)  # anyone else


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    return dataclasses.replace(addresses, trusted_proxies=TrustedProxies.parse("10.0.0.0/8"))


async def peer_client(platform: Platform, peer: tuple[str, int]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=build_app(platform), client=peer)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def via_proxy(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with await peer_client(platform, PROXY_PEER) as c:
        yield c


@pytest.fixture
async def direct(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with await peer_client(platform, STRANGER_PEER) as c:
        yield c


def citizen(i: int) -> str:
    return f"203.0.{i // 250}.{i % 250 + 1}"


def forwarded(town: Town, address: str) -> dict[str, str]:
    # What ingress-nginx sends: the client's own claim (if any), then the address it saw.
    return {**town.headers(), "x-forwarded-for": f"192.0.2.1, {address}"}


async def test_the_crowd_behind_one_proxy_signs_in(
    via_proxy: httpx.AsyncClient, direct: httpx.AsyncClient, town: Town
) -> None:
    crowd = await asyncio.gather(
        *(
            via_proxy.post("/api/v1/sessions/device", headers=forwarded(town, citizen(i)))
            for i in range(200)
        )
    )
    links = await asyncio.gather(
        *(
            via_proxy.post(
                "/api/v1/sign-in/email",
                json={"email": f"citizen{i}@example.se"},
                headers=forwarded(town, citizen(i)),
            )
            for i in range(50)
        )
    )
    hammering = [
        await via_proxy.post("/api/v1/sessions/device", headers=forwarded(town, "192.0.2.99"))
        for _ in range(12)
    ]
    spoofed = await asyncio.gather(
        *(
            direct.post("/api/v1/sessions/device", headers=forwarded(town, citizen(i)))
            for i in range(200)
        )
    )
    after = await via_proxy.post("/api/v1/sessions/device", headers=forwarded(town, citizen(201)))

    assert [r.status_code for r in crowd] == [201] * 200
    assert [r.status_code for r in links] == [202] * 50
    assert [r.status_code for r in hammering] == [201] * 10 + [429] * 2
    assert 1 <= int(hammering[-1].headers["retry-after"]) <= 3600
    assert hammering[-1].json()["status"] == 429
    # The same crowd straight from an untrusted peer, each claiming another address: one client.
    assert sorted(r.status_code for r in spoofed) == [201] * 10 + [429] * 190
    assert after.status_code == 201  # the one hammering locked nobody else out


async def test_one_address_hammering_sign_in_gets_429_and_the_others_go_on(
    via_proxy: httpx.AsyncClient, town: Town
) -> None:
    pins = [f"ABCD-EF{a}{b}-JK" for a in "0123456789" for b in "ABCDEFGHJK"]

    async def pin(address: str, i: int) -> httpx.Response:
        return await via_proxy.post(
            "/api/v1/sign-in/pin", json={"pin": pins[i]}, headers=forwarded(town, address)
        )

    alone = [(await pin("192.0.2.99", i)).status_code for i in range(61)]
    neighbour = await pin("192.0.2.100", 0)

    assert alone[:60] == [401] * 60  # unknown PINs, each tried once
    assert alone[60] == 429
    assert neighbour.status_code == 401


async def test_a_tenant_ceiling_holds_a_crowd_of_addresses(
    platform: Platform, via_proxy: httpx.AsyncClient, town: Town
) -> None:
    platform.identity.limits = dataclasses.replace(
        platform.identity.limits, sign_in_per_tenant=(100, 60)
    )

    answers = await asyncio.gather(
        *(
            via_proxy.post("/api/v1/sessions/device", headers=forwarded(town, citizen(i)))
            for i in range(120)
        )
    )

    assert sorted(r.status_code for r in answers) == [201] * 100 + [429] * 20


async def test_ipv6_clients_count_by_their_64(via_proxy: httpx.AsyncClient, town: Town) -> None:
    statuses = [
        (
            await via_proxy.post(
                "/api/v1/sessions/device", headers=forwarded(town, f"2001:db8:1:2::{i + 1:x}")
            )
        ).status_code
        for i in range(11)
    ]
    elsewhere = await via_proxy.post(
        "/api/v1/sessions/device", headers=forwarded(town, "2001:db8:1:3::1")
    )

    assert statuses == [201] * 10 + [429]
    assert elsewhere.status_code == 201


async def test_the_rate_limit_table_holds_no_address_or_e_mail(
    platform: Platform, via_proxy: httpx.AsyncClient, town: Town
) -> None:
    address, email, pin = "203.0.113.77", "eva.lind@example.se", "ABCD-EFGH-JK"
    await via_proxy.post("/api/v1/sessions/device", headers=forwarded(town, address))
    await via_proxy.post(
        "/api/v1/sign-in/email", json={"email": email}, headers=forwarded(town, address)
    )
    await via_proxy.post("/api/v1/sign-in/pin", json={"pin": pin}, headers=forwarded(town, address))

    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM rate_limits WHERE tenant_id = $1", town.slug)
    stored = " ".join(str(v) for row in rows for v in row.values()).lower()

    assert {r["key"].split(":")[0] for r in rows} >= {"sign-in", "device", "link", "pin"}
    for secret in (address, email, pin, "203.0.113", "eva.lind", "abcd-efgh-jk"):
        assert secret.lower() not in stored
        for shape in (secret, f"sign-in:{secret}", f"link:{secret}", f"device:{secret}"):
            bare = hashlib.sha256(shape.encode()).hexdigest()
            assert bare[:16] not in stored
            assert bare[-16:] not in stored


async def test_expired_counters_are_pruned(platform: Platform, town: Town) -> None:
    limiter = platform.identity.limiter
    await limiter.check(town.slug, Rule("brief", "a", 5, 1), Rule("long", "b", 5, 3600))
    await asyncio.sleep(1.2)

    pruned = await prune_rate_limits(platform.worker_pool)

    async with platform.worker_pool.acquire() as conn:
        kinds = [
            r["key"].split(":")[0]
            for r in await conn.fetch("SELECT key FROM rate_limits WHERE tenant_id = $1", town.slug)
        ]
    assert pruned >= 1
    assert kinds == ["long"]
