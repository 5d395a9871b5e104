"""Tokens that can be taken back: a demoted administrator's old token stops acting within a
second in every gateway process, a sign-out revokes every token of the person, staff tokens
are short and renewed with a refresh token, and a token for nobody of the tenant is refused."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.identity.access import Role, SignIn
from tests.api import Town, staff_token
from tinget.bootstrap import Platform


async def _committees(client: httpx.AsyncClient, town: Town, token: str) -> httpx.Response:
    return await client.put(
        "/api/v1/committees",
        json={"committees": ["Transport", "Education"]},
        headers=town.headers(token, language="en"),  # a refusal's English words are checked
    )


async def test_a_demoted_administrators_token_is_refused_within_a_second_everywhere(
    client: httpx.AsyncClient, other_gateway: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    demoted = await staff_token(platform, town, "kim@town.example", Role.ADMINISTRATOR)
    boss = await staff_token(platform, town, "boss@town.example", Role.ADMINISTRATOR)
    kim = platform.tokens.verify(demoted, town.slug).person_id
    for gateway in (client, other_gateway):  # both processes have the token's person in memory
        assert (await _committees(gateway, town, demoted)).status_code == 200

    changed = await client.put(
        f"/api/v1/people/{kim}/role", json={"role": "participant"}, headers=town.headers(boss)
    )
    assert changed.status_code == 200, changed.text
    began = time.monotonic()

    here = await _committees(client, town, demoted)
    assert here.status_code == 401, here.text  # the process that demoted: at once
    assert "revoked" in here.json()["detail"]
    while (await _committees(other_gateway, town, demoted)).status_code != 401:
        assert time.monotonic() - began < 1.5, "the other gateway still accepts the old token"
        await asyncio.sleep(0.05)
    me = await other_gateway.get("/api/v1/me", headers=town.headers(demoted))
    assert me.status_code == 401  # no read either: the token is gone, not just its role
    assert (await _committees(client, town, boss)).status_code == 200


async def test_signing_out_revokes_every_token_of_the_person(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    person = await platform.identity.add_staff(town.slug, "eva@town.example", Role.PARTICIPANT)
    laptop = platform.tokens.issue(town.slug, person, Role.PARTICIPANT, SignIn.EMAIL).token
    phone = platform.tokens.issue(town.slug, person, Role.PARTICIPANT, SignIn.EMAIL).token
    assert (await client.get("/api/v1/me", headers=town.headers(phone))).status_code == 200

    out = await client.post("/api/v1/sign-out", headers=town.headers(laptop))

    assert out.status_code == 200, out.text
    for token in (laptop, phone):
        refused = await client.get("/api/v1/me", headers=town.headers(token))
        assert refused.status_code == 401, refused.text
    code = await platform.identity.sign_in_link_for(town.slug, person)
    again = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers()
    )
    assert again.status_code == 200, again.text
    fresh = again.json()["token"]
    assert (await client.get("/api/v1/me", headers=town.headers(fresh))).status_code == 200


async def test_staff_tokens_are_short_and_renewed_with_a_refresh_token(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    person = await platform.identity.add_staff(town.slug, "mod@town.example", Role.MODERATOR)
    code = await platform.identity.sign_in_link_for(town.slug, person)
    signed_in = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers()
    )
    assert signed_in.status_code == 200, signed_in.text
    issued = signed_in.json()
    expires = datetime.fromisoformat(issued["expires_at"])
    assert expires - datetime.now(UTC) <= timedelta(minutes=15)
    refresh = issued["refresh_token"]

    as_access = await client.get("/api/v1/me", headers=town.headers(refresh))
    as_refresh = await client.post(
        "/api/v1/sessions/refresh", json={"refresh_token": issued["token"]}, headers=town.headers()
    )
    renewed = await client.post(
        "/api/v1/sessions/refresh", json={"refresh_token": refresh}, headers=town.headers()
    )

    assert as_access.status_code == 401
    assert as_refresh.status_code == 401
    assert renewed.status_code == 200, renewed.text
    token = renewed.json()["token"]
    me = await client.get("/api/v1/me", headers=town.headers(token))
    assert me.json()["role"] == "moderator"
    assert (await client.post("/api/v1/sign-out", headers=town.headers(token))).status_code == 200
    after = await client.post(
        "/api/v1/sessions/refresh", json={"refresh_token": refresh}, headers=town.headers()
    )
    assert after.status_code == 401, after.text


async def test_a_token_for_a_person_who_does_not_exist_is_refused(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    nobody = platform.tokens.issue(town.slug, uuid.uuid4(), Role.ADMINISTRATOR, SignIn.EMAIL)
    somebody = await staff_token(platform, town, "real@town.example", Role.ADMINISTRATOR)

    refused = await _committees(client, town, nobody.token)
    accepted = await _committees(client, town, somebody)

    assert refused.status_code == 401, refused.text
    assert "no person" in refused.json()["detail"]
    assert accepted.status_code == 200
