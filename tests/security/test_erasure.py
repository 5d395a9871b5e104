"""Erasure and access on request across trust boundaries: another municipality's administrator
neither erases nor reads a person, and an erased person's token is refused in every gateway."""

from __future__ import annotations

import asyncio
import time

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, staff_token
from tinget.bootstrap import Platform


async def test_another_municipalitys_administrator_neither_erases_nor_reads_a_person(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    lund, malmo = await create_town(platform, "Lund"), await create_town(platform, "Malmö")
    citizen = await device_token(client, lund)
    person = (await client.get("/api/v1/me", headers=lund.headers(citizen))).json()["person_id"]
    malmo_admin = await staff_token(platform, malmo, "admin@malmo.example", Role.ADMINISTRATOR)

    erased = await client.post(
        f"/api/v1/people/{person}/erasure", headers=malmo.headers(malmo_admin)
    )
    read = await client.get(f"/api/v1/people/{person}/data", headers=malmo.headers(malmo_admin))
    # Malmö's token on Lund's host is not a token of Lund at all.
    crossed = await client.post(
        f"/api/v1/people/{person}/erasure", headers=lund.headers(malmo_admin)
    )

    assert erased.status_code == 404
    assert read.status_code == 404
    assert crossed.status_code == 401
    assert (await client.get("/api/v1/me", headers=lund.headers(citizen))).status_code == 200


async def test_an_erased_persons_token_is_refused_within_a_second_in_another_gateway(
    client: httpx.AsyncClient, other_gateway: httpx.AsyncClient, platform: Platform
) -> None:
    town: Town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    citizen = await device_token(client, town)
    person = (await client.get("/api/v1/me", headers=town.headers(citizen))).json()["person_id"]
    assert (await other_gateway.get("/api/v1/me/data", headers=town.headers(citizen))).is_success

    erased = await client.post(f"/api/v1/people/{person}/erasure", headers=town.headers(admin))
    assert erased.status_code == 202, erased.text
    began = time.monotonic()

    assert (await client.get("/api/v1/me", headers=town.headers(citizen))).status_code == 401
    while (await other_gateway.get("/api/v1/me/data", headers=town.headers(citizen))).is_success:
        assert time.monotonic() - began < 1.5, "the other gateway still accepts the token"
        await asyncio.sleep(0.05)
