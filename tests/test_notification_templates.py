"""Administrators' message templates: listed with the built-in texts, checked on save (a bad
placeholder is a 422 naming the field, and nothing is recorded), and used at once by the
sign-in and invitation e-mails, which carry secrets and so are sent synchronously."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from services.notifications.kinds import Kind
from tests.api import Town, dialog_body
from tests.notify import device_person, text_of
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

TEMPLATES = "/api/v1/notification-templates"


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def changes_recorded(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1"
            " AND event_type = 'NotificationTemplateChanged'",
            town.slug,
        )
    return count


# (path, body, field, reason): a template refused naming the field, the reason saying why
BAD_TEMPLATES: list[tuple[str, dict[str, object], str, str]] = [
    ("report-status/sv", {"subject": "Hej", "body": "Färg: {colour}"}, "body", "{colour}"),
    ("report-status/sv", {"subject": "{tenant.__class__}", "body": "x"}, "subject", "unknown"),
    ("report-status/sv", {"subject": "{status!r}", "body": "x"}, "subject", "format"),
    ("report-status/sv", {"subject": "Hej", "body": "{0}"}, "body", "{0}"),
    ("report-status/sv", {"subject": "Hej {", "body": "x"}, "subject", "brace"),
    ("report-status/sv", {"subject": "Hej\nigen", "body": "x"}, "subject", "one line"),
    ("report-status/sv", {"subject": "  ", "body": "x"}, "subject", "empty"),
    ("sign-in/sv", {"subject": "Logga in", "body": "Välkommen!"}, "body", "{link}"),
    ("invitation/sv", {"subject": "Hej", "body": "Kom: {link}"}, "body", "{pin}"),
    ("colour/sv", {"subject": "Hej", "body": "x"}, "kind", "not a kind"),
    ("report-status/Swedish", {"subject": "Hej", "body": "x"}, "language", "language tag"),
    ("report-status/sv", {"subject": "Hej", "body": "x", "tenant": "b"}, "tenant", "unknown"),
    ("report-status/sv", {"subject": 5, "body": "x"}, "subject", "str"),
]


async def test_a_bad_template_is_refused_naming_the_field_and_nothing_is_recorded(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    for case in BAD_TEMPLATES:
        path, body, field, reason = case
        response = await client.put(
            f"{TEMPLATES}/{path}", json=body, headers=town.headers(admin, language="en")
        )

        assert response.status_code in (400, 422), (case, response.text)
        assert response.json()["field"] == field, (case, response.text)
        assert reason in response.json()["detail"], (case, response.text)
        assert await changes_recorded(platform, town) == 0, case


async def test_only_administrators_see_and_change_templates(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    citizen = await device_person(client, town)
    text = {"subject": "Hej {tenant}", "body": "Status: {status}"}

    listed = await client.get(TEMPLATES, headers=town.headers(admin))
    as_citizen = await client.get(TEMPLATES, headers=town.headers(citizen.token))
    change = await client.put(
        f"{TEMPLATES}/report-status/sv", json=text, headers=town.headers(citizen.token)
    )

    assert listed.status_code == 200
    entries = {(t["kind"], t["language"]): t for t in listed.json()}
    # every kind in Swedish, Danish, Bokmål, Finnish, English
    assert len(entries) == len(Kind) * 5
    assert not any(t["custom"] for t in entries.values())
    assert entries[("report-status", "da")]["subject"] == "Din indberetning: {status}"
    assert entries[("report-status", "nb")]["subject"] == "Meldingen din: {status}"
    assert entries[("digest", "fi")]["subject"] == "{tenant}: päivän kooste"
    assert "message" in entries[("report-status", "sv")]["placeholders"]
    assert (as_citizen.status_code, change.status_code) == (403, 403)
    assert await changes_recorded(platform, town) == 0


async def test_the_sign_in_and_invitation_emails_use_the_edited_template_at_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    sign_in = {"subject": "Välkommen till {tenant}", "body": "Klicka här: {link}\n/Kommunen"}
    invitation = {"subject": "Inbjudan: {dialog}", "body": "Din kod är {pin}. Gå till {link}"}

    saved = await client.put(f"{TEMPLATES}/sign-in/sv", json=sign_in, headers=town.headers(admin))
    same = await client.put(f"{TEMPLATES}/sign-in/sv", json=sign_in, headers=town.headers(admin))
    await client.put(f"{TEMPLATES}/invitation/sv", json=invitation, headers=town.headers(admin))
    asked = await client.post(  # asked for in a Swedish browser, or by one asking nothing
        "/api/v1/sign-in/email",
        json={"email": "anna@example.org"},
        headers={**town.headers(), "accept-language": "sv-SE"},
    )
    dialog = await client.post(
        "/api/v1/dialogs", json=dialog_body(invite_only=True), headers=town.headers(admin)
    )
    invited = await client.post(
        f"/api/v1/dialogs/{dialog.json()['id']}/invitations",
        json={"invitees": [{"email": "bo@example.org"}]},
        headers=town.headers(admin),
    )
    await platform.catch_up_projections()
    listed = await client.get(TEMPLATES, headers=town.headers(admin))

    assert saved.status_code == 200, saved.text
    assert saved.json()["custom"] is True
    assert same.json() == saved.json()
    assert await changes_recorded(platform, town) == 2  # saving the same text again adds none
    assert asked.status_code == 202
    link_mail, pin_mail = smtp.inbox.messages()
    assert link_mail["Subject"] == "Välkommen till Lund"
    assert text_of(link_mail).startswith(f"Klicka här: https://{town.host}/sign-in?code=")
    code = text_of(link_mail).split("?code=", 1)[1].split()[0]
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers()
    )
    assert redeemed.status_code == 200
    assert invited.status_code == 201, invited.text
    pin = invited.json()["invited"][0]["pin"]
    assert pin_mail["Subject"] == "Inbjudan: Safer cycling to school"
    assert f"Din kod är {pin}." in text_of(pin_mail)
    custom = {(t["kind"], t["language"]) for t in listed.json() if t["custom"]}
    assert custom == {("sign-in", "sv"), ("invitation", "sv")}
