"""One vote per viewer, as far as anonymity allows: few device tokens per address and dialog,
dialogs that take signed-in voters only, and results that say how many ballots came from
anonymous devices and how many from signed-in people, while no ballot names its voter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx

from events.model import RecordedEvent
from services.identity.access import Role
from services.participation.tallies import PollTallies
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform


async def vox_pop(client: httpx.AsyncClient, town: Town, admin: str, **settings: Any) -> str:
    dialog = await open_dialog(
        client,
        town,
        admin,
        kind="vox-pop",
        settings={"question": "A new bridge?", **settings},
    )
    dialog_id: str = dialog["id"]
    return dialog_id


async def vote(client: httpx.AsyncClient, town: Town, dialog: str, token: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog}/votes",
        json={"choices": ["yes"]},
        headers=town.headers(token, language="en"),  # refusals as written
    )


async def tally(client: httpx.AsyncClient, platform: Platform, town: Town, dialog: str) -> Any:
    await platform.catch_up_projections()
    answer = await client.get(f"/api/v1/dialogs/{dialog}/tally", headers=town.headers())
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_five_device_tokens(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await vox_pop(client, town, admin)

    asked = [
        await client.post(
            "/api/v1/sessions/device", params={"dialog_id": dialog}, headers=town.headers()
        )
        for _ in range(5)
    ]
    tokens = [r.json()["token"] for r in asked if r.status_code == 201]
    cast = [(await vote(client, town, dialog, token)).status_code for token in tokens]
    results = await tally(client, platform, town, dialog)

    assert [r.status_code for r in asked] == [201, 201, 201, 429, 429]
    assert 1 <= int(asked[-1].headers["retry-after"]) <= 3600
    assert cast == [201, 201, 201]
    assert results["ballots"] == 3
    assert (results["anonymous_ballots"], results["signed_in_ballots"]) == (3, 0)


async def test_a_device_token_without_a_dialog_still_comes_and_counts_too(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await vox_pop(client, town, admin)
    for _ in range(3):
        await client.post(
            "/api/v1/sessions/device", params={"dialog_id": dialog}, headers=town.headers()
        )

    plain = [
        (await client.post("/api/v1/sessions/device", headers=town.headers())).status_code
        for _ in range(8)
    ]

    assert plain == [201] * 7 + [429]  # ten an hour from one address, whichever the form


async def test_a_device_token_is_refused_for_a_dialog_that_is_unknown_or_signed_in_only(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    signed_in_only = await vox_pop(client, town, admin, anonymous=False)

    unknown = await client.post(
        "/api/v1/sessions/device", params={"dialog_id": str(uuid4())}, headers=town.headers()
    )
    refused = await client.post(
        "/api/v1/sessions/device",
        params={"dialog_id": signed_in_only},
        headers=town.headers(language="en"),
    )
    garbage = await client.post(
        "/api/v1/sessions/device", params={"dialog_id": "nope"}, headers=town.headers()
    )

    assert unknown.status_code == 404
    assert refused.status_code == 403
    assert "sign in" in refused.json()["detail"]
    assert refused.json()["type"].endswith("/sign-in-needed")  # a widget offers sign-in
    assert garbage.status_code == 400


async def test_a_signed_in_only_dialog_refuses_a_device_tokens_vote(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await vox_pop(client, town, admin, anonymous=False)
    device = await device_token(client, town)
    person = await staff_token(platform, town, "eva@example.se", Role.PARTICIPANT)

    refused = await vote(client, town, dialog, device)
    counted = await vote(client, town, dialog, person)
    results = await tally(client, platform, town, dialog)

    assert refused.status_code == 403
    assert refused.json()["detail"] == "the dialog asks participants to sign in first"
    assert refused.json()["type"].endswith("/sign-in-needed")
    assert counted.status_code == 201
    assert (results["ballots"], results["anonymous_ballots"], results["signed_in_ballots"]) == (
        1,
        0,
        1,
    )


async def test_the_tally_counts_anonymous_and_signed_in_ballots_and_no_ballot_names_anyone(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await vox_pop(client, town, admin)
    devices = [await device_token(client, town) for _ in range(2)]
    people = [
        await staff_token(platform, town, f"p{i}@example.se", Role.PARTICIPANT) for i in range(3)
    ]
    ids = [
        (await client.get("/api/v1/me", headers=town.headers(t))).json()["person_id"]
        for t in devices + people
    ]

    for token in devices + people:
        assert (await vote(client, town, dialog, token)).status_code == 201
    results = await tally(client, platform, town, dialog)
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT stream_id, data::text, metadata::text FROM events"
            " WHERE tenant_id = $1 AND event_type = 'BallotCast'",
            town.slug,
        )

    assert (results["ballots"], results["anonymous_ballots"], results["signed_in_ballots"]) == (
        5,
        2,
        3,
    )
    assert sorted(json.loads(r["data"])["signed_in"] for r in rows) == [False] * 2 + [True] * 3
    stored = " ".join(r["data"] + r["metadata"] + str(r["stream_id"]) for r in rows)
    for person_id in ids:
        assert person_id not in stored
        assert person_id.replace("-", "") not in stored
    assert all("actor" not in json.loads(r["metadata"]) for r in rows)


async def test_a_version_1_ballot_reads_as_anonymous(platform: Platform, town: Town) -> None:
    dialog_id, stream_id = uuid4(), uuid4()
    v1 = json.dumps(
        {
            "timestamp": "2026-01-01T00:00:00+00:00",
            "originator_topic": "services.participation.domain:Ballot",
            "ballot_id": str(stream_id),
            "dialog_id": str(dialog_id),
            "choices": ["yes"],
        }
    ).encode()
    recorded = RecordedEvent(
        position=1,
        tenant_id=town.slug,
        stream_id=stream_id,
        version=1,
        event_id=uuid4(),
        context="participation",
        event_type="BallotCast",
        data=v1,
        metadata=b"{}",
        recorded_at=datetime.now(UTC),
    )

    event = platform.codec.decode("BallotCast", v1, stream_id, 1)
    async with platform.worker_pool.acquire() as conn, conn.transaction():
        await PollTallies(platform.codec.catalogue).apply(conn, [recorded])
        counted = await conn.fetchrow(
            "SELECT ballots, signed_in_ballots FROM poll_ballots WHERE dialog_id = $1", dialog_id
        )

    assert platform.codec.catalogue.by_name("BallotCast").version == 2
    assert (event.dialog_id, event.choices, event.signed_in) == (dialog_id, ("yes",), False)
    assert counted is not None
    assert (counted["ballots"], counted["signed_in_ballots"]) == (1, 0)
