"""The sign-in page in a real browser (Debian's Chromium through Playwright): a citizen
follows the e-mailed link, lands on the page in Swedish in the municipality's colours, signs
in, and the tab keeps the token for the API (the pages keep their HttpOnly cookie); the link
used again says so. axe-core checks both pages (no serious or critical WCAG 2.1 A/AA
violation), and a screenshot of each is kept."""

from __future__ import annotations

import email
import email.policy
import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page

from gateway.pages import SESSION_COOKIE
from tenants.service import TenantChanges
from tests.api import Town
from tests.browser import chromium, screenshot, serious_violations  # noqa: F401 (the fixture)
from tinget.bootstrap import Platform


def mailed_link(platform: Platform) -> str:
    """The sign-in link of the last e-mail the embedded mode wrote as a file."""
    folder = platform.addresses.data_dir / "mail"
    last = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(last.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/sign-in\?code=[A-Za-z0-9_-]+", body.get_content())
    assert found is not None
    return found.group(0)


@pytest.fixture
def served(live_server: str) -> int:
    """The port of the gateway served over real HTTP (uvicorn) for the browser."""
    port = urlsplit(live_server).port
    assert port is not None
    return port


async def page_for(browser: Browser) -> Page:
    # axe-core is added as a script the page's own Content-Security-Policy would refuse
    context = await browser.new_context(bypass_csp=True, locale="sv-SE")
    return await context.new_page()


async def test_a_citizen_follows_the_mailed_link_and_is_signed_in(
    browser: Browser, platform: Platform, town: Town, served: int
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(primary_colour="#7a1f3d", background_colour="#fdf6e3")
    )
    await platform.catch_up_projections()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{served}") as api:
        asked = await api.post(
            "/api/v1/sign-in/email", json={"email": "invanare@example.se"}, headers=town.headers()
        )
        assert asked.status_code == 202, asked.text

        # The link as mailed, on the served port (the test serves plain HTTP).
        link = urlsplit(mailed_link(platform))
        assert link.hostname == town.host
        address = f"http://{town.host}:{served}{link.path}?{link.query}"

        page = await page_for(browser)
        landed = await page.goto(address)
        assert landed is not None
        assert landed.status == 200
        assert await page.get_attribute("html", "lang") == "sv"
        assert await page.text_content("h1") == "Logga in hos Lund"
        assert await page.input_value("#code") == link.query.removeprefix("code=")
        header = await page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
        assert header == "rgb(122, 31, 61)"  # the municipality's primary colour
        assert await serious_violations(page) == []
        assert (await screenshot(page, "sign-in-form")).stat().st_size > 0

        async with page.expect_navigation():
            await page.click("button[type=submit]")
        assert await page.text_content("h1") == "Du är inloggad"
        assert "Lund" in (await page.text_content("#signed-in") or "")
        token = await page.evaluate("sessionStorage.getItem('tinget.token')")
        assert isinstance(token, str)
        me = await api.get("/api/v1/me", headers=town.headers(token))
        assert me.status_code == 200, me.text
        assert me.json()["sign_in"] == "email"
        cookies = await page.context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
            (SESSION_COOKIE, True, "Strict")  # the pages' session: no script reads it
        ]
        assert await serious_violations(page) == []
        assert (await screenshot(page, "signed-in")).stat().st_size > 0

        # The same link again: the form, then the message that it works once.
        again = await page_for(browser)
        await again.goto(address)
        async with again.expect_navigation() as navigation:
            await again.click("button[type=submit]")
        answer = await navigation.value
        assert answer is not None
        assert answer.status == 401
        message = await again.text_content("[role=alert]")
        assert message is not None
        assert "redan använts" in message
        assert await again.evaluate("sessionStorage.getItem('tinget.token')") is None
        assert await serious_violations(again) == []
        assert (await screenshot(again, "sign-in-link-used")).stat().st_size > 0


async def test_the_form_works_without_javascript(
    browser: Browser, platform: Platform, town: Town, served: int
) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{served}") as api:
        asked = await api.post(
            "/api/v1/sign-in/email", json={"email": "utan-js@example.se"}, headers=town.headers()
        )
        assert asked.status_code == 202, asked.text
    link = urlsplit(mailed_link(platform))
    context = await browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = await context.new_page()
    await page.goto(f"http://{town.host}:{served}{link.path}?{link.query}")
    async with page.expect_navigation() as navigation:
        await page.click("button[type=submit]")
    answer = await navigation.value
    assert answer is not None
    assert answer.status == 200
    assert await page.text_content("h1") == "Du är inloggad"


async def test_the_accessibility_check_finds_what_it_is_for(browser: Browser) -> None:
    """axe-core in this browser does flag a serious violation (so an empty list above means
    the pages passed, not that nothing was checked): grey on grey, an image without text."""
    page = await page_for(browser)
    await page.set_content(
        '<html lang="sv"><head><title>t</title></head><body><main>'
        '<p style="color:#aaaaaa;background:#bbbbbb">svag kontrast</p>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>"
    )
    found = {violation["id"] for violation in await serious_violations(page)}
    assert {"color-contrast", "image-alt"} <= found


async def test_a_citizen_without_a_link_asks_for_one_on_the_page(
    browser: Browser, platform: Platform, town: Town, served: int
) -> None:
    page = await page_for(browser)
    landed = await page.goto(f"http://{town.host}:{served}/sign-in")
    assert landed is not None
    assert landed.status == 200
    assert await serious_violations(page) == []
    assert (await screenshot(page, "sign-in-without-code")).stat().st_size > 0

    await page.fill("#email", "utan-lank@example.se")
    async with page.expect_navigation():
        await page.click("form[action='/sign-in/email'] button")
    notice = await page.text_content("[role=status]")
    assert notice is not None
    assert "på väg" in notice
    assert await serious_violations(page) == []
    assert "/sign-in?code=" in mailed_link(platform)
