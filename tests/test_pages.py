"""The sign-in page over plain HTTP: its answers' status codes, its language, its headers, and
that it escapes what it shows (a municipality's name, a code from the address)."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import httpx
import pytest

from gateway.pages import contrast, page_language, text_on
from services.identity.service import Limits
from tenants.service import TenantChanges
from tests.api import Town, create_town
from tests.test_erasure import mailed_code
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    """Few sign-in attempts per address, to reach the limit from the page."""
    return dataclasses.replace(addresses, limits=Limits(sign_in_per_address=(8, 60)))


async def ask_for_link(client: httpx.AsyncClient, town: Town, address: str) -> None:
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text


async def test_the_link_page_shows_a_form_with_the_code_in_swedish_and_spends_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await ask_for_link(client, town, "medborgare@example.se")
    code = mailed_code(platform)

    page = await client.get(f"/sign-in?code={code}", headers=town.headers())
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in page.text
    assert "Logga in hos Lund" in page.text
    assert f'value="{code}"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text  # the form needs no JavaScript

    # Opening the page did not use the code: the API still trades it for a token.
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text


async def test_submitting_the_code_signs_in_once_then_says_the_link_is_used(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await ask_for_link(client, town, "medborgare@example.se")
    code = mailed_code(platform)

    signed_in = await client.post("/sign-in", data={"code": code}, headers=town.headers())
    assert signed_in.status_code == 200, signed_in.text
    assert "Du är inloggad" in signed_in.text
    found = re.search(r'id="tinget-session">(\{.*?\})</script>', signed_in.text)
    assert found is not None
    token = httpx.Response(200, content=found.group(1)).json()["token"]
    me = await client.get("/api/v1/me", headers=town.headers(token))
    assert me.status_code == 200, me.text
    assert me.json()["tenant"] == town.slug
    assert me.json()["sign_in"] == "email"

    again = await client.post("/sign-in", data={"code": code}, headers=town.headers())
    assert again.status_code == 401
    assert "Länken fungerar inte" in again.text
    assert "tinget-session" not in again.text


async def test_a_missing_unknown_or_overlong_code_is_a_page_not_a_server_error(
    client: httpx.AsyncClient, town: Town
) -> None:
    empty = await client.post("/sign-in", data={"code": "  "}, headers=town.headers())
    assert empty.status_code == 400
    assert "Ange koden" in empty.text
    none = await client.post("/sign-in", data={}, headers=town.headers())
    assert none.status_code == 400
    as_json = await client.post("/sign-in", json={"code": "x"}, headers=town.headers())
    assert as_json.status_code == 400
    long = await client.post("/sign-in", data={"code": "a" * 201}, headers=town.headers())
    assert long.status_code == 400
    unknown = await client.post("/sign-in", data={"code": "nope"}, headers=town.headers())
    assert unknown.status_code == 401
    assert "Länken fungerar inte" in unknown.text
    bare = await client.get("/sign-in", headers=town.headers())
    assert bare.status_code == 200
    assert 'value=""' in bare.text


async def test_a_form_from_another_site_is_refused(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await ask_for_link(client, town, "medborgare@example.se")
    code = mailed_code(platform)
    for headers in (
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": f"http://{town.host}"},
    ):
        refused = await client.post(
            "/sign-in", data={"code": code}, headers={**town.headers(), **headers}
        )
        assert refused.status_code == 403, headers
        assert "annan webbplats" in refused.text
    same_site = await client.post(
        "/sign-in",
        data={"code": code},
        headers={
            **town.headers(),
            "origin": f"http://{town.host}",
            "sec-fetch-site": "same-origin",
        },
    )
    assert same_site.status_code == 200, same_site.text  # the refused tries spent nothing


async def test_everything_shown_is_escaped(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(name='<script>alert("x")</script> & Co'))
    await platform.catch_up_projections()
    hostile = '"><script>alert(1)</script>'
    page = await client.get("/sign-in", params={"code": hostile}, headers=town.headers())
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text
    failed = await client.post("/sign-in", data={"code": hostile}, headers=town.headers())
    assert failed.status_code == 401
    assert "<script>" not in failed.text


async def test_the_page_speaks_the_municipalitys_language_and_swedish_otherwise(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    for language, title in (
        ("da", "Log ind hos Lund"),
        ("nb", "Logg inn hos Lund"),
        ("fi", "Kirjaudu sisään: Lund"),
        ("en", "Sign in to Lund"),
    ):
        town = await create_town(platform)  # each its own host: hosts are cached a moment
        await platform.tenants.update(town.slug, TenantChanges(default_language=language))
        await platform.catch_up_projections()
        page = await client.get("/sign-in", headers=town.headers())
        assert page.status_code == 200
        assert title in page.text, language
        assert f'<html lang="{language.split("-")[0]}">' in page.text
    assert page_language("de") == "sv"  # one the pages do not speak (none offered today)
    assert page_language("en-GB") == "en"


async def test_an_unknown_host_gets_no_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in", headers={"host": "nowhere.example"})
    assert page.status_code == 404


def test_the_colours_chosen_for_text_always_read_at_aa() -> None:
    greys = [f"#{level:02x}{level:02x}{level:02x}" for level in range(256)]
    for background in [*greys, "#ffd700", "#1f4e79", "#ff0000", "#00ff00", "#0000ff"]:
        assert contrast(text_on(background), background) >= 4.5, background


async def test_an_expired_link_says_so_in_the_page(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    person_id = await platform.identity.people.by_email(town.slug, "eva@example.se")
    code = await platform.identity.codes.create(
        town.slug, "email-link", person_id, timedelta(seconds=-1)
    )
    expired = await client.post("/sign-in", data={"code": code}, headers=town.headers())
    assert expired.status_code == 401
    assert "har gått ut" in expired.text


async def test_too_many_attempts_get_a_page_with_retry_after(
    client: httpx.AsyncClient, town: Town
) -> None:
    answers = [
        await client.post("/sign-in", data={"code": f"gissning-{i}"}, headers=town.headers())
        for i in range(12)
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:8] == [401] * 8
    assert statuses[8:] == [429] * 4
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "För många försök" in answers[-1].text


async def test_an_invitations_pin_signs_in_on_the_page_once(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    bare = await client.get("/sign-in", headers=town.headers())  # the invitation's link
    assert "PIN-koden från din inbjudan" in bare.text
    assert "Inbjuden att delta i en dialog hos Lund?" in bare.text
    person_id = await platform.identity.people.by_email(town.slug, "inbjuden@example.se")
    pin = await platform.identity.codes.create(town.slug, "pin", person_id, timedelta(days=1))

    typed = pin.lower().replace("-", " ")  # as a person may type it
    signed_in = await client.post("/sign-in", data={"code": typed}, headers=town.headers())
    assert signed_in.status_code == 200, signed_in.text
    assert "Du är inloggad" in signed_in.text
    token = re.search(r'"token": ?"([^"]+)"', signed_in.text)
    assert token is not None
    me = await client.get("/api/v1/me", headers=town.headers(token.group(1)))
    assert me.status_code == 200, me.text
    assert me.json()["sign_in"] == "pin"
    assert "Gå till dialogerna du är inbjuden till" in signed_in.text

    again = await client.post("/sign-in", data={"code": pin}, headers=town.headers())
    assert again.status_code == 401
    assert "PIN-koden fungerar inte" in again.text


async def test_the_page_without_a_code_e_mails_a_link_that_signs_in(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    bare = await client.get("/sign-in", headers=town.headers())
    assert 'action="/sign-in/email"' in bare.text
    with_code = await client.get("/sign-in?code=abc", headers=town.headers())
    assert 'action="/sign-in/email"' not in with_code.text  # the link's page has one form

    sent = await client.post(
        "/sign-in/email", data={"email": "ny@example.se"}, headers=town.headers()
    )
    assert sent.status_code == 200, sent.text
    assert "en inloggningslänk på väg" in sent.text
    code = mailed_code(platform)
    signed_in = await client.post("/sign-in", data={"code": code}, headers=town.headers())
    assert signed_in.status_code == 200, signed_in.text


async def test_the_e_mail_form_refuses_what_is_no_address(
    client: httpx.AsyncClient, town: Town
) -> None:
    for given in ("", "inte-en-adress", "a@" + "b" * 260 + ".se"):
        refused = await client.post("/sign-in/email", data={"email": given}, headers=town.headers())
        assert refused.status_code == 400, given
        assert "giltig e-postadress" in refused.text
    wrong = await client.post("/sign-in/email", data={"email": "nej"}, headers=town.headers())
    assert "email: är ingen e-postadress" in wrong.text  # the API's field and reason
    hostile = await client.post(
        "/sign-in/email", data={"email": "<script>x</script>"}, headers=town.headers()
    )
    assert hostile.status_code == 400
    assert "<script>x" not in hostile.text
    cross = await client.post(
        "/sign-in/email",
        data={"email": "ny@example.se"},
        headers={**town.headers(), "sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
