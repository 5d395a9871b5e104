"""Erasure and access on request: nothing lasting for an unanswered sign-in request, a person's
erasure by crypto-shredding, and the export of what is held about a person."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.api import Town, create_town
from tinget.bootstrap import Platform


@pytest.fixture
async def town(platform: Platform) -> Town:
    return await create_town(platform)


async def owner_fetch(platform: Platform, query: str, *args: object) -> list[asyncpg.Record]:
    """Rows as the database owner sees them, past row-level security."""
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def mailed_code(platform: Platform) -> str:
    """The code of the last sign-in link the embedded mode wrote as a file."""
    folder: Path = platform.addresses.data_dir / "mail"
    last = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(last.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"/sign-in\?code=([A-Za-z0-9_-]+)", body.get_content())
    assert found is not None
    return found.group(1)


async def test_a_sign_in_link_for_an_unknown_address_records_no_one_until_redeemed(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": "ny@example.se"}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text

    assert await owner_fetch(platform, "SELECT * FROM people WHERE tenant_id = $1", town.slug) == []
    codes = await owner_fetch(
        platform,
        "SELECT person_id, email_sealed FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert len(codes) == 1
    assert codes[0]["person_id"] is None
    assert b"ny@example.se" not in bytes(codes[0]["email_sealed"])  # sealed, not plain

    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": mailed_code(platform)}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text
    people = await owner_fetch(
        platform, "SELECT person_id, email FROM people WHERE tenant_id = $1", town.slug
    )
    assert [p["email"] for p in people] == ["ny@example.se"]
    me = await client.get("/api/v1/me", headers=town.headers(redeemed.json()["token"]))
    assert me.json()["person_id"] == str(people[0]["person_id"])
    codes = await owner_fetch(
        platform,
        "SELECT person_id, email_sealed FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert codes[0]["person_id"] == people[0]["person_id"]
    assert codes[0]["email_sealed"] is None


async def test_expired_sign_in_codes_are_pruned(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    for address in ("a@example.se", "b@example.se"):
        asked = await client.post(
            "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
        )
        assert asked.status_code == 202, asked.text
    await owner_fetch(
        platform,
        "UPDATE sign_in_codes SET expires_at = now() - interval '1 second' WHERE tenant_id = $1",
        town.slug,
    )

    assert await platform.identity.codes.prune(town.slug) == 2

    assert (
        await owner_fetch(platform, "SELECT * FROM sign_in_codes WHERE tenant_id = $1", town.slug)
        == []
    )
    assert await owner_fetch(platform, "SELECT * FROM people WHERE tenant_id = $1", town.slug) == []


async def test_a_new_code_prunes_the_expired_ones(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await client.post(
        "/api/v1/sign-in/email", json={"email": "a@example.se"}, headers=town.headers()
    )
    await owner_fetch(
        platform,
        "UPDATE sign_in_codes SET expires_at = now() - interval '1 second' WHERE tenant_id = $1",
        town.slug,
    )

    await client.post(
        "/api/v1/sign-in/email", json={"email": "b@example.se"}, headers=town.headers()
    )

    rows = await owner_fetch(
        platform,
        "SELECT expires_at > now() AS live FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert [r["live"] for r in rows] == [True]
