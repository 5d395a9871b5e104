"""A municipality pointing the links in its e-mails at its own front end: one URL template
per kind of link, checked strictly on save (https, known placeholders only and never in the
host, no user name, bounded; a 422 naming ``link_templates.<kind>`` and nothing recorded),
filled with URL-encoded values, and carried by the sign-in e-mail (real SMTP) and the
notifications; kinds without a template keep the municipality's public URL."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from events.errors import InvalidInput
from tenants import links
from tests.api import Town, open_dialog
from tests.notify import PLACE, mails, person_with_address, send_round, submit, text_of
from tests.smtp import SmtpServer
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform

SIGN_IN = "https://www.lund.se/delta/login?code={code}"
POST = "https://www.lund.se/delta/#/forslag/{post_id}"
UNSUBSCRIBE = "https://www.lund.se/delta/avregistrera?t={token}"


@pytest.mark.parametrize(
    ("kind", "template", "reason"),
    [
        ("sign-in", "http://www.lund.se/login?code={code}", "https"),
        ("sign-in", "javascript:alert(1)//{code}", "https"),
        ("sign-in", "https://{code}.lund.se/login", "follow the host"),
        ("sign-in", "https://www.lund.se{code}", "follow the host"),
        ("sign-in", "https://evil.example@www.lund.se/login?code={code}", "user name"),
        ("sign-in", "https://www.lund.se/login?code={code}&p={password}", "{password}"),
        ("sign-in", "https://www.lund.se/login", "{code}"),
        ("sign-in", "https://www.lund.se/login?code={code!r}", "format"),
        ("sign-in", "https://www.lund.se/login?code={code:x}", "format"),
        ("sign-in", "https://www.lund.se/login?code={code", "brace"),
        ("sign-in", "https://www.lund.se/log in?code={code}", "spaces"),
        ("sign-in", "https://www.lund.se/" + "x" * 500 + "?code={code}", "500"),
        ("sign-in", "/login?code={code}", "absolute"),
        ("post", "https://www.lund.se/{dialog_id}", "{dialog_id}"),
        ("unsubscribe", "https://www.lund.se/unsubscribe", "{token}"),
        ("elsewhere", "https://www.lund.se/", "unknown kind"),
    ],
)
def test_a_hostile_or_broken_template_is_refused_naming_its_kind(
    kind: str, template: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        links.check_templates({kind: template})
    assert refused.value.field == f"link_templates.{kind}"
    assert reason in refused.value.reason


def test_values_are_url_encoded_and_kinds_without_a_template_keep_the_public_url() -> None:
    templates = links.check_templates(
        {"sign-in": SIGN_IN, "post": POST, "home": "http://localhost:5173/"}
    )
    hostile = "a&next=https://evil.example/#x y%"
    assert links.link(templates, None, "sign-in", "/sign-in", code=hostile) == (
        "https://www.lund.se/delta/login?code=a%26next%3Dhttps%3A%2F%2Fevil.example%2F%23x%20y%25"
    )
    base = "https://lund.example"
    post = "/posts/0b6c1c2e-8f8e-4a8e-9d55-3b9d2f0a1c11"
    dialog = "/dialogs/0b6c1c2e-8f8e-4a8e-9d55-3b9d2f0a1c11"
    assert links.link_to_path(templates, base, post) == (
        "https://www.lund.se/delta/#/forslag/0b6c1c2e-8f8e-4a8e-9d55-3b9d2f0a1c11"
    )
    assert links.link_to_path(templates, base, dialog) == base + dialog  # no dialog template
    assert links.link_to_path(templates, base, "/") == "http://localhost:5173/"
    assert links.link({}, None, "sign-in", "/sign-in") is None


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def app(platform: Platform) -> Litestar:
    return build_app(platform)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def changes(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1"
            " AND event_type = 'LinkTemplatesChanged'",
            town.slug,
        )
    return count


async def test_e_mails_carry_the_municipalitys_own_links_and_hostile_ones_are_refused(
    client: httpx.AsyncClient,
    app: Litestar,
    platform: Platform,
    town: Town,
    admin: str,
    smtp: SmtpServer,
) -> None:
    hostile = {"link_templates": {"sign-in": "https://{code}.evil.example/"}}
    refused = await client.put("/api/v1/settings", json=hostile, headers=town.headers(admin))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "link_templates.sign-in"
    assert await changes(platform, town) == 0

    templates = {"sign-in": SIGN_IN, "post": POST, "unsubscribe": UNSUBSCRIBE}
    saved = await client.put(
        "/api/v1/settings", json={"link_templates": templates}, headers=town.headers(admin)
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["link_templates"] == templates
    read = await client.get("/api/v1/settings", headers=town.headers(admin))
    assert read.json()["link_templates"] == templates
    await platform.catch_up_projections()
    app.state.edge.resolver.lookup.cache_clear()

    # the sign-in link is the template filled with the code, not the municipality's host,
    # whatever host or forwarding headers the request carried
    for hostile_headers in (
        {"x-forwarded-host": "attacker.example", "x-forwarded-proto": "http"},
        {"forwarded": "host=attacker.example;proto=http", "host": town.host.upper() + ":8443"},
        {},
    ):
        sent = await client.post(
            "/api/v1/sign-in/email",
            json={"email": "anna@example.org"},
            headers={**town.headers(), **hostile_headers},
        )
        assert sent.status_code == 202, sent.text
    mailed = [m for m in smtp.inbox.messages() if m["To"] == "anna@example.org"]
    assert len(mailed) == 3
    for mail in mailed:
        every_link = re.findall(r"https?://[^\s<>\"]+", text_of(mail))
        assert every_link, text_of(mail)
        assert all(u.startswith("https://www.lund.se/delta/login?code=") for u in every_link)
        assert "attacker" not in text_of(mail)
        assert town.host not in text_of(mail)
    found = re.search(
        r"https://www\.lund\.se/delta/login\?code=([A-Za-z0-9_%-]+)", text_of(mailed[-1])
    )
    assert found is not None, text_of(mailed[-1])
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": found.group(1)}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text

    anna = await person_with_address(platform, town, "anna@example.org")
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    report = await submit(client, town, anna, reports["id"], title="Broken lamp", place=PLACE)
    moved = await client.post(
        f"/api/v1/posts/{report['id']}/status",
        json={"status": "fixed", "message": "Done"},
        headers=town.headers(admin),
    )
    assert moved.status_code in (200, 201), moved.text
    await send_round(platform)
    [told] = mails(smtp.inbox, "report-status", "anna@example.org")
    assert f"https://www.lund.se/delta/#/forslag/{report['id']}" in text_of(told)
    assert told["List-Unsubscribe"].startswith("<https://www.lund.se/delta/avregistrera?t=")

    cleared = await client.put(
        "/api/v1/settings", json={"link_templates": {}}, headers=town.headers(admin)
    )
    assert cleared.json()["link_templates"] == {}
    assert await changes(platform, town) == 2
