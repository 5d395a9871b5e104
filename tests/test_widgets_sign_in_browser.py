"""A widget and the municipality's real sign-in popup, end to end in Chromium: a petition that
asks its signers to sign in, embedded on the municipality's own site (another origin than
Tinget's). The visitor is asked to sign in, signs in through the popup the widget opens (an
e-mailed link, sent through a real SMTP server and opened in another tab of the browser), the
popup hands the widget its token and closes, and the widget signs the petition as that person:
recorded once, whatever the visitor clicks after.

The widgets' side of the popup alone is tested in tests/test_widgets_browser.py, the sign-in
pages' side alone in tests/test_pages_proof_browser.py; here they meet."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import expect

from services.identity.access import Role
from tests.api import Town, open_dialog, staff_token
from tests.browser import chromium  # noqa: F401 (the fixture)
from tests.smtp import SmtpServer
from tests.test_tenant_admin import mailed_link
from tests.test_widgets_browser import (  # noqa: F401 (the fixtures)
    Pages,
    Site,
    allow_site,
    api_fixture,
    host_page,
    posts,
    projections_running,
    served_fixture,
    site_fixture,
    tabs_fixture,
)
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def signatures(api: httpx.AsyncClient, town: Town, dialog: str) -> int:
    [petition] = await posts(api, town, dialog)
    count: int = petition["signatures"]
    return count


async def test_a_visitor_signs_in_through_the_popup_and_the_widget_signs_once(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
    smtp: SmtpServer,
) -> None:
    www = site.origin("localhost")
    await allow_site(platform, town, www)
    petitions = await open_dialog(
        api,
        town,
        admin,
        kind="petition",
        title="Namninsamlingar",
        settings={"signature_goal": 100, "anonymous": False},
    )
    author = await staff_token(platform, town, "initiativ@example.se", Role.PARTICIPANT)
    petition = await api.post(
        f"/api/v1/dialogs/{petitions['id']}/posts",
        json={"title": "Rädda almarna", "body": "Låt almarna i Stadsparken stå kvar."},
        headers=town.headers(author),
    )
    assert petition.status_code == 201, petition.text
    await platform.catch_up_projections()  # the petition readable before the page asks
    tenant = f"http://{town.host}:{served}"
    site.pages["almarna"] = host_page(tenant, [("petition", f'post="{petition.json()["id"]}"')])
    address = "medborgare@example.se"

    async with projections_running(platform):
        page = await tabs.new()
        await page.goto(site.url("localhost", "almarna"))
        widget = page.locator("tinget-petition")
        await expect(widget.locator("h2")).to_have_text("Rädda almarna")
        await widget.get_by_role("button", name="Skriv under").click()
        await expect(widget.locator(".status")).to_have_text("Logga in för att delta här.")

        async with page.expect_popup() as opening:
            await widget.get_by_role("button", name="Logga in").click()
        popup = await opening.value
        await popup.wait_for_load_state()
        assert urlsplit(popup.url).path == "/sign-in"
        await popup.fill("#email", address)
        async with popup.expect_navigation():
            await popup.click("form[action^='/sign-in/email'] button")
        await expect(popup.locator("[role=status]")).to_contain_text("på väg")

        # the e-mail arrives through SMTP; its link is opened in another tab of this browser
        async with asyncio.timeout(10):
            while not [m for m in smtp.inbox.messages() if m["To"] == address]:
                await asyncio.sleep(0.1)
        link = urlsplit(mailed_link(smtp, address))
        mail_tab = await page.context.new_page()
        await mail_tab.goto(f"{tenant}{link.path}?{link.query}")
        await mail_tab.click("main button[type=submit]")
        await expect(mail_tab.locator("#signed-in")).to_be_visible()

        # the popup hands the widget the token and closes
        await expect(widget.locator(".status")).to_have_text("Du är inloggad.")
        async with asyncio.timeout(10):
            while not popup.is_closed():
                await asyncio.sleep(0.1)
        token = await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')")
        me = await api.get("/api/v1/me", headers=town.headers(token))
        assert me.status_code == 200, me.text
        assert me.json()["sign_in"] == "email"

        # signed in, the widget signs: once
        await widget.get_by_role("button", name="Skriv under").click()
        await expect(widget.locator(".status")).to_have_text("Tack för din underskrift.")
        await expect(widget.locator(".count")).to_have_text("Underskrifter: 1 av 100")
        await page.reload()  # the tab keeps the signed-in session
        await widget.get_by_role("button", name="Skriv under").click()
        await expect(widget.locator(".status")).to_have_text("Du har redan skrivit under.")
        async with asyncio.timeout(10):
            while await signatures(api, town, petitions["id"]) != 1:
                await asyncio.sleep(0.1)

    await platform.catch_up_projections()
    assert await signatures(api, town, petitions["id"]) == 1
    assert len([m for m in smtp.inbox.messages() if m["To"] == address]) == 1
    # the municipality's site got no cookie: the token is in its tab's storage alone
    site_cookies = [c for c in await page.context.cookies() if c["domain"] == "localhost"]
    assert site_cookies == []
