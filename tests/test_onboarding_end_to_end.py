"""A municipality onboarded over HTTP from the first sign-in to its first dialog, with no shell
but the one command that adds the platform's own staff: a consultant signs in from an e-mailed
link and creates the municipality with its host and public URL, brands it (logo, colours,
front page), invites its first administrator, who signs in from the e-mail, adds committees
and a moderator, sets the origin allowed to embed Tinget and opens the first dialog; an
operations account reads the municipality's dashboard and is refused its people. Real
PostgreSQL, NATS and SMTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from tests.api import Town, open_dialog
from tests.helpers import Run, cli, unique_slug
from tests.images import png
from tests.smtp import SmtpServer
from tests.test_platform_api import CONSOLE, add_staff, bearer, new_tenant, sign_in
from tests.test_tenant_admin import caught_up, mailed_link, ok, redeem
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(
        addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}", platform_url=CONSOLE
    )


@pytest.fixture
def tinget(platform_addresses: Addresses) -> Run:
    return cli(platform_addresses)


@pytest.fixture
async def app(platform: Platform) -> Litestar:
    return build_app(platform)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_a_consultant_onboards_a_municipality_to_its_first_dialog_over_http(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, smtp: SmtpServer, tinget: Run
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    await add_staff(tinget, "drift@tinget.example", "operations")
    consultant = (await sign_in(client, smtp, "konsult@tinget.example"))["token"]

    # the municipality, with its host and public URL
    slug = unique_slug("ystad")
    town = Town(slug, f"{slug}.example")
    created = await ok(
        await client.post(
            "/api/v1/platform/tenants", json=new_tenant(slug, town.host), headers=bearer(consultant)
        ),
        201,
    )
    public_url = created["public_url"]
    await caught_up(platform, app)

    # the consultant brands it on its host, as its administrator
    as_consultant = town.headers(consultant)
    logo = await ok(
        await client.put("/api/v1/branding/logo", content=png("logo"), headers=as_consultant)
    )
    branded = await ok(
        await client.put(
            "/api/v1/branding",
            json={
                "primary_colour": "#005AA0",
                "welcome_text": "Välkommen till Ystads medborgardialog",
                "front_page": {"sections": ["welcome", "open-dialogs-by-committee"]},
            },
            headers=as_consultant,
        )
    )
    assert branded["primary_colour"] == "#005aa0"
    await caught_up(platform, app)
    shown = await ok(await client.get("/api/v1/branding", headers=town.headers()))
    assert shown["logo_url"] == logo["logo_url"]
    assert shown["front_page"]["sections"] == ["welcome", "open-dialogs-by-committee"]

    # ... and invites its first administrator, who signs in from the e-mail
    await ok(
        await client.post(
            "/api/v1/staff/invitations",
            json={"email": "chef@ystad.example", "role": "administrator", "name": "Chef"},
            headers={**as_consultant, "x-forwarded-host": "attacker.example"},
        ),
        201,
    )
    link = mailed_link(smtp, "chef@ystad.example")
    assert link.startswith(f"{public_url}/sign-in?code=")  # never the request's host
    admin = await redeem(client, town, link)
    assert (await ok(await client.get("/api/v1/me", headers=town.headers(admin))))["role"] == (
        "administrator"
    )

    # the administrator adds committees and a moderator and sets the allowed origin
    await ok(
        await client.put(
            "/api/v1/settings",
            json={"committees": ["Kultur", "Trafik"]},
            headers=town.headers(admin),
        )
    )
    await ok(
        await client.post(
            "/api/v1/staff/invitations",
            json={"email": "mod@ystad.example", "role": "moderator"},
            headers=town.headers(admin),
        ),
        201,
    )
    moderator = await redeem(client, town, mailed_link(smtp, "mod@ystad.example"))
    me = await ok(await client.get("/api/v1/me", headers=town.headers(moderator)))
    assert me["role"] == "moderator"
    await ok(
        await client.put(
            "/api/v1/allowed-origins",
            json={"origins": ["https://www.ystad.example"]},
            headers=town.headers(admin),
        )
    )
    await caught_up(platform, app)
    preflight = await client.options(
        "/api/v1/branding",
        headers={
            **town.headers(),
            "origin": "https://www.ystad.example",
            "access-control-request-method": "GET",
        },
    )
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "https://www.ystad.example"

    # ... and opens the first dialog, of one of the committees
    dialog = await open_dialog(client, town, admin, committee="Kultur")
    assert dialog["committee"] == "Kultur"
    await caught_up(platform, app)

    # operations reads the municipality's dashboard and is refused its people
    operations = (await sign_in(client, smtp, "drift@tinget.example"))["token"]
    dashboard = await client.get("/api/v1/dashboard", headers=town.headers(operations))
    assert dashboard.status_code == 200, dashboard.text
    staff = await client.get("/api/v1/staff", headers=town.headers(operations))
    assert staff.status_code == 403, staff.text
    person = me["person_id"]
    data = await client.get(f"/api/v1/people/{person}/data", headers=town.headers(operations))
    assert data.status_code == 403, data.text
    listed = await ok(await client.get("/api/v1/platform/tenants", headers=bearer(operations)))
    [ours] = [t["health"] for t in listed["tenants"] if t["slug"] == slug]
    assert ours["open_dialogs"] == 1
