"""Signing in on the pages with the municipality's identity provider: the sign-in page links
to it, and the page the provider sends the browser back to passes the code and state to the
API (as its script does) and makes the answered token the page session. A token that is no
good, a device's token or a form from another site makes none."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.pages import SESSION_COOKIE
from services.identity.oidc import ALLOW_HTTP_LOOPBACK_VARIABLE
from tests.api import Town, device_token
from tests.oidc_provider import Provider, begin, configure, oidc_provider

NUMBER = "199001011234"


@pytest.fixture(autouse=True)
def _loopback_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_HTTP_LOOPBACK_VARIABLE, "yes")


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    async with oidc_provider() as served:
        yield served


async def test_a_citizen_signs_in_on_the_pages_with_the_identity_provider(
    client: httpx.AsyncClient, town: Town, admin: str, provider: Provider
) -> None:
    provider.add_user("anna", personal_number=NUMBER)
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )
    page = await client.get("/sign-in", headers=town.headers())
    assert 'href="/api/v1/sign-in/oidc/idp"' in page.text
    assert "Logga in med kommunens inloggningstjänst" in page.text

    provider.signed_in = "anna"
    code, state = await begin(client, town)  # the client keeps the sign-in's cookie
    back = await client.get(
        "/sign-in/oidc/callback", params={"code": code, "state": state}, headers=town.headers()
    )
    assert back.status_code == 200
    assert "connect-src 'self'" in back.headers["content-security-policy"]
    found = re.search(r'id="tinget-oidc">(\{.*?\})</script>', back.text)
    assert found is not None
    given = json.loads(found.group(1))
    assert given == {"code": code, "state": state}
    assert 'action="/sign-in/session"' in back.text
    assert "<noscript>" in back.text

    # What the page's script does: the API trades the code, the form makes the session.
    issued = await client.get("/api/v1/sign-in/oidc/callback", params=given, headers=town.headers())
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    made = await client.post(
        "/sign-in/session",
        data={"token": token, "refresh_token": ""},
        headers={**town.headers(), "sec-fetch-site": "same-origin"},
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/"
    assert client.cookies.get(SESSION_COOKIE) == token
    mine = await client.get("/me", headers=town.headers())
    assert mine.status_code == 200


async def test_no_session_from_a_token_that_is_no_good_or_from_another_site(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    hostile = '"><script>alert(1)</script>'
    back = await client.get(
        "/sign-in/oidc/callback", params={"code": hostile, "state": "x"}, headers=town.headers()
    )
    assert back.status_code == 200
    assert "<script>alert(1)" not in back.text
    for token in ("not-a-token", await device_token(client, town)):
        refused = await client.post(
            "/sign-in/session", data={"token": token}, headers=town.headers()
        )
        assert refused.status_code == 401, token
        assert "Inloggningen misslyckades" in refused.text
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    cross = await client.post(
        "/sign-in/session",
        data={"token": admin},
        headers={**town.headers(), "sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    assert client.cookies.get(SESSION_COOKIE) is None
