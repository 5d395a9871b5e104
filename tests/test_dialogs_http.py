"""Dialogs end to end over HTTP, on real PostgreSQL, NATS and SMTP: administrators, citizens
without an account and invited citizens with a PIN."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, device_token, link_code, open_dialog, staff_token
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def test_a_whole_proposal_dialog(
    client: httpx.AsyncClient, platform: Platform, town: Town, smtp: SmtpServer
) -> None:
    # The administrator is set up by an operator and signs in by e-mail link.
    await platform.identity.add_staff(town.slug, "kommunen@lund.example", Role.ADMINISTRATOR)
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": "Kommunen@Lund.example"}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text
    signed_in = await client.post(
        "/api/v1/sign-in/email/redeem",
        json={"code": link_code(smtp.inbox)},
        headers=town.headers(),
    )
    assert signed_in.status_code == 200, signed_in.text
    admin = signed_in.json()["token"]
    assert signed_in.json()["role"] == "administrator"

    dialog = await open_dialog(
        client, town, admin, settings={"support_threshold": 2, "comments": "everyone"}
    )
    assert dialog["status"] == "open"
    assert dialog["committee"] == "Transport"
    dialog_id = dialog["id"]

    # A citizen without an account proposes; two others support; one comments, one replies.
    anna, bo, cai = [await device_token(client, town) for _ in range(3)]
    proposed = await client.post(
        f"/api/v1/dialogs/{dialog_id}/posts",
        json={"title": "A crossing at Storgatan", "body": "Children cross here every morning"},
        headers=town.headers(anna),
    )
    assert proposed.status_code == 201, proposed.text
    post_id = proposed.json()["id"]
    assert proposed.json()["kind"] == "proposal"
    assert proposed.json()["mine"] is True

    for token in (bo, cai):
        supported = await client.post(
            f"/api/v1/posts/{post_id}/supports", headers=town.headers(token)
        )
        assert supported.status_code == 201, supported.text
    again = await client.post(
        f"/api/v1/posts/{post_id}/supports", headers=town.headers(bo, language="en")
    )
    assert again.status_code == 409
    assert "already" in again.json()["detail"]

    comment = await client.post(
        f"/api/v1/posts/{post_id}/comments",
        json={"body": "Yes, and add a light"},
        headers=town.headers(bo),
    )
    assert comment.status_code == 201, comment.text
    reply = await client.post(
        f"/api/v1/posts/{comment.json()['id']}/comments",
        json={"body": "Agreed"},
        headers=town.headers(anna),
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["parent_id"] == comment.json()["id"]

    edited = await client.patch(
        f"/api/v1/posts/{post_id}",
        json={"body": "Children cross here every morning at 8"},
        headers=town.headers(anna),
    )
    assert edited.status_code == 200, edited.text
    not_yours = await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": "Mine now"}, headers=town.headers(bo)
    )
    assert not_yours.status_code == 403

    # The policy records the threshold; the listings show it all.
    await platform.catch_up_projections()
    await platform.catch_up_projections()
    listed = await client.get(f"/api/v1/dialogs/{dialog_id}/posts", headers=town.headers())
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == post_id
    assert item["supports"] == 2
    assert item["comments"] == 2
    assert item["threshold_reached"] is True
    assert item["body"].endswith("at 8")
    thread = await client.get(f"/api/v1/posts/{post_id}/comments", headers=town.headers())
    assert [c["body"] for c in thread.json()["items"]] == ["Yes, and add a light", "Agreed"]

    dialogs = await client.get("/api/v1/dialogs", headers=town.headers())
    [listed_dialog] = dialogs.json()["items"]
    assert listed_dialog["posts"] == 1

    # Closing: writes are refused with the reason; the results close the loop.
    closed = await client.post(
        f"/api/v1/dialogs/{dialog_id}/close",
        json={"reason": "handed to the committee"},
        headers=town.headers(admin),
    )
    assert closed.status_code == 200, closed.text
    late = await client.post(
        f"/api/v1/dialogs/{dialog_id}/posts", json={"body": "One more"}, headers=town.headers(cai)
    )
    assert late.status_code == 409
    assert late.json()["type"].endswith("/dialog-not-open")
    assert "handed to the committee" in late.json()["detail"]
    results = await client.post(
        f"/api/v1/dialogs/{dialog_id}/results",
        json={"summary": "The committee will build the crossing in May"},
        headers=town.headers(admin),
    )
    assert results.status_code == 200, results.text
    shown = await client.get(f"/api/v1/dialogs/{dialog_id}", headers=town.headers())
    assert shown.json()["status"] == "results-published"
    assert shown.json()["results_summary"] == "The committee will build the crossing in May"


async def test_an_invited_citizen_takes_part_with_a_pin(
    client: httpx.AsyncClient, platform: Platform, town: Town, smtp: SmtpServer
) -> None:
    admin = await staff_token(platform, town, "admin@lund.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(
        client, town, admin, kind="discussion", invite_only=True, title="Youth council"
    )
    invited = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/invitations",
        json={"invitees": [{"email": "elin@example.se", "name": "Elin"}]},
        headers=town.headers(admin),
    )
    assert invited.status_code == 201, invited.text
    [issued] = invited.json()["invited"]
    mail = smtp.inbox.only_message()
    assert mail["To"] == "elin@example.se"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert issued["pin"] in text.get_content()

    stranger = await device_token(client, town)
    refused = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Let me in"},
        headers=town.headers(stranger, language="en"),
    )
    assert refused.status_code == 403
    assert "invited" in refused.json()["detail"]

    typed = issued["pin"].lower().replace("-", " ")  # as a person might type it
    signed_in = await client.post(
        "/api/v1/sign-in/pin", json={"pin": typed}, headers=town.headers()
    )
    assert signed_in.status_code == 200, signed_in.text
    elin = signed_in.json()["token"]
    assert signed_in.json()["person_id"] == issued["person_id"]
    posted = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "More places to meet"},
        headers=town.headers(elin),
    )
    assert posted.status_code == 201, posted.text
    await platform.catch_up_projections()
    listed = await client.get(f"/api/v1/dialogs/{dialog['id']}/posts", headers=town.headers(elin))
    assert listed.json()["items"][0]["author_name"] == "Elin"
    hidden = await client.get(f"/api/v1/dialogs/{dialog['id']}/posts", headers=town.headers())
    assert hidden.status_code == 404  # invite-only: not there for anyone but invitees and staff

    reused = await client.post(
        "/api/v1/sign-in/pin", json={"pin": issued["pin"]}, headers=town.headers(language="en")
    )
    assert reused.status_code == 401
    assert "used already" in reused.json()["detail"]


async def test_an_open_dialogs_typo_is_corrected_but_what_people_answer_to_is_not_changed(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    url = f"/api/v1/dialogs/{dialog['id']}"

    fixed = await client.patch(
        url,
        json={"title": "A skatepark by the harbour", "instructions": "Say where, and why"},
        headers=town.headers(admin),
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["title"] == "A skatepark by the harbour"
    assert fixed.json()["status"] == "open"

    moved = await client.patch(
        url,
        json={"title": "Another title", "purpose": "Something else", "invite_only": True},
        headers=town.headers(admin, language="en"),
    )
    assert moved.status_code == 409, moved.text
    assert moved.json()["field"] == "purpose"
    assert moved.json()["detail"].endswith("not purpose, invite_only")
    assert "only its title and instructions" in moved.json()["detail"]

    citizen = await device_token(client, town)
    by_citizen = await client.patch(url, json={"title": "Mine"}, headers=town.headers(citizen))
    assert by_citizen.status_code == 403, by_citizen.text

    await platform.catch_up_projections()
    listed = await client.get("/api/v1/dialogs", headers=town.headers())
    (shown,) = [d for d in listed.json()["items"] if d["id"] == dialog["id"]]
    assert shown["title"] == "A skatepark by the harbour"
    assert shown["instructions"] == "Say where, and why"
    trail = await client.get("/api/v1/audit", headers=town.headers(admin))
    assert trail.status_code == 200, trail.text
    corrections = [e for e in trail.json()["items"] if e["event_type"] == "DialogTextsCorrected"]
    assert len(corrections) == 1
