"""Refusals that used to stay in English read in the language the caller asks for, over HTTP on
real PostgreSQL and NATS: the platform's operators' (a slug taken or reserved, a role that
only reads), an identity provider's settings, a web push subscription's endpoint and the
audit trail's query. Each names its field, unchanged, and reads in English when asked for
English; ``Content-Language`` says which."""

from __future__ import annotations

import uuid

import httpx

from services.identity.access import Role
from tests.api import Town, device_token, staff_token
from tests.notify import Browser
from tinget.bootstrap import Platform

# The platform API is asked from a host no municipality is served at: its problems are in the
# language the browser asks for among all Tinget has.
CONSOLE = "console.tinget.example"


def at_console(token: str, language: str) -> dict[str, str]:
    return {"host": CONSOLE, "authorization": f"Bearer {token}", "accept-language": language}


def refusal(answer: httpx.Response, status: int, language: str) -> tuple[str | None, str]:
    """The problem's field and reason, once its status and language are as expected."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-language"] == language, answer.headers
    problem = answer.json()
    field = problem.get("field")
    errors = problem.get("errors")
    if errors:
        assert errors[0]["field"] == field, problem
        assert problem["detail"] == f"{field}: {errors[0]['reason']}", problem
        return field, str(errors[0]["reason"])
    return field, str(problem["detail"])


async def test_an_operators_refusals_read_in_swedish_finnish_or_english(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    consultant = platform.tokens.issue_platform(uuid.uuid4(), Role.CONSULTANT).token
    operations = platform.tokens.issue_platform(uuid.uuid4(), Role.OPERATIONS).token
    taken = {"slug": town.slug, "name": "Lund once more"}

    for language, reason in (
        ("sv", f"kortnamnet {town.slug} är upptaget"),
        ("fi", f"lyhytnimi {town.slug} on jo käytössä"),
        ("en", f"the slug {town.slug!r} is taken"),
    ):
        answer = await client.post(
            "/api/v1/platform/tenants", json=taken, headers=at_console(consultant, language)
        )
        assert refusal(answer, 409, language) == ("slug", reason)

    reserved = await client.post(
        "/api/v1/platform/tenants",
        json={"slug": "www", "name": "World wide"},
        headers=at_console(consultant, "sv-SE,sv;q=0.9"),
    )
    assert refusal(reserved, 422, "sv") == ("slug", "www är reserverat")

    only_reads = await client.post(
        "/api/v1/platform/tenants",
        json={"slug": "somewhere-new", "name": "Somewhere"},
        headers=at_console(operations, "fi"),
    )
    assert refusal(only_reads, 403, "fi") == (None, "rooli ylläpito saa vain lukea alustan kuntia")


async def test_an_identity_providers_settings_are_refused_in_the_language_asked_for(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    plain_http = {
        "issuer": "http://idp.lund.example",
        "client_id": "tinget",
        "client_secret": "s3cret",
        "signs_in": "staff",
    }
    path = "/api/v1/sign-in-providers/idp"

    for language, reason in (
        ("sv", "måste vara en https-adress"),
        ("fi", "on oltava https-osoite"),
        ("en", "must be an https URL"),
    ):
        answer = await client.put(path, json=plain_http, headers=town.headers(admin, language))
        assert refusal(answer, 422, language) == ("issuer", reason)

    no_secret = {**plain_http, "issuer": "https://idp.lund.example", "client_secret": None}
    answer = await client.put(path, json=no_secret, headers=town.headers(admin, "fi"))
    assert refusal(answer, 422, "fi") == (
        "client_secret",
        "on pakollinen uudelle tunnistuspalvelulle",
    )
    citizens = {**no_secret, "client_secret": "s3cret", "signs_in": "citizens"}
    answer = await client.put(path, json=citizens, headers=town.headers(admin, "sv"))
    field, reason = refusal(answer, 422, "sv")
    assert field == "identity_claim"
    assert reason.startswith("invånare loggas in med det claim som bär deras personnummer")
    listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(admin))
    assert listed.json() == []  # nothing refused was recorded


async def test_a_push_subscriptions_endpoint_is_refused_in_the_language_asked_for(
    client: httpx.AsyncClient, town: Town
) -> None:
    token = await device_token(client, town)
    keys = Browser().keys()

    for language, endpoint, reason in (
        (
            "sv",
            "http://fcm.googleapis.com/fcm/send/x",
            "måste vara en https-adress till en push-tjänst",
        ),
        (
            "fi",
            "https://push.lund.example/x",
            "push.lund.example ei ole tunnettu selainten push-palvelu",
        ),
        ("en", "https://203.0.113.7/x", "must name its push service, not an IP address"),
    ):
        answer = await client.post(
            "/api/v1/me/push-subscriptions",
            json={"endpoint": endpoint, "keys": keys},
            headers=town.headers(token, language),
        )
        assert refusal(answer, 422, language) == ("endpoint", reason)


async def test_the_audit_trails_query_is_refused_in_the_language_asked_for(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)

    for language, query, field, reason in (
        (
            "sv",
            "since=2025-03-01T00:00:00",
            "since",
            "behöver en tidszon, t.ex. 2025-03-01T00:00:00Z",
        ),
        (
            "fi",
            "since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z",
            "until",
            "on oltava myöhemmin kuin since",
        ),
        ("nb", "kind=NoSuchThing", "kind", "er verken en hendelsestype eller en kontekst"),
        ("en", "kind=NoSuchThing", "kind", "is neither an event type nor a context"),
    ):
        answer = await client.get(f"/api/v1/audit?{query}", headers=town.headers(admin, language))
        assert refusal(answer, 422, language) == (field, reason)
