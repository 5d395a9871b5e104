"""In a real browser (Debian's Chromium), with JavaScript off: a citizen goes from a dialog's
page to its older posts and back by the links, meets the 400 page of a link the page did not
give out, the 404 page of a path no page has and goes from it to the front page, and reads
the front page's results in Finnish. axe-core checks each page (no serious or critical WCAG
2.1 A/AA violation); a screenshot and the size of each are kept (test-artifacts/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, open_dialog, staff_token
from tests.browser import chromium  # noqa: F401 (the fixture)
from tests.test_pages_not_found_and_older_posts import post_many
from tests.test_pages_proof_browser import Record, context_for
from tests.test_results_translations import RESULTS, SUMMARY
from tinget.bootstrap import Platform


@pytest.fixture
def served(live_server: str) -> int:
    port = urlsplit(live_server).port
    assert port is not None
    return port


async def test_older_posts_the_404_and_400_pages_and_translated_results_without_javascript(
    browser: Browser, client: httpx.AsyncClient, platform: Platform, town: Town, served: int
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(primary_colour="#7a1f3d", background_colour="#fdf6e3")
    )
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(client, town, admin)
    ids = await post_many(client, platform, town, dialog["id"], 22)
    finished = await open_dialog(client, town, admin, title="Säkrare cykling")
    closed = await client.post(
        f"/api/v1/dialogs/{finished['id']}/close",
        json={"reason": "till nämnden"},
        headers=town.headers(admin),
    )
    assert closed.status_code == 200, closed.text
    published = await client.post(
        f"/api/v1/dialogs/{finished['id']}/results",
        json={"summary": SUMMARY, "translations": RESULTS},
        headers=town.headers(admin),
    )
    assert published.status_code == 200, published.text
    await platform.catch_up_projections()

    base = f"http://{town.host}:{served}"
    record = Record()
    for javascript in (True, False):  # axe-core runs as a script: with JavaScript on only
        check = record.check if javascript else no_axe(record)
        context = await context_for(browser, "sv-SE", javascript=javascript)
        page = await context.new_page()
        landed = await page.goto(f"{base}/dialogs/{dialog['id']}")
        assert landed is not None
        assert landed.status == 200
        assert await page.is_visible(f"#post-{ids[-1]}")  # the newest
        assert not await page.is_visible(f"#post-{ids[0]}")
        await check(page, "dialog-newest-posts")

        async with page.expect_navigation():
            await page.click("#older-posts")
        assert "before=" in page.url
        assert await page.is_visible(f"#post-{ids[0]}")  # the oldest, on the older page
        assert not await page.is_visible(f"#post-{ids[-1]}")
        await check(page, "dialog-older-posts")
        async with page.expect_navigation():
            await page.click("#newest-posts")
        assert await page.is_visible(f"#post-{ids[-1]}")

        refused = await page.goto(f"{base}/dialogs/{dialog['id']}?before=garbage")
        assert refused is not None
        assert refused.status == 400
        assert "before:" in (await page.text_content("#message") or "")
        await check(page, "dialog-bad-before")

        missing = await page.goto(f"{base}/ingenstans/alls")
        assert missing is not None
        assert missing.status == 404
        assert await page.get_attribute("html", "lang") == "sv"
        assert await page.text_content("h1") == "Sidan finns inte"
        await check(page, "unknown-path")
        async with page.expect_navigation():
            await page.click("main a[href='/']")
        assert urlsplit(page.url).path == "/"

        front = await page.goto(f"{base}/?lang=fi")
        assert front is not None
        assert front.status == 200
        assert RESULTS["fi"] in (await page.text_content("#results + ul") or "")
        await check(page, "front-results-fi")
        await context.close()
    record.write()


def no_axe(record: Record) -> Callable[[Page, str], Awaitable[None]]:
    """``record.check`` without axe-core (which needs JavaScript), under a name of its own."""

    async def check(page: Page, name: str) -> None:
        await record.check(page, f"{name}-nojs", axe=False)

    return check
