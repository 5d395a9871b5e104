"""Read models read old events through the catalogue: a version 1 event of each type that has
an upcaster, appended to the real store, shows in every read model that takes it as its
upcaster says it reads, and what a read model shows of it follows the upcaster alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from events.model import NewEvent
from services.audit.verify import verify_trails
from services.identity.access import Role
from services.identity.domain import sign_in_providers_id
from services.participation.domain import Ballot
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def ballot_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    """A BallotCast as version 1 wrote it: no ``signed_in``, no ``class_version``."""
    return {
        "timestamp": AT.isoformat(),
        "originator_topic": "services.participation.domain:Ballot",
        "ballot_id": str(stream_id),
        "dialog_id": str(dialog_id),
        "choices": ["yes"],
    }


DETAILS_V1: dict[str, Any] = {
    "title": "Old title",
    "purpose": "Old purpose",
    "instructions": "Old instructions",
    "committee": None,
    "invite_only": False,
    "opens_at": "2026-03-01T00:00:00Z",
    "closes_at": "2099-03-01T00:00:00Z",
    "settings": {
        "comments": "everyone",
        "images": False,
        "anonymous": True,
        "support_threshold": None,
        "signature_goal": None,
        "question": None,
        "options": [],
        "max_choices": 1,
        "premoderation": False,
    },
}


def dialog_drafted_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    """A DialogDrafted as version 1 wrote it: details without ``translations``."""
    return {
        "timestamp": AT.isoformat(),
        "originator_topic": "services.dialogs.domain:Dialog",
        "kind": "proposals",
        "details": DETAILS_V1,
    }


def dialog_changed_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    return {"timestamp": AT.isoformat(), "details": {**DETAILS_V1, "title": "Changed title"}}


def dialog_corrected_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    """A DialogTextsCorrected as version 1 wrote it: no ``translations``."""
    return {"timestamp": AT.isoformat(), "title": "Corrected title", "instructions": "Fixed"}


def provider_configured_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    """A SignInProviderConfigured as version 1 wrote it: nothing for eligibility."""
    return {
        "timestamp": AT.isoformat(),
        "name": "idp",
        "issuer": "https://idp.lund.example",
        "client_id": "tinget",
        "client_secret_sealed": "sealed",
        "signs_in": "staff",
        "scopes": ["openid", "email"],
        "identity_claim": None,
    }


def results_published_v1(stream_id: UUID, dialog_id: UUID) -> dict[str, Any]:
    """A DialogResultsPublished as version 1 wrote it: the summary alone, no ``translations``."""
    return {"timestamp": AT.isoformat(), "summary": "What came of it"}


# A version 1 payload of each event type that has an upcaster, by (stream, dialog).
VERSION_1: dict[str, Callable[[UUID, UUID], dict[str, Any]]] = {
    "BallotCast": ballot_v1,
    "SignInProviderConfigured": provider_configured_v1,
    "DialogDrafted": dialog_drafted_v1,
    "DialogDetailsChanged": dialog_changed_v1,
    "DialogTextsCorrected": dialog_corrected_v1,
    "DialogResultsPublished": results_published_v1,
}
# The read models checked below for each of those types.
DIALOG_TAKERS = {"dialog_listing", "notifier", "audit_trail"}
CHECKED: dict[str, set[str]] = {
    "BallotCast": {"poll_tallies", "dashboards", "audit_trail"},
    "DialogDrafted": DIALOG_TAKERS,
    "DialogDetailsChanged": DIALOG_TAKERS,
    "DialogTextsCorrected": DIALOG_TAKERS,
    "SignInProviderConfigured": {"audit_trail"},  # and the aggregate, read below
    "DialogResultsPublished": DIALOG_TAKERS,
}


async def append_v1(
    platform: Platform,
    town: Town,
    event_type: str,
    dialog_id: UUID,
    stream_id: UUID | None = None,
    version: int = 1,
) -> UUID:
    stream_id = stream_id or uuid4()
    definition = platform.codec.catalogue.by_name(event_type)
    await platform.store.append(
        [
            NewEvent(
                tenant_id=town.slug,
                stream_id=stream_id,
                version=version,
                context=definition.context,
                event_type=event_type,
                data=json.dumps(VERSION_1[event_type](stream_id, dialog_id)).encode(),
                metadata=b"{}",
                event_id=uuid4(),
            )
        ]
    )
    return stream_id


async def vox_pop(client: httpx.AsyncClient, town: Town, admin: str) -> UUID:
    dialog = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    return UUID(dialog["id"])


async def tally(client: httpx.AsyncClient, town: Town, dialog: UUID) -> tuple[int, int, int]:
    answer = await client.get(f"/api/v1/dialogs/{dialog}/tally", headers=town.headers())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["ballots"], body["anonymous_ballots"], body["signed_in_ballots"]


def test_every_upcast_type_and_every_read_model_taking_it_is_checked(platform: Platform) -> None:
    upcast = {d.name for d in platform.codec.catalogue.definitions() if d.version > 1}
    takers = {
        name: {r.projection.name for r in platform.projections if name in r.projection.event_types}
        for name in upcast
    }

    assert upcast == set(VERSION_1)
    assert takers == CHECKED


async def test_a_version_1_ballot_reads_as_anonymous_in_every_read_model(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await vox_pop(client, town, admin)
    person = await staff_token(platform, town, "eva@example.se", Role.PARTICIPANT)
    device = await device_token(client, town)
    for token in (person, device):  # one signed-in and one anonymous ballot of version 2
        voted = await client.post(
            f"/api/v1/dialogs/{dialog}/votes", json={"choices": ["no"]}, headers=town.headers(token)
        )
        assert voted.status_code == 201, voted.text

    stream = await append_v1(platform, town, "BallotCast", dialog)
    await platform.catch_up_projections()

    dashboard = await client.get(
        "/api/v1/dashboard",
        params={"dialog_id": str(dialog), "granularity": "hour", "since": "2026-03-01T00:00:00Z"},
        headers=town.headers(admin),
    )
    async with platform.worker_pool.acquire() as conn:
        options = {
            r["choice"]: r["votes"]
            for r in await conn.fetch(
                "SELECT choice, votes FROM poll_tallies WHERE tenant_id = $1 AND dialog_id = $2",
                town.slug,
                dialog,
            )
        }
        entry = await conn.fetchrow(
            "SELECT dialog_id, event_type, version, payload::text AS payload FROM audit_entries"
            " WHERE tenant_id = $1 AND stream_id = $2",
            town.slug,
            stream,
        )
    report = await verify_trails(platform.worker_pool, town.slug)

    # poll tallies: three ballots, the version 1 one anonymous (its upcaster's reading)
    assert await tally(client, town, dialog) == (3, 2, 1)
    assert options == {"yes": 1, "no": 2}
    # dashboards: the version 1 ballot is a vote of its dialog, in its own hour
    assert dashboard.status_code == 200, dashboard.text
    series = {b["bucket"][:13]: b["counts"]["votes"] for b in dashboard.json()["series"]}
    assert series["2026-03-02T09"] == 1
    assert dashboard.json()["totals"]["votes"] == 3
    # audit trail: an entry in the ballot's dialog, the payload as stored, the chain intact
    assert entry is not None
    assert (entry["dialog_id"], entry["event_type"], entry["version"]) == (
        dialog,
        "BallotCast",
        1,
    )
    assert "signed_in" not in json.loads(entry["payload"])
    assert report.intact, report.problems


async def test_what_a_read_model_shows_of_an_old_event_is_what_its_upcaster_says(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No read model keeps a private idea of an old version: change the upcaster and the
    tallies follow it."""

    def signed_in_after_all(state: dict[str, Any]) -> None:
        state["signed_in"] = True

    monkeypatch.setattr(Ballot.BallotCast, "upcast_v1_v2", staticmethod(signed_in_after_all))
    dialog = await vox_pop(client, town, admin)

    await append_v1(platform, town, "BallotCast", dialog)
    await platform.catch_up_projections()

    assert await tally(client, town, dialog) == (1, 0, 1)


async def test_version_1_dialog_events_read_as_without_translations_in_every_read_model(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = uuid4()
    await append_v1(platform, town, "DialogDrafted", dialog, dialog, 1)
    await platform.catch_up_projections()
    async with platform.worker_pool.acquire() as conn:
        drafted = await conn.fetchval(
            "SELECT title FROM notification_dialogs WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            dialog,
        )
    await append_v1(platform, town, "DialogDetailsChanged", dialog, dialog, 2)
    await platform.catch_up_projections()
    read = await client.get(f"/api/v1/dialogs/{dialog}", headers=town.headers(admin))
    changed = read.json()
    await append_v1(platform, town, "DialogTextsCorrected", dialog, dialog, 3)
    await append_v1(platform, town, "DialogResultsPublished", dialog, dialog, 4)
    await platform.catch_up_projections()
    published = (await client.get(f"/api/v1/dialogs/{dialog}", headers=town.headers(admin))).json()

    listed = await client.get("/api/v1/dialogs", headers=town.headers(admin))
    (row,) = [d for d in listed.json()["items"] if d["id"] == str(dialog)]
    async with platform.worker_pool.acquire() as conn:
        title = await conn.fetchval(
            "SELECT title FROM notification_dialogs WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            dialog,
        )
        entries = await conn.fetch(
            "SELECT event_type, version FROM audit_entries WHERE tenant_id = $1"
            " AND stream_id = $2 ORDER BY version",
            town.slug,
            dialog,
        )
    report = await verify_trails(platform.worker_pool, town.slug)

    # the aggregate and the dialog listing: no translations, the texts as corrected, the
    # results published without translations of their summary
    assert drafted == "Old title"
    assert (changed["title"], changed["translations"]) == ("Changed title", {})
    assert (row["title"], row["instructions"], row["translations"]) == (
        "Corrected title",
        "Fixed",
        {},
    )
    assert (row["status"], row["results_summary"]) == ("results-published", "What came of it")
    assert (published["results_summary"], published["results_translations"]) == (
        "What came of it",
        {},
    )
    # the notifier: the dialog's title as each event set it
    assert title == "Corrected title"
    # the audit trail: the three as stored, the chain intact
    assert [(e["event_type"], e["version"]) for e in entries] == [
        ("DialogDrafted", 1),
        ("DialogDetailsChanged", 2),
        ("DialogTextsCorrected", 3),
        ("DialogResultsPublished", 4),
    ]
    assert report.intact, report.problems


async def test_a_version_1_provider_reads_as_telling_nothing_for_eligibility(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    stream = sign_in_providers_id(town.slug)
    created = platform.codec.catalogue.by_name("SignInProvidersCreated")
    await platform.store.append(
        [
            NewEvent(
                tenant_id=town.slug,
                stream_id=stream,
                version=1,
                context=created.context,
                event_type=created.name,
                data=json.dumps(
                    {
                        "timestamp": AT.isoformat(),
                        "originator_topic": "services.identity.domain:SignInProviders",
                        "tenant_id": town.slug,
                    }
                ).encode(),
                metadata=b"{}",
                event_id=uuid4(),
            )
        ]
    )
    await append_v1(platform, town, "SignInProviderConfigured", stream, stream, 2)

    listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(admin))

    assert listed.status_code == 200, listed.text
    [provider] = listed.json()
    assert (provider["name"], provider["issuer"]) == ("idp", "https://idp.lund.example")
    assert provider["birth_date_from"] == []
    assert provider["residence_claim"] is None
