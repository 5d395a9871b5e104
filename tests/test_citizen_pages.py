"""The citizens' pages over plain HTTP (no JavaScript): the front page, a dialog's page and
supporting a proposal with a form, the page session's cookie, the person's own page, the
unsubscribe link's page, the language each page speaks, what they refuse and what they
escape."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode
from uuid import uuid4

import httpx
import pytest

from gateway.pages import REFRESH_COOKIE, SESSION_COOKIE, local_path, onward
from services.identity.access import Role, SignIn
from services.notifications import unsubscribe
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, dialog_body, open_dialog
from tests.test_erasure import mailed_code
from tinget.bootstrap import Platform

MAX_PAGE = 100 * 1024
HOST_CACHE = 2.1  # seconds a host's tenant entry is kept (gateway/tenancy.py)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def projecting(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The read models follow the log in the background, as the projection workers do when
    deployed (the tests otherwise catch them up by hand): a page that waits for its own write
    sees it. The test's own catching up takes turns with it."""
    turns = asyncio.Lock()
    catch_up = platform.catch_up_projections

    async def in_turn(patience: float = 10.0) -> None:
        async with turns:
            await catch_up(patience)

    async def follow() -> None:
        while True:
            async with turns:
                await catch_up(1.0)
            await asyncio.sleep(0.05)

    monkeypatch.setattr(platform, "catch_up_projections", in_turn)
    following = asyncio.create_task(follow())
    yield
    following.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await following


async def sign_in(
    client: httpx.AsyncClient, platform: Platform, town: Town, address: str, next_path: str = ""
) -> httpx.Response:
    """Sign in on the page with an e-mailed link's code; the client keeps the cookie."""
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text
    form = {"code": mailed_code(platform)}
    if next_path:
        form["next"] = next_path
    return await client.post("/sign-in", data=form, headers=town.headers())


async def proposal(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, title: str = "Cykelbana"
) -> tuple[str, str]:
    """An open proposals dialog with one proposal by another citizen: (dialog id, post id)."""
    dialog = await open_dialog(client, town, admin)
    person = await platform.identity.people.by_email(town.slug, "forslag@example.se")
    token = (await platform.identity.token_for(town.slug, person, SignIn.EMAIL)).token
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"kind": "proposal", "title": title, "body": "Längs Storgatan"},
        headers=town.headers(token),
    )
    assert posted.status_code == 201, posted.text
    await platform.catch_up_projections()
    return dialog["id"], posted.json()["id"]


def supports(page: httpx.Response, post_id: str) -> str:
    found = re.search(rf'id="supports-{post_id}">([^<]*)<', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_only_a_local_path_is_somewhere_to_go_after_signing_in() -> None:
    assert local_path("/dialogs/1?x=2#y") == "/dialogs/1?x=2#y"
    for hostile in (
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/\x00x",
        "/ x",
        "",
        None,
        "/" + "a" * 600,
    ):
        assert local_path(hostile) is None, hostile
        assert onward(hostile) is None, hostile
    assert onward("/me") == "/me"
    for sign_in_page in ("/sign-in", "/sign-in?next=/me", "/sign-in/email"):
        assert onward(sign_in_page) is None  # not back to the form just used


async def test_the_front_page_shows_the_sections_in_the_municipalitys_order(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, title='<script>alert("t")</script> Trafik')
    await platform.tenants.update(
        town.slug,
        TenantChanges(
            welcome_text="Välkommen <b>hit</b>!",
            front_page=[
                "results-and-decisions",
                "featured-dialogs",
                "welcome",
                "open-dialogs-by-committee",
            ],
            featured_dialogs=[dialog["id"]],
        ),
    )
    await platform.catch_up_projections()
    await asyncio.sleep(HOST_CACHE)  # the host's entry, read by the API calls above, renews
    page = await client.get("/", headers=town.headers())
    assert page.status_code == 200, page.text
    assert page.headers["content-language"] == "sv"
    assert '<html lang="sv">' in page.text
    assert len(page.content) < MAX_PAGE
    order = [
        page.text.index(f'id="{section}"') for section in ("results", "featured", "welcome", "open")
    ]
    assert order == sorted(order)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Trafik" in page.text
    assert "Välkommen &lt;b&gt;hit&lt;/b&gt;!" in page.text
    assert "<script" not in page.text  # the page needs no JavaScript
    assert f'href="/dialogs/{dialog["id"]}"' in page.text
    assert "Transport" in page.text  # the committee's group


async def test_the_language_is_asked_then_the_browsers_then_the_municipalitys(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    finnish = await client.get(
        "/", headers={**town.headers(), "accept-language": "fi-FI,fi;q=0.9,en;q=0.5"}
    )
    assert finnish.headers["content-language"] == "fi"
    assert '<html lang="fi">' in finnish.text
    assert "Asukasvuoropuhelu" in finnish.text or "Etusivu" in finnish.text
    asked = await client.get("/?lang=en", headers={**town.headers(), "accept-language": "fi"})
    assert asked.headers["content-language"] == "en"
    assert 'href="/sign-in?next=%2F&amp;lang=en"' in asked.text  # links keep the language
    ignored = await client.get("/?lang=de", headers={**town.headers(), "accept-language": "da"})
    assert ignored.headers["content-language"] == "da"
    hostile = await client.get('/?lang="><script>', headers=town.headers())
    assert hostile.status_code == 200
    assert hostile.headers["content-language"] == "sv"
    assert "<script>" not in hostile.text

    await platform.tenants.update(town.slug, TenantChanges(languages=["sv", "en"]))
    await platform.catch_up_projections()
    other = await create_town(platform)
    await platform.tenants.update(other.slug, TenantChanges(languages=["sv", "en"]))
    await platform.catch_up_projections()
    limited = await client.get(
        "/?lang=fi", headers={**other.headers(), "accept-language": "fi, en;q=0.5"}
    )
    assert limited.headers["content-language"] == "en"  # Finnish is not offered there
    switcher = re.findall(r'hreflang="(\w+)"', limited.text)
    assert switcher == ["sv", "en"]


async def test_a_signed_in_persons_own_language_comes_before_the_browsers(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    signed_in = await sign_in(client, platform, town, "kaisa@example.se")
    assert signed_in.status_code in (200, 303), signed_in.text
    person = await platform.identity.people.by_email(town.slug, "kaisa@example.se")
    token = (await platform.identity.token_for(town.slug, person, SignIn.EMAIL)).token
    chosen = await client.put(
        "/api/v1/me/language", json={"language": "fi"}, headers=town.headers(token)
    )
    assert chosen.status_code == 200, chosen.text
    swedish_browser = {**town.headers(), "accept-language": "sv-SE,sv;q=0.9"}

    mine = await client.get("/", headers=swedish_browser)
    asked = await client.get("/?lang=en", headers=swedish_browser)
    client.cookies.clear()
    anonymous = await client.get("/", headers=swedish_browser)

    assert mine.headers["content-language"] == "fi"  # the person's own, not the browser's
    assert asked.headers["content-language"] == "en"  # asked for this view, it wins
    assert anonymous.headers["content-language"] == "sv"


async def test_a_dialogs_page_shows_it_and_other_municipalities_ids_are_not_found(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, post_id = await proposal(client, platform, town, admin, title="<script>x</script>")
    page = await client.get(f"/dialogs/{dialog_id}", headers=town.headers())
    assert page.status_code == 200, page.text
    assert len(page.content) < MAX_PAGE
    for shown in ("Safer cycling to school", "Find out where children need safer routes", "Öppen"):
        assert shown in page.text
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x" not in page.text
    assert supports(page, post_id) == "Stöd: 0"
    assert f'href="/sign-in?next=%2Fdialogs%2F{dialog_id}"' in page.text  # not signed in

    other = await create_town(platform, "Malmö")
    elsewhere = await client.get(f"/dialogs/{dialog_id}", headers=other.headers())
    assert elsewhere.status_code == 404
    assert "Safer cycling" not in elsewhere.text
    assert "Sidan finns inte" in elsewhere.text
    for missing in (str(uuid4()), "not-a-uuid", "%3Cscript%3E"):
        answer = await client.get(f"/dialogs/{missing}", headers=town.headers())
        assert answer.status_code == 404, missing
        assert "<script>" not in answer.text
    draft = await client.post(
        "/api/v1/dialogs", json=dialog_body(title="Utkast"), headers=town.headers(admin)
    )
    assert draft.status_code == 201
    hidden = await client.get(f"/dialogs/{draft.json()['id']}", headers=town.headers())
    assert hidden.status_code == 404


async def test_a_citizen_supports_a_proposal_with_the_form_and_sees_it_counted(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, projecting: None
) -> None:
    dialog_id, post_id = await proposal(client, platform, town, admin)
    back = f"/dialogs/{dialog_id}"
    signed_in = await sign_in(client, platform, town, "stodjare@example.se", back)
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == back
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; https gets Secure

    page = await client.get(back, headers=town.headers())
    assert 'action="/sign-out"' in page.text  # signed in by the cookie
    action = f"/dialogs/{dialog_id}/posts/{post_id}/support"
    assert f'action="{action}"' in page.text

    cross = await client.post(action, headers={**town.headers(), "sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    supported = await client.post(
        action, headers={**town.headers(), "sec-fetch-site": "same-origin"}
    )
    assert supported.status_code == 303, supported.text
    assert supported.headers["location"] == f"{back}?done=support#post-{post_id}"
    counted = await client.get(supported.headers["location"], headers=town.headers())
    assert supports(counted, post_id) == "Stöd: 1"  # at once: the redirect waited for it
    assert "Tack! Ditt stöd är räknat." in counted.text

    again = await client.post(action, headers=town.headers())
    assert again.status_code == 409
    assert "du stöder redan det här inlägget" in again.text  # the API's reason, in Swedish
    assert supports(again, post_id) == "Stöd: 1"

    wrong_dialog = await client.post(
        f"/dialogs/{uuid4()}/posts/{post_id}/support", headers=town.headers()
    )
    assert wrong_dialog.status_code == 404


async def test_the_cookie_signs_in_the_pages_only_and_signing_out_ends_it(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    signed_in = await sign_in(client, platform, town, "kaka@example.se")
    assert signed_in.status_code == 200
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    api = await client.get("/api/v1/me", headers=town.headers())
    assert api.status_code == 401  # the API takes the Authorization header, never the cookie
    assert (await client.get("/api/v1/me", headers=town.headers(token))).status_code == 200

    other = await create_town(platform, "Malmö")
    there = await client.get("/me", headers=other.headers())
    assert there.status_code == 303  # the cookie is no session in another municipality
    client.cookies.set(SESSION_COOKIE, token)  # (a browser keeps one jar per host; this one)

    cross = await client.post(
        "/sign-out", headers={**town.headers(), "origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    out = await client.post("/sign-out", headers=town.headers())
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    assert (
        f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    revoked = await client.get("/api/v1/me", headers=town.headers(token))
    assert revoked.status_code == 401  # every token of the person is taken back
    client.cookies.set(SESSION_COOKIE, token)
    stale = await client.get("/me", headers=town.headers())
    assert stale.status_code == 303
    assert "Max-Age=0" in stale.headers.get("set-cookie", "")


async def test_after_signing_in_only_a_local_path_is_followed(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    for hostile in ("//evil.example/", "https://evil.example/x", "/\\evil.example"):
        page = await client.get("/sign-in", params={"next": hostile}, headers=town.headers())
        assert 'name="next"' not in page.text  # not carried into the form
        answer = await sign_in(client, platform, town, "omdirigering@example.se", hostile)
        assert answer.status_code == 200, hostile  # signed in, and stays here
        assert "location" not in answer.headers
    local = await client.get("/sign-in", params={"next": "/me"}, headers=town.headers())
    assert '<input type="hidden" name="next" value="/me">' in local.text


async def test_a_link_asked_for_on_a_page_leads_back_to_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    back = f"/dialogs/{dialog['id']}"
    sent = await client.post(
        "/sign-in/email",
        data={"email": "tillbaka@example.se", "next": back},
        headers=town.headers(),
    )
    assert sent.status_code == 200
    assert "samesite=lax" in sent.headers["set-cookie"].lower()
    landed = await client.post(
        "/sign-in", data={"code": mailed_code(platform)}, headers=town.headers()
    )
    assert landed.status_code == 303
    assert landed.headers["location"] == back


async def test_a_widgets_popup_hands_the_token_only_to_an_allowed_origin(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(allowed_origins=["https://widget.example"])
    )
    await platform.catch_up_projections()
    allowed = await client.get(
        "/sign-in", params={"widget_origin": "https://widget.example"}, headers=town.headers()
    )
    assert 'name="widget_origin" value="https://widget.example"' in allowed.text
    person = await platform.identity.people.by_email(town.slug, "popup@example.se")
    pin = await platform.identity.codes.create(town.slug, "pin", person, timedelta(days=1))
    done = await client.post(
        "/sign-in",
        data={"code": pin, "widget_origin": "https://widget.example"},
        headers=town.headers(),
    )
    assert done.status_code == 200
    assert '"origin": "https://widget.example"' in done.text
    assert "window.opener.postMessage" in done.text

    pin = await platform.identity.codes.create(town.slug, "pin", person, timedelta(days=1))
    refused = await client.post(
        "/sign-in",
        data={"code": pin, "widget_origin": "https://evil.example"},
        headers=town.headers(),
    )
    assert refused.status_code == 200
    assert "evil.example" not in refused.text
    assert "window.opener.postMessage" not in refused.text
    assert '"*"' not in refused.text


async def test_the_persons_own_page_and_its_preferences_form(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    away = await client.get("/me", headers=town.headers())
    assert away.status_code == 303
    assert away.headers["location"] == "/sign-in?next=%2Fme"
    await sign_in(client, platform, town, "min@example.se")
    page = await client.get("/me", headers=town.headers())
    assert page.status_code == 200, page.text
    assert len(page.content) < MAX_PAGE
    assert "Mina inlägg" in page.text
    assert 'name="email:post-answered"' in page.text

    kinds = re.findall(r'name="kind" value="([^"]+)"', page.text)
    form: list[tuple[str, str]] = [("kind", k) for k in kinds]
    form += [(f"in_app:{k}", "on") for k in kinds] + [("email:badge-earned", "on")]
    saved = await client.post(
        "/me/preferences", content=urlencode(form), headers=FORM | town.headers()
    )
    assert saved.status_code == 303, saved.text
    token = client.cookies.get(SESSION_COOKIE)
    prefs = (
        await client.get("/api/v1/me/notification-preferences", headers=town.headers(token))
    ).json()
    by_kind = {p["kind"]: p for p in prefs}
    assert by_kind["badge-earned"]["email"] is True
    assert by_kind["post-answered"]["email"] is False

    bad = await client.post(
        "/me/preferences",
        content=urlencode([("kind", "post-answered"), ("kind", "sign-in")]),
        headers=FORM | town.headers(),
    )
    assert bad.status_code == 422
    assert "preferences[1].kind" in bad.text
    after = {
        p["kind"]: p
        for p in (
            await client.get("/api/v1/me/notification-preferences", headers=town.headers(token))
        ).json()
    }
    assert after == by_kind  # nothing half-written

    data = await client.get("/me/data", headers=town.headers())
    assert data.status_code == 200
    assert data.headers["content-disposition"].startswith("attachment")
    assert data.json()["record"]["email"] == "min@example.se"


async def test_erasure_on_ones_own_page_needs_the_confirm_step(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await sign_in(client, platform, town, "radera@example.se")
    token = client.cookies.get(SESSION_COOKIE)
    step = await client.get("/me/erasure", headers=town.headers())
    assert step.status_code == 200
    assert 'name="confirm"' in step.text
    unconfirmed = await client.post("/me/erasure", data={}, headers=town.headers())
    assert unconfirmed.status_code == 422
    assert "confirm: måste kryssas i för att gå vidare" in unconfirmed.text
    assert (await client.get("/api/v1/me", headers=town.headers(token))).status_code == 200
    cross = await client.post(
        "/me/erasure",
        data={"confirm": "yes"},
        headers={**town.headers(), "sec-fetch-site": "same-site"},
    )
    assert cross.status_code == 403
    erased = await client.post("/me/erasure", data={"confirm": "yes"}, headers=town.headers())
    assert erased.status_code == 200, erased.text
    assert (await client.get("/api/v1/me", headers=town.headers(token))).status_code == 401


async def test_the_unsubscribe_link_opens_a_page_that_asks_before_it_stops_anything(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await sign_in(client, platform, town, "avsluta@example.se")
    session = client.cookies.get(SESSION_COOKIE)
    client.cookies.clear()  # the link works without sign-in
    person = await platform.identity.people.by_email(town.slug, "avsluta@example.se")
    token = unsubscribe.issue(platform.keys, town.slug, person, "post-answered")

    link = await client.get(f"/api/v1/unsubscribe?token={token}", headers=town.headers())
    assert link.status_code == 303
    assert link.headers["location"].startswith("/unsubscribe?token=")
    page = await client.get(link.headers["location"], headers=town.headers())
    assert page.status_code == 200
    assert "Avsluta" in page.text or 'action="/unsubscribe"' in page.text

    async def email_on() -> bool:
        prefs = await client.get(
            "/api/v1/me/notification-preferences", headers=town.headers(session)
        )
        return bool({p["kind"]: p for p in prefs.json()}["post-answered"]["email"])

    assert await email_on()  # opening the page stopped nothing
    bad = await client.post("/unsubscribe", data={"token": token + "x"}, headers=town.headers())
    assert bad.status_code == 400
    assert "token: är inte en avregistreringslänk som kommunen har skickat" in bad.text
    assert await email_on()
    done = await client.post("/unsubscribe", data={"token": token}, headers=town.headers())
    assert done.status_code == 200
    assert not await email_on()
    one_click = await client.post(
        f"/api/v1/unsubscribe?token={token}",
        content="List-Unsubscribe=One-Click",
        headers={**town.headers(), "content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200, one_click.text  # RFC 8058's POST works as before


async def test_a_dialogs_page_shows_answers_decisions_and_a_polls_results_in_its_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, post_id = await proposal(client, platform, town, admin)
    answered = await client.post(
        f"/api/v1/posts/{post_id}/answers",
        json={"state": "accepted", "text": "Cykelbanan byggs 2027."},
        headers=town.headers(admin),
    )
    assert answered.status_code == 201, answered.text
    decided = await client.post(
        "/api/v1/decisions",
        json={
            "committee": "Transport",
            "decided_on": "2026-11-30",
            "text": "Nämnden beslutar att bygga cykelbanan.",
            "reference": "§ 42",
            "post_ids": [post_id],
        },
        headers=town.headers(admin),
    )
    assert decided.status_code == 201, decided.text
    vox_pop = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "En ny bro?"}
    )
    ballot = await client.post(
        f"/api/v1/dialogs/{vox_pop['id']}/votes",
        json={"choices": ["yes"]},
        headers=town.headers(await device_token(client, town)),
    )
    assert ballot.status_code == 201, ballot.text
    await platform.catch_up_projections()

    page = await client.get(f"/dialogs/{dialog_id}", headers=town.headers())
    assert "Kommunens svar: Bifallet" in page.text
    assert "Cykelbanan byggs 2027." in page.text
    assert "Nämnden beslutar att bygga cykelbanan." in page.text
    assert "§ 42" in page.text
    poll = await client.get(f"/dialogs/{vox_pop['id']}", headers=town.headers())
    assert "En ny bro?" in poll.text
    assert re.search(r"<th scope=\"row\">Ja</th><td>1</td>", poll.text), poll.text
    finnish = await client.get(f"/dialogs/{vox_pop['id']}?lang=fi", headers=town.headers())
    assert re.search(r"<th scope=\"row\">Kyllä</th><td>1</td>", finnish.text)
    assert "Ääniä: 1" in finnish.text


async def test_a_petition_is_signed_with_the_form(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, projecting: None
) -> None:
    petition = await open_dialog(client, town, admin, kind="petition")
    author = await platform.identity.people.by_email(town.slug, "namn@example.se")
    token = (await platform.identity.token_for(town.slug, author, SignIn.EMAIL)).token
    posted = await client.post(
        f"/api/v1/dialogs/{petition['id']}/posts",
        json={"title": "Rädda parken", "body": "Parken ska vara kvar"},
        headers=town.headers(token),
    )
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]
    await platform.catch_up_projections()
    await sign_in(client, platform, town, "skriver@example.se")
    page = await client.get(f"/dialogs/{petition['id']}", headers=town.headers())
    action = f"/dialogs/{petition['id']}/posts/{post_id}/signature"
    assert f'action="{action}"' in page.text
    assert f"/posts/{post_id}/support" not in page.text  # a petition is signed, not supported
    signed = await client.post(action, headers=town.headers())
    assert signed.status_code == 303, signed.text
    shown = await client.get(signed.headers["location"], headers=town.headers())
    assert f'id="signatures-{post_id}">Underskrifter: 1<' in shown.text
    wrong = await client.post(
        f"/dialogs/{petition['id']}/posts/{post_id}/support", headers=town.headers()
    )
    assert wrong.status_code == 409  # as the API refuses it, with its reason
    assert "is signed, not supported" in wrong.text


async def test_a_staff_members_page_session_is_refreshed_and_https_makes_it_secure(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.identity.add_staff(town.slug, "handlaggare@example.se", Role.MODERATOR)
    signed_in = await sign_in(client, platform, town, "handlaggare@example.se")
    assert signed_in.status_code == 200
    refresh = client.cookies.get(REFRESH_COOKIE)
    assert refresh
    client.cookies.clear()
    client.cookies.set(REFRESH_COOKIE, refresh)
    client.cookies.set(SESSION_COOKIE, "expired-or-gone")
    page = await client.get("/me", headers=town.headers())
    assert page.status_code == 200  # signed in again by the refresh token
    found = re.search(rf"{SESSION_COOKIE}=([^;]+);", page.headers["set-cookie"])
    assert found is not None
    renewed = found.group(1)
    me = await client.get("/api/v1/me", headers=town.headers(renewed))
    assert me.json()["role"] == "moderator"
    kept = await client.post("/me/erasure", data={"confirm": "yes"}, headers=town.headers())
    assert kept.status_code == 403  # staff are erased by an administrator
    assert (await client.get("/api/v1/me", headers=town.headers(renewed))).status_code == 200

    secure = httpx.AsyncClient(transport=client._transport, base_url="https://testserver")
    async with secure:
        await secure.post(
            "/api/v1/sign-in/email", json={"email": "s@example.se"}, headers=town.headers()
        )
        answer = await secure.post(
            "/sign-in", data={"code": mailed_code(platform)}, headers=town.headers()
        )
    assert answer.status_code == 200
    assert "Secure" in answer.headers["set-cookie"]


async def test_an_invitations_pin_leads_to_the_invite_only_dialog_it_is_for(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, invite_only=True, title="Skolvägar i Norr")
    invited = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/invitations",
        json={"invitees": [{"name": "Eva"}]},
        headers=town.headers(admin),
    )
    assert invited.status_code == 201, invited.text
    pin = invited.json()["invited"][0]["pin"]
    hidden = await client.get(f"/dialogs/{dialog['id']}", headers=town.headers())
    assert hidden.status_code == 404  # not invited (not signed in): not there
    assert "Skolvägar" not in hidden.text

    landing = await client.get("/sign-in", headers=town.headers())  # the invitation's link
    assert 'id="invitation"' in landing.text
    assert "Skolvägar" not in landing.text  # nothing of it before the PIN
    signed_in = await client.post("/sign-in", data={"code": pin}, headers=town.headers())
    assert signed_in.status_code == 200, signed_in.text
    assert "Du är inbjuden att delta i «Skolvägar i Norr»." in signed_in.text
    assert f'href="/dialogs/{dialog["id"]}"' in signed_in.text
    shown = await client.get(f"/dialogs/{dialog['id']}", headers=town.headers())
    assert shown.status_code == 200  # the invitee sees it
    assert "Skolvägar i Norr" in shown.text
    await platform.catch_up_projections()
    front = await client.get("/", headers=town.headers())
    assert "Skolvägar i Norr" in front.text  # listed for the invitee
    client.cookies.clear()
    assert "Skolvägar i Norr" not in (await client.get("/", headers=town.headers())).text


async def test_ones_own_page_lists_ones_posts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, _post_id = await proposal(client, platform, town, admin, title="Min <cykelbana>")
    await sign_in(client, platform, town, "forslag@example.se")  # the proposal's author
    page = await client.get("/me", headers=town.headers())
    assert "Min &lt;cykelbana&gt;" in page.text
    assert f'href="/dialogs/{dialog_id}"' in page.text


async def test_a_citizen_votes_in_a_vox_pop_with_the_form(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, projecting: None
) -> None:
    vox_pop = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "En ny bro?"}
    )
    back = f"/dialogs/{vox_pop['id']}"
    outside = await client.get(back, headers=town.headers())
    assert "Logga in för att rösta" in outside.text
    await sign_in(client, platform, town, "rostare@example.se")
    page = await client.get(back, headers=town.headers())
    assert 'type="radio"' in page.text
    assert 'value="yes"' in page.text
    assert "<legend>En ny bro?</legend>" in page.text
    action = f"{back}/votes"

    empty = await client.post(action, data={}, headers=town.headers())
    assert empty.status_code == 422
    assert "choices: måste innehålla minst ett val" in empty.text
    unknown = await client.post(action, data={"choice": "kanske"}, headers=town.headers())
    assert unknown.status_code == 422
    assert "choices" in unknown.text
    voted = await client.post(action, data={"choice": "yes"}, headers=town.headers())
    assert voted.status_code == 303, voted.text
    shown = await client.get(voted.headers["location"], headers=town.headers())
    assert re.search(r"<th scope=\"row\">Ja</th><td>1</td>", shown.text)
    assert "Tack! Din röst är räknad." in shown.text
    twice = await client.post(action, data={"choice": "no"}, headers=town.headers())
    assert twice.status_code == 409
    assert re.search(r"<th scope=\"row\">Nej</th><td>0</td>", twice.text)  # nothing more


async def test_a_browser_visiting_a_forms_address_goes_on_to_the_page_the_form_is_on(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    """A form's own address takes only the form: a browser that visits it (a bookmark, a
    shared link, the address bar after a refused form) is sent on to the page the form is on,
    in the language it asked for; a client wanting JSON, and the API's addresses, get the
    405 problem naming what the address allows."""
    vox_pop = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "En ny bro?"}
    )
    browser = {**town.headers(), "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = f"/dialogs/{vox_pop['id']}"
    for visited, expected in (
        (f"{page}/votes", page),
        (f"{page}/votes?lang=fi", f"{page}?lang=fi"),
        (f"{page}/posts/{uuid.uuid4()}/support", page),
        ("/sign-in/email", "/sign-in"),
        ("/me/preferences", "/me"),
        ("/sign-in/session", "/sign-in"),
        ("/sign-out?lang=xx", "/"),  # no language of the pages: not kept
        # hostile paths: nothing but a dialog id of letters, digits and dashes is kept
        ("/dialogs/a%0d%0aSet-Cookie:%20x=1/votes", "/"),
        ("/dialogs/%2F%2Fevil.example/votes", "/"),
        ("/dialogs/%5Cevil.example/votes", "/"),
    ):
        went = await client.get(visited, headers=browser)
        assert went.status_code == 303, (visited, went.text)
        assert went.headers["location"] == expected, visited
    for visited, headers in (
        (f"{page}/votes", town.headers()),  # no Accept: JSON first
        (f"/api/v1/dialogs/{vox_pop['id']}/votes", browser),
    ):
        refused = await client.get(visited, headers=headers)
        assert refused.status_code == 405, (visited, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "POST" in refused.headers["allow"]


async def test_a_support_the_read_models_have_not_shown_in_time_is_a_503_page_not_old_counts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, post_id = await proposal(client, platform, town, admin)
    await sign_in(client, platform, town, "tidig@example.se")
    platform.addresses = dataclasses.replace(
        platform.addresses,
        backpressure=dataclasses.replace(platform.addresses.backpressure, read_wait=0.2),
    )
    answer = await client.post(  # no worker feeds the read models here
        f"/dialogs/{dialog_id}/posts/{post_id}/support", headers=town.headers()
    )
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert "Ladda om sidan om en stund" in answer.text
    await platform.catch_up_projections()
    later = await client.get(f"/dialogs/{dialog_id}", headers=town.headers())
    assert supports(later, post_id) == "Stöd: 1"  # it was done, once


LONG = "Förslag om en säkrare cykelväg längs ån, över torget & förbi skolan. " * 300


async def test_the_pages_stay_under_100_kb_whatever_their_texts_lengths(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, purpose=LONG[:5000], instructions=LONG[:5000])
    for n in range(25):
        author = await platform.identity.people.by_email(town.slug, f"lang-{n % 2}@example.se")
        token = (await platform.identity.token_for(town.slug, author, SignIn.EMAIL)).token
        posted = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"kind": "proposal", "title": LONG[:200], "body": LONG[:10_000]},
            headers=town.headers(token),
        )
        assert posted.status_code == 201, posted.text
        answered = await client.post(
            f"/api/v1/posts/{posted.json()['id']}/answers",
            json={"state": "received", "text": LONG[:5000]},
            headers=town.headers(admin),
        )
        assert answered.status_code == 201, answered.text
    for _ in range(35):
        await open_dialog(client, town, admin, purpose=LONG[:5000])
    await platform.catch_up_projections()

    page = await client.get(f"/dialogs/{dialog['id']}", headers=town.headers())
    assert page.status_code == 200
    assert len(page.content) < MAX_PAGE, len(page.content)
    assert "De 20 senaste av 25 inlägg." in page.text
    assert "…" in page.text  # the long texts are cut
    front = await client.get("/", headers=town.headers())
    assert len(front.content) < MAX_PAGE, len(front.content)
    await sign_in(client, platform, town, "lang-0@example.se")
    mine = await client.get("/me", headers=town.headers())
    assert len(mine.content) < MAX_PAGE, len(mine.content)
    print("bytes: dialog", len(page.content), "front", len(front.content), "me", len(mine.content))
