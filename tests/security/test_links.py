"""Links never come from the request: every link Tinget e-mails or lists points at the tenant's
configured public URL, whatever Host, port or forwarding headers the request carried, and a
Host header that is not a plain host name (with an optional port) is a 400 naming ``host``.

An attacker who got a sign-in link built from ``Host: localhost:x@attacker.example`` would
receive an administrator's code on their own site: these tests fail if that comes back."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from events.errors import InvalidInput
from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, dialog_body, staff_token
from tests.helpers import unique_slug
from tests.notify import text_of
from tests.security.conftest import GENEROUS
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

PUBLIC = "https://medborgare.lund.example/dialog"


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(
        addresses, limits=GENEROUS, mail_url=f"smtp://{smtp.host}:{smtp.port}"
    )


@pytest.fixture
async def town(platform: Platform) -> Town:
    slug = unique_slug()
    host = f"{slug}.example"
    await platform.tenants.create(slug, "Lund", "sv", hosts=[host], public_url=PUBLIC + "/")
    await platform.tenants.update(slug, TenantChanges(committees=["Transport"]))
    await platform.catch_up_projections()
    return Town(slug, host)


# Host headers that are no host name with an optional port: each a 400 naming ``host``.
BAD_HOSTS = [
    "localhost:x@attacker.example",
    "{host}:x@attacker.example",
    "{host}@attacker.example",
    "attacker.example/{host}",
    "{host}/x",
    "{host} attacker.example",
    "{host}:",
    "{host}:99999",
    "{host}:80:80",
    "{host}?x",
    "{host}#x",
    "{host},attacker.example",
    "[::1",
    "a..b",
    "-{host}",
    "",
]


async def test_a_host_header_that_is_not_a_host_is_refused_naming_host(
    client: httpx.AsyncClient, town: Town, smtp: SmtpServer
) -> None:
    for case in BAD_HOSTS:
        response = await client.post(
            "/api/v1/sign-in/email",
            json={"email": "admin@lund.example"},
            headers={"host": case.format(host=town.host)},
        )

        assert response.status_code == 400, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert response.json().get("field") == "host", (case, response.text)
        assert smtp.inbox.messages() == [], case


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-forwarded-host": "attacker.example", "x-forwarded-proto": "http"},
        {"forwarded": "host=attacker.example;proto=http"},
    ],
)
async def test_the_sign_in_link_points_at_the_public_url_whatever_the_request_said(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    smtp: SmtpServer,
    headers: dict[str, str],
) -> None:
    await platform.identity.add_staff(town.slug, "admin@lund.example", Role.ADMINISTRATOR)
    for host in (town.host, town.host.upper() + ":8443", town.host + "."):
        response = await client.post(
            "/api/v1/sign-in/email",
            json={"email": "admin@lund.example"},
            headers={"host": host, **headers},
        )
        assert response.status_code == 202, response.text

    texts = [text_of(m) for m in smtp.inbox.messages()]
    assert len(texts) == 3
    for text in texts:
        links = re.findall(r"https?://\S+", text)
        assert links, text
        assert all(link.startswith(f"{PUBLIC}/sign-in?code=") for link in links), links


async def test_an_invitation_links_to_the_public_url(
    client: httpx.AsyncClient, platform: Platform, town: Town, smtp: SmtpServer
) -> None:
    admin = await staff_token(platform, town, "admin@lund.example", Role.ADMINISTRATOR)
    hostile = {**town.headers(admin), "x-forwarded-host": "attacker.example"}
    created = await client.post(
        "/api/v1/dialogs", json=dialog_body(invite_only=True), headers=hostile
    )
    assert created.status_code == 201, created.text
    invited = await client.post(
        f"/api/v1/dialogs/{created.json()['id']}/invitations",
        json={"invitees": [{"email": "bo@lund.example"}]},
        headers={**hostile, "host": town.host + ":8443"},
    )
    assert invited.status_code == 201, invited.text

    [invitation] = smtp.inbox.messages()
    links = re.findall(r"https?://\S+", text_of(invitation))
    assert links == [f"{PUBLIC}/sign-in"]


async def test_a_public_url_must_be_https_without_user_query_or_fragment(
    platform: Platform,
) -> None:
    for bad in (
        "http://lund.example",
        "https://admin@lund.example",
        "https://lund.example/?next=x",
        "https://lund.example/#x",
        "ftp://lund.example",
        "https://",
        "https://lund..example",
    ):
        with pytest.raises(InvalidInput) as refused:
            await platform.tenants.create(unique_slug(), "Lund", "sv", public_url=bad)
        assert refused.value.field == "public_url", bad
