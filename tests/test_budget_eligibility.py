"""A participatory budget for residents of a given age, by what the municipality's identity
provider tells at sign-in, end to end over HTTP: a real OpenID Connect provider
(tests/oidc_provider.py) signs citizens in, Tinget seals their date of birth and residence
into the token it signs, and a ballot is checked by them; refusals say why and record
nothing; a token whose facts were added or changed is refused; and no date of birth,
personnummer or residence is left in the event log, any table or the log lines."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from services.identity.access import Role, SignIn
from services.identity.eligibility import birthday
from services.identity.oidc import ALLOW_HTTP_LOOPBACK_VARIABLE
from tests.api import Town, dialog_body
from tests.budget_api import budget_setup, people, voting_round
from tests.helpers import caught_up
from tests.oidc_provider import Provider, configure, oidc_provider, sign_in
from tinget.bootstrap import Platform

TODAY = datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def _loopback_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's provider is on 127.0.0.1 over plain http, which only this setting allows."""
    monkeypatch.setenv(ALLOW_HTTP_LOOPBACK_VARIABLE, "yes")


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    async with oidc_provider() as served:
        yield served


def born(years: int, days: int = 0) -> date:
    """A date of birth ``years`` ago (a day of the month no later than the 28th), ``days``
    earlier still."""
    return date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) - timedelta(days=days)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def with_claims(token: str, **changes: Any) -> str:
    """The token with its claims changed and its signature left as it was (a forgery)."""
    header, _, signature = token.split(".")
    claims = {**claims_of(token), **changes}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


async def rows_matching(platform: Platform, pattern: re.Pattern[str]) -> list[str]:
    """Every row of every table of the test's database (whole rows as text, bytea as hex)
    that ``pattern`` finds something in, read as the owner, past row-level security."""
    assert platform.addresses.database_url is not None
    owner = await asyncpg.connect(platform.addresses.database_url)
    found: list[str] = []
    try:
        tables = await owner.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        assert len(tables) > 10
        for table in tables:
            qualified = f'"{table["table_schema"]}"."{table["table_name"]}"'
            for row in await owner.fetch(f"SELECT r::text AS t FROM {qualified} AS r"):
                text: str = row["t"] or ""
                if pattern.search(text):
                    found.append(f"{qualified}: {text[:300]}")
    finally:
        await owner.close()
    return found


def whole(words: list[str]) -> re.Pattern[str]:
    """Any of ``words`` standing alone (not inside a longer run of letters, digits, dots,
    hyphens or underscores, as a short code would be by chance in an id or a hash), or any
    of them as the hex of its bytes (a bytea column as text)."""
    alone = "|".join(re.escape(w) for w in words)
    hexed = "|".join(w.encode().hex() for w in words if len(w) >= 8)
    return re.compile(rf"(?<![\w.-])(?:{alone})(?![\w.-])|{hexed}")


async def test_a_budget_for_residents_of_16_and_over_admits_by_what_the_provider_told(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    provider: Provider,
    capfd: pytest.CaptureFixture[str],
) -> None:
    seventeen, fifteen, thirty, forty = born(17), born(15, 3), born(30, 5), born(40, 9)
    eva = born(50, 13)
    number = {  # personnummer with the century: YYYYMMDDNNNN
        "ylva": f"{seventeen:%Y%m%d}2385",
        "tim": f"{fifteen:%Y%m%d}4471",
        "sara": f"{thirty:%Y%m%d}1148",
        "nils": f"{born(30, 11):%Y%m%d}3312",
        "per": f"{forty:%Y%m%d}5576",
        "tove": f"{born(15, 7):%Y%m%d}6604",
    }
    resident = {"municipality_code": "1281"}
    provider.add_user("ylva", personal_number=number["ylva"], birthdate=f"{seventeen}", **resident)
    provider.add_user("tim", personal_number=number["tim"], birthdate=f"{fifteen}", **resident)
    provider.add_user(
        "sara", personal_number=number["sara"], birthdate=f"{thirty}", municipality_code="0180"
    )
    provider.add_user("nils", personal_number=number["nils"], birthdate=f"{born(30, 11)}")
    # no birthdate claim: the age is read from the personnummer (and a code sent as a number)
    provider.add_user("per", personal_number=number["per"], municipality_code=1281)
    provider.add_user("tove", personal_number=number["tove"], **resident)
    configured = await configure(
        client,
        town,
        admin,
        provider,
        signs_in="citizens",
        identity_claim="personal_number",
        scopes=["openid", "profile"],
        birth_date_from=["birthdate", "personnummer"],
        residence_claim="municipality_code",
    )
    assert configured["birth_date_from"] == ["birthdate", "personnummer"]
    assert configured["residence_claim"] == "municipality_code"
    dialog_id, (project,) = await voting_round(
        client,
        town,
        admin,
        [("north", 10_000, True)],
        minimum_age={"years": 16},
        residence={"area": "Lunds kommun", "values": ["1281"]},
    )
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    state = (await client.get(url, headers=town.headers())).json()
    assert state["rules"]["voters"] == "identity-provider"  # implied by either
    assert state["rules"]["minimum_age"] == {"years": 16, "on": "voting-closes"}
    assert state["rules"]["residence"] == {"area": "Lunds kommun", "values": ["1281"]}
    voting = next(p for p in state["phases"] if p["phase"] == "voting")
    closes = datetime.fromisoformat(voting["closes_at"]).astimezone(UTC).date()

    tokens: dict[str, str] = {}
    for user in number:
        signed_in = await sign_in(client, town, provider, user)
        assert signed_in.status_code == 200, signed_in.text
        tokens[user] = signed_in.json()["token"]
    (person_by_mail, by_mail), *_ = await people(platform, town, 1)
    # the facts ride in the token sealed: none of them can be read from it
    for user, token in tokens.items():
        assert number[user][:8] not in json.dumps(claims_of(token)), user
    assert "elg" in claims_of(tokens["ylva"])
    assert "elg" not in claims_of(by_mail)

    ballot = {"district": "north", "projects": [project]}
    head = await platform.reader.head()

    async def refused(token: str, status: int, kind: str, words: str) -> None:
        answer = await client.put(
            f"{url}/ballot", json=ballot, headers=town.headers(token, language="en")
        )
        assert answer.status_code == status, answer.text
        problem = answer.json()
        assert problem["type"].endswith(f"/{kind}"), problem
        assert words in problem["detail"], problem

    not_eligible, sign_in_needed = "budget-not-eligible", "identity-provider-sign-in-needed"
    turns = birthday(fifteen, 16).isoformat()
    await refused(
        tokens["tim"], 403, not_eligible, f"16 or older on {closes}; you turn 16 on {turns}"
    )
    by_number = birthday(born(15, 7), 16).isoformat()  # her age read from her personnummer
    await refused(tokens["tove"], 403, not_eligible, f"you turn 16 on {by_number}")
    await refused(tokens["sara"], 403, not_eligible, "for residents of Lunds kommun")
    await refused(tokens["nils"], 403, sign_in_needed, "identity provider: sign in with it")
    await refused(by_mail, 403, sign_in_needed, "sign in with the municipality's identity provider")
    # in the municipality's language by default (Swedish)
    answer = await client.put(f"{url}/ballot", json=ballot, headers=town.headers(tokens["tim"]))
    assert answer.status_code == 403, answer.text
    assert f"du fyller 16 år den {turns}" in answer.json()["detail"]
    # the facts are trusted only as Tinget signed them: moved to another token, or added to
    # one, the signature fails; sealed for another person, they do not open
    ylvas = claims_of(tokens["ylva"])["elg"]
    await refused(with_claims(tokens["tim"], elg=ylvas), 401, "unauthenticated", "not issued")
    await refused(with_claims(by_mail, elg=ylvas, sin="oidc"), 401, "unauthenticated", "not issued")
    tims_id = uuid.UUID(claims_of(tokens["tim"])["sub"])
    moved = platform.identity.tokens.issue(
        town.slug, tims_id, Role.PARTICIPANT, SignIn.OIDC, eligibility=ylvas
    ).token
    await refused(moved, 403, sign_in_needed, "sign in with it")
    assert await platform.reader.head() == head  # nothing recorded by any refusal

    for user in ("ylva", "per"):
        cast = await client.put(f"{url}/ballot", json=ballot, headers=town.headers(tokens[user]))
        assert cast.status_code == 201, (user, cast.text)
    assert person_by_mail  # signed in by e-mail: never a ballot here

    # a staff member's refreshed token carries their sign-in's facts forward, sealed as they were
    await platform.identity.add_staff(town.slug, "eva@lund.example", Role.MODERATOR)
    provider.add_user(
        "eva", email="eva@lund.example", email_verified=True, birthdate=f"{eva}", **resident
    )
    await configure(
        client,
        town,
        admin,
        provider,
        "staff",
        signs_in="staff",
        scopes=["openid", "email", "profile"],
        birth_date_from=["birthdate"],
        residence_claim="municipality_code",
    )
    signed_in = (await sign_in(client, town, provider, "eva", "staff")).json()
    refreshed = await client.post(
        "/api/v1/sessions/refresh",
        json={"refresh_token": signed_in["refresh_token"]},
        headers=town.headers(),
    )
    assert refreshed.status_code == 200, refreshed.text
    again = refreshed.json()["token"]
    assert claims_of(again)["elg"] == claims_of(signed_in["token"])["elg"]
    cast = await client.put(f"{url}/ballot", json=ballot, headers=town.headers(again))
    assert cast.status_code == 201, cast.text

    # nothing of what the provider told is kept: no table, no event, no log line
    await caught_up(platform)
    dates = [seventeen, fifteen, thirty, born(30, 11), forty, born(15, 7), eva]
    secrets = [
        *number.values(),
        *(n[2:] for n in number.values()),
        *(f"{d}" for d in dates),
        *(f"{d:%Y%m%d}" for d in dates),
        "0180",  # the residence of the one who lives elsewhere
    ]
    pattern = whole(secrets)
    assert await rows_matching(platform, pattern) == []
    assert await rows_matching(platform, whole(["1281"]))  # the scan sees the round's own list
    logged = capfd.readouterr()
    assert pattern.search(logged.out + logged.err) is None


def henkilotunnus(day: date, individual: str = "123") -> str:
    """A Finnish henkilötunnus for ``day`` (A: born in the 2000s, -: in the 1900s), its check
    character as the number's rules make it."""
    digits = f"{day:%d%m%y}"
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(digits + individual) % 31]
    return f"{digits}{'A' if day.year >= 2000 else '-'}{individual}{check}"


async def test_a_finnish_providers_number_and_address_claim_admit_by_age_and_residence(
    client: httpx.AsyncClient, town: Town, admin: str, provider: Provider
) -> None:
    """The date of birth from a henkilötunnus, the residence from the ``locality`` of the
    standard ``address`` claim (what a Finnish eID broker gives): the same round as above."""
    adult, young = born(30, 5), born(15, 3)
    home = {"address": {"locality": "Lund", "country": "SE"}}
    provider.add_user("aino", hetu=henkilotunnus(adult), **home)
    provider.add_user("eino", hetu=henkilotunnus(young, "456"), **home)
    provider.add_user("elsa", hetu=henkilotunnus(adult, "789"), address={"locality": "Malmö"})
    configured = await configure(
        client,
        town,
        admin,
        provider,
        signs_in="citizens",
        identity_claim="hetu",
        birth_date_from=["henkilotunnus"],
        residence_claim="address.locality",
    )
    assert configured["birth_date_from"] == ["henkilotunnus"], configured
    dialog_id, (project,) = await voting_round(
        client,
        town,
        admin,
        [("north", 10_000, True)],
        minimum_age={"years": 16},
        residence={"area": "Lund", "values": ["Lund"]},
    )
    url = f"/api/v1/dialogs/{dialog_id}/budget/ballot"
    ballot = {"district": "north", "projects": [project]}
    answers = {}
    for user in ("aino", "eino", "elsa"):
        signed_in = await sign_in(client, town, provider, user)
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        answers[user] = await client.put(
            url, json=ballot, headers=town.headers(token, language="en")
        )
    assert answers["aino"].status_code == 201, answers["aino"].text
    assert answers["eino"].status_code == 403, answers["eino"].text
    assert f"you turn 16 on {birthday(young, 16)}" in answers["eino"].json()["detail"]
    assert answers["elsa"].status_code == 403, answers["elsa"].text
    assert "for residents of Lund" in answers["elsa"].json()["detail"]


async def test_bad_settings_of_a_provider_and_of_a_round_are_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, provider: Provider
) -> None:
    """A provider's (refused before the provider is asked anything) and a round's (every wrong
    one at once, in the municipality's language): nothing written."""
    head = await platform.reader.head()
    base = {
        "issuer": provider.issuer,
        "client_id": "tinget",
        "client_secret": "s3cret",
        "signs_in": "citizens",
        "identity_claim": "pnr",
    }
    for change, field in (
        ({"birth_date_from": ["age"]}, "birth_date_from[0]"),
        ({"birth_date_from": ["birthdate", "birthdate"]}, "birth_date_from[1]"),
        ({"birth_date_from": ["birthdate", "personnummer", "cpr"] * 2}, "birth_date_from"),
        ({"birth_date_from": ["birthdate", "hetu"]}, "birth_date_from[1]"),
        (
            {"signs_in": "staff", "identity_claim": None, "birth_date_from": ["personnummer"]},
            "birth_date_from[0]",
        ),
        (
            {"signs_in": "staff", "identity_claim": None, "birth_date_from": ["cpr"]},
            "birth_date_from[0]",
        ),
        ({"residence_claim": "has space"}, "residence_claim"),
        ({"residence_claim": ""}, "residence_claim"),
    ):
        answer = await client.put(
            "/api/v1/sign-in-providers/idp", json={**base, **change}, headers=town.headers(admin)
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, (change, answer.json())
    listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(admin))
    assert listed.json() == []

    for setup, fields in (
        (
            {"minimum_age": {"years": 121, "on": "someday"}},
            {"rules.minimum_age.years", "rules.minimum_age.on"},
        ),
        ({"minimum_age": {"years": -1}}, {"rules.minimum_age.years"}),
        (
            {"residence": {"area": "", "values": ["1281", "1281", "x" * 41]}},
            {"rules.residence.area", "rules.residence.values[1]", "rules.residence.values[2]"},
        ),
        ({"residence": {"area": "Lund", "values": []}}, {"rules.residence.values"}),
        (
            {"residence": {"area": "Lund", "values": [str(n) for n in range(501)]}},
            {"rules.residence.values"},
        ),
    ):
        body = dialog_body("budget", budget=budget_setup(**setup))
        answer = await client.post("/api/v1/dialogs", json=body, headers=town.headers(admin))
        assert answer.status_code == 422, answer.text
        assert {e["field"] for e in answer.json()["errors"]} == fields, answer.json()
    answer = await client.post(
        "/api/v1/dialogs",
        json=dialog_body("budget", budget=budget_setup(minimum_age={"years": 121})),
        headers=town.headers(admin),
    )
    assert answer.json()["errors"][0]["reason"] == "måste vara ett heltal från 0 till 120"
    assert await platform.reader.head() == head  # no dialog, no round
