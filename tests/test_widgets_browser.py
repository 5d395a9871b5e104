"""The embeddable widgets in a real browser (Debian's Chromium through Playwright), on a
municipality's web site served from another origin than Tinget's:

- on a site the municipality allowed, an anonymous visitor votes in a vox pop and sees the
  live result move (and move again when someone else votes), and sends a suggestion that is
  stored; bad input gets the API's reason beside the field, in the visitor's language, and
  nothing is stored;
- on a site it did not allow, the browser refuses the widgets' API calls: the widgets say
  so, and nothing is recorded;
- the other widgets (quick poll, proposal list, petition, problem report with its position
  and photo, survey) do what they are for;
- axe-core finds no serious or critical violation on the host page with each widget, and a
  screenshot of each widget is kept under test-artifacts/.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar, Response, get
from litestar.params import FromPath
from playwright.async_api import Browser, BrowserContext, FilePayload, Locator, Page, expect

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.browser import ARTIFACTS, chromium, serious_violations  # noqa: F401 (the fixture)
from tests.helpers import serving
from tests.images import png
from tests.test_surveys_http import Staff, survey_dialog
from tests.tiles import tile_server
from tests.widgets import manifest, record
from tinget.bootstrap import Platform


@dataclass
class Site:
    """A municipality's own web site: pages served on a port of its own, reached by any
    host name (Chromium maps every name to this machine)."""

    port: int
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, host: str, page: str) -> str:
        return f"http://{host}:{self.port}/{page}"

    def origin(self, host: str) -> str:
        return f"http://{host}:{self.port}"


# The fixtures are named apart from their functions, so that another module's tests may
# import them (tests/test_widgets_sign_in_browser.py).
@pytest.fixture(name="site")
async def site_fixture() -> AsyncIterator[Site]:
    pages: dict[str, str] = {}

    @get("/{name:str}", sync_to_thread=False)
    def page(name: FromPath[str]) -> Response[str]:
        if name not in pages:
            return Response("no such page", status_code=404, media_type="text/plain")
        return Response(pages[name], media_type="text/html")

    async with serving(Litestar([page])) as url:
        port = urlsplit(url).port
        assert port is not None
        yield Site(port, pages)


@pytest.fixture(name="served")
def served_fixture(live_server: str) -> int:
    port = urlsplit(live_server).port
    assert port is not None
    return port


@pytest.fixture(name="api")
async def api_fixture(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        yield client


async def allow_site(platform: Platform, town: Town, origin: str, **changes: Any) -> None:
    """The municipality allows its site ``origin`` (with any other ``changes``), in its
    directory before the gateway reads (and caches) its entry."""
    await platform.tenants.update(town.slug, TenantChanges(allowed_origins=[origin], **changes))
    await platform.catch_up_projections()


@contextlib.asynccontextmanager
async def projections_running(platform: Platform) -> AsyncIterator[None]:
    """The read models kept up with the log meanwhile, as the projection workers would."""

    async def run() -> None:
        while True:
            await platform.catch_up_projections()
            await asyncio.sleep(0.1)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def host_page(
    tenant: str, widgets: list[tuple[str, str]], lang: str = "sv", style: str = "", head: str = ""
) -> str:
    """A municipality's page embedding ``widgets`` (name, attributes) as its docs say, with
    its own ``style`` sheet and anything else its ``head`` holds (a Content-Security-Policy)."""
    scripts = "".join(
        f'<script type="module" src="{tenant}/widgets/v1/{name}.js"></script>'
        for name in dict.fromkeys(name for name, _ in widgets)
    )
    elements = "".join(f"<tinget-{name} {attrs}></tinget-{name}>" for name, attrs in widgets)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}'
        f"<title>Lunds kommun</title><style>{style}</style>{scripts}</head>"
        f"<body><main><h1>Lunds kommun</h1>{elements}</main></body></html>"
    )


class Pages:
    """Browser tabs, all closed when the test ends, before the servers stop: a widget's live
    results hold a connection open to the gateway as long as its tab is open."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    async def new(self, locale: str = "sv-SE", **options: Any) -> Page:
        # axe-core is added as a script a page's Content-Security-Policy might refuse (a test
        # of a policy itself keeps it: bypass_csp=False)
        options.setdefault("bypass_csp", True)
        context = await self.browser.new_context(locale=locale, **options)
        self.contexts.append(context)
        return await context.new_page()


@pytest.fixture(name="tabs")
async def tabs_fixture(browser: Browser, live_server: str, site: Site) -> AsyncIterator[Pages]:
    pages = Pages(browser)
    try:
        yield pages
    finally:
        for context in pages.contexts:
            await context.close()


async def check_widget(page: Page, name: str, element: str | None = None) -> None:
    """axe-core on the page with the widget (it looks into shadow roots), and the widget's
    screenshot kept; both noted in test-artifacts/widgets.json under ``name`` (the widget's,
    unless ``element`` names the widget)."""
    violations = await serious_violations(page)
    record("axe", name, {"serious_or_critical": len(violations), "violations": violations})
    assert violations == [], violations
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"widget-{name}.png"
    await page.locator(element or f"tinget-{name}").first.screenshot(path=str(path))
    assert path.stat().st_size > 0


async def tally(api: httpx.AsyncClient, town: Town, dialog: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/dialogs/{dialog}/tally", headers=town.headers())
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def posts(api: httpx.AsyncClient, town: Town, dialog: str) -> list[dict[str, Any]]:
    answer = await api.get(f"/api/v1/dialogs/{dialog}/posts", headers=town.headers())
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_an_allowed_site_embeds_the_vox_pop_and_the_suggestion_box(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    www = "localhost"  # an http origin may be allowed only there (https elsewhere)
    await allow_site(platform, town, site.origin(www), primary_colour="#7a1f3d")
    vox = await open_dialog(api, town, admin, kind="vox-pop", settings={"question": "Bilfritt?"})
    box = await open_dialog(api, town, admin, kind="suggestion-box", title="Tyck till")
    tenant = f"http://{town.host}:{served}"
    site.pages["start"] = host_page(
        tenant,
        [("vox-pop", f'dialog="{vox["id"]}"'), ("suggestion-box", f'dialog="{box["id"]}"')],
    )

    async with projections_running(platform):
        page = await tabs.new()
        await page.goto(site.url(www, "start"))
        voxpop = page.locator("tinget-vox-pop")
        await expect(voxpop.locator("h2")).to_have_text("Bilfritt?")
        yes = voxpop.locator(".result[data-choice=yes]")
        await expect(yes).to_have_attribute("data-votes", "0")
        # the municipality's colour through the branding, text on it readable
        colour = await voxpop.locator("button", has_text="Ja").evaluate(
            "b => getComputedStyle(b).backgroundColor"
        )
        assert colour == "rgb(122, 31, 61)"

        await voxpop.locator("button", has_text="Ja").click()
        await expect(voxpop.locator(".status")).to_have_text("Tack, din röst är räknad.")
        await expect(yes).to_have_attribute("data-votes", "1")  # moved, live
        await expect(yes).to_contain_text("Röster: 1")

        # moved on the page (disconnected and connected again), it follows the results still
        await page.evaluate(
            "document.querySelector('main').append(document.querySelector('tinget-vox-pop'))"
        )
        # someone else votes elsewhere: the open page's result moves again
        other = await device_token(api, town)
        cast = await api.post(
            f"/api/v1/dialogs/{vox['id']}/votes",
            json={"choices": ["no"]},
            headers=town.headers(other),
        )
        assert cast.status_code == 201, cast.text
        await expect(voxpop.locator(".result[data-choice=no]")).to_have_attribute("data-votes", "1")
        await expect(voxpop.locator(".meta")).to_have_text("Röster hittills: 2")

        # the same visitor again (the tab keeps its session): one ballot per person
        await page.reload()
        await expect(voxpop.locator(".meta")).to_have_text("Röster hittills: 2")
        await voxpop.locator("button", has_text="Nej").click()
        await expect(voxpop.locator(".status")).to_have_text("Du har redan röstat här.")
        assert (await tally(api, town, vox["id"]))["ballots"] == 2

        # the token is in the tab's storage under the tenant's origin, never a cookie
        token = await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')")
        assert isinstance(token, str)
        me = await api.get("/api/v1/me", headers=town.headers(token))
        assert me.status_code == 200, me.text
        assert me.json()["sign_in"] == "device"
        assert await page.context.cookies() == []
        await check_widget(page, "vox-pop")

        # the suggestion box: bad input gets the API's reason beside the field, in Swedish
        suggestions = page.locator("tinget-suggestion-box")
        text = suggestions.locator("textarea")
        send = suggestions.locator("button[type=submit]")
        error = suggestions.locator(".error[data-field=body]")
        await send.click()
        await expect(error).to_have_text("Ditt förslag: fyll i det här.")
        await expect(text).to_have_attribute("aria-invalid", "true")
        await expect(text).to_be_focused()
        await text.fill("x" * 10_001)
        await send.click()
        await expect(error).to_have_text("Ditt förslag: högst 10\xa0000 tecken.")
        assert await posts(api, town, box["id"]) == []
        await check_widget(page, "suggestion-box")

        await text.fill("Fler bänkar längs ån")
        await send.click()
        await expect(suggestions.locator(".status")).to_have_text(
            "Tack! Ditt förslag har tagits emot."
        )
        await expect(error).to_have_text("")
        async with asyncio.timeout(10):
            while not (stored := await posts(api, town, box["id"])):
                await asyncio.sleep(0.1)
        assert [(p["kind"], p["body"]) for p in stored] == [("suggestion", "Fler bänkar längs ån")]


async def test_a_site_the_municipality_did_not_allow_is_refused_by_the_browser(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    await allow_site(platform, town, site.origin("localhost"))
    vox = await open_dialog(api, town, admin, kind="vox-pop", settings={"question": "Bilfritt?"})
    box = await open_dialog(api, town, admin, kind="suggestion-box", title="Tyck till")
    tenant = f"http://{town.host}:{served}"
    site.pages["start"] = host_page(
        tenant,
        [
            ("vox-pop", f'dialog="{vox["id"]}"'),
            ("suggestion-box", f'dialog="{box["id"]}"'),
            ("suggestion-box", f'dialog="{box["id"]}" lang="fi" id="suomeksi"'),
        ],
    )
    elsewhere = f"elsewhere-{town.slug}.example"
    page = await tabs.new()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "CORS" in m.text else None)
    await page.goto(site.url(elsewhere, "start"))
    message = (
        "Kommunens tjänst gick inte att nå från den här sidan."
        " Webbplatsen får kanske inte bädda in den."
    )
    # the scripts load (they hold no data), the API's answers are kept from the page
    await expect(page.locator("tinget-vox-pop .status")).to_have_text(message)
    await expect(page.locator("tinget-suggestion-box:not([lang]) .status")).to_have_text(message)
    await expect(page.locator("#suomeksi .status")).to_have_text(  # its own language
        "Kunnan palveluun ei saatu yhteyttä tältä sivulta."
        " Sivustolla ei ehkä ole lupaa upottaa sitä."
    )
    assert refused, "Chromium said nothing of CORS"
    # a vote sent from this page with a valid token does not get through either
    token = await device_token(api, town)
    sent = await page.evaluate(
        """async ([url, token]) => {
            try {
                await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
                    Authorization: `Bearer ${token}`}, body: JSON.stringify({choices: ['yes']})});
                return 'answered';
            } catch (e) { return 'refused'; }
        }""",
        [f"{tenant}/api/v1/dialogs/{vox['id']}/votes", token],
    )
    assert sent == "refused"
    await platform.catch_up_projections()
    assert (await tally(api, town, vox["id"]))["ballots"] == 0
    assert await posts(api, town, box["id"]) == []
    assert await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')") is None
    assert await page.context.cookies() == []


async def test_the_poll_proposals_petition_and_problem_report_widgets(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    await allow_site(platform, town, site.origin("localhost"))
    poll = await open_dialog(
        api,
        town,
        admin,
        kind="poll",
        settings={"question": "Vilken dag passar?", "options": ["Måndag", "Tisdag", "Onsdag"]},
    )
    proposals = await open_dialog(api, town, admin, kind="proposals", title="E-förslag")
    petitions = await open_dialog(
        api, town, admin, kind="petition", title="Namninsamlingar", settings={"signature_goal": 50}
    )
    reports = await open_dialog(
        api, town, admin, kind="problem-reports", title="Felanmälan", settings={"images": True}
    )
    author = await device_token(api, town)
    proposal = await api.post(
        f"/api/v1/dialogs/{proposals['id']}/posts",
        json={"title": "Cykelbana <b>till</b> skolan", "body": "En säker väg längs Norra vägen."},
        headers=town.headers(author),
    )
    assert proposal.status_code == 201, proposal.text
    petition = await api.post(
        f"/api/v1/dialogs/{petitions['id']}/posts",
        json={"title": "Rädda badhuset", "body": "Badhuset ska vara öppet året runt."},
        headers=town.headers(author),
    )
    assert petition.status_code == 201, petition.text
    await platform.catch_up_projections()
    tenant = f"http://{town.host}:{served}"
    site.pages["more"] = host_page(
        tenant,
        [
            ("quick-poll", f'dialog="{poll["id"]}"'),
            ("proposal-list", f'dialog="{proposals["id"]}"'),
            ("petition", f'post="{petition.json()["id"]}"'),
            ("problem-report", f'dialog="{reports["id"]}"'),
        ],
        # the host page's own colour for one widget, and a part of it restyled
        style="tinget-petition { --tinget-primary: #005b99 }"
        " tinget-petition::part(button) { border-radius: 0 }",
    )

    async with projections_running(platform):
        page = await tabs.new(
            geolocation={"latitude": 55.7047, "longitude": 13.191}, permissions=["geolocation"]
        )
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        await page.goto(site.url("localhost", "more"))

        # a token the API no longer takes (expired, revoked) is replaced by a new session
        key = f"tinget:{tenant}:token"
        await page.evaluate(f"sessionStorage.setItem('{key}', 'no-longer-valid')")

        # the quick poll: choose, vote, the result moves
        quick = page.locator("tinget-quick-poll")
        await expect(quick.locator("legend")).to_have_text("Vilken dag passar?")
        await quick.locator("button[type=submit]").click()  # nothing chosen
        await expect(quick.locator(".error[data-field=choices]")).to_have_text(
            "Vilken dag passar?: fyll i det här."
        )
        await expect(quick.get_by_label("Måndag")).to_be_focused()
        await quick.get_by_label("Tisdag").check()
        await quick.locator("button[type=submit]").click()
        await expect(quick.locator(".status")).to_have_text("Tack, din röst är räknad.")
        await expect(quick.locator(".result[data-choice=Tisdag]")).to_have_attribute(
            "data-votes", "1"
        )
        assert await page.evaluate(f"sessionStorage.getItem('{key}')") != "no-longer-valid"

        # the proposal list: support a proposal
        listed = page.locator("tinget-proposal-list li.item")
        await expect(listed).to_have_count(1)
        await expect(listed.locator("h3")).to_have_text("Cykelbana <b>till</b> skolan")
        await expect(listed.locator("h3 b")).to_have_count(0)  # text, never markup
        await listed.locator("button").click()
        await expect(listed.locator(".supports")).to_have_text("Stöd: 1")
        await expect(page.locator("tinget-proposal-list .status")).to_have_text("Du stöder detta.")

        # the petition: sign it, toward its goal
        signing = page.locator("tinget-petition")
        look = await signing.locator("button").evaluate(
            "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderRadius]"
        )
        assert look == ["rgb(0, 91, 153)", "0px"]
        await expect(signing.locator(".count")).to_have_text("Underskrifter: 0 av 50")
        await signing.locator("button").click()
        await expect(signing.locator(".count")).to_have_text("Underskrifter: 1 av 50")
        await expect(signing.locator(".status")).to_have_text("Tack för din underskrift.")

        for name in ("quick-poll", "proposal-list", "petition", "problem-report"):
            await check_widget(page, name)

        # the problem report: without a place it is refused beside the place, nothing stored
        report = page.locator("tinget-problem-report")
        await report.get_by_label("Beskriv problemet").fill("Trasig gatlykta vid busshållplatsen")
        await report.locator("button[type=submit]").click()
        await expect(report.locator(".error[data-field=place]")).to_have_text(
            "Plats: fyll i det här."
        )
        await expect(report.get_by_label("Latitud")).to_be_focused()
        # the browser's position fills the fields in; a photo goes along
        await report.get_by_role("button", name="Använd min position").click()
        await expect(report.get_by_label("Latitud")).to_have_value("55.704700")
        await expect(report.get_by_label("Longitud")).to_have_value("13.191000")
        await report.get_by_label("Foto").set_input_files(
            files=[FilePayload(name="lykta.png", mimeType="image/png", buffer=png("lykta"))]
        )
        await report.locator("button[type=submit]").click()
        await expect(report.locator(".status")).to_have_text("Tack! Din anmälan har tagits emot.")
        await expect(report.locator(".error[data-field=place]")).to_have_text("")

        async with asyncio.timeout(10):
            while not (stored := await posts(api, town, reports["id"])):
                await asyncio.sleep(0.1)
            while True:
                counts = {
                    "ballots": (await tally(api, town, poll["id"]))["ballots"],
                    "supports": (await posts(api, town, proposals["id"]))[0]["supports"],
                    "signatures": (await posts(api, town, petitions["id"]))[0]["signatures"],
                }
                if counts == {"ballots": 1, "supports": 1, "signatures": 1}:
                    break
                await asyncio.sleep(0.1)
    [problem] = stored
    # no map configured: no map, its module never loaded, no tile asked of anyone
    await expect(report.locator(".map")).to_have_count(0)
    assert [u for u in requested if "/widgets/v1/map-" in u or u.endswith(".png")] == []
    assert problem["kind"] == "problem-report"
    assert problem["place"]["latitude"] == pytest.approx(55.7047)
    assert problem["place"]["longitude"] == pytest.approx(13.191)
    assert problem["image_url"] is not None
    picture = await api.get(problem["image_url"], headers=town.headers())
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"


async def test_a_dialog_that_asks_for_sign_in_offers_it_in_a_popup(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    """The widget's side of signing in: the popup opens the municipality's sign-in page, and
    only a message from the municipality's origin hands the widget a token. (The sign-in page
    that posts it back is tested with that page; here the popup posts it as that page does.)"""
    await allow_site(platform, town, site.origin("localhost"))
    vox = await open_dialog(
        api, town, admin, kind="vox-pop", settings={"question": "Ny skola?", "anonymous": False}
    )
    tenant = f"http://{town.host}:{served}"
    site.pages["signed"] = host_page(tenant, [("vox-pop", f'dialog="{vox["id"]}"')])
    person = await staff_token(platform, town, "eva@example.se", Role.PARTICIPANT)

    async with projections_running(platform):
        page = await tabs.new()
        await page.goto(site.url("localhost", "signed"))
        voxpop = page.locator("tinget-vox-pop")
        await voxpop.locator("button", has_text="Ja").click()
        await expect(voxpop.locator(".status")).to_have_text("Logga in för att delta här.")
        async with page.expect_popup() as opening:
            await voxpop.get_by_role("button", name="Logga in").click()
        popup = await opening.value
        origin = site.origin("localhost").replace(":", "%3A").replace("/", "%2F")
        assert popup.url == f"{tenant}/sign-in?widget_origin={origin}"

        key = f"tinget:{tenant}:token"
        # the host page (or anything else on it) cannot hand the widget a token
        await page.evaluate("window.postMessage({type: 'tinget:signed-in', token: 'forged'}, '*')")
        await page.wait_for_timeout(200)
        assert await page.evaluate(f"sessionStorage.getItem('{key}')") is None
        # the municipality's page in the popup can
        await popup.evaluate(
            "token => window.opener.postMessage({type: 'tinget:signed-in', token}, '*')", person
        )
        await expect(voxpop.locator(".status")).to_have_text("Du är inloggad.")
        assert await page.evaluate(f"sessionStorage.getItem('{key}')") == person

        await voxpop.locator("button", has_text="Ja").click()
        await expect(voxpop.locator(".status")).to_have_text("Tack, din röst är räknad.")
        await expect(voxpop.locator(".result[data-choice=yes]")).to_have_attribute(
            "data-votes", "1"
        )
    counted = await tally(api, town, vox["id"])
    assert counted["signed_in_ballots"] == 1
    assert await page.context.cookies() == []


def _sv(text: str) -> dict[str, str]:
    return {"sv": text, "en": f"{text} (en)"}


SURVEY_FORM: dict[str, Any] = {
    "default_language": "sv",
    "title": _sv("Parken"),
    "sections": [
        {
            "title": _sv("Om dig"),
            "questions": [
                {
                    "type": "single-choice",
                    "id": "visit",
                    "text": _sv("Besöker du parken?"),
                    "options": [
                        {"id": "yes", "label": _sv("Ja")},
                        {"id": "no", "label": _sv("Nej")},
                    ],
                    "required": True,
                },
                {
                    "type": "multiple-choice",
                    "id": "uses",
                    "text": _sv("Vad gör du där?"),
                    "options": [
                        {"id": "walk", "label": _sv("Promenerar")},
                        {"id": "play", "label": _sv("Leker")},
                    ],
                    "shown_if": {"kind": "one-of", "question": "visit", "options": ["yes"]},
                },
                {"type": "number", "id": "age", "text": _sv("Hur gammal är du?"), "min": 0},
            ],
        },
        {
            "questions": [
                {"type": "rating", "id": "stars", "text": _sv("Hur nöjd är du?")},
                {
                    "type": "matrix",
                    "id": "grid",
                    "text": _sv("Hur viktigt är"),
                    "rows": [{"id": "light", "label": _sv("Belysning")}],
                    "scale": {"min": 1, "max": 3},
                },
                {
                    "type": "ranking",
                    "id": "order",
                    "text": _sv("Vad ska göras först?"),
                    "options": [
                        {"id": "trees", "label": _sv("Träd")},
                        {"id": "seats", "label": _sv("Bänkar")},
                    ],
                },
                {"type": "date", "id": "when", "text": _sv("När var du där senast?")},
                {"type": "text", "id": "wish", "text": _sv("Vad önskar du?"), "size": "long"},
            ],
        },
    ],
}


async def survey_page(
    platform: Platform, town: Town, admin: str, served: int, site: Site, api: httpx.AsyncClient
) -> str:
    """The survey of SURVEY_FORM, open now, embedded as the page ``survey`` of a site the town
    allows; its dialog's id."""
    await allow_site(platform, town, site.origin("localhost"))
    approver = await staff_token(platform, town, "approver@town.example", Role.ADMINISTRATOR)
    survey, opens_at = await survey_dialog(api, town, Staff(admin, approver), 3.0, form=SURVEY_FORM)
    tenant = f"http://{town.host}:{served}"
    site.pages["survey"] = host_page(tenant, [("survey", f'dialog="{survey}"')])
    await asyncio.sleep(
        max(0.0, (datetime.fromisoformat(opens_at) - datetime.now(UTC)).total_seconds() + 0.1)
    )
    return survey


async def test_the_survey_widget_takes_one_response_and_names_each_refused_answer(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    survey = await survey_page(platform, town, admin, served, site, api)
    tenant = f"http://{town.host}:{served}"

    page = await tabs.new()
    await page.goto(site.url("localhost", "survey"))
    widget = page.locator("tinget-survey")
    await expect(widget.locator("h2")).to_have_text("Parken")
    uses = widget.locator("[data-question=uses]")
    await expect(uses).to_be_hidden()  # shown only to those who visit the park

    # the required question left out and an age that is no number: both named at once
    await widget.get_by_label("Hur gammal är du?").fill("fyrtio")
    await widget.locator("button[type=submit]").click()
    await expect(widget.locator(".error[data-field='answers.visit']")).to_have_text(
        "Besöker du parken?: fyll i det här."
    )
    await expect(widget.locator(".error[data-field='answers.age']")).to_have_text(
        "Hur gammal är du?: ett tal."
    )
    await expect(widget.get_by_label("Ja", exact=True)).to_be_focused()
    await check_widget(page, "survey")

    await widget.get_by_label("Ja", exact=True).check()
    await expect(uses).to_be_visible()
    await uses.get_by_label("Promenerar").check()
    await widget.get_by_label("Hur gammal är du?").fill("40")
    await widget.locator("[data-question=stars]").get_by_label("4").check()
    await widget.locator("[data-question=grid]").get_by_label("3").check()
    await widget.get_by_label("Bänkar").select_option("1")
    await widget.get_by_label("Träd").select_option("2")
    await widget.get_by_label("När var du där senast?").fill("2026-11-28")
    await widget.get_by_label("Vad önskar du?").fill("Fler bänkar")
    await widget.locator("button[type=submit]").click()
    await expect(widget.locator(".status")).to_have_text("Tack! Dina svar har tagits emot.")

    token = await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')")
    read = await api.get(f"/api/v1/dialogs/{survey}/questionnaire", headers=town.headers(token))
    assert read.status_code == 200, read.text
    assert read.json()["answered"] is True
    again = await api.post(
        f"/api/v1/dialogs/{survey}/responses",
        json={"version": 1, "answers": {"visit": "no"}},
        headers=town.headers(token),
    )
    assert again.status_code == 409  # the widget's response was the one


async def test_a_widget_shows_only_its_own_municipalitys_dialogs(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    """Another municipality's dialog id, or an id that is none, in a widget loaded from this
    municipality's host: not found, in the visitor's language, and nothing sent."""
    await allow_site(platform, town, site.origin("localhost"))
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@malmo.example", Role.ADMINISTRATOR)
    theirs = await open_dialog(
        api, other, other_admin, kind="vox-pop", settings={"question": "Malmös fråga?"}
    )
    await platform.catch_up_projections()
    tenant = f"http://{town.host}:{served}"
    site.pages["theirs"] = host_page(
        tenant,
        [
            ("vox-pop", f'dialog="{theirs["id"]}" id="theirs"'),
            ("vox-pop", 'dialog="../../api/v1/branding" id="none"'),
        ],
    )
    page = await tabs.new()
    await page.goto(site.url("localhost", "theirs"))
    for element in ("#theirs", "#none"):
        await expect(page.locator(f"{element} .status")).to_have_text("Det gick inte att hitta.")
        await expect(page.locator(f"{element} h2")).to_have_count(0)
    assert await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')") is None


def world_pixel(latitude: float, longitude: float, zoom: int) -> tuple[float, float]:
    """Where a place is on the Web Mercator map of ``zoom`` (256 px tiles), as Leaflet
    reckons it."""
    size = 256 * 2**zoom
    sine = math.sin(math.radians(latitude))
    return (
        (longitude + 180) / 360 * size,
        (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * size,
    )


def world_place(x: float, y: float, zoom: int) -> tuple[float, float]:
    size = 256 * 2**zoom
    latitude = math.degrees(math.atan(math.sinh(math.pi - 2 * math.pi * y / size)))
    return latitude, x / size * 360 - 180


async def served_once(
    api: httpx.AsyncClient, town: Town, shown: Callable[[dict[str, Any]], bool]
) -> None:
    """Waits (a few seconds at most) until the tenant's branding as served satisfies ``shown``."""
    for _ in range(50):
        branding = await api.get("/api/v1/branding", headers=town.headers())
        assert branding.status_code == 200, branding.text
        if shown(branding.json()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the gateway still serves the old branding: {branding.text}")


async def field_place(report: Locator) -> tuple[float, float]:
    latitude = await report.get_by_label("Latitud").input_value()
    longitude = await report.get_by_label("Longitud").input_value()
    return float(latitude), float(longitude)


async def test_the_problem_report_picks_its_place_on_the_municipalitys_map(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    """The municipality's tile server (HTTPS, here on this machine) configured in its
    settings: the widget shows its tiles on a map, a click puts the place down, the arrow keys
    move it, typed coordinates move it too, and the report is stored at that place. The host
    page's Content-Security-Policy allows images from the tile server alone, and the widget
    needs no more."""
    zoom, centre = 15, (55.7047, 13.191)
    async with tile_server(tmp_path, "tiles.example") as tiles:
        tile_origin = f"https://tiles.example:{tiles.port}"
        await allow_site(platform, town, site.origin("localhost"))
        configured = await api.put(
            "/api/v1/settings",
            json={
                "map": {
                    "tile_url": f"{tile_origin}/{{z}}/{{x}}/{{y}}.png",
                    "attribution": "© Lunds kommun <b>& OpenStreetMap</b>",
                    "latitude": centre[0],
                    "longitude": centre[1],
                    "zoom": zoom,
                }
            },
            headers=town.headers(admin),
        )
        assert configured.status_code == 200, configured.text
        await platform.catch_up_projections()
        # the gateway keeps each tenant's entry for a moment (gateway/tenancy.py): the map is
        # served once that has passed, as it would be to the municipality's visitors
        await served_once(api, town, lambda branding: branding["map"] is not None)
        reports = await open_dialog(api, town, admin, kind="problem-reports", title="Felanmälan")
        tenant = f"http://{town.host}:{served}"
        policy = f'<meta http-equiv="Content-Security-Policy" content="img-src {tile_origin}">'
        site.pages["map"] = host_page(
            tenant, [("problem-report", f'dialog="{reports["id"]}"')], head=policy
        )

        async with projections_running(platform):
            # the page's own policy applies; the tile server's certificate is the test's own
            page = await tabs.new(bypass_csp=False, ignore_https_errors=True)
            refused: list[str] = []
            page.on(
                "console",
                lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
            )
            images: list[str] = []
            page.on(
                "request", lambda r: images.append(r.url) if r.resource_type == "image" else None
            )
            await page.goto(site.url("localhost", "map"))
            report = page.locator("tinget-problem-report")
            chart = report.get_by_role("application", name="Karta")
            await expect(chart).to_be_visible()
            await expect(report.locator(".leaflet-tile-loaded").first).to_be_attached()
            await expect(report.locator(".leaflet-control-attribution")).to_have_text(
                "© Lunds kommun <b>& OpenStreetMap</b>"  # the municipality's text, as text
            )
            await expect(report.locator(".tinget-marker")).to_have_count(0)

            # a click on the map puts the place down where it was clicked
            width, height = await chart.evaluate("m => [m.clientWidth, m.clientHeight]")
            middle = world_pixel(*centre, zoom)
            await chart.click(position={"x": width / 2 + 60, "y": height / 2 - 40})
            await expect(report.locator(".tinget-marker")).to_have_count(1)
            latitude, longitude = await field_place(report)
            expected = world_place(middle[0] + 60, middle[1] - 40, zoom)
            pixel = 360 / (256 * 2**zoom)  # a pixel's longitude (Leaflet rounds to pixels)
            assert latitude == pytest.approx(expected[0], abs=2 * pixel)
            assert longitude == pytest.approx(expected[1], abs=2 * pixel)
            await expect(report.locator(".map-slot [aria-live]")).to_have_text(
                f"Vald plats: {latitude:.6f}, {longitude:.6f}"
            )

            # the arrow keys move it from there, 10 px a press
            await chart.focus()
            clicked = world_pixel(latitude, longitude, zoom)
            for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
                await chart.press(key)
            moved = world_place(clicked[0] + 20, clicked[1] + 10, zoom)
            await expect(report.get_by_label("Latitud")).not_to_have_value(f"{latitude:.6f}")
            assert await field_place(report) == pytest.approx(moved, abs=pixel * 0.6)

            # coordinates typed in move the marker: the next arrow key moves from there
            await report.get_by_label("Latitud").fill("55.71")
            await report.get_by_label("Longitud").fill("13.2")
            await report.get_by_label("Longitud").press("Tab")
            await chart.focus()
            await chart.press("ArrowLeft")
            typed = world_pixel(55.71, 13.2, zoom)
            await expect(report.get_by_label("Longitud")).not_to_have_value("13.2")
            chosen = await field_place(report)
            assert chosen == pytest.approx(
                world_place(typed[0] - 10, typed[1], zoom), abs=pixel * 0.6
            )

            await check_widget(page, "problem-report-map", "tinget-problem-report")

            await report.get_by_label("Beskriv problemet").fill("Ett stort hål i cykelbanan")
            await report.locator("button[type=submit]").click()
            await expect(report.locator(".status")).to_have_text(
                "Tack! Din anmälan har tagits emot."
            )
            await expect(report.locator(".tinget-marker")).to_have_count(0)  # a fresh form
            async with asyncio.timeout(10):
                while not (stored := await posts(api, town, reports["id"])):
                    await asyncio.sleep(0.1)

            # the only images were the tile server's tiles, and the policy held (it is on:
            # an image from anywhere else is refused)
            assert not refused, refused
            assert images
            assert all(url.startswith(f"{tile_origin}/{zoom}/") for url in images), images
            tile = tuple(int(c // 256) for c in middle)
            assert f"/{zoom}/{tile[0]}/{tile[1]}.png" in tiles.asked
            await page.evaluate(
                "document.body.append(Object.assign(new Image(), {src: 'https://elsewhere.example/x.png'}))"
            )
            async with asyncio.timeout(5):
                while not refused:
                    await asyncio.sleep(0.05)
            assert "elsewhere.example" in refused[0]

    [problem] = stored
    assert problem["place"]["latitude"] == pytest.approx(chosen[0])
    assert problem["place"]["longitude"] == pytest.approx(chosen[1])
    record("map", "problem-report", {"module": manifest()["chunks"]["map"]})


async def draft_of(api: httpx.AsyncClient, town: Town, survey: str, token: str) -> Any:
    answer = await api.get(f"/api/v1/dialogs/{survey}/responses/draft", headers=town.headers(token))
    return answer.json()["answers"] if answer.status_code == 200 else None


async def saved_draft(
    api: httpx.AsyncClient, town: Town, survey: str, token: str, answers: dict[str, Any]
) -> None:
    """Waits (10 s at most) until the draft the widget keeps holds ``answers``."""
    async with asyncio.timeout(10):
        while await draft_of(api, town, survey, token) != answers:
            await asyncio.sleep(0.1)


async def test_the_survey_widget_keeps_a_draft_resumed_on_reload_and_submits_once(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    survey = await survey_page(platform, town, admin, served, site, api)
    tenant = f"http://{town.host}:{served}"

    page = await tabs.new()
    drafts: list[str] = []
    page.on(
        "request",
        lambda r: drafts.append(r.method) if r.url.endswith("/responses/draft") else None,
    )
    await page.goto(site.url("localhost", "survey"))
    widget = page.locator("tinget-survey")
    await expect(widget.locator("h2")).to_have_text("Parken")
    token = await page.evaluate(f"sessionStorage.getItem('tinget:{tenant}:token')")
    assert await draft_of(api, town, survey, token) is None

    # half the answers, one of them a number half typed: the draft keeps the rest
    await widget.get_by_label("Ja", exact=True).check()
    await widget.locator("[data-question=uses]").get_by_label("Promenerar").check()
    await widget.locator("[data-question=stars]").get_by_label("4").check()
    await widget.get_by_label("Hur gammal är du?").fill("fyrtio")
    await saved_draft(api, town, survey, token, {"visit": "yes", "uses": ["walk"], "stars": 4})
    await widget.get_by_label("Hur gammal är du?").fill("40")
    half = {"visit": "yes", "uses": ["walk"], "stars": 4, "age": 40}
    await saved_draft(api, town, survey, token, half)
    # typing is saved once it pauses, not at every key
    before = drafts.count("PUT")
    await widget.get_by_label("Vad önskar du?").press_sequentially("Fler bänkar", delay=40)
    await saved_draft(api, town, survey, token, {**half, "wish": "Fler bänkar"})
    assert drafts.count("PUT") - before <= 2, drafts

    # the page reloaded (the tab keeps its session): the answers are there again
    await page.reload()
    await expect(widget.locator(".status")).to_have_text(
        "Välkommen tillbaka: dina svar hittills är ifyllda."
    )
    await expect(widget.get_by_label("Ja", exact=True)).to_be_checked()
    await expect(widget.locator("[data-question=uses]")).to_be_visible()
    await expect(widget.locator("[data-question=uses]").get_by_label("Promenerar")).to_be_checked()
    await expect(widget.locator("[data-question=stars]").get_by_label("4")).to_be_checked()
    await expect(widget.get_by_label("Hur gammal är du?")).to_have_value("40")
    await expect(widget.get_by_label("Vad önskar du?")).to_have_value("Fler bänkar")

    await expect(widget.locator(".draft-note")).to_have_text(
        "Dina svar sparas medan du svarar, så att du kan fortsätta senare."
    )

    # finished and sent: one response, and the draft is done with
    await widget.locator("[data-question=grid]").get_by_label("3").check()
    await widget.get_by_label("Bänkar").select_option("1")
    await widget.get_by_label("Träd").select_option("2")
    await widget.get_by_label("När var du där senast?").fill("2026-11-28")
    await widget.locator("button[type=submit]").click()
    await expect(widget.locator(".status")).to_have_text("Tack! Dina svar har tagits emot.")
    await expect(widget.locator(".draft-note")).to_be_hidden()
    await page.wait_for_timeout(1500)  # a draft saved after the response would show by now
    assert await draft_of(api, town, survey, token) is None
    async with platform.worker_pool.acquire() as conn:
        responses = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1"
            " AND event_type = 'AnonymousResponseSubmitted'",
            town.slug,
        )
    assert responses == 1
    read = await api.get(f"/api/v1/dialogs/{survey}/questionnaire", headers=town.headers(token))
    assert read.json()["answered"] is True

    await page.reload()  # back again: answered, no form and no draft asked for
    await expect(widget.locator(".status")).to_have_text("Du har redan svarat på enkäten. Tack!")
    await expect(widget.locator("form")).to_have_count(0)
