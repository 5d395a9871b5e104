"""Problem documents in the visitor's language: the title and every reason Tinget knows in the
language the browser asks for among those the municipality offers, else in the
municipality's default; ``Content-Language`` says which; the ``field`` stays as it is.
Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import httpx

from gateway import problem_texts
from tenants.service import TenantChanges
from tests.api import Town
from tinget.bootstrap import Platform

SIGN_IN = "/api/v1/sign-in/email"


# (Accept-Language sent, language answered, title, reason) where the municipality offers
# Swedish (its default), Finnish and English
ASKED_FOR: list[tuple[str | None, str, str, str]] = [
    ("sv-SE,sv;q=0.9", "sv", "Ogiltiga uppgifter", "är ingen e-postadress"),
    ("fi", "fi", "Virheellinen syöte", "ei ole sähköpostiosoite"),
    ("en-GB,en;q=0.8", "en", "Invalid input", "is not an e-mail address"),
    ("de-DE,de;q=0.9", "sv", "Ogiltiga uppgifter", "är ingen e-postadress"),  # not offered
    ("da", "sv", "Ogiltiga uppgifter", "är ingen e-postadress"),  # not offered here
    (None, "sv", "Ogiltiga uppgifter", "är ingen e-postadress"),
]


async def test_a_422_is_in_the_language_the_browser_asks_for_else_the_municipalitys(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(languages=["sv", "fi", "en"]))
    await platform.catch_up_projections()

    for case in ASKED_FOR:
        accept, language, title, reason = case
        headers = town.headers(language=accept)  # None: no Accept-Language

        refused = await client.post(SIGN_IN, json={"email": "not an address"}, headers=headers)

        assert refused.status_code == 422, (case, refused.text)
        assert refused.headers["content-language"] == language, case
        problem = refused.json()
        assert problem["title"] == title, (case, problem)
        assert problem["field"] == "email", (case, problem)  # for machines: never translated
        assert problem["errors"] == [{"field": "email", "reason": reason}], (case, problem)
        assert problem["detail"] == f"email: {reason}", (case, problem)


async def test_validation_messages_and_titles_of_the_router_are_translated_too(
    client: httpx.AsyncClient, town: Town
) -> None:
    finnish = {**town.headers(), "accept-language": "fi-FI"}
    await client.get("/api/v1/dialogs", headers=finnish)  # the municipality is known here

    short = await client.post(SIGN_IN, json={"email": ""}, headers=finnish)
    unknown = await client.post(SIGN_IN, json={"email": "a@b.se", "x": 1}, headers=finnish)
    missing = await client.get("/api/v1/no-such-thing", headers=finnish)

    assert short.status_code == 400, short.text
    assert short.json()["errors"] == [{"field": "email", "reason": "on oltava vähintään 3 merkkiä"}]
    assert short.json()["title"] == "Virheellinen syöte"
    assert unknown.json()["errors"] == [
        {"field": "x", "reason": "ei ole kenttä, jonka tämä toiminto hyväksyy"}
    ]
    assert missing.status_code == 404
    assert missing.json()["title"] == "Ei löytynyt"
    assert missing.headers["content-language"] == "fi"


async def test_a_host_that_is_no_municipalitys_answers_in_the_browsers_language(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get(
        "/api/v1/dialogs", headers={"host": "nowhere.example", "accept-language": "nb-NO"}
    )
    assert answer.status_code == 404
    assert answer.json()["title"] == "Ukjent kommune"
    assert answer.headers["content-language"] == "nb"


def test_counts_take_their_plural_form_and_unknown_reasons_stay_in_english() -> None:
    assert problem_texts.reason("at most 1 choice(s)", "fi") == "enintään 1 valinta"
    assert problem_texts.reason("at most 3 choice(s)", "fi") == "enintään 3 valintaa"
    assert problem_texts.reason("at most 3 choice(s)", "en") == "at most 3 choices"
    assert problem_texts.reason("'Torget' is not an option of this poll", "sv") == (
        "Torget är inget alternativ i den här omröstningen"
    )
    assert problem_texts.reason("something nobody wrote a pattern for", "sv") is None
    body = {
        "title": "Invalid input",
        "detail": "title: must not be empty (and 2 more)",
        "field": "title",
        "errors": [
            {"field": "title", "reason": "must not be empty"},
            {"field": "body", "reason": "a reason nobody knows"},
        ],
    }
    assert problem_texts.translate(body, "da") == {
        "title": "Ugyldige oplysninger",
        "detail": "title: må ikke være tomt (og 2 mere)",
        "field": "title",
        "errors": [
            {"field": "title", "reason": "må ikke være tomt"},
            {"field": "body", "reason": "a reason nobody knows"},
        ],
    }


def test_an_administrators_refusals_read_in_the_language_too() -> None:
    reason = problem_texts.reason
    assert reason("must be https (plain http only for localhost)", "sv") == (
        "måste vara https (vanlig http bara för localhost)"
    )
    assert reason("too many attempts; at most 5 in 60 seconds", "nb") == (
        "for mange forsøk; høyst 5 på 60 sekunder"
    )
    assert reason("'Kultur' is not a committee of Lund (committees: Transport)", "da") == (
        "Kultur er ikke et udvalg i Lund (udvalg: Transport)"
    )
