"""Invite-only means invite-only: an invite-only dialog, its posts, comments, tally and live
tally do not exist (404, absent from the listing) for anyone but its invitees and the
municipality's staff; open dialogs stay public."""

from __future__ import annotations

from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, device_token, open_dialog, staff_token
from tests.images import png
from tinget.bootstrap import Platform

VOX_POP = {"kind": "vox-pop", "settings": {"question": "A youth council every month?"}}


async def _sign_in_with_pin(client: httpx.AsyncClient, town: Town, pin: str) -> str:
    response = await client.post("/api/v1/sign-in/pin", json={"pin": pin}, headers=town.headers())
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def _invite(client: httpx.AsyncClient, town: Town, admin: str, dialog_id: str) -> str:
    invited = await client.post(
        f"/api/v1/dialogs/{dialog_id}/invitations",
        json={"invitees": [{"name": "Ung Medborgare"}]},
        headers=town.headers(admin),
    )
    assert invited.status_code == 201, invited.text
    return await _sign_in_with_pin(client, town, invited.json()["invited"][0]["pin"])


def _reads(proposals: dict[str, Any], post: dict[str, Any], poll: dict[str, Any]) -> list[str]:
    return [
        f"/api/v1/dialogs/{proposals['id']}",
        f"/api/v1/dialogs/{proposals['id']}/posts",
        f"/api/v1/posts/{post['id']}",
        f"/api/v1/posts/{post['id']}/comments",
        f"/api/v1/dialogs/{poll['id']}",
        f"/api/v1/dialogs/{poll['id']}/tally",
        f"/api/v1/dialogs/{poll['id']}/tally/live",
    ]


async def test_only_invitees_and_staff_see_an_invite_only_dialog(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    stranger = await staff_token(platform, town, "other@town.example", Role.PARTICIPANT)
    device = await device_token(client, town)
    proposals = await open_dialog(client, town, admin, invite_only=True)
    poll = await open_dialog(client, town, admin, invite_only=True, **VOX_POP)
    public = await open_dialog(client, town, admin, title="Open to all")
    invitee = await _invite(client, town, admin, proposals["id"])
    voter = await _invite(client, town, admin, poll["id"])
    posted = await client.post(
        f"/api/v1/dialogs/{proposals['id']}/posts",
        json={"kind": "proposal", "title": "Skatepark", "body": "Next to the school"},
        headers=town.headers(invitee),
    )
    assert posted.status_code == 201, posted.text
    voted = await client.post(
        f"/api/v1/dialogs/{poll['id']}/votes",
        json={"choices": ["yes"]},
        headers=town.headers(voter),
    )
    assert voted.status_code == 201, voted.text
    await platform.catch_up_projections()
    post = posted.json()

    for who, token in (("anonymous", None), ("device", device), ("participant", stranger)):
        for path in _reads(proposals, post, poll):
            answer = await client.get(path, headers=town.headers(token))
            assert answer.status_code == 404, (who, path, answer.text)
            assert "Skatepark" not in answer.text
        listed = await client.get("/api/v1/dialogs", headers=town.headers(token))
        assert [d["id"] for d in listed.json()["items"]] == [public["id"]], who

    # the invitee of one dialog does not see the other one
    assert (
        await client.get(f"/api/v1/dialogs/{poll['id']}", headers=town.headers(invitee))
    ).status_code == 404
    listed = await client.get("/api/v1/dialogs", headers=town.headers(invitee))
    assert {d["id"] for d in listed.json()["items"]} == {public["id"], proposals["id"]}

    for who, token in (("invitee", invitee), ("moderator", moderator), ("administrator", admin)):
        for path in _reads(proposals, post, poll)[:4]:
            answer = await client.get(path, headers=town.headers(token))
            assert answer.status_code == 200, (who, path, answer.text)
    for who, token in (("voter", voter), ("moderator", moderator)):
        tally = await client.get(f"/api/v1/dialogs/{poll['id']}/tally", headers=town.headers(token))
        assert tally.status_code == 200, (who, tally.text)
        assert tally.json()["ballots"] == 1
    listed = await client.get("/api/v1/dialogs", headers=town.headers(moderator))
    assert {d["id"] for d in listed.json()["items"]} == {public["id"], proposals["id"], poll["id"]}


async def test_a_photo_shown_only_in_an_invite_only_dialog_is_served_only_to_its_audience(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    reports = await open_dialog(
        client, town, admin, invite_only=True, kind="problem-reports", settings={"images": True}
    )
    reporter = await _invite(client, town, admin, reports["id"])
    uploaded = await client.post(
        "/api/v1/images",
        content=png("a private yard"),
        headers={**town.headers(reporter), "content-type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    image = uploaded.json()["url"]
    reported = await client.post(
        f"/api/v1/dialogs/{reports['id']}/posts",
        json={
            "body": "A broken fence",
            "image": uploaded.json()["id"],
            "place": {"latitude": 55.7, "longitude": 13.2, "address": "Gården 1"},
        },
        headers=town.headers(reporter),
    )
    assert reported.status_code == 201, reported.text
    await platform.catch_up_projections()
    stranger = await device_token(client, town)

    for token in (None, stranger):
        refused = await client.get(image, headers=town.headers(token))
        assert refused.status_code == 404, refused.text
    for token in (reporter, admin):
        served = await client.get(image, headers=town.headers(token))
        assert served.status_code == 200, served.text
        assert served.headers["cache-control"].startswith("private")
