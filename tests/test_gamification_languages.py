"""The default level names, welcomes and badge titles in the municipality's language: a Swedish
town's e-mails about a badge or a level carry Swedish names (not "Newcomer" inside Swedish
text), a Finnish, Norwegian or Danish town records its own, an English one English, and an
administrator's own names stay as written. Real PostgreSQL, NATS and SMTP server behind the
gateway app."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, open_dialog, staff_token
from tests.helpers import unique_slug
from tests.notify import Person, device_person, mails, person_with_address, send_round, text_of
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

ENGLISH_DEFAULTS = ("First proposal", "Participant", "Welcome!", "thank you for taking part")


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def town_in(platform: Platform, language: str, name: str) -> Town:
    slug = unique_slug()
    await platform.tenants.create(slug, name, language, hosts=[f"{slug}.example"])
    await platform.tenants.update(slug, TenantChanges(committees=["Transport", "Education"]))
    await platform.catch_up_projections()
    return Town(slug, f"{slug}.example")


async def propose(
    client: httpx.AsyncClient, town: Town, who: Person, dialog_id: str, times: int
) -> None:
    for i in range(times):
        response = await client.post(
            f"/api/v1/dialogs/{dialog_id}/posts",
            json={"title": f"Idea {i}", "body": "Benches by the pond"},
            headers=town.headers(who.token),
        )
        assert response.status_code == 201, response.text


async def recorded(platform: Platform, town: Town) -> list[tuple[str, str, str]]:
    """The award events of the town: (type, name or title, welcome), sorted (a batch's awards
    are appended side by side, in no set order)."""
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_type, coalesce(data->>'title', data->>'name') AS text,"
            " coalesce(data->>'welcome', '') AS welcome FROM events"
            " WHERE tenant_id = $1 AND event_type IN ('BadgeAwarded', 'LevelReached')",
            town.slug,
        )
    return sorted((r["event_type"], r["text"], r["welcome"]) for r in rows)


async def test_a_swedish_towns_badge_and_level_mails_carry_swedish_names(
    client: httpx.AsyncClient, platform: Platform, smtp: SmtpServer
) -> None:
    town = await town_in(platform, "sv", "Lund")
    admin = await staff_token(platform, town, "admin@lund.example", Role.ADMINISTRATOR)
    anna = await person_with_address(platform, town, "anna@example.org")
    dialog = await open_dialog(client, town, admin)

    await propose(client, town, anna, dialog["id"], 5)  # 5 x 10 points: the second level
    await send_round(platform)

    [badge] = mails(smtp.inbox, "badge-earned", to="anna@example.org")
    [level] = mails(smtp.inbox, "level-reached", to="anna@example.org")
    assert badge["Subject"] == "Du har fått ett märke: Första förslaget"
    assert "«Första förslaget»" in text_of(badge)
    assert level["Subject"] == "En ny nivå: Deltagare"
    assert "Du är nu «Deltagare» hos Lund" in text_of(level)
    assert "Nu är du deltagare: tack för att du är med." in text_of(level)
    for message in (badge, level):
        text = f"{message['Subject']}\n{text_of(message)}"
        assert not [english for english in ENGLISH_DEFAULTS if english in text]
    progress = await client.get("/api/v1/me/progress", headers=town.headers(anna.token))
    assert progress.json()["level"]["name"] == "Deltagare"
    assert progress.json()["next_level"]["name"] == "Bidragsgivare"
    assert [b["title"] for b in progress.json()["badges"]] == ["Första förslaget"]


async def test_each_towns_awards_are_recorded_in_its_own_language(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    earned = {}
    for language, name in (("fi", "Turku"), ("nb", "Tromsø"), ("da", "Aarhus"), ("en", "Cork")):
        town = await town_in(platform, language, name)
        admin = await staff_token(platform, town, f"admin@{town.slug}.example", Role.ADMINISTRATOR)
        dialog = await open_dialog(client, town, admin)
        await propose(client, town, await device_person(client, town), dialog["id"], 5)
        await platform.catch_up_projections()
        await platform.catch_up_projections()  # the awards the policy appended, shown
        earned[language] = await recorded(platform, town)

    assert earned == {
        "fi": [
            ("BadgeAwarded", "Ensimmäinen ehdotus", ""),
            ("LevelReached", "Osallistuja", "Olet nyt osallistuja: kiitos, että olet mukana."),
        ],
        "nb": [
            ("BadgeAwarded", "Første forslag", ""),
            ("LevelReached", "Deltaker", "Nå er du deltaker: takk for at du er med."),
        ],
        "da": [
            ("BadgeAwarded", "Første forslag", ""),
            ("LevelReached", "Deltager", "Nu er du deltager: tak fordi du er med."),
        ],
        "en": [
            ("BadgeAwarded", "First proposal", ""),
            (
                "LevelReached",
                "Participant",
                "You are a participant now: thank you for taking part.",
            ),
        ],
    }


async def test_an_administrators_own_names_are_kept_as_written(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await town_in(platform, "sv", "Malmö")
    admin = await staff_token(platform, town, "admin@malmo.example", Role.ADMINISTRATOR)
    current = await client.get("/api/v1/gamification/rules", headers=town.headers(admin))
    rules = current.json()
    assert rules["badges"][0]["levels"][0]["title"] == "Första förslaget"  # shown in Swedish
    rules["badges"][0]["levels"][0]["title"] = "First step"
    rules["levels"][1]["name"] = "Malmöbo"
    changed = await client.put(
        "/api/v1/gamification/rules", json=rules, headers=town.headers(admin)
    )
    assert changed.status_code == 200, changed.text
    dialog = await open_dialog(client, town, admin)

    await propose(client, town, await device_person(client, town), dialog["id"], 5)
    await platform.catch_up_projections()

    assert [text for _, text, _ in await recorded(platform, town)] == [
        "First step",
        "Malmöbo",
    ]
