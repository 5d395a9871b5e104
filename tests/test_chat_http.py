"""A discussion's live chat over HTTP: posting, pre-moderation, hiding and pinning, slow mode
(refused with 429 and nothing recorded, also for two messages sent at once), who may do what,
another municipality's chat, and bad input. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from events.personal import ERASED
from services.identity.access import Role, SignIn
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.chat import chat_events_recorded, live_discussion, said, say
from tests.read_models import differences, rebuild_all, snapshot
from tinget.bootstrap import Platform


@pytest.fixture
async def moderator(platform: Platform, town: Town) -> str:
    return await staff_token(platform, town, "mod@town.example", Role.MODERATOR)


async def messages(
    client: httpx.AsyncClient, town: Town, dialog_id: str, token: str | None = None, **params: Any
) -> list[dict[str, Any]]:
    page = await client.get(
        f"/api/v1/dialogs/{dialog_id}/chat/messages", params=params, headers=town.headers(token)
    )
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def act(
    client: httpx.AsyncClient,
    town: Town,
    token: str,
    dialog_id: str,
    message_id: str,
    what: str,
    body: Any = None,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog_id}/chat/messages/{message_id}/{what}",
        json=body,
        headers=town.headers(token),
    )


async def test_a_participant_s_message_is_shown_to_everyone_and_read_page_by_page(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    anna = await device_token(client, town)
    first = await said(client, town, anna, dialog_id, "  Hej från Lund  ")
    assert first["status"] == "shown"
    assert first["pinned"] is False
    for i in range(3):
        await said(client, town, anna, dialog_id, f"Message {i}")
    await platform.catch_up_projections()

    page = await client.get(
        f"/api/v1/dialogs/{dialog_id}/chat/messages",
        params={"limit": 3},
        headers=town.headers(),
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert [m["body"] for m in body["items"]] == ["Message 2", "Message 1", "Message 0"]
    assert body["last_event_id"] > 0
    rest = await messages(client, town, dialog_id, before=body["next_before"])
    assert [m["body"] for m in rest] == ["Hej från Lund"]
    assert rest[0]["author_id"] is None  # a device token's message names nobody
    assert rest[0]["moderation_reason"] is None

    room = await client.get(f"/api/v1/dialogs/{dialog_id}/chat", headers=town.headers())
    assert room.status_code == 200
    assert room.json()["live"] is True
    assert room.json()["last_event_id"] == body["last_event_id"]


async def test_the_message_text_is_sealed_in_the_log(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    anna = await device_token(client, town)
    await said(client, town, anna, dialog_id, "Min hemliga åsikt")
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        data = await conn.fetchval(
            "SELECT data::text FROM events WHERE tenant_id = $1"
            " AND event_type = 'ChatMessagePosted'",
            town.slug,
        )
    finally:
        await conn.close()
    assert "sealed" in data
    assert "hemliga" not in data


async def test_pre_moderation_hides_a_message_from_participants_until_approved(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator, premoderation=True)
    anna = await device_token(client, town)
    held = await said(client, town, anna, dialog_id, "Vänta på mig")
    assert held["status"] == "pending"
    from_moderator = await said(client, town, moderator, dialog_id, "Välkomna!")
    assert from_moderator["status"] == "shown"  # a moderator's own is not held
    await platform.catch_up_projections()

    assert [m["body"] for m in await messages(client, town, dialog_id, anna)] == ["Välkomna!"]
    refused = await client.get(
        f"/api/v1/dialogs/{dialog_id}/chat/messages",
        params={"status": "pending"},
        headers=town.headers(anna),
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "status"
    pending = await messages(client, town, dialog_id, moderator, status="pending")
    assert [m["body"] for m in pending] == ["Vänta på mig"]

    not_theirs = await act(client, town, anna, dialog_id, held["id"], "approve")
    assert not_theirs.status_code == 403
    approved = await act(client, town, moderator, dialog_id, held["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "shown"
    again = await act(client, town, moderator, dialog_id, held["id"], "approve")
    assert again.status_code == 409
    await platform.catch_up_projections()
    shown = await messages(client, town, dialog_id, anna)
    assert [m["body"] for m in shown] == ["Välkomna!", "Vänta på mig"]


async def test_moderators_pin_and_hide_and_participants_see_the_outcome(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    anna = await device_token(client, town)
    notice = await said(client, town, moderator, dialog_id, "Frågestunden börjar 19.00")
    rude = await said(client, town, anna, dialog_id, "Something rude")

    assert (await act(client, town, anna, dialog_id, notice["id"], "pin")).status_code == 403
    pinned = await act(client, town, moderator, dialog_id, notice["id"], "pin")
    assert pinned.status_code == 200
    assert pinned.json()["pinned"] is True
    assert (await act(client, town, moderator, dialog_id, notice["id"], "pin")).status_code == 409
    await act(client, town, moderator, dialog_id, rude["id"], "pin")
    hidden = await act(
        client, town, moderator, dialog_id, rude["id"], "hide", {"reason": "Personal attack"}
    )
    assert hidden.status_code == 200
    assert hidden.json() == {
        "id": rude["id"],
        "dialog_id": dialog_id,
        "status": "hidden",
        "pinned": False,
    }
    await platform.catch_up_projections()

    room = (await client.get(f"/api/v1/dialogs/{dialog_id}/chat", headers=town.headers())).json()
    assert [m["body"] for m in room["pinned"]] == ["Frågestunden börjar 19.00"]
    assert room["pinned"][0]["by_moderator"] is True
    assert [m["body"] for m in await messages(client, town, dialog_id)] == [
        "Frågestunden börjar 19.00"
    ]
    seen = await messages(client, town, dialog_id, moderator, status="hidden")
    assert [(m["body"], m["moderation_reason"]) for m in seen] == [
        ("Something rude", "Personal attack")
    ]

    unpinned = await act(client, town, moderator, dialog_id, notice["id"], "unpin")
    assert unpinned.status_code == 200
    assert unpinned.json()["pinned"] is False
    await platform.catch_up_projections()
    room = (await client.get(f"/api/v1/dialogs/{dialog_id}/chat", headers=town.headers())).json()
    assert room["pinned"] == []

    no_reason = await act(client, town, moderator, dialog_id, notice["id"], "hide", {"reason": " "})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    unknown = await act(
        client, town, moderator, dialog_id, "00000000-0000-4000-8000-000000000000", "pin"
    )
    assert unknown.status_code == 404
    # a message is moderated through its own dialog only
    other_dialog = await live_discussion(client, town, admin, moderator)
    elsewhere = await act(client, town, moderator, other_dialog, notice["id"], "pin")
    assert elsewhere.status_code == 404


async def test_slow_mode_refuses_a_second_message_with_429_and_records_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator, slow_mode_seconds=60)
    anna = await device_token(client, town)
    await said(client, town, anna, dialog_id, "First")
    before = await chat_events_recorded(platform, town)

    second = await say(client, town, anna, dialog_id, "Second")
    assert second.status_code == 429, second.text
    assert 0 < int(second.headers["retry-after"]) <= 60
    assert "långsamt läge: ett meddelande var 60:e sekund" in second.json()["detail"]
    assert await chat_events_recorded(platform, town) == before

    # another participant is not slowed by Anna, nor is a moderator
    bo = await device_token(client, town)
    await said(client, town, bo, dialog_id, "Mine")
    await said(client, town, moderator, dialog_id, "Moderating")
    await said(client, town, moderator, dialog_id, "Still moderating")


async def test_two_messages_sent_at_once_under_slow_mode_record_one(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator, slow_mode_seconds=30)
    anna = await device_token(client, town)
    answers = await asyncio.gather(
        *(say(client, town, anna, dialog_id, f"At once {i}") for i in range(6))
    )
    assert sorted(a.status_code for a in answers) == [201] + [429] * 5
    posted = [e for e in await chat_events_recorded(platform, town) if e == "ChatMessagePosted"]
    assert len(posted) == 1


async def test_who_may_post_and_configure(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="discussion")
    anna = await device_token(client, town)
    not_live = await say(client, town, anna, dialog["id"], "Hello?")
    assert not_live.status_code == 409
    by_participant = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/chat", json={"live": True}, headers=town.headers(anna)
    )
    assert by_participant.status_code == 403
    anonymous = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/chat", json={"live": True}, headers=town.headers()
    )
    assert anonymous.status_code == 401
    proposals = await open_dialog(client, town, admin)
    no_chat = await client.put(
        f"/api/v1/dialogs/{proposals['id']}/chat",
        json={"live": True},
        headers=town.headers(moderator),
    )
    assert no_chat.status_code == 409
    watch = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/chat/events", headers=town.headers(anna)
    )
    assert watch.status_code == 409  # not live

    signed_in_only = await live_discussion(
        client, town, admin, moderator, settings={"anonymous": False}
    )
    refused = await say(client, town, anna, signed_in_only, "Device here")
    assert refused.status_code == 403
    moderators_only = await client.get(
        f"/api/v1/dialogs/{signed_in_only}/chat/moderation-events", headers=town.headers(anna)
    )
    assert moderators_only.status_code == 403
    assert await chat_events_recorded(platform, town) == ["ChatRoomSetUp"]


async def test_another_municipality_s_chat_does_not_exist_here(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    message = await said(client, town, moderator, dialog_id, "Lund only")
    other = await create_town(platform, "Malmö")
    other_moderator = await staff_token(platform, other, "mod@malmo.example", Role.MODERATOR)
    stranger = await device_token(client, other)
    base = f"/api/v1/dialogs/{dialog_id}/chat"
    for answer in (
        await client.get(base, headers=other.headers(stranger)),
        await client.get(f"{base}/messages", headers=other.headers(stranger)),
        await client.get(f"{base}/events", headers=other.headers(stranger)),
        await client.get(f"{base}/moderation-events", headers=other.headers(other_moderator)),
        await say(client, other, stranger, dialog_id, "Hej"),
        await client.put(base, json={"live": False}, headers=other.headers(other_moderator)),
        await act(
            client, other, other_moderator, dialog_id, message["id"], "hide", {"reason": "mine now"}
        ),
        await act(client, other, other_moderator, dialog_id, message["id"], "pin"),
    ):
        assert answer.status_code == 404, answer.text
    assert await chat_events_recorded(platform, other) == []


async def test_an_empty_or_too_long_message_is_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    anna = await device_token(client, town)
    for body, reason in (
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 2001, "at most 2000"),
    ):
        refused = await say(client, town, anna, dialog_id, body, language="en")
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "body"
        assert reason in refused.json()["detail"]
    assert await chat_events_recorded(platform, town) == ["ChatRoomSetUp"]


async def test_a_slow_mode_out_of_range_is_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="discussion")
    for seconds in (-1, 3601, 1.5, True):
        refused = await client.put(
            f"/api/v1/dialogs/{dialog['id']}/chat",
            json={"live": True, "slow_mode_seconds": seconds},
            headers=town.headers(moderator),
        )
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["field"] == "slow_mode_seconds"
        if isinstance(seconds, int) and not isinstance(seconds, bool):
            assert refused.status_code == 422
    assert await chat_events_recorded(platform, town) == []


async def test_a_last_event_id_that_is_no_id_is_refused_naming_it(
    client: httpx.AsyncClient, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    url = f"/api/v1/dialogs/{dialog_id}/chat/events"
    by_header = await client.get(url, headers={**town.headers(), "Last-Event-ID": "abc"})
    assert by_header.status_code == 422
    assert by_header.json()["field"] == "Last-Event-ID"
    by_query = await client.get(url, params={"last_event_id": "-3"}, headers=town.headers())
    assert by_query.status_code == 422
    assert by_query.json()["field"] == "last_event_id"


async def test_a_page_position_past_any_log_position_is_refused_naming_it(
    client: httpx.AsyncClient, town: Town, admin: str, moderator: str
) -> None:
    """A position is a bigint: one past it is a 400 naming ``before``, never a 500."""
    dialog_id = await live_discussion(client, town, admin, moderator)
    url = f"/api/v1/dialogs/{dialog_id}/chat/messages"
    refused = await client.get(url, params={"before": str(2**63)}, headers=town.headers())
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "before"
    largest = await client.get(url, params={"before": str(2**63 - 1)}, headers=town.headers())
    assert largest.status_code == 200, largest.text


async def test_an_erased_author_s_messages_read_as_erased_and_a_rebuild_agrees(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog_id = await live_discussion(client, town, admin, moderator)
    eva_id = await platform.identity.add_staff(town.slug, "eva@example.se", Role.PARTICIPANT)
    eva = platform.identity.tokens.issue(town.slug, eva_id, Role.PARTICIPANT, SignIn.EMAIL).token
    hers = await said(client, town, eva, dialog_id, "Eva skriver om bussarna")
    await said(client, town, moderator, dialog_id, "Tack Eva")
    pinned = await act(client, town, moderator, dialog_id, hers["id"], "pin")
    assert pinned.status_code == 200
    await platform.catch_up_projections()
    before = await messages(client, town, dialog_id)
    assert before[1]["body"] == "Eva skriver om bussarna"
    assert before[1]["author_id"] == str(eva_id)

    erased = await client.post(f"/api/v1/people/{eva_id}/erasure", headers=town.headers(admin))
    assert erased.status_code == 202, erased.text
    await platform.catch_up_projections()

    after = await messages(client, town, dialog_id)
    assert [m["body"] for m in after] == ["Tack Eva", ERASED]
    assert after[1]["author_name"] is None
    room = (await client.get(f"/api/v1/dialogs/{dialog_id}/chat", headers=town.headers())).json()
    assert [m["body"] for m in room["pinned"]] == [ERASED]

    chat_tables = ("chat_messages", "chat_feed")
    live = {t: rows for t, rows in (await snapshot(platform)).items() if t in chat_tables}
    await rebuild_all(platform)
    rebuilt = {t: rows for t, rows in (await snapshot(platform)).items() if t in chat_tables}
    assert live["chat_feed"]
    assert differences(live, rebuilt) == {}
