"""castVote has one door: every vote, accepted or refused, is answered by its route, which
runs the command once; a body sent in chunks is read whole. The route is a raw operation
(gateway/raw.py): what litestar does for an ordinary route (methods, body limits, the
document) it does itself, and these tests hold it to the same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.identity.access import Caller, Role
from services.participation.commands import CastVote
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

URL = "/api/v1/dialogs/{}/votes"


@pytest.fixture
async def poll(client: httpx.AsyncClient, platform: Platform, town: Town) -> dict[str, Any]:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    return await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )


async def test_every_vote_accepted_or_refused_runs_the_command_once(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    poll: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []
    vote = platform.participation.vote

    async def counted(caller: Caller, dialog_id: Any, command: CastVote) -> None:
        calls.append(list(command.choices))
        await vote(caller, dialog_id, command)

    monkeypatch.setattr(platform.participation, "vote", counted)
    url = URL.format(poll["id"])
    voter = town.headers(await device_token(client, town), language="en")

    first = await client.post(url, json={"choices": ["yes"]}, headers=voter)
    second = await client.post(url, json={"choices": ["no"]}, headers=voter)
    unknown = await client.post(
        url, json={"choices": ["maybe"]}, headers=town.headers(await device_token(client, town))
    )

    assert first.status_code == 201, first.text
    assert first.json() == {"dialog_id": poll["id"], "status": "recorded"}
    assert first.headers["x-request-id"]
    assert second.status_code == 409
    assert "one vote per person" in second.json()["detail"]
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "choices[0]"
    assert calls == [["yes"], ["no"], ["maybe"]]  # once each: no second door runs it again


async def test_refusals_before_the_command_name_their_reason(
    client: httpx.AsyncClient, town: Town, poll: dict[str, Any]
) -> None:
    url = URL.format(poll["id"])
    voter = town.headers(await device_token(client, town))

    extra = await client.post(url, json={"choices": ["yes"], "voter": "x"}, headers=voter)
    no_token = await client.post(url, json={"choices": ["yes"]}, headers=town.headers())
    bad_token = await client.post(
        url, json={"choices": ["yes"]}, headers={**town.headers(), "authorization": "Bearer x"}
    )
    basic = await client.post(
        url, json={"choices": ["yes"]}, headers={**town.headers(), "authorization": "Basic x"}
    )

    assert extra.status_code == 400
    assert "voter" in extra.text
    assert no_token.status_code == 401
    assert bad_token.status_code == 401
    assert basic.status_code == 401
    assert "Bearer" in basic.json()["detail"]


async def test_a_body_sent_in_chunks_is_read_whole(
    live_server: str, town: Town, poll: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        token = await device_token(client, town)

        async def chunks() -> AsyncIterator[bytes]:
            for part in (b'{"choi', b'ces": ["ye', b's"]}'):
                yield part

        answer = await client.post(
            URL.format(poll["id"]),
            content=chunks(),
            headers={**town.headers(token), "content-type": "application/json"},
        )

    assert answer.status_code == 201, answer.text


async def test_the_raw_route_answers_methods_bodies_and_paths_as_a_route_would(
    client: httpx.AsyncClient, town: Town, poll: dict[str, Any]
) -> None:
    url = URL.format(poll["id"])
    voter = town.headers(await device_token(client, town), language="en")  # English checked
    json_type = {**voter, "content-type": "application/json"}

    read = await client.get(url, headers=voter)
    options = await client.options(url, headers=town.headers())
    empty = await client.post(url, content=b"", headers=json_type)
    not_json = await client.post(url, content=b"{choices", headers=json_type)
    huge = await client.post(
        url, content=b'{"choices": ["' + b"y" * 20_000 + b'"]}', headers=json_type
    )
    form = await client.post(url, data={"choices": "yes"}, headers=voter)
    not_a_dialog = await client.post(
        URL.format("not-a-uuid"), json={"choices": ["yes"]}, headers=voter
    )
    counted = await client.post(url, json={"choices": ["yes"]}, headers=voter)

    assert read.status_code == 405
    assert read.headers["allow"] == "OPTIONS, POST"
    assert read.headers["content-type"] == "application/problem+json"
    assert options.status_code == 204
    assert options.headers["allow"] == "OPTIONS, POST"
    assert empty.status_code == 400
    assert empty.json()["field"] == "body"
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["detail"]
    assert huge.status_code == 413
    assert huge.json()["type"].endswith("/too-large")
    assert form.status_code == 415
    assert form.json()["field"] == "content-type"
    assert not_a_dialog.status_code == 404
    assert counted.status_code == 201, counted.text  # none of the refusals wrote a ballot


async def test_the_document_describes_castvote_as_a_route_of_its_shape(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"]["/api/v1/dialogs/{dialog_id}/votes"]["post"]
    schemas = document["components"]["schemas"]

    assert operation["operationId"] == "castVote"
    assert operation["parameters"] == [
        {
            "name": "dialog_id",
            "in": "path",
            "required": True,
            "deprecated": False,
            "schema": {"type": "string", "format": "uuid"},
        }
    ]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CastVote"}
    assert schemas["CastVote"]["additionalProperties"] is False
    answer = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/VoteRecorded"}
    assert "Tinget-Position" in operation["responses"]["201"]["headers"]
    assert set(operation["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
    }
    assert operation["security"] == [{"bearer": []}]
