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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar, Response, get
from litestar.params import FromPath
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, expect

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.browser import ARTIFACTS, chromium, serious_violations  # noqa: F401 (the fixture)
from tests.helpers import serving
from tests.images import png
from tests.test_surveys_http import Staff, survey_dialog
from tests.widgets import record
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


@pytest.fixture
async def site() -> AsyncIterator[Site]:
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


@pytest.fixture
def served(live_server: str) -> int:
    port = urlsplit(live_server).port
    assert port is not None
    return port


@pytest.fixture
async def api(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        yield client


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
    tenant: str, widgets: list[tuple[str, str]], lang: str = "sv", style: str = ""
) -> str:
    """A municipality's page embedding ``widgets`` (name, attributes) as its docs say, with
    its own ``style`` sheet."""
    scripts = "".join(
        f'<script type="module" src="{tenant}/widgets/v1/{name}.js"></script>'
        for name in dict.fromkeys(name for name, _ in widgets)
    )
    elements = "".join(f"<tinget-{name} {attrs}></tinget-{name}>" for name, attrs in widgets)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
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
        # axe-core is added as a script a page's Content-Security-Policy might refuse
        context = await self.browser.new_context(bypass_csp=True, locale=locale, **options)
        self.contexts.append(context)
        return await context.new_page()


@pytest.fixture
async def tabs(browser: Browser, live_server: str, site: Site) -> AsyncIterator[Pages]:
    pages = Pages(browser)
    try:
        yield pages
    finally:
        for context in pages.contexts:
            await context.close()


async def check_widget(page: Page, name: str) -> None:
    """axe-core on the page with the widget (it looks into shadow roots), and the widget's
    screenshot kept; both noted in test-artifacts/widgets.json."""
    violations = await serious_violations(page)
    record("axe", name, {"serious_or_critical": len(violations), "violations": violations})
    assert violations == [], violations
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"widget-{name}.png"
    await page.locator(f"tinget-{name}").first.screenshot(path=str(path))
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
    await platform.tenants.update(
        town.slug,
        TenantChanges(allowed_origins=[site.origin(www)], primary_colour="#7a1f3d"),
    )
    await platform.catch_up_projections()
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
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=[site.origin("localhost")])
    )
    await platform.catch_up_projections()
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
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=[site.origin("localhost")])
    )
    await platform.catch_up_projections()
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
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=[site.origin("localhost")])
    )
    await platform.catch_up_projections()
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


async def test_the_survey_widget_takes_one_response_and_names_each_refused_answer(
    tabs: Pages,
    platform: Platform,
    town: Town,
    admin: str,
    served: int,
    site: Site,
    api: httpx.AsyncClient,
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=[site.origin("localhost")])
    )
    await platform.catch_up_projections()
    approver = await staff_token(platform, town, "approver@town.example", Role.ADMINISTRATOR)
    survey, opens_at = await survey_dialog(api, town, Staff(admin, approver), 3.0, form=SURVEY_FORM)
    tenant = f"http://{town.host}:{served}"
    site.pages["survey"] = host_page(tenant, [("survey", f'dialog="{survey}"')])
    await asyncio.sleep(
        max(0.0, (datetime.fromisoformat(opens_at) - datetime.now(UTC)).total_seconds() + 0.1)
    )

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
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=[site.origin("localhost")])
    )
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
