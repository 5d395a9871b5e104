"""Running a municipality over HTTP: branding with uploads and a front page, staff invited by
e-mail, settings, and the origins allowed to call Tinget from a browser (CORS); and each
refusal a 4xx naming the field, with nothing half-written."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from events.errors import Conflict
from services.identity.access import Caller, Role, SignIn
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, dialog_body, open_dialog, staff_token
from tests.images import photo_with_gps, png
from tests.smtp import SmtpServer
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform

PUBLIC_URL = "https://dialog.lund.example"


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


async def caught_up(platform: Platform, app: Litestar) -> None:
    """The read models caught up, and the gateway's short-lived copy of the directory gone."""
    await platform.catch_up_projections()
    app.state.edge.resolver.lookup.cache_clear()


def mailed_link(smtp: SmtpServer, address: str) -> str:
    """The sign-in link of the last e-mail to ``address``."""
    mails = [m for m in smtp.inbox.messages() if m["To"] == address]
    assert mails, f"no mail to {address}"
    body = mails[-1].get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"(\S+)/sign-in\?code=([A-Za-z0-9_-]+)", body.get_content())
    assert found is not None, body.get_content()
    return found.group(0)


async def redeem(client: httpx.AsyncClient, town: Town, link: str) -> str:
    code = link.rsplit("code=", 1)[1]
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text
    token: str = redeemed.json()["token"]
    return token


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.json().get("field") == field, response.text


async def test_an_administrator_brands_staffs_and_sets_up_the_municipality(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, smtp: SmtpServer
) -> None:
    town = await create_town(platform, "Lund")
    await platform.tenants.update(town.slug, TenantChanges(public_url=PUBLIC_URL))
    await caught_up(platform, app)
    admin = await staff_token(platform, town, "first@lund.example", Role.ADMINISTRATOR)
    h = town.headers(admin)

    # Branding: the logo, a hero photo (its GPS position stripped), colours and the front page.
    logo = await ok(await client.put("/api/v1/branding/logo", content=png("logo"), headers=h))
    assert logo["logo_url"].startswith("/api/v1/branding/logo?v=")
    hero = await ok(
        await client.put("/api/v1/branding/hero-image", content=photo_with_gps(), headers=h)
    )
    photo = await client.get(hero["hero"]["image_url"], headers=town.headers())
    assert photo.status_code == 200
    assert b"GPS" not in photo.content
    assert b"Exif" not in photo.content
    branded = await ok(
        await client.put(
            "/api/v1/branding",
            json={
                "primary_colour": "#005AA0",
                "secondary_colour": "#ffcc00",
                "background_colour": "#FFFFFF",
                "welcome_text": "Välkommen till Lunds medborgardialog",
                "front_page": {"sections": ["welcome", "open-dialogs-by-committee"]},
            },
            headers=h,
        )
    )
    assert branded["primary_colour"] == "#005aa0"
    assert branded["front_page"]["sections"] == ["welcome", "open-dialogs-by-committee"]

    # Staff: an administrator and a moderator invited by e-mail sign in from the mail.
    for address, role in (("anna@lund.example", "administrator"), ("mo@lund.example", "moderator")):
        invited = await ok(
            await client.post(
                "/api/v1/staff/invitations",
                json={"email": address, "role": role, "name": address.split("@")[0]},
                headers={**h, "x-forwarded-host": "evil.example"},
            ),
            201,
        )
        assert invited["role"] == role
    anna_link = mailed_link(smtp, "anna@lund.example")
    [anna_mail] = [m for m in smtp.inbox.messages() if m["To"] == "anna@lund.example"]
    assert anna_mail["Subject"] == "Välkommen till Lund som administratör"  # the town's language
    assert anna_link.startswith(f"{PUBLIC_URL}/sign-in?code=")  # never the request's host
    anna = await redeem(client, town, anna_link)
    mo = await redeem(client, town, mailed_link(smtp, "mo@lund.example"))
    me = await ok(await client.get("/api/v1/me", headers=town.headers(anna)))
    assert me["role"] == "administrator"
    assert (await ok(await client.get("/api/v1/me", headers=town.headers(mo))))["role"] == (
        "moderator"
    )
    await caught_up(platform, app)
    staff = await ok(await client.get("/api/v1/staff", headers=town.headers(anna)))
    listed = {m["email"]: (m["role"], m["name"]) for m in staff["items"]}
    assert listed == {
        "first@lund.example": ("administrator", None),
        "anna@lund.example": ("administrator", "anna"),
        "mo@lund.example": ("moderator", "mo"),
    }
    assert all(m["since"] for m in staff["items"])

    # Settings: committees, languages, the defaults of new dialogs; an allowed origin.
    settings = await ok(
        await client.put(
            "/api/v1/settings",
            json={
                "committees": ["Transport", "Culture"],
                "languages": ["sv", "en"],
                "default_language": "sv",
                "min_group_size": 7,
                "dialog_defaults": {"premoderation": True, "comments": "signed-in"},
            },
            headers=town.headers(anna),
        )
    )
    assert settings["committees"] == ["Transport", "Culture"]
    assert settings["dialog_defaults"] == {
        "comments": "signed-in",
        "images": False,
        "anonymous": True,
        "premoderation": True,
    }
    origins = await ok(
        await client.put(
            "/api/v1/allowed-origins",
            json={"origins": ["https://www.lund.example"]},
            headers=town.headers(anna),
        )
    )
    assert origins == {"origins": ["https://www.lund.example"]}

    # The first dialog takes the defaults it leaves out, and the front page features it.
    dialog = await open_dialog(client, town, anna, committee="Culture")
    assert (dialog["settings"]["premoderation"], dialog["settings"]["comments"]) == (
        True,
        "signed-in",
    )
    chosen = await client.post(
        "/api/v1/dialogs",
        json=dialog_body(settings={"premoderation": False}),
        headers=town.headers(anna),
    )
    assert (await ok(chosen, 201))["settings"]["premoderation"] is False
    featured = await ok(
        await client.put(
            "/api/v1/branding",
            json={
                "front_page": {
                    "sections": ["featured-dialogs", "welcome"],
                    "featured_dialogs": [dialog["id"]],
                }
            },
            headers=town.headers(anna),
        )
    )
    assert featured["front_page"]["featured_dialogs"] == [dialog["id"]]

    await caught_up(platform, app)
    shown = await ok(
        await client.get(
            "/api/v1/branding", headers={**town.headers(), "origin": "https://www.lund.example"}
        )
    )
    assert shown["front_page"] == {
        "sections": ["featured-dialogs", "welcome"],
        "featured_dialogs": [dialog["id"]],
    }
    assert shown["hero"] == {"image_url": hero["hero"]["image_url"], "video_url": None}
    assert (shown["welcome_text"], shown["logo_url"]) == (
        "Välkommen till Lunds medborgardialog",
        logo["logo_url"],
    )


async def test_a_change_of_branding_with_one_bad_field_is_refused_whole(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    h = town.headers(admin)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"welcome_text": "Hej", "primary_colour": "red"}, "primary_colour"),
        ({"welcome_text": "Hej", "background_colour": "#12345"}, "background_colour"),
        ({"welcome_text": "Hej", "hero_video_url": "javascript:alert(1)"}, "hero_video_url"),
        ({"welcome_text": "Hej", "hero_video_url": "http://youtu.be/x"}, "hero_video_url"),
        (
            {"welcome_text": "Hej", "front_page": {"sections": ["welcome", "welcome"]}},
            "front_page.sections[1]",
        ),
        (
            {"welcome_text": "Hej", "front_page": {"sections": ["news"]}},
            "front_page.sections[0]",
        ),
    ]
    for body, field in cases:
        refused(await client.put("/api/v1/branding", json=body, headers=h), 422, field)
    for path, field in (
        ("/api/v1/branding/logo", "logo"),
        ("/api/v1/branding/hero-image", "hero_image"),
        ("/api/v1/branding/background-image", "background_image"),
    ):
        broken = png("broken")[:60]  # a PNG's header, then its bytes cut off: does not decode
        refused(await client.put(path, content=broken, headers=h), 422, field)
        refused(await client.put(path, content=b"not an image at all", headers=h), 415, field)

    await caught_up(platform, app)
    shown = await ok(await client.get("/api/v1/branding", headers=town.headers()))
    assert (shown["welcome_text"], shown["primary_colour"], shown["logo_url"]) == (None, None, None)
    assert shown["hero"] == {"image_url": None, "video_url": None}
    assert shown["background_image_url"] is None


async def test_only_this_municipalitys_published_open_dialogs_are_featured(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    other = await create_town(platform, "Malmö")
    theirs = await open_dialog(
        client, other, await staff_token(platform, other, "a@malmo.example", Role.ADMINISTRATOR)
    )
    draft = await ok(
        await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers(admin)),
        201,
    )
    closed_door = await open_dialog(client, town, admin, invite_only=True)
    ours = await open_dialog(client, town, admin)
    for given in (theirs["id"], draft["id"], closed_door["id"], ours["id"]):
        field = "front_page.featured_dialogs[1]"
        answer = await client.put(
            "/api/v1/branding",
            json={"front_page": {"featured_dialogs": [ours["id"], given]}},
            headers=town.headers(admin),
        )
        refused(answer, 422, field)  # another's, a draft, invite-only, and one listed twice
    featured = await client.put(
        "/api/v1/branding",
        json={"front_page": {"featured_dialogs": [ours["id"]]}},
        headers=town.headers(admin),
    )
    assert (await ok(featured))["front_page"]["featured_dialogs"] == [ours["id"]]


async def test_settings_are_checked_whole_and_refusals_name_the_field(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    h = town.headers(admin)
    before = await ok(await client.get("/api/v1/settings", headers=h))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"committees": ["Culture"], "languages": ["sv", "de"]}, "languages[1]"),
        (
            {"committees": ["Culture"], "languages": ["sv", "en"], "default_language": "fi"},
            "default_language",
        ),
        ({"committees": ["Culture"], "languages": ["da", "en"]}, "languages"),
        ({"committees": ["Culture"], "min_group_size": 2}, "min_group_size"),
        ({"committees": ["Culture", "culture"]}, "committees[1]"),
    ]
    for body, field in cases:
        refused(await client.put("/api/v1/settings", json=body, headers=h), 422, field)
    assert await ok(await client.get("/api/v1/settings", headers=h)) == before
    assert before["languages"] == ["sv", "da", "nb", "fi", "en"]
    assert before["gamification"] is True


async def test_switched_off_in_the_settings_gamification_awards_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    switched = await ok(
        await client.put(
            "/api/v1/settings", json={"gamification": False}, headers=town.headers(admin)
        )
    )
    assert switched["gamification"] is False
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts", json={"body": "A"}, headers=town.headers(citizen)
    )
    assert posted.status_code == 201, posted.text
    await platform.catch_up_projections()
    mine = await ok(await client.get("/api/v1/me/progress", headers=town.headers(citizen)))
    assert (mine["enabled"], mine["points"]) == (False, 0)

    await ok(
        await client.put(
            "/api/v1/settings", json={"gamification": True}, headers=town.headers(admin)
        )
    )
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts", json={"body": "B"}, headers=town.headers(citizen)
    )
    assert posted.status_code == 201, posted.text
    await platform.catch_up_projections()
    mine = await ok(await client.get("/api/v1/me/progress", headers=town.headers(citizen)))
    assert mine["enabled"] is True
    assert mine["points"] > 0


async def test_a_removed_staff_members_token_is_refused_on_the_next_request(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    moderator = await staff_token(platform, town, "mo@town.example", Role.MODERATOR)
    me = await ok(await client.get("/api/v1/me", headers=town.headers(moderator)))
    await caught_up(platform, app)

    removed = await client.delete(f"/api/v1/staff/{me['person_id']}", headers=town.headers(admin))

    assert (await ok(removed))["role"] == "participant"
    assert (await client.get("/api/v1/me", headers=town.headers(moderator))).status_code == 401
    await caught_up(platform, app)
    staff = await ok(await client.get("/api/v1/staff", headers=town.headers(admin)))
    assert [m["email"] for m in staff["items"]] == ["admin@town.example"]
    again = await client.delete(f"/api/v1/staff/{me['person_id']}", headers=town.headers(admin))
    assert again.status_code == 404


async def test_the_last_administrator_is_neither_removed_nor_demoted(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    me = await ok(await client.get("/api/v1/me", headers=town.headers(admin)))
    await caught_up(platform, app)

    removed = await client.delete(f"/api/v1/staff/{me['person_id']}", headers=town.headers(admin))
    demoted = await client.put(
        f"/api/v1/people/{me['person_id']}/role",
        json={"role": "moderator"},
        headers=town.headers(admin),
    )

    refused(removed, 409, "role")
    refused(demoted, 409, "role")
    assert (await ok(await client.get("/api/v1/me", headers=town.headers(admin))))["role"] == (
        "administrator"
    )

    second = await staff_token(platform, town, "second@town.example", Role.ADMINISTRATOR)
    await caught_up(platform, app)
    demoted = await client.put(
        f"/api/v1/people/{me['person_id']}/role",
        json={"role": "moderator"},
        headers=town.headers(second),
    )
    assert (await ok(demoted))["role"] == "moderator"


async def test_staff_are_administered_by_administrators_only_and_invites_are_checked(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    moderator = await staff_token(platform, town, "mo@town.example", Role.MODERATOR)
    for method, path in (
        ("GET", "/api/v1/staff"),
        ("GET", "/api/v1/settings"),
        ("GET", "/api/v1/allowed-origins"),
    ):
        answer = await client.request(method, path, headers=town.headers(moderator))
        assert answer.status_code == 403, (path, answer.text)
    answer = await client.post(
        "/api/v1/staff/invitations",
        json={"email": "x@town.example", "role": "moderator"},
        headers=town.headers(moderator),
    )
    assert answer.status_code == 403

    h = town.headers(admin)
    bad_address = await client.post(
        "/api/v1/staff/invitations", json={"email": "not an address", "role": "analyst"}, headers=h
    )
    refused(bad_address, 422, "email")
    other_role = await client.post(
        "/api/v1/staff/invitations",
        json={"email": "mo@town.example", "role": "analyst"},
        headers=h,
    )
    refused(other_role, 409, "email")
    assert smtp.inbox.messages() == []


async def test_allowed_origins_are_exact_origins_and_refusals_name_the_field(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    h = town.headers(admin)
    for origin in (
        "https://www.lund.example/embed",
        "https://*.lund.example",
        "ftp://lund.example",
    ):
        answer = await client.put(
            "/api/v1/allowed-origins",
            json={"origins": ["https://ok.lund.example", origin]},
            headers=h,
        )
        refused(answer, 422, "allowed_origins[1]")
    assert await ok(await client.get("/api/v1/allowed-origins", headers=h)) == {"origins": []}


async def test_cors_answers_only_the_tenants_own_origins(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "a@malmo.example", Role.ADMINISTRATOR)
    for place, token, origin in (
        (town, admin, "https://www.lund.example"),
        (other, other_admin, "https://www.malmo.example"),
    ):
        await ok(
            await client.put(
                "/api/v1/allowed-origins", json={"origins": [origin]}, headers=place.headers(token)
            )
        )
    await caught_up(platform, app)

    allowed = await client.get(
        "/api/v1/branding", headers={**town.headers(), "origin": "https://www.lund.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://www.lund.example"
    assert "Origin" in allowed.headers.get_list("vary")
    assert "access-control-allow-credentials" not in allowed.headers

    for origin in ("https://evil.example", "https://www.malmo.example", "null"):
        unknown = await client.get("/api/v1/branding", headers={**town.headers(), "origin": origin})
        assert unknown.status_code == 200
        assert "access-control-allow-origin" not in unknown.headers, origin
        assert "Origin" in unknown.headers.get_list("vary")

    preflight = await client.options(
        "/api/v1/dialogs",
        headers={
            **town.headers(),
            "origin": "https://www.lund.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "Authorization, Content-Type, X-Evil",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://www.lund.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    assert "access-control-allow-credentials" not in preflight.headers

    foreign = await client.options(
        "/api/v1/dialogs",
        headers={
            **town.headers(),
            "origin": "https://www.malmo.example",
            "access-control-request-method": "POST",
        },
    )
    assert "access-control-allow-origin" not in foreign.headers
    assert foreign.headers.get("access-control-allow-origin") != "*"


async def staff_rows(platform: Platform, town: Town) -> list[dict[str, Any]]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT person_id, role, since FROM staff_members WHERE tenant_id = $1"
            " ORDER BY person_id",
            town.slug,
        )
    return [dict(r) for r in rows]


async def test_the_staff_list_follows_roles_and_erasure_and_rebuilds_the_same(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    citizen = await device_token(client, town)
    citizen_id = (await ok(await client.get("/api/v1/me", headers=town.headers(citizen))))[
        "person_id"
    ]
    moderator = await staff_token(platform, town, "mo@town.example", Role.MODERATOR)
    moderator_id = (await ok(await client.get("/api/v1/me", headers=town.headers(moderator))))[
        "person_id"
    ]
    analyst = await staff_token(platform, town, "an@town.example", Role.ANALYST)
    analyst_id = (await ok(await client.get("/api/v1/me", headers=town.headers(analyst))))[
        "person_id"
    ]
    await platform.catch_up_projections()
    [first] = [r for r in await staff_rows(platform, town) if str(r["person_id"]) == moderator_id]
    for person_id, role in ((moderator_id, "committee-member"), (citizen_id, "analyst")):
        changed = await client.put(
            f"/api/v1/people/{person_id}/role", json={"role": role}, headers=town.headers(admin)
        )
        assert changed.status_code == 200, changed.text
    erased = await client.post(f"/api/v1/people/{analyst_id}/erasure", headers=town.headers(admin))
    assert erased.status_code in (200, 202), erased.text
    await platform.catch_up_projections()

    live = await staff_rows(platform, town)
    [moved] = [r for r in live if str(r["person_id"]) == moderator_id]
    assert (moved["role"], moved["since"]) == ("committee-member", first["since"])
    assert {str(r["person_id"]): r["role"] for r in live if r["role"] != "administrator"} == {
        moderator_id: "committee-member",
        citizen_id: "analyst",
    }
    [staff_list] = [r for r in platform.projections if r.projection.name == "staff_list"]
    await staff_list.rebuild(platform.reader)
    assert await staff_rows(platform, town) == live


async def test_a_participant_invited_to_the_staff_signs_in_again_in_the_new_role(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": "eva@town.example"}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text
    citizen = await redeem(client, town, mailed_link(smtp, "eva@town.example"))
    assert (await ok(await client.get("/api/v1/me", headers=town.headers(citizen))))["role"] == (
        "participant"
    )

    for _ in range(2):  # a second invitation in the same role is a new link (a lost mail)
        invited = await client.post(
            "/api/v1/staff/invitations",
            json={"email": "EVA@town.example", "role": "analyst"},
            headers=town.headers(admin),
        )
        assert (await ok(invited, 201))["role"] == "analyst"

    assert (await client.get("/api/v1/me", headers=town.headers(citizen))).status_code == 401
    links = [m for m in smtp.inbox.messages() if m["To"] == "eva@town.example"]
    assert len(links) == 3  # the participant's own link, then two invitations
    analyst = await redeem(client, town, mailed_link(smtp, "eva@town.example"))
    me = await ok(await client.get("/api/v1/me", headers=town.headers(analyst)))
    assert (me["role"], me["person_id"]) == ("analyst", invited.json()["person_id"])


async def test_a_consultant_acts_as_administrator_on_any_municipalitys_host(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    consultant = platform.tokens.issue_platform(uuid.uuid4(), Role.CONSULTANT).token
    h = town.headers(consultant)

    origins = await client.put(
        "/api/v1/allowed-origins", json={"origins": ["https://lund.example"]}, headers=h
    )
    settings = await client.put("/api/v1/settings", json={"min_group_size": 10}, headers=h)
    await caught_up(platform, app)
    staff = await client.get("/api/v1/staff", headers=h)

    assert (await ok(origins))["origins"] == ["https://lund.example"]
    assert (await ok(settings))["min_group_size"] == 10
    assert [m["email"] for m in (await ok(staff))["items"]] == ["admin@town.example"]
    async with platform.worker_pool.acquire() as conn:
        who = await conn.fetchval(
            "SELECT metadata FROM events WHERE tenant_id = $1"
            " AND event_type = 'AllowedOriginsChanged'",
            town.slug,
        )
    assert '"consultant"' in str(who)  # each change names who made it, in which role


async def test_bodies_of_the_wrong_shape_and_other_roles_change_nothing(
    client: httpx.AsyncClient, app: Litestar, platform: Platform, town: Town, admin: str
) -> None:
    h = town.headers(admin)
    for path, body, field in (
        (
            "/api/v1/settings",
            {"dialog_defaults": {"comments": "nobody"}},
            "dialog_defaults.comments",
        ),
        ("/api/v1/settings", {"gamification": "off"}, "gamification"),
        (
            "/api/v1/branding",
            {"front_page": {"featured_dialogs": ["not-a-uuid"]}},
            "front_page.featured_dialogs[0]",
        ),
        ("/api/v1/branding", {"colour": "#000000"}, "colour"),
        ("/api/v1/allowed-origins", {"origins": "https://www.lund.example"}, "origins"),
    ):
        answer = await client.put(path, json=body, headers=h)
        assert answer.status_code in (400, 422), answer.text
        assert field in answer.text, (field, answer.text)

    moderator = await staff_token(platform, town, "mo@town.example", Role.MODERATOR)
    m = town.headers(moderator)
    for answer in (
        await client.put("/api/v1/branding", json={"welcome_text": "Hej"}, headers=m),
        await client.put("/api/v1/branding/logo", content=png("logo"), headers=m),
        await client.put("/api/v1/settings", json={"gamification": False}, headers=m),
        await client.put("/api/v1/allowed-origins", json={"origins": []}, headers=m),
    ):
        assert answer.status_code == 403, answer.text
    await caught_up(platform, app)
    shown = await ok(await client.get("/api/v1/branding", headers=town.headers()))
    assert (shown["welcome_text"], shown["logo_url"]) == (None, None)
    assert (await ok(await client.get("/api/v1/settings", headers=h)))["gamification"] is True


async def test_a_picture_of_another_municipality_is_not_found_here(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "a@malmo.example", Role.ADMINISTRATOR)
    theirs = await ok(
        await client.put(
            "/api/v1/branding/background-image",
            content=png("malmö"),
            headers=other.headers(other_admin),
        )
    )
    path = theirs["background_image_url"]
    assert (await client.get(path, headers=other.headers())).status_code == 200
    assert (await client.get(path, headers=town.headers())).status_code == 404
    assert (
        await client.get("/api/v1/branding/assets/not-a-hash", headers=town.headers())
    ).status_code == 404


async def test_two_administrators_demoting_each_other_from_two_processes_leave_one(
    platform: Platform, town: Town, admin: str
) -> None:
    """The last-administrator rule holds across gateway processes: each process has its own
    identity service (its own in-process queue), and two administrators who demote each other
    at the same moment, one through each, leave exactly one administrator."""
    first = platform.identity.tokens.verify(admin, town.slug).person_id
    second = await platform.identity.add_staff(town.slug, "second@town.example", Role.ADMINISTRATOR)
    await platform.catch_up_projections()
    one, other = platform.identity, copy.copy(platform.identity)
    other._administering = {}  # the second process's own queue

    def as_admin(person: uuid.UUID) -> Caller:
        return Caller(
            tenant_id=town.slug, person_id=person, role=Role.ADMINISTRATOR, sign_in=SignIn.EMAIL
        )

    results = await asyncio.gather(
        one.change_role(as_admin(first), second, "moderator"),
        other.change_role(as_admin(second), first, "moderator"),
        return_exceptions=True,
    )

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1, results
    assert refused[0].field == "role"
    roles = [await one._role_of(town.slug, p) for p in (first, second)]
    assert sorted(r.value for r in roles if r is not None) == ["administrator", "moderator"]


async def test_another_municipalitys_staff_member_cannot_be_removed_from_here(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    other = await create_town(platform, "Malmö")
    theirs = await platform.identity.add_staff(other.slug, "mo@malmo.example", Role.MODERATOR)
    await platform.catch_up_projections()

    removed = await client.delete(f"/api/v1/staff/{theirs}", headers=town.headers(admin))
    demoted = await client.put(
        f"/api/v1/people/{theirs}/role", json={"role": "participant"}, headers=town.headers(admin)
    )

    assert removed.status_code == 404, removed.text
    assert demoted.status_code == 404, demoted.text
    assert await platform.identity._role_of(other.slug, theirs) is Role.MODERATOR
