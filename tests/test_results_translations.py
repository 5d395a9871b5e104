"""A dialog's results summary in the municipality's other languages, over HTTP (real
PostgreSQL and NATS): an administrator publishes it with ``translations``, refused naming
``translations.<language>`` with nothing recorded when a language or a text is wrong; the
API reads it back (one dialog and the list, live and rebuilt); the dialog's page and the
front page's cards show the reader's language, else the main summary marked with its own;
and a participant is told in their own language."""

from __future__ import annotations

from typing import Any

import httpx

from services.identity.access import SignIn
from tests.api import Town, open_dialog
from tests.test_dialog_translations import FINNISH, listed
from tinget.bootstrap import Platform

SUMMARY = "Nämnden bygger en ny cykelbana längs Storgatan i maj."
RESULTS = {
    "fi": "Lautakunta rakentaa uuden pyörätien Storgatanin varteen toukokuussa.",
    "en": "The committee builds a new cycle lane along Storgatan in May.",
}


async def closed_dialog(client: httpx.AsyncClient, town: Town, admin: str) -> dict[str, Any]:
    """An open dialog with a Finnish title, closed by an administrator (ready for results)."""
    dialog = await open_dialog(
        client, town, admin, title="Säkrare cykling", translations={"fi": FINNISH}
    )
    closed = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close",
        json={"reason": "till nämnden"},
        headers=town.headers(admin),
    )
    assert closed.status_code == 200, closed.text
    return dialog


async def publish(
    client: httpx.AsyncClient, town: Town, admin: str, dialog_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog_id}/results",
        json={"summary": SUMMARY, **body},
        headers=town.headers(admin, language="en"),
    )


async def test_a_results_summary_is_published_and_read_in_each_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await closed_dialog(client, town, admin)
    published = await publish(
        client, town, admin, dialog["id"], translations={**RESULTS, "da": "   "}
    )
    assert published.status_code == 200, published.text
    assert published.json()["results_summary"] == SUMMARY  # the main summary as it is
    assert published.json()["results_translations"] == RESULTS  # an empty text is none
    read = await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=town.headers())
    assert read.json()["results_translations"] == RESULTS
    await platform.catch_up_projections()
    shown = await listed(client, town, dialog["id"])
    assert shown["results_summary"] == SUMMARY
    assert shown["results_translations"] == RESULTS  # the list too, from its own row
    assert shown["translations"] == {"fi": FINNISH}  # the dialog's texts as they were

    # The dialog's page in the reader's language; a language without one: the main summary,
    # marked as Swedish for screen readers.
    path = f"/dialogs/{dialog['id']}"
    for language, text in RESULTS.items():
        page = await client.get(path, params={"lang": language}, headers=town.headers())
        assert f"<p>{text}</p>" in page.text, language
        assert SUMMARY not in page.text, language
    danish = await client.get(path, params={"lang": "da"}, headers=town.headers())
    assert f'<p lang="sv">{SUMMARY}</p>' in danish.text
    swedish = await client.get(path, headers=town.headers())
    assert f"<p>{SUMMARY}</p>" in swedish.text

    # The front page's cards: the listing's row, in the reader's language.
    for language, text in RESULTS.items():
        front = await client.get("/", params={"lang": language}, headers=town.headers())
        assert f"<p>{text}</p>" in front.text, language
        assert SUMMARY not in front.text, language
    front_fi = await client.get("/", params={"lang": "fi"}, headers=town.headers())
    assert f">{FINNISH['title']}</a>" in front_fi.text  # and its title, as before
    front_da = await client.get("/", params={"lang": "da"}, headers=town.headers())
    assert f'<p lang="sv">{SUMMARY}</p>' in front_da.text

    # A correction of the dialog's texts after its results keeps the summary's translations,
    # and publishing again replaces them whole.
    corrected = await client.patch(
        f"/api/v1/dialogs/{dialog['id']}",
        json={"translations": {"fi": {**FINNISH, "title": "Turvallisempi koulumatka"}}},
        headers=town.headers(admin),
    )
    assert corrected.status_code == 200, corrected.text
    await platform.catch_up_projections()
    shown = await listed(client, town, dialog["id"])
    assert shown["translations"]["fi"]["title"] == "Turvallisempi koulumatka"
    assert shown["results_translations"] == RESULTS
    again = await publish(client, town, admin, dialog["id"], translations={"fi": "Uusi."})
    assert again.status_code == 200, again.text
    assert again.json()["results_translations"] == {"fi": "Uusi."}
    await platform.catch_up_projections()
    live = await listed(client, town, dialog["id"])
    assert live["results_translations"] == {"fi": "Uusi."}
    assert live["translations"]["fi"]["title"] == "Turvallisempi koulumatka"

    # A rebuild of the listing from the log reads the same.
    (listing,) = [r for r in platform.projections if r.projection.name == "dialog_listing"]
    await listing.rebuild(platform.reader)
    assert await listed(client, town, dialog["id"]) == live


async def test_a_wrong_language_or_text_is_refused_naming_the_field_with_nothing_recorded(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await closed_dialog(client, town, admin)
    refusals: list[tuple[dict[str, Any], str, str]] = [
        ({"de": "Ergebnis"}, "translations.de", "offers"),
        ({"sv": "Resultat"}, "translations.sv", "default language"),
        ({"fi": "x" * 20_001}, "translations.fi", "at most 20000 characters"),
        ({"en": "a\x00b"}, "translations.en", "control"),
        ({"x" * 36: "?"}, "translations", "at most 35 characters"),
        ({f"l{n}": "?" for n in range(6)}, "translations", "at most 5 languages"),
    ]
    for translations, field, reason in refusals:
        answer = await publish(client, town, admin, dialog["id"], translations=translations)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.text
        assert reason in answer.json()["detail"], answer.text
    not_text = await publish(client, town, admin, dialog["id"], translations={"fi": 5})
    assert not_text.status_code == 400, not_text.text  # the body's schema, as everywhere

    read = await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=town.headers())
    assert read.json()["status"] == "closed"  # nothing half-written
    assert read.json()["results_summary"] is None
    assert read.json()["results_translations"] == {}
    in_swedish = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/results",
        json={"summary": SUMMARY, "translations": {"de": "Ergebnis"}},
        headers=town.headers(admin, language="sv"),
    )
    assert in_swedish.status_code == 422
    assert in_swedish.headers["content-language"] == "sv"
    assert in_swedish.json()["field"] == "translations.de"


async def test_a_participant_is_told_the_results_in_their_own_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    person = await platform.identity.people.by_email(town.slug, "suomeksi@example.se")
    token = (await platform.identity.token_for(town.slug, person, SignIn.EMAIL)).token
    chosen = await client.put(
        "/api/v1/me/language", json={"language": "fi"}, headers=town.headers(token)
    )
    assert chosen.status_code == 200, chosen.text
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"kind": "proposal", "title": "Pyörätie", "body": "Storgatanille"},
        headers=town.headers(token),
    )
    assert posted.status_code == 201, posted.text
    closed = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close",
        json={"reason": "till nämnden"},
        headers=town.headers(admin),
    )
    assert closed.status_code == 200, closed.text
    await platform.catch_up_projections()
    published = await publish(client, town, admin, dialog["id"], translations=RESULTS)
    assert published.status_code == 200, published.text
    await platform.catch_up_projections()

    inbox = await client.get("/api/v1/me/notifications", headers=town.headers(token))
    assert inbox.status_code == 200, inbox.text
    (told,) = [n for n in inbox.json()["items"] if n["kind"] == "dialog-results"]
    assert RESULTS["fi"] in told["body"]
    assert SUMMARY not in told["body"]
