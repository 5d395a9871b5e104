"""A person's own language: set and cleared by the signed-in person among the languages the
municipality offers (anything else a 422 naming ``language``, nothing recorded), shown by
``GET /api/v1/me``, and used by every e-mail and notification to them; without one, a sign-in
link asked for through the API follows the request's Accept-Language, and everything else the
municipality's default. Real PostgreSQL, NATS and SMTP behind the gateway app."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from tenants.service import TenantChanges
from tests.api import Town, open_dialog
from tests.notify import (
    PLACE,
    device_person,
    mails,
    person_with_address,
    send_round,
    submit,
    text_of,
)
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

LANGUAGE = "/api/v1/me/language"


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def chosen(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1"
            " AND event_type = 'PersonLanguageChosen'",
            town.slug,
        )
    return count


async def test_a_person_chooses_and_clears_a_language_the_municipality_offers(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(languages=["sv", "fi", "en"]))
    await platform.catch_up_projections()
    person = await device_person(client, town)
    headers = town.headers(person.token)

    before = await client.get("/api/v1/me", headers=headers)
    finnish = await client.put(LANGUAGE, json={"language": "fi"}, headers=headers)
    again = await client.put(LANGUAGE, json={"language": "fi"}, headers=headers)
    me = await client.get("/api/v1/me", headers=headers)

    assert before.json()["language"] is None
    assert finnish.status_code == 200, finnish.text
    assert finnish.json() == {
        "language": "fi",
        "default_language": "sv",
        "offered": ["sv", "fi", "en"],
    }
    assert again.json()["language"] == "fi"
    assert me.json()["language"] == "fi"
    assert await chosen(platform, town) == 1  # the same choice again records nothing

    for body in ({"language": "da"}, {"language": "de"}, {"language": "<script>"}, {}):
        refused = await client.put(LANGUAGE, json=body, headers=headers)
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["field"] == "language", refused.text
    anonymous = await client.put(LANGUAGE, json={"language": "en"}, headers=town.headers())
    assert anonymous.status_code == 401
    assert await chosen(platform, town) == 1

    cleared = await client.put(LANGUAGE, json={"language": None}, headers=headers)
    assert cleared.json()["language"] is None
    assert (await client.get("/api/v1/me", headers=headers)).json()["language"] is None
    assert await platform.identity.preferred_language(town.slug, person.person_id) is None


async def test_notifications_are_written_in_each_persons_own_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    anna = await person_with_address(platform, town, "anna@example.org")
    bo = await person_with_address(platform, town, "bo@example.org")
    chose = await client.put(LANGUAGE, json={"language": "fi"}, headers=town.headers(anna.token))
    assert chose.status_code == 200, chose.text
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    for who, title in ((anna, "Broken lamp"), (bo, "Pothole")):
        report = await submit(client, town, who, reports["id"], title=title, place=PLACE)
        moved = await client.post(
            f"/api/v1/posts/{report['id']}/status",
            json={"status": "in-progress", "message": "A crew is on its way"},
            headers=town.headers(admin),
        )
        assert moved.status_code in (200, 201), moved.text
    await send_round(platform)

    [to_anna] = mails(smtp.inbox, "report-status", "anna@example.org")
    [to_bo] = mails(smtp.inbox, "report-status", "bo@example.org")
    assert to_anna["Subject"] == "Ilmoituksesi: työn alla"
    assert to_bo["Subject"] == "Din anmälan: påbörjad"  # no language of his own: the town's
    listed = await client.get(
        "/api/v1/me/notifications", headers={**town.headers(anna.token), "accept-language": "en"}
    )
    titles = [i["title"] for i in listed.json()["items"] if i["kind"] == "report-status"]
    assert titles == ["Ilmoituksesi: työn alla"]  # in the app as in her e-mail
    listed = await client.get(
        "/api/v1/me/notifications", headers={**town.headers(bo.token), "accept-language": "en"}
    )
    titles = [i["title"] for i in listed.json()["items"] if i["kind"] == "report-status"]
    assert titles == ["Din anmälan: påbörjad"]  # no language of his own: the town's


async def test_a_sign_in_link_is_in_the_persons_language_else_the_browsers_else_the_towns(
    client: httpx.AsyncClient, platform: Platform, town: Town, smtp: SmtpServer
) -> None:
    anna = await person_with_address(platform, town, "anna@example.org")
    chose = await client.put(LANGUAGE, json={"language": "fi"}, headers=town.headers(anna.token))
    assert chose.status_code == 200, chose.text

    for address, accept in (
        ("anna@example.org", "en-GB,en;q=0.9"),  # her own language wins
        ("new@example.org", "en-GB,en;q=0.9"),  # nobody yet: the browser's
        ("other@example.org", "de-DE"),  # one the town does not offer: the town's
        ("third@example.org", None),
    ):
        headers = town.headers(language=accept)  # None: no Accept-Language
        sent = await client.post("/api/v1/sign-in/email", json={"email": address}, headers=headers)
        assert sent.status_code == 202, sent.text

    subjects = {m["To"]: m["Subject"] for m in smtp.inbox.messages()}
    assert subjects == {
        "anna@example.org": "Kirjaudu: Lund",
        "new@example.org": "Sign in to Lund",
        "other@example.org": "Logga in hos Lund",
        "third@example.org": "Logga in hos Lund",
    }


async def test_a_notification_names_the_dialog_in_the_persons_language_else_its_main_title(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    anna = await person_with_address(platform, town, "anna@example.org")
    bo = await person_with_address(platform, town, "bo@example.org")
    cai = await person_with_address(platform, town, "cai@example.org")
    for who, language in ((anna, "fi"), (cai, "en")):
        chose = await client.put(
            LANGUAGE, json={"language": language}, headers=town.headers(who.token)
        )
        assert chose.status_code == 200, chose.text
    reports = await open_dialog(
        client,
        town,
        admin,
        kind="problem-reports",
        title="Gatubelysning",
        translations={"fi": {"title": "Katuvalaistus"}},
    )
    for who, title in ((anna, "Broken lamp"), (bo, "Pothole"), (cai, "Dark corner")):
        report = await submit(client, town, who, reports["id"], title=title, place=PLACE)
        moved = await client.post(
            f"/api/v1/posts/{report['id']}/status",
            json={"status": "in-progress", "message": "A crew is on its way"},
            headers=town.headers(admin),
        )
        assert moved.status_code in (200, 201), moved.text
    await send_round(platform)

    [to_anna] = mails(smtp.inbox, "report-status", "anna@example.org")
    [to_bo] = mails(smtp.inbox, "report-status", "bo@example.org")
    [to_cai] = mails(smtp.inbox, "report-status", "cai@example.org")
    assert "Katuvalaistus" in text_of(to_anna)
    assert "Gatubelysning" not in text_of(to_anna)
    for other in (to_bo, to_cai):  # the town's language; no English title: the main one
        assert "Gatubelysning" in text_of(other)
        assert "Katuvalaistus" not in text_of(other)
    listed = await client.get("/api/v1/me/notifications", headers=town.headers(anna.token))
    [item] = [i for i in listed.json()["items"] if i["kind"] == "report-status"]
    assert "Katuvalaistus" in item["body"]
