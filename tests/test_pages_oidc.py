"""Signing in on the pages with the municipality's identity provider: the sign-in page links
to it, and the page the provider sends the browser back to finishes the sign-in and makes the
page session, without script, over HTTP and in Chromium with JavaScript off. A browser that
holds the sign-in's cookie for the API's address alone gets the page whose script passes the
code and state to the API and makes the answered token the page session. A sign-in finished
already, a token that is no good, a device's token or a form from another site makes none."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Route

from gateway.pages import NEXT_COOKIE, SESSION_COOKIE
from services.identity.oidc import (
    ALLOW_HTTP_LOOPBACK_VARIABLE,
    BROWSER_COOKIE_PREFIX,
    PAGE_COOKIE_PATH,
)
from tests.api import Town, device_token
from tests.browser import chromium  # noqa: F401 (the fixture)
from tests.oidc_provider import Provider, begin, callback_uri, configure, oidc_provider

NUMBER = "199001011234"


@pytest.fixture
def served(live_server: str) -> int:
    port = urlsplit(live_server).port
    assert port is not None
    return port


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
    code, state = await begin(client, town)  # the client keeps the sign-in's cookies
    client.cookies.set(NEXT_COOKIE, "/me")  # the page the person came from
    back = await client.get(
        "/sign-in/oidc/callback", params={"code": code, "state": state}, headers=town.headers()
    )
    # finished on the page itself: the page session made, and a page that says so (the
    # browser came from the provider's site: the SameSite=Strict session cookie goes along from
    # the next click on, so the page does not redirect)
    assert back.status_code == 200, back.text
    assert "Du är nu inloggad" in back.text
    assert 'action="/sign-out"' in back.text
    assert 'href="/me"' in back.text  # back to where they came from
    cleared = [c for c in back.headers.get_list("set-cookie") if c.startswith(NEXT_COOKIE)]
    assert len(cleared) == 1, cleared
    assert "Max-Age=0" in cleared[0], cleared
    client.cookies.delete(NEXT_COOKIE)
    session = client.cookies.get(SESSION_COOKIE)
    assert session is not None
    me = await client.get("/api/v1/me", headers=town.headers(session))
    assert me.status_code == 200, me.text
    assert me.json()["sign_in"] == "oidc"
    assert (await client.get("/me", headers=town.headers())).status_code == 200
    # the same code and state again: finished already, no session made
    client.cookies.delete(SESSION_COOKIE)
    again = await client.get(
        "/sign-in/oidc/callback", params={"code": code, "state": state}, headers=town.headers()
    )
    assert again.status_code == 401, again.text
    assert "Inloggningen misslyckades" in again.text
    assert SESSION_COOKIE not in again.headers.get("set-cookie", "")

    # A browser holding the sign-in's cookie for the API's address only (a sign-in begun
    # before the page had its own): the page and its script.
    code, state = await begin(client, town)
    for cookie in list(client.cookies.jar):
        if cookie.name.startswith(BROWSER_COOKIE_PREFIX) and cookie.path == PAGE_COOKIE_PATH:
            client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
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


async def test_a_provider_that_stops_answering_makes_no_session_and_says_so(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    async with oidc_provider() as gone:
        gone.add_user("cia", personal_number=NUMBER)
        await configure(
            client, town, admin, gone, signs_in="citizens", identity_claim="personal_number"
        )
        gone.signed_in = "cia"
        code, state = await begin(client, town)
        other_code, other_state = await begin(client, town)  # another tab's
    # the provider's server has stopped before the code is traded
    back = await client.get(
        "/sign-in/oidc/callback", params={"code": code, "state": state}, headers=town.headers()
    )
    assert back.status_code == 503, back.text
    assert "Kommunens inloggningstjänst svarade inte" in back.text
    assert client.cookies.get(SESSION_COOKIE) is None
    # the API's answer says what did not answer, in the caller's language too
    api = await client.get(
        "/api/v1/sign-in/oidc/callback",
        params={"code": other_code, "state": other_state},
        headers=town.headers(language="sv"),
    )
    assert api.status_code == 503, api.text
    assert api.headers["retry-after"]
    assert api.json()["detail"].startswith("identitetsleverantörens token-adress svarade inte: ")


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


async def test_in_a_browser_the_identity_provider_signs_a_citizen_in_to_the_pages(
    browser: Browser,
    client: httpx.AsyncClient,
    town: Town,
    admin: str,
    provider: Provider,
    served: int,
) -> None:
    provider.add_user("bo", personal_number=NUMBER)
    provider.signed_in = "bo"
    await configure(
        client, town, admin, provider, signs_in="citizens", identity_claim="personal_number"
    )
    # the pages' own CSP applies; no script runs: the pages work without
    context = await browser.new_context(locale="sv-SE", java_script_enabled=False)
    base = f"http://{town.host}:{served}"

    async def through_the_provider(route: Route) -> None:
        # The browser's start of the sign-in goes to the provider, which sends it back to the
        # town's https address; the test serves plain http on a port, so the hop through the
        # provider is made here and the browser is sent to the served callback page, with the
        # sign-in's cookie the start set.
        async with httpx.AsyncClient() as outside:  # (Playwright's own fetch has no resolver map)
            started = await outside.get(
                f"http://127.0.0.1:{served}/api/v1/sign-in/oidc/idp", headers=town.headers()
            )
            assert started.status_code == 303, started.text
            authorized = await outside.get(started.headers["location"])
        assert authorized.status_code == 302, authorized.text
        back = urlsplit(authorized.headers["location"])
        assert f"https://{town.host}{back.path}" == callback_uri(town)
        await route.fulfill(
            status=302,
            headers={
                "location": f"{base}{back.path}?{back.query}",
                "set-cookie": "\n".join(started.headers.get_list("set-cookie")),
            },
        )

    await context.route(f"{base}/api/v1/sign-in/oidc/idp", through_the_provider)
    page = await context.new_page()
    await page.goto(f"{base}/sign-in")
    await page.click("text=Logga in med kommunens inloggningstjänst")
    await page.wait_for_url(f"{base}/sign-in/oidc/callback?*")
    assert await page.is_visible("#signed-in")
    async with page.expect_navigation(url=f"{base}/"):
        await page.click("text=Gå till startsidan")
    assert await page.is_visible("form[action^='/sign-out'] button")  # signed in
    cookies = {c["name"]: c for c in await context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"]
    token = cookies[SESSION_COOKIE]["value"]
    me = await client.get("/api/v1/me", headers=town.headers(token))
    assert me.status_code == 200, me.text
    assert me.json()["sign_in"] == "oidc"
    await context.close()
