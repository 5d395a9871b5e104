"""An analysis's members over HTTP: an administrator invites an analyst from outside the
municipality, who gets a PIN by e-mail (in the municipality's language), signs in with it and
works in that analysis (tags, rates) and nowhere else (another analysis, the dashboards, an
invite-only dialog, drafts: 404 or 403); members are added by id and removed, after which the
analysis is 404 to them. Bad input names its field and writes nothing; another municipality's
administrator sees no analysis. The read model's members follow, live and rebuilt alike. Real
PostgreSQL, NATS and SMTP behind the gateway app."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.smtp import SmtpServer
from tests.test_analysis_http import Setting, _person_id, _start, make_setting, problem_fields
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def setting(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Setting:
    return await make_setting(client, platform, town, admin)


async def _invite(
    client: httpx.AsyncClient, s: Setting, analysis_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/analyses/{analysis_id}/external-analysts",
        json=body,
        headers=s.headers(s.admin),
    )


async def _members(client: httpx.AsyncClient, s: Setting, analysis_id: str) -> list[str]:
    got = await client.get(f"/api/v1/analyses/{analysis_id}", headers=s.headers(s.admin))
    assert got.status_code == 200, got.text
    members: list[str] = got.json()["members"]
    return members


async def test_an_external_analyst_signs_in_with_the_pin_and_sees_that_analysis_alone(
    client: httpx.AsyncClient, platform: Platform, setting: Setting, smtp: SmtpServer
) -> None:
    s = setting
    analysis = await _start(client, s)
    other = await _start(client, s)

    invited = await _invite(
        client, s, analysis["id"], {"email": "forskare@universitet.se", "name": "Forskare"}
    )

    assert invited.status_code == 201, invited.text
    person_id, pin = invited.json()["person_id"], invited.json()["pin"]
    mail = smtp.inbox.only_message()
    assert mail["To"] == "forskare@universitet.se"
    assert mail["Subject"] == f"Analys: {analysis['title']}"  # the town speaks Swedish
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert pin in text.get_content()
    assert "analytiker" in text.get_content()
    assert person_id in await _members(client, s, analysis["id"])

    signed_in = await client.post(
        "/api/v1/sign-in/pin", json={"pin": pin}, headers=s.town.headers()
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["person_id"] == person_id
    external = signed_in.json()["token"]
    me = await client.get("/api/v1/me", headers=s.headers(external))
    assert me.json()["role"] == "external-analyst"

    # works in the analysis: reads it, tags and rates an item
    url = f"/api/v1/analyses/{analysis['id']}"
    assert (await client.get(url, headers=s.headers(external))).status_code == 200
    rated = await client.put(
        f"{url}/items/{s.posts[0]}/rating", json={"rating": 7}, headers=s.headers(external)
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == 7
    code = await client.post(f"{url}/codes", json={"label": "Trafik"}, headers=s.headers(external))
    assert code.status_code == 201, code.text

    # and nothing else of the staff's
    elsewhere = await client.get(f"/api/v1/analyses/{other['id']}", headers=s.headers(external))
    assert elsewhere.status_code == 404
    await platform.catch_up_projections()
    listed = await client.get("/api/v1/analyses", headers=s.headers(external))
    assert [a["id"] for a in listed.json()["items"]] == [analysis["id"]]
    dashboards = await client.get("/api/v1/dashboard", headers=s.headers(external))
    assert dashboards.status_code == 403, dashboards.text
    draft = await client.post(
        "/api/v1/analyses",
        json={"title": "Egen", "dialog_ids": [s.dialog["id"]]},
        headers=s.headers(external),
    )
    assert draft.status_code == 403
    invite_more = await client.post(
        f"{url}/external-analysts", json={"name": "Kollega"}, headers=s.headers(external)
    )
    assert invite_more.status_code == 403


async def test_a_member_removed_no_longer_sees_the_analysis_and_the_read_model_follows(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    analysis = await _start(client, s)
    url = f"/api/v1/analyses/{analysis['id']}"
    newcomer = await staff_token(platform, s.town, f"ny@{s.town.slug}.se", Role.ANALYST)
    newcomer_id = await _person_id(client, s.town, newcomer)
    assert (await client.get(url, headers=s.headers(newcomer))).status_code == 404

    added = await client.post(
        f"{url}/members", json={"person_id": newcomer_id}, headers=s.headers(s.admin)
    )
    again = await client.post(
        f"{url}/members", json={"person_id": newcomer_id}, headers=s.headers(s.admin)
    )

    assert added.status_code == 200, added.text
    assert added.json()["members"].count(newcomer_id) == 1
    assert again.status_code == 200
    assert again.json()["members"] == added.json()["members"]  # nothing recorded twice
    assert (await client.get(url, headers=s.headers(newcomer))).status_code == 200
    await platform.catch_up_projections()
    listed = await client.get("/api/v1/analyses", headers=s.headers(newcomer))
    assert [a["id"] for a in listed.json()["items"]] == [analysis["id"]]

    removed = await client.delete(f"{url}/members/{newcomer_id}", headers=s.headers(s.admin))
    assert removed.status_code == 200, removed.text
    assert newcomer_id not in removed.json()["members"]
    assert (await client.get(url, headers=s.headers(newcomer))).status_code == 404
    await platform.catch_up_projections()
    listed = await client.get("/api/v1/analyses", headers=s.headers(newcomer))
    assert listed.json()["items"] == []
    gone = await client.delete(f"{url}/members/{newcomer_id}", headers=s.headers(s.admin))
    assert gone.status_code == 404

    live = await _rows(platform, s.town)
    [runner] = [r for r in platform.projections if r.projection.name == "analysis_workspace"]
    await runner.rebuild(platform.reader)
    assert await _rows(platform, s.town) == live
    assert [str(m) for m in live[0]["members"]] == analysis["members"]  # joined, then left


async def _rows(platform: Platform, town: Town) -> list[dict[str, Any]]:
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT analysis_id, members FROM analyses WHERE tenant_id = $1", town.slug
        )
    return [dict(r) for r in rows]


# (body, field): an invitation of an external analyst refused naming the field
BAD_INVITATIONS: list[tuple[dict[str, Any], str]] = [
    ({"email": "not an address"}, "email"),
    ({"email": "admin@town.example"}, "email"),  # staff: add them by id
    ({"name": ""}, "name"),
    ({"name": "A", "role": "administrator"}, "role"),
]


async def test_a_bad_invitation_names_its_field_and_records_nobody(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    analysis = await _start(client, s)

    for case in BAD_INVITATIONS:
        body, field = case
        refused = await _invite(client, s, analysis["id"], body)

        assert refused.status_code in (400, 422), (case, refused.text)
        assert field in problem_fields(refused), (case, refused.text)
        assert await _members(client, s, analysis["id"]) == analysis["members"], case


async def test_bad_members_are_refused_naming_person_id(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    analysis = await _start(client, s)
    url = f"/api/v1/analyses/{analysis['id']}"
    citizen = await device_token(client, s.town)
    citizen_id = await _person_id(client, s.town, citizen)
    elsewhere = await create_town(platform, "Malmö")
    stranger = await staff_token(platform, elsewhere, "analys@malmo.se", Role.ANALYST)
    stranger_id = await _person_id(client, elsewhere, stranger)

    for person_id in (citizen_id, stranger_id, "00000000-0000-0000-0000-000000000001"):
        refused = await client.post(
            f"{url}/members", json={"person_id": person_id}, headers=s.headers(s.admin)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "person_id"
    by_analyst = await client.post(
        f"{url}/members", json={"person_id": citizen_id}, headers=s.headers(s.analysts[0])
    )
    assert by_analyst.status_code == 403
    other_admin = await staff_token(platform, elsewhere, "admin@malmo.se", Role.ADMINISTRATOR)
    across = await client.post(
        f"/api/v1/analyses/{analysis['id']}/external-analysts",
        json={"name": "X"},
        headers=elsewhere.headers(other_admin),
    )
    assert across.status_code == 404
    assert await _members(client, s, analysis["id"]) == analysis["members"]


async def test_a_participant_invited_by_address_becomes_the_external_analyst(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    analysis = await _start(client, s)
    await open_dialog(client, s.town, s.admin)
    citizen_id = await platform.identity.people.by_email(s.town.slug, "medborgare@example.se")

    invited = await _invite(client, s, analysis["id"], {"email": "medborgare@example.se"})

    assert invited.status_code == 201, invited.text
    assert invited.json()["person_id"] == str(citizen_id)
    signed_in = await client.post(
        "/api/v1/sign-in/pin", json={"pin": invited.json()["pin"]}, headers=s.headers("")
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["role"] == "external-analyst"


async def test_no_external_analyst_joins_an_analysis_over_an_invite_only_dialog(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    """What an invite-only dialog holds is shown to its invitees and the staff alone: an
    external analyst (no staff) is refused as a member of an analysis over one, however they
    would join, and nobody is recorded."""
    s = setting
    closed = await open_dialog(
        client, s.town, s.admin, kind="discussion", invite_only=True, title="Ungdomsråd"
    )
    started = await client.post(
        "/api/v1/analyses",
        json={"title": "Ungdomsrådet", "dialog_ids": [closed["id"]]},
        headers=s.headers(s.admin),
    )
    assert started.status_code == 201, started.text
    analysis = started.json()
    open_analysis = await _start(client, s)
    external = await _invite(client, s, open_analysis["id"], {"name": "Forskare"})
    assert external.status_code == 201, external.text
    external_id = external.json()["person_id"]

    invited = await _invite(client, s, analysis["id"], {"email": "ny@universitet.se"})
    added = await client.post(
        f"/api/v1/analyses/{analysis['id']}/members",
        json={"person_id": external_id},
        headers=s.headers(s.admin),
    )
    with_external = await client.post(
        "/api/v1/analyses",
        json={"title": "Igen", "dialog_ids": [closed["id"]], "members": [external_id]},
        headers=s.headers(s.admin),
    )

    assert invited.status_code == 409, invited.text
    assert "en dialog bara för inbjudna" in invited.json()["detail"]  # the town's Swedish
    assert added.status_code == 409, added.text
    assert with_external.status_code == 422, with_external.text
    assert with_external.json()["field"] == "members[0]"
    assert await _members(client, s, analysis["id"]) == analysis["members"]
    nobody = await platform.identity.people.find_email(s.town.slug, "ny@universitet.se")
    assert nobody is None  # refused before anybody was recorded
