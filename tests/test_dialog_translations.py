"""A dialog's texts in the municipality's other languages over HTTP (real PostgreSQL and
NATS): set, read (one dialog and the list, live and rebuilt), corrected after opening, and
refused with the field named when a language or a text is wrong."""

from __future__ import annotations

from typing import Any

import httpx

from tenants.service import TenantChanges
from tests.api import Town, dialog_body, open_dialog
from tinget.bootstrap import Platform

FINNISH = {
    "title": "Turvallisempi pyöräily kouluun",
    "purpose": "Selvitetään, missä lapset tarvitsevat turvallisempia reittejä",
    "instructions": "Ehdota muutosta",
}


async def listed(client: httpx.AsyncClient, town: Town, dialog_id: str) -> dict[str, Any]:
    answer = await client.get("/api/v1/dialogs", headers=town.headers())
    assert answer.status_code == 200, answer.text
    (shown,) = [d for d in answer.json()["items"] if d["id"] == dialog_id]
    assert isinstance(shown, dict)
    return shown


async def test_translations_are_set_read_and_corrected_after_opening(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(
        client, town, admin, translations={"fi": FINNISH, "en": {"title": "  Safer cycling  "}}
    )
    assert dialog["title"] == "Safer cycling to school"  # the main texts stay as they are
    assert dialog["translations"] == {"fi": FINNISH, "en": {"title": "Safer cycling"}}
    read = await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=town.headers())
    assert read.status_code == 200, read.text
    assert read.json()["translations"] == dialog["translations"]
    await platform.catch_up_projections()
    assert (await listed(client, town, dialog["id"]))["translations"] == dialog["translations"]

    # Open: the titles and instructions of the translations are corrected, English dropped.
    url = f"/api/v1/dialogs/{dialog['id']}"
    corrected_fi = {**FINNISH, "title": "Turvallisempi koulumatka", "instructions": "Ehdota"}
    fixed = await client.patch(
        url, json={"translations": {"fi": corrected_fi}}, headers=town.headers(admin)
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["translations"] == {"fi": corrected_fi}
    # ... but not a translation's purpose, which people answer to, nor a new one's
    for changed in (
        {"fi": {**corrected_fi, "purpose": "Jotain muuta"}},
        {"fi": corrected_fi, "da": {"purpose": "Noget andet"}},
    ):
        refused = await client.patch(
            url, json={"translations": changed}, headers=town.headers(admin)
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["field"].startswith("translations.")
        assert refused.json()["field"].endswith(".purpose")

    await platform.catch_up_projections()
    assert (await listed(client, town, dialog["id"]))["translations"] == {"fi": corrected_fi}
    trail = await client.get("/api/v1/audit", headers=town.headers(admin))
    kinds = [e["event_type"] for e in trail.json()["items"]]
    assert kinds.count("DialogTextsCorrected") == 1

    # A change before opening replaces them whole; {} removes them.
    draft = await client.post(
        "/api/v1/dialogs",
        json=dialog_body(translations={"fi": FINNISH}),
        headers=town.headers(admin),
    )
    assert draft.status_code == 201, draft.text
    cleared = await client.patch(
        f"/api/v1/dialogs/{draft.json()['id']}",
        json={"translations": {}},
        headers=town.headers(admin),
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["translations"] == {}


async def test_a_wrong_language_or_text_is_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    refusals: list[tuple[dict[str, Any], str, str]] = [
        ({"de": {"title": "Sicherer"}}, "translations.de", "offers"),
        ({"": {"title": "?"}}, "translations.", "offers"),
        ({"x" * 100: {"title": "?"}}, "translations", "at most 35 characters"),
        ({"sv": {"title": "Säkrare"}}, "translations.sv", "default language"),
        ({"fi": {"title": "x" * 201}}, "translations.fi.title", "at most 200 characters"),
        ({"fi": {"purpose": "x" * 5001}}, "translations.fi.purpose", "at most 5000"),
        ({"fi": {"instructions": "a\x00b"}}, "translations.fi.instructions", "control"),
    ]
    for translations, field, reason in refusals:
        answer = await client.post(
            "/api/v1/dialogs",
            json=dialog_body(translations=translations),
            headers=town.headers(admin, language="en"),
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.text
        assert reason in answer.json()["detail"], answer.text
    unknown = await client.post(
        "/api/v1/dialogs",
        json=dialog_body(translations={"fi": {"subtitle": "x"}}),
        headers=town.headers(admin, language="en"),
    )
    assert unknown.status_code == 400, unknown.text  # an unknown field, as everywhere

    dialog = await open_dialog(client, town, admin, translations={"fi": FINNISH})
    too_long = await client.patch(
        f"/api/v1/dialogs/{dialog['id']}",
        json={"title": "Fixed", "translations": {"fi": {**FINNISH, "title": "x" * 201}}},
        headers=town.headers(admin, language="en"),
    )
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["field"] == "translations.fi.title"
    read = await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=town.headers())
    assert read.json()["title"] == "Safer cycling to school"  # nothing half-written
    assert read.json()["translations"] == {"fi": FINNISH}


async def test_the_pages_show_a_dialog_in_the_page_s_language_else_the_main_texts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    """Lund's default is Swedish: the main texts are Swedish, with a Finnish translation."""
    dialog = await open_dialog(
        client,
        town,
        admin,
        title="Säkrare cykling till skolan",
        purpose="Var behöver barnen säkrare vägar?",
        instructions="Föreslå en ändring",
        translations={"fi": {"title": FINNISH["title"], "purpose": FINNISH["purpose"]}},
    )
    await platform.catch_up_projections()
    path = f"/dialogs/{dialog['id']}"

    fi = await client.get(path, params={"lang": "fi"}, headers=town.headers())
    assert fi.status_code == 200, fi.text
    assert '<html lang="fi">' in fi.text
    assert f"<h1>{FINNISH['title']}</h1>" in fi.text
    assert FINNISH["purpose"] in fi.text
    # no Finnish instructions: the main ones, marked as Swedish for screen readers
    assert '<p lang="sv">Föreslå en ändring</p>' in fi.text
    assert "Säkrare cykling" not in fi.text

    sv = await client.get(path, params={"lang": "sv"}, headers=town.headers())
    assert "<h1>Säkrare cykling till skolan</h1>" in sv.text  # the page's own language
    assert FINNISH["title"] not in sv.text

    en = await client.get(path, params={"lang": "en"}, headers=town.headers())
    assert '<html lang="en">' in en.text
    assert '<h1 lang="sv">Säkrare cykling till skolan</h1>' in en.text  # no English: the main
    assert '<p lang="sv">Var behöver barnen säkrare vägar?</p>' in en.text

    # The front page lists it in the page's language as well.
    front_fi = await client.get("/", params={"lang": "fi"}, headers=town.headers())
    assert front_fi.status_code == 200, front_fi.text
    assert f">{FINNISH['title']}</a>" in front_fi.text
    assert f'lang="sv">{FINNISH["title"]}' not in front_fi.text
    front_en = await client.get("/", params={"lang": "en"}, headers=town.headers())
    assert 'lang="sv">Säkrare cykling till skolan</a>' in front_en.text
    assert "Säkrare cykling till skolan" not in front_fi.text
    front_sv = await client.get("/", params={"lang": "sv"}, headers=town.headers())
    assert "Säkrare cykling till skolan" in front_sv.text
    assert FINNISH["title"] not in front_sv.text


async def test_a_language_no_longer_offered_does_not_lock_a_dialogs_texts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, translations={"fi": FINNISH})
    await platform.tenants.update(town.slug, TenantChanges(languages=["sv", "en"]))
    await platform.catch_up_projections()
    url = f"/api/v1/dialogs/{dialog['id']}"
    fixed = await client.patch(url, json={"title": "Fixed"}, headers=town.headers(admin))
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["translations"] == {"fi": FINNISH}
    added = await client.patch(
        url,
        json={"translations": {"fi": FINNISH, "da": {"title": "Sikrere"}}},
        headers=town.headers(admin, language="en"),
    )
    assert added.status_code == 422, added.text  # a new one must be offered
    assert added.json()["field"] == "translations.da"
