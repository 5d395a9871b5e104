"""The citizens' pages in a real browser (Chromium): the proof that a citizen follows an
e-mailed sign-in link, lands signed in on the dialog's page in Swedish, supports a proposal
and sees it counted; the same in Finnish and in English, and in Swedish with JavaScript off.
axe-core checks every page (no serious or critical WCAG 2.1 A/AA violation), a screenshot of
each is kept under test-artifacts/, and each page's size and axe result are written to
test-artifacts/pages.json. A widget's sign-in popup hands its token to the widget's page on
an allowed origin (signed in there with a PIN, or with an e-mailed link opened in another tab
of the browser), and to no other."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from gateway.pages import SESSION_COOKIE
from services.identity.access import Role
from services.notifications import unsubscribe
from tenants.service import TenantChanges
from tests.api import Town, open_dialog, staff_token
from tests.browser import ARTIFACTS, chromium, screenshot, serious_violations  # noqa: F401
from tests.test_citizen_pages import projecting, proposal  # noqa: F401 (the fixture)
from tests.test_pages_browser import mailed_link
from tinget.bootstrap import Platform

MAX_PAGE = 100 * 1024
WIDGET = "https://widget.example"
ELSEWHERE = "https://elsewhere.example"


@pytest.fixture
def served(live_server: str) -> int:
    port = urlsplit(live_server).port
    assert port is not None
    return port


class Record:
    """What each page measured: its HTML's size and axe-core's serious findings."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}

    async def check(self, page: Page, name: str, *, axe: bool = True) -> None:
        html = await page.content()
        size = len(html.encode())
        assert size < MAX_PAGE, (name, size)
        found = await serious_violations(page) if axe else None
        self.pages[name] = {
            "url": urlsplit(page.url).path,
            "bytes": size,
            "serious_or_critical": None if found is None else [v["id"] for v in found],
        }
        assert not found, (name, found)
        assert (await screenshot(page, f"page-{name}")).stat().st_size > 0

    def write(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        previous: dict[str, Any] = {}
        target = ARTIFACTS / "pages.json"
        if target.exists():
            previous = json.loads(target.read_text())
        target.write_text(json.dumps({**previous, **self.pages}, indent=2, sort_keys=True))
        print(json.dumps(self.pages, indent=2, sort_keys=True))  # for the closing note


async def context_for(browser: Browser, locale: str, *, javascript: bool = True) -> BrowserContext:
    # axe-core is added as a script the pages' own Content-Security-Policy would refuse
    return await browser.new_context(bypass_csp=True, locale=locale, java_script_enabled=javascript)


async def support_flow(
    context: BrowserContext,
    platform: Platform,
    town: Town,
    served: int,
    dialog_id: str,
    post_id: str,
    texts: dict[str, str],
    count: int,
    record: Record | None,
    name: str,
) -> None:
    """From the dialog's page to a sign-in link by e-mail, back signed in, and a support."""
    base = f"http://{town.host}:{served}"
    page = await context.new_page()
    landed = await page.goto(f"{base}/dialogs/{dialog_id}")
    assert landed is not None
    assert landed.status == 200
    assert await page.get_attribute("html", "lang") == texts["lang"]
    assert await page.text_content(f"#supports-{post_id}") == texts["supports"].format(count - 1)
    if record:
        await record.check(page, f"dialog-{name}")

    async with page.expect_navigation():
        await page.click(f"text={texts['sign_in_to_support']}")
    assert urlsplit(page.url).path == "/sign-in"
    if record:
        await record.check(page, f"sign-in-{name}")
    await page.fill("#email", f"medborgare-{name}@example.se")
    async with page.expect_navigation():
        await page.click("form[action^='/sign-in/email'] button")
    assert texts["sent"] in (await page.text_content("[role=status]") or "")

    # The e-mailed link, opened in the same browser (on the served port: plain http here).
    link = urlsplit(mailed_link(platform))
    assert link.hostname == town.host
    await page.goto(f"{base}{link.path}?{link.query}")
    if record:
        await record.check(page, f"sign-in-link-{name}")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    assert urlsplit(page.url).path == f"/dialogs/{dialog_id}"  # landed where they came from
    assert await page.is_visible("form[action^='/sign-out'] button")  # signed in
    cookies = {c["name"]: c for c in await context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"]
    assert cookies[SESSION_COOKIE]["sameSite"] == "Strict"

    async with page.expect_navigation():
        await page.click(f"#post-{post_id} button")
    assert urlsplit(page.url).path == f"/dialogs/{dialog_id}"
    assert await page.text_content(f"#supports-{post_id}") == texts["supports"].format(count)
    if record:
        await record.check(page, f"dialog-supported-{name}")


LANGUAGES = {
    "sv": {
        "locale": "sv-SE",
        "lang": "sv",
        "supports": "Stöd: {}",
        "sign_in_to_support": "Logga in för att stödja",
        "sent": "på väg",
    },
    "fi": {
        "locale": "fi-FI",
        "lang": "fi",
        "supports": "Kannatuksia: {}",
        "sign_in_to_support": "Kirjaudu sisään kannattaaksesi",
        "sent": "matkalla",
    },
    "en": {
        "locale": "en-GB",
        "lang": "en",
        "supports": "Supports: {}",
        "sign_in_to_support": "Sign in to support",
        "sent": "on its way",
    },
}


@pytest.mark.usefixtures("projecting")
async def test_a_citizen_signs_in_by_the_mailed_link_and_supports_a_proposal(
    browser: Browser,
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    served: int,
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(primary_colour="#7a1f3d", background_colour="#fdf6e3")
    )
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    dialog_id, post_id = await proposal(client, platform, town, admin)
    record = Record()
    count = 0
    for name, texts in LANGUAGES.items():
        count += 1
        context = await context_for(browser, texts["locale"])
        await support_flow(
            context, platform, town, served, dialog_id, post_id, texts, count, record, name
        )
        if name == "sv":
            page = context.pages[0]
            for path, page_name in (("/", "front"), ("/me", "me"), ("/me/erasure", "erasure")):
                answer = await page.goto(f"http://{town.host}:{served}{path}")
                assert answer is not None
                assert answer.status == 200, path
                assert await page.get_attribute("html", "lang") == "sv"
                await record.check(page, page_name)
            vox_pop = await open_dialog(
                client, town, admin, kind="vox-pop", settings={"question": "En ny bro?"}
            )
            await page.goto(f"http://{town.host}:{served}/dialogs/{vox_pop['id']}")
            await record.check(page, "vox-pop")
            await page.check("#choice-1")
            async with page.expect_navigation():
                await page.click("form[action$='/votes'] button")
            assert await page.text_content("#results + p + table tbody td") == "1"
            await record.check(page, "vox-pop-voted")
            missing = await page.goto(f"http://{town.host}:{served}/dialogs/{post_id}")
            assert missing is not None
            assert missing.status == 404
            await record.check(page, "not-found")
            token = unsubscribe.issue(
                platform.keys,
                town.slug,
                await platform.identity.people.by_email(town.slug, "medborgare-sv@example.se"),
                "post-answered",
            )
            await page.goto(f"http://{town.host}:{served}/api/v1/unsubscribe?token={token}")
            assert urlsplit(page.url).path == "/unsubscribe"
            await record.check(page, "unsubscribe")
            async with page.expect_navigation():
                await page.click("main button[type=submit]")
            assert await page.is_visible("[role=status]")
            await record.check(page, "unsubscribed")
            # the identity provider's callback page, with a code and state that do not work
            await page.goto(f"http://{town.host}:{served}/sign-in/oidc/callback?code=x&state=y")
            await page.wait_for_selector("#failed", state="visible")
            await record.check(page, "oidc-callback-failed")
        await context.close()

    # The same proof with JavaScript off: the pages are forms and links.
    context = await context_for(browser, "sv-SE", javascript=False)
    await support_flow(
        context,
        platform,
        town,
        served,
        dialog_id,
        post_id,
        LANGUAGES["sv"],
        count + 1,
        None,
        "nojs",
    )
    await context.close()
    record.write()


async def test_a_widgets_popup_signs_in_and_tells_only_an_allowed_origin(
    browser: Browser, platform: Platform, town: Town, served: int
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(allowed_origins=[WIDGET]))
    await platform.catch_up_projections()
    context = await browser.new_context(locale="sv-SE")  # the pages' own CSP applies
    host_page = """<!DOCTYPE html><html lang="sv"><head><title>Widget</title></head><body>
    <script>
      window.got = [];
      window.addEventListener("message", function (e) {
        window.got.push({origin: e.origin, data: e.data});
      });
    </script></body></html>"""
    for origin in (WIDGET, ELSEWHERE):
        await context.route(
            f"{origin}/",
            lambda route: route.fulfill(status=200, content_type="text/html", body=host_page),
        )
    popup_url = f"http://{town.host}:{served}/sign-in?widget_origin={{}}"

    async def sign_in_in_popup(host: Page, asked_origin: str) -> Page:
        async with host.expect_popup() as opened:
            await host.evaluate(
                "url => { window.open(url, 'tinget-sign-in', 'popup,width=480,height=640'); }",
                popup_url.format(asked_origin),
            )
        popup = await opened.value
        await popup.wait_for_load_state()
        person = await platform.identity.people.by_email(town.slug, "widget@example.se")
        pin = await platform.identity.codes.create(town.slug, "pin", person, timedelta(days=1))
        await popup.fill("#code", pin)
        await popup.click("main button[type=submit]")
        return popup

    allowed = await context.new_page()
    await allowed.goto(f"{WIDGET}/")
    popup = await sign_in_in_popup(allowed, WIDGET)
    await allowed.wait_for_function("window.got.length > 0", timeout=10_000)
    got = await allowed.evaluate("window.got")
    assert len(got) == 1
    assert got[0]["origin"] == f"http://{town.host}:{served}"
    assert got[0]["data"]["type"] == "tinget:signed-in"
    token = got[0]["data"]["token"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{served}") as api:
        me = await api.get("/api/v1/me", headers=town.headers(token))
        assert me.status_code == 200, me.text
    for _ in range(100):  # it closes itself (maybe before a wait for its close began)
        if popup.is_closed():
            break
        await allowed.wait_for_timeout(100)
    assert popup.is_closed()

    # Asked for a link by e-mail in the popup, opened in another tab of this browser: that
    # tab tells the popup, which hands the token to the widget's page and closes.
    by_mail = await context.new_page()
    await by_mail.goto(f"{WIDGET}/")
    async with by_mail.expect_popup() as opened:
        await by_mail.evaluate(
            "url => { window.open(url, 'tinget-sign-in', 'popup,width=480,height=640'); }",
            popup_url.format(WIDGET),
        )
    popup = await opened.value
    await popup.wait_for_load_state()
    await popup.fill("#email", "widget-post@example.se")
    async with popup.expect_navigation():
        await popup.click("form[action^='/sign-in/email'] button")
    assert await popup.is_visible("[role=status]")
    link = urlsplit(mailed_link(platform))
    mail_tab = await context.new_page()
    await mail_tab.goto(f"http://{town.host}:{served}{link.path}?{link.query}")
    await mail_tab.click("main button[type=submit]")
    await by_mail.wait_for_function("window.got.length > 0", timeout=10_000)
    got = await by_mail.evaluate("window.got")
    assert got[0]["data"]["type"] == "tinget:signed-in"
    assert got[0]["origin"] == f"http://{town.host}:{served}"
    await mail_tab.wait_for_selector("#signed-in")

    # A page on an origin the municipality did not allow gets nothing, asking for itself or
    # for the allowed one (the browser delivers a message only to the origin it names).
    for asked in (ELSEWHERE, WIDGET):
        other = await context.new_page()
        await other.goto(f"{ELSEWHERE}/")
        popup = await sign_in_in_popup(other, asked)
        if asked == ELSEWHERE:  # not allowed: ignored, the popup only says it is signed in
            await popup.wait_for_selector("#signed-in")
            assert "window.opener.postMessage" not in await popup.content()
        await other.wait_for_timeout(500)
        assert await other.evaluate("window.got") == []
    await context.close()
