"""Signing in with the municipality's identity provider, end to end over real HTTP.

The provider is a real OpenID Connect provider made of authlib's server components
(tests/oidc_provider.py), on a port of its own; Tinget discovers it, sends the browser there,
trades the code at its token endpoint and verifies the ID token against its published keys.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.identity.access import Role
from services.identity.oidc import ALLOW_HTTP_LOOPBACK_VARIABLE
from tests.api import Town, staff_token
from tests.helpers import cli
from tests.oidc_provider import (
    CLIENT_SECRET,
    Provider,
    begin,
    configure,
    finish,
    oidc_provider,
    sign_in,
)
from tinget.bootstrap import Platform

NUMBER = "199001011234"


@pytest.fixture(autouse=True)
def _loopback_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's provider is on 127.0.0.1 over plain http, which only this setting allows."""
    monkeypatch.setenv(ALLOW_HTTP_LOOPBACK_VARIABLE, "yes")


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    async with oidc_provider() as served:
        yield served


async def _rows_holding(platform: Platform, needles: list[str]) -> list[str]:
    """Every row of every table (whole rows as text, bytea as hex) holding any of ``needles``,
    read as the owner, past row-level security."""
    assert platform.addresses.database_url is not None
    owner = await asyncpg.connect(platform.addresses.database_url)
    found: list[str] = []
    try:
        tables = await owner.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        assert len(tables) > 10
        for table in tables:
            qualified = f'"{table["table_schema"]}"."{table["table_name"]}"'
            for row in await owner.fetch(f"SELECT r::text AS t FROM {qualified} AS r"):
                text: str = row["t"] or ""
                if any(n in text for n in needles):
                    found.append(f"{qualified}: {text[:200]}")
    finally:
        await owner.close()
    return found


def _needles(secret: str) -> list[str]:
    """``secret`` as text, and as the hex of its bytes (a bytea column as text)."""
    return [secret, secret.encode().hex()]


async def test_a_staff_member_signs_in_by_their_verified_address_and_keeps_their_role(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    moderator = await platform.identity.add_staff(town.slug, "eva@lund.example", Role.MODERATOR)
    provider.add_user("eva", email="Eva@Lund.example", email_verified=True)
    configured = await configure(client, town, admin, provider)

    response = await sign_in(client, town, provider, "eva")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person_id"] == str(moderator)
    assert body["role"] == "moderator"
    assert body["refresh_token"]
    me = await client.get("/api/v1/me", headers=town.headers(body["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["sign_in"] == "oidc"
    assert me.json()["person_id"] == str(moderator)
    assert me.json()["role"] == "moderator"
    # the client secret is write-only: never answered, never stored in clear
    assert configured["redirect_uri"] == f"https://{town.host}/sign-in/oidc/callback"
    listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(admin))
    assert listed.status_code == 200, listed.text
    assert [p["name"] for p in listed.json()] == ["idp"]
    assert CLIENT_SECRET not in listed.text
    assert CLIENT_SECRET not in str(configured)
    assert await _rows_holding(platform, _needles(CLIENT_SECRET)) == []
    # and an operator lists them the same way
    by_cli = cli(platform.addresses)("people", "sign-in-providers", town.slug)
    assert by_cli.returncode == 0, by_cli.stderr
    assert json.loads(by_cli.stdout) == listed.json()
    assert CLIENT_SECRET not in by_cli.stdout


async def test_a_staff_provider_creates_nobody(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    """An address no staff member holds, a participant's address or one the provider did not
    verify: 403, and no person is recorded."""
    participant = await platform.identity.people.by_email(town.slug, "per@lund.example")
    await platform.identity.add_staff(town.slug, "ola@lund.example", Role.ANALYST)
    provider.add_user("stranger", email="stranger@lund.example", email_verified=True)
    provider.add_user("per", email="per@lund.example", email_verified=True)
    provider.add_user("unverified", email="ola@lund.example", email_verified=False)
    await configure(client, town, admin, provider)

    for user in ("stranger", "per", "unverified"):
        response = await sign_in(client, town, provider, user)
        assert response.status_code == 403, (user, response.text)
        assert response.json()["status"] == 403

    assert await platform.identity.people.find_email(town.slug, "stranger@lund.example") is None
    assert await platform.identity.role_of(town.slug, participant) is None  # never joined


async def test_a_citizen_is_one_person_per_national_identity_number(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    provider: Provider,
    capfd: pytest.CaptureFixture[str],
) -> None:
    provider.add_user("anna", personal_number=NUMBER)
    provider.add_user("anna-again", personal_number=f"{NUMBER[:8]}-{NUMBER[8:]}")
    provider.add_user("bo", personal_number="198505051111")
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )

    first = await sign_in(client, town, provider, "anna")
    second = await sign_in(client, town, provider, "anna-again")
    other = await sign_in(client, town, provider, "bo")

    for response in (first, second, other):
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "participant"
    assert first.json()["person_id"] == second.json()["person_id"]
    assert other.json()["person_id"] != first.json()["person_id"]
    person = uuid.UUID(first.json()["person_id"])
    assert await platform.identity.role_of(town.slug, person) is Role.PARTICIPANT
    # found by the keyed hash, and the number is nowhere: no table, no event, no log line
    async with platform.app_pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", town.slug)
        linked = await conn.fetchval(
            "SELECT person_id FROM citizen_identities WHERE tenant_id = $1 AND identity_hash = $2",
            town.slug,
            platform.keys.citizen_hash(town.slug, NUMBER),
        )
    assert linked == person
    mine = await client.get("/api/v1/me/data", headers=town.headers(first.json()["token"]))
    assert mine.status_code == 200, mine.text
    assert len(mine.json()["identity_provider_links"]) == 1
    assert mine.json()["sign_in"] == "oidc"
    assert NUMBER not in mine.text
    assert await _rows_holding(platform, _needles(NUMBER) + _needles(NUMBER[2:])) == []
    logged = capfd.readouterr()
    assert NUMBER not in logged.out + logged.err
    assert f"{NUMBER[:8]}-{NUMBER[8:]}" not in logged.out + logged.err


async def test_a_citizen_whose_verified_address_is_a_participants_is_that_participant(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    participant = await platform.identity.people.by_email(town.slug, "kim@lund.example")
    staff = await platform.identity.add_staff(town.slug, "boss@lund.example", Role.ADMINISTRATOR)
    provider.add_user(
        "kim", personal_number="197002023333", email="kim@lund.example", email_verified=True
    )
    provider.add_user(
        "boss", personal_number="196003034444", email="boss@lund.example", email_verified=True
    )
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )

    kim = await sign_in(client, town, provider, "kim")
    boss = await sign_in(client, town, provider, "boss")

    assert kim.status_code == 200, kim.text
    assert kim.json()["person_id"] == str(participant)
    # a citizens' provider never signs anyone in as staff: a new participant instead
    assert boss.status_code == 200, boss.text
    assert boss.json()["person_id"] != str(staff)
    assert boss.json()["role"] == "participant"


async def test_a_key_the_provider_rotated_in_is_fetched_once_more(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    await platform.identity.add_staff(town.slug, "eva@lund.example", Role.ADMINISTRATOR)
    provider.add_user("eva", email="eva@lund.example", email_verified=True)
    await configure(client, town, admin, provider)
    before = await sign_in(client, town, provider, "eva")
    assert before.status_code == 200, before.text
    assert provider.jwks_fetches == 1

    provider.rotate()
    after = await sign_in(client, town, provider, "eva")

    assert after.status_code == 200, after.text
    assert provider.jwks_fetches == 2
    again = await sign_in(client, town, provider, "eva")
    assert again.status_code == 200, again.text
    assert provider.jwks_fetches == 2  # the new key is kept


async def test_an_erased_citizen_is_forgotten_by_their_number_too(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    provider.add_user("anna", personal_number=NUMBER)
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )
    first = await sign_in(client, town, provider, "anna")
    assert first.status_code == 200, first.text
    person = first.json()["person_id"]

    erased = await client.post(f"/api/v1/people/{person}/erasure", headers=town.headers(admin))
    assert erased.status_code == 202, erased.text
    after = await sign_in(client, town, provider, "anna")

    assert after.status_code == 200, after.text
    assert after.json()["person_id"] != person


async def test_an_administrator_token_is_needed_to_configure(
    client: httpx.AsyncClient, platform: Platform, town: Town, provider: Provider
) -> None:
    moderator = await staff_token(platform, town, "mod@lund.example", Role.MODERATOR)
    body = {"issuer": provider.issuer, "client_id": "x", "client_secret": "y", "signs_in": "staff"}

    refused = await client.put(
        "/api/v1/sign-in-providers/idp", json=body, headers=town.headers(moderator)
    )
    listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(moderator))

    assert refused.status_code == 403, refused.text
    assert listed.status_code == 403, listed.text


async def test_two_first_sign_ins_of_one_number_at_once_are_one_person(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    provider.add_user("anna", personal_number=NUMBER)
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )
    provider.signed_in = "anna"
    begun = [await begin(client, town) for _ in range(4)]

    answers = await asyncio.gather(*(finish(client, town, code, state) for code, state in begun))

    for answer in answers:
        assert answer.status_code == 200, answer.text
    assert len({answer.json()["person_id"] for answer in answers}) == 1
    async with platform.app_pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", town.slug)
        linked = await conn.fetchval(
            "SELECT count(*) FROM citizen_identities WHERE tenant_id = $1", town.slug
        )
    assert linked == 1


async def test_a_citizen_signed_in_by_the_provider_joins_a_panel_when_an_address_is_on_record(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    """A panel round goes by e-mail: a citizen who signed in with the identity provider may be
    a panel member when the provider verified an address of theirs, not without one."""
    await platform.identity.people.by_email(town.slug, "kim@lund.example")
    provider.add_user(
        "kim", personal_number="197002023333", email="kim@lund.example", email_verified=True
    )
    provider.add_user("nils", personal_number="198001015555")
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )
    created = await client.post(
        "/api/v1/panels",
        json={
            "name": "Lundapanelen",
            "description": "Enkäter om livet i kommunen",
            "consent": "Jag samtycker till att få enkäter.",
            "questions": [
                {
                    "id": "age",
                    "label": "Ålder",
                    "options": [{"id": "16-64", "label": "16-64"}, {"id": "65", "label": "65+"}],
                }
            ],
            "open_sign_up": True,
        },
        headers=town.headers(admin),
    )
    assert created.status_code == 201, created.text
    membership = f"/api/v1/panels/{created.json()['id']}/membership"
    joining = {"consent": True, "background": {"age": "65"}}

    kim = (await sign_in(client, town, provider, "kim")).json()["token"]
    nils = (await sign_in(client, town, provider, "nils")).json()["token"]
    joined = await client.put(membership, json=joining, headers=town.headers(kim))
    refused = await client.put(membership, json=joining, headers=town.headers(nils, language="en"))

    assert joined.status_code == 200, joined.text
    assert joined.json()["via"] == "sign-up"
    assert refused.status_code == 403, refused.text
    assert "e-mail address" in refused.json()["detail"]
