"""Moderation over HTTP: flags and the queue, hiding and restoring, pre-moderation, blocks,
appeals, who may moderate, rebuilds and bad input. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from services.moderation.blocklist import BlockedPeople
from services.moderation.domain import case_id
from tests.api import Town, device_token, dialog_body, open_dialog, staff_token
from tinget.bootstrap import Platform


@pytest.fixture
async def moderator(platform: Platform, town: Town) -> str:
    return await staff_token(platform, town, "mod@town.example", Role.MODERATOR)


@pytest.fixture
async def second_moderator(platform: Platform, town: Town) -> str:
    return await staff_token(platform, town, "mod2@town.example", Role.MODERATOR)


async def send(
    client: httpx.AsyncClient, town: Town, token: str | None, path: str, body: Any = None
) -> httpx.Response:
    return await client.post(  # refusals as written
        f"/api/v1{path}", json=body, headers=town.headers(token, language="en")
    )


async def submit(
    client: httpx.AsyncClient, town: Town, token: str, dialog: dict[str, Any], body: str
) -> dict[str, Any]:
    sent = await send(client, town, token, f"/dialogs/{dialog['id']}/posts", {"body": body})
    assert sent.status_code == 201, sent.text
    created: dict[str, Any] = sent.json()
    return created


async def listed(
    client: httpx.AsyncClient, town: Town, path: str, token: str | None = None
) -> list[str]:
    page = await client.get(f"/api/v1{path}", headers=town.headers(token))
    assert page.status_code == 200, page.text
    return [item["body"] for item in page.json()["items"]]


async def person_of(client: httpx.AsyncClient, town: Town, token: str) -> str:
    me = await client.get("/api/v1/me", headers=town.headers(token))
    person: str = me.json()["person_id"]
    return person


async def queue(
    client: httpx.AsyncClient, town: Town, token: str, **params: str
) -> list[dict[str, Any]]:
    page = await client.get("/api/v1/moderation/queue", params=params, headers=town.headers(token))
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def test_flags_put_a_post_in_the_moderators_queue_once_per_person(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    author = await device_token(client, town)
    post = await submit(client, town, author, dialog, "Buy my watches")
    first, second = await device_token(client, town), await device_token(client, town)

    flagged = await send(client, town, first, f"/posts/{post['id']}/flags", {"reason": "Spam"})
    again = await send(client, town, first, f"/posts/{post['id']}/flags", {"reason": "Spam!"})
    other = await send(client, town, second, f"/posts/{post['id']}/flags", {"reason": "An ad"})
    await platform.catch_up_projections()

    assert flagged.status_code == 201, flagged.text
    assert again.status_code == 409
    assert "flagged this post already" in again.json()["detail"]
    assert other.status_code == 201
    [item] = await queue(client, town, moderator, state="open")
    assert (item["post_id"], item["body"], item["flags"]) == (post["id"], "Buy my watches", 2)
    assert item["reasons"] == ["Spam", "An ad"]
    assert item["first_flagged_at"] is not None
    assert (item["state"], item["decision"], item["pending"]) == ("open", None, False)
    assert await queue(client, town, moderator, state="decided") == []
    by_participant = await client.get("/api/v1/moderation/queue", headers=town.headers(first))
    assert by_participant.status_code == 403
    anonymous = await client.get("/api/v1/moderation/queue", headers=town.headers())
    assert anonymous.status_code == 401


async def test_a_hidden_post_leaves_the_listings_its_author_sees_why_and_restoring_brings_it_back(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="discussion")
    author = await device_token(client, town)
    reader = await device_token(client, town)
    topic = await submit(client, town, author, dialog, "Everyone on Elm Street is a thief")
    kept = await submit(client, town, reader, dialog, "Bike lanes on Elm Street")
    comment = await send(client, town, reader, f"/posts/{kept['id']}/comments", {"body": "Idiots"})
    assert comment.status_code == 201

    hidden = await send(
        client, town, moderator, f"/posts/{topic['id']}/hide", {"reason": "Insults neighbours"}
    )
    twice = await send(client, town, moderator, f"/posts/{topic['id']}/hide", {"reason": "Again"})
    hidden_comment = await send(
        client, town, moderator, f"/posts/{comment.json()['id']}/hide", {"reason": "Name-calling"}
    )
    await platform.catch_up_projections()

    assert hidden.status_code == 200, hidden.text
    assert hidden.json() == {
        "post_id": topic["id"],
        "status": "hidden",
        "reason": "Insults neighbours",
        "appeal": "none",
    }
    assert twice.status_code == 409
    assert hidden_comment.status_code == 200
    posts = f"/dialogs/{dialog['id']}/posts"
    assert await listed(client, town, posts) == ["Bike lanes on Elm Street"]
    assert await listed(client, town, posts, author) == ["Bike lanes on Elm Street"]
    assert await listed(client, town, f"/posts/{kept['id']}/comments") == []
    for token in (None, reader):
        seen = await client.get(f"/api/v1/posts/{topic['id']}", headers=town.headers(token))
        assert seen.status_code == 404
        thread = await client.get(
            f"/api/v1/posts/{topic['id']}/comments", headers=town.headers(token)
        )
        assert thread.status_code == 404
    own = await client.get(f"/api/v1/posts/{topic['id']}", headers=town.headers(author))
    assert own.status_code == 200
    assert (own.json()["status"], own.json()["moderation_reason"]) == (
        "hidden",
        "Insults neighbours",
    )
    by_moderator = await client.get(f"/api/v1/posts/{topic['id']}", headers=town.headers(moderator))
    assert by_moderator.json()["status"] == "hidden"
    decided = await queue(client, town, moderator, state="decided")
    assert {(d["post_id"], d["decision"], d["decision_reason"]) for d in decided} == {
        (topic["id"], "hidden", "Insults neighbours"),
        (comment.json()["id"], "hidden", "Name-calling"),
    }
    reply = await send(client, town, reader, f"/posts/{topic['id']}/comments", {"body": "Hm"})
    assert reply.status_code == 409
    assert "hidden" in reply.json()["detail"]

    restored = await send(
        client, town, moderator, f"/posts/{topic['id']}/restore", {"reason": "Reworded by author"}
    )
    not_hidden = await send(
        client, town, moderator, f"/posts/{kept['id']}/restore", {"reason": "x"}
    )
    await platform.catch_up_projections()

    assert restored.status_code == 200, restored.text
    assert restored.json()["status"] == "published"
    assert not_hidden.status_code == 409
    assert await listed(client, town, posts) == [
        "Bike lanes on Elm Street",
        "Everyone on Elm Street is a thief",
    ]
    again_public = await client.get(f"/api/v1/posts/{topic['id']}", headers=town.headers(reader))
    assert again_public.status_code == 200
    assert again_public.json()["moderation_reason"] is None  # the reason is the author's
    own = await client.get(f"/api/v1/posts/{topic['id']}", headers=town.headers(author))
    assert own.json()["moderation_reason"] == "Reworded by author"


async def test_in_a_premoderated_dialog_posts_wait_for_approval(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    moderator: str,
) -> None:
    dialog = await open_dialog(client, town, admin, settings={"premoderation": True})
    assert dialog["settings"]["premoderation"] is True
    author = await device_token(client, town)
    reader = await device_token(client, town)
    waiting = await submit(client, town, author, dialog, "A crossing by the school")
    rejected = await submit(client, town, author, dialog, "Ban all cars tomorrow")
    staff_post = await submit(client, town, moderator, dialog, "Welcome, all")
    await platform.catch_up_projections()
    posts = f"/dialogs/{dialog['id']}/posts"

    assert (waiting["status"], staff_post["status"]) == ("pending", "published")
    assert await listed(client, town, posts) == ["Welcome, all"]
    hidden_to_reader = await client.get(
        f"/api/v1/posts/{waiting['id']}", headers=town.headers(reader)
    )
    assert hidden_to_reader.status_code == 404
    own = await client.get(f"/api/v1/posts/{waiting['id']}", headers=town.headers(author))
    assert own.json()["status"] == "pending"
    pending = await queue(client, town, moderator, state="open")
    assert {(i["post_id"], i["pending"]) for i in pending} == {
        (waiting["id"], True),
        (rejected["id"], True),
    }
    too_early = await send(client, town, reader, f"/posts/{waiting['id']}/supports")
    assert too_early.status_code == 409
    assert "approval" in too_early.json()["detail"]

    approved = await send(client, town, moderator, f"/posts/{waiting['id']}/approve")
    twice = await send(client, town, moderator, f"/posts/{waiting['id']}/approve")
    reject = await send(
        client, town, moderator, f"/posts/{rejected['id']}/hide", {"reason": "Off topic"}
    )
    comment = await send(
        client, town, reader, f"/posts/{waiting['id']}/comments", {"body": "Yes please"}
    )
    await platform.catch_up_projections()

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "published"
    assert twice.status_code == 409
    assert reject.json()["status"] == "hidden"
    assert comment.status_code == 201
    assert comment.json()["status"] == "pending"  # comments wait too
    assert await listed(client, town, posts) == ["Welcome, all", "A crossing by the school"]
    assert await listed(client, town, f"/posts/{waiting['id']}/comments") == []
    await send(client, town, moderator, f"/posts/{comment.json()['id']}/approve")
    await platform.catch_up_projections()
    assert await listed(client, town, f"/posts/{waiting['id']}/comments") == ["Yes please"]
    assert [i["decision"] for i in await queue(client, town, moderator, state="decided")] == [
        "approved",
        "hidden",
        "approved",
    ]


async def test_a_blocked_participant_is_refused_with_the_reason_until_unblocked(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="petition")
    poll = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    troll = await device_token(client, town)
    person = await person_of(client, town, troll)
    citizen = await device_token(client, town)
    petition = await submit(client, town, citizen, dialog, "Keep the library open")
    own = await submit(client, town, troll, dialog, "Close the library")

    blocked = await send(
        client, town, moderator, f"/people/{person}/block", {"reason": "Repeated insults"}
    )
    twice = await send(client, town, moderator, f"/people/{person}/block", {"reason": "Again"})
    writes = {
        "post": await send(client, town, troll, f"/dialogs/{dialog['id']}/posts", {"body": "X"}),
        "comment": await send(
            client, town, troll, f"/posts/{petition['id']}/comments", {"body": "X"}
        ),
        "edit": await client.patch(
            f"/api/v1/posts/{own['id']}", json={"body": "Y"}, headers=town.headers(troll)
        ),
        "sign": await send(client, town, troll, f"/posts/{petition['id']}/signatures"),
        "vote": await send(
            client, town, troll, f"/dialogs/{poll['id']}/votes", {"choices": ["no"]}
        ),
        "flag": await send(client, town, troll, f"/posts/{petition['id']}/flags", {"reason": "x"}),
    }

    assert blocked.status_code == 200, blocked.text
    assert blocked.json() == {"person_id": person, "blocked": True, "reason": "Repeated insults"}
    assert twice.status_code == 409
    for name, response in writes.items():
        assert response.status_code == 403, (name, response.text)
        assert "Repeated insults" in response.json()["detail"], name
    support_dialog = await open_dialog(client, town, admin)
    proposal = await submit(client, town, citizen, support_dialog, "More benches")
    support = await send(client, town, troll, f"/posts/{proposal['id']}/supports")
    assert support.status_code == 403
    assert "blocked" in support.json()["detail"]

    unblocked = await send(
        client, town, moderator, f"/people/{person}/unblock", {"reason": "Apologised"}
    )
    not_blocked = await send(client, town, moderator, f"/people/{person}/unblock", {"reason": "x"})
    vote = await send(client, town, troll, f"/dialogs/{poll['id']}/votes", {"choices": ["no"]})
    support = await send(client, town, troll, f"/posts/{proposal['id']}/supports")
    posted = await send(client, town, troll, f"/dialogs/{dialog['id']}/posts", {"body": "Sorry"})

    assert unblocked.status_code == 200, unblocked.text
    assert unblocked.json()["blocked"] is False
    assert not_blocked.status_code == 409
    assert (vote.status_code, support.status_code, posted.status_code) == (201, 201, 201)


async def test_staff_strangers_and_oneself_are_not_blocked(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    staff = await person_of(client, town, admin)
    me = await person_of(client, town, moderator)

    statuses = [
        (await send(client, town, moderator, f"/people/{p}/block", {"reason": "r"})).status_code
        for p in (staff, uuid.uuid4(), me)
    ]

    assert statuses == [403, 404, 409]


async def test_a_block_takes_effect_at_once_here_and_within_a_second_elsewhere(
    client: httpx.AsyncClient, platform: Platform, town: Town, moderator: str
) -> None:
    troll = await device_token(client, town)
    person = uuid.UUID(await person_of(client, town, troll))
    now = [0.0]
    elsewhere = BlockedPeople(platform.app_pool, clock=lambda: now[0])  # another process
    assert await elsewhere.reason(town.slug, person) is None

    blocked = await send(client, town, moderator, f"/people/{person}/block", {"reason": "Spam bot"})
    assert blocked.status_code == 200
    here = platform.moderation.blocked
    assert await here.reason(town.slug, person) == "Spam bot"  # before any projection ran
    await platform.catch_up_projections()
    now[0] += 0.5
    assert await elsewhere.reason(town.slug, person) is None  # its copy is half a second old
    now[0] += 0.6
    assert await elsewhere.reason(town.slug, person) == "Spam bot"  # reloaded after a second

    await send(client, town, moderator, f"/people/{person}/unblock", {"reason": "Human"})
    assert await here.reason(town.slug, person) is None
    here._copies.clear()  # a refresh from the read model, which has not seen the unblock yet,
    assert await here.reason(town.slug, person) is None  # keeps this process's fresher record
    await platform.catch_up_projections()
    now[0] += 1.1
    assert await elsewhere.reason(town.slug, person) is None


async def test_an_author_appeals_once_and_another_moderator_decides(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    moderator: str,
    second_moderator: str,
) -> None:
    dialog = await open_dialog(client, town, admin)
    author = await device_token(client, town)
    stranger = await device_token(client, town)
    kept_hidden = await submit(client, town, author, dialog, "Rant")
    wrongly_hidden = await submit(client, town, author, dialog, "Fair criticism")
    for post in (kept_hidden, wrongly_hidden):
        hidden = await send(
            client, town, moderator, f"/posts/{post['id']}/hide", {"reason": "Rude"}
        )
        assert hidden.status_code == 200
    path = f"/posts/{kept_hidden['id']}/appeal"

    not_author = await send(client, town, stranger, path, {"reason": "Unfair"})
    appealed = await send(client, town, author, path, {"reason": "It was not rude"})
    again = await send(client, town, author, path, {"reason": "Please"})
    same_moderator = await send(
        client, town, moderator, f"{path}/decision", {"upheld": False, "reason": "Fine"}
    )
    upheld = await send(
        client, town, second_moderator, f"{path}/decision", {"upheld": True, "reason": "Rude"}
    )
    decided_twice = await send(
        client, town, second_moderator, f"{path}/decision", {"upheld": False, "reason": "x"}
    )
    after_decision = await send(client, town, author, path, {"reason": "Once more"})

    assert not_author.status_code == 403
    assert appealed.status_code == 201, appealed.text
    assert appealed.json()["appeal"] == "open"
    assert again.status_code == 409
    assert "appeals once" in again.json()["detail"]
    assert same_moderator.status_code == 403
    assert "another moderator" in same_moderator.json()["detail"]
    assert upheld.status_code == 200, upheld.text
    assert (upheld.json()["status"], upheld.json()["appeal"]) == ("hidden", "decided")
    assert decided_twice.status_code == 409
    assert after_decision.status_code == 409

    wrong = f"/posts/{wrongly_hidden['id']}/appeal"
    await send(client, town, author, wrong, {"reason": "It is criticism, not rudeness"})
    await platform.catch_up_projections()
    [waiting] = await queue(client, town, second_moderator, state="open")
    assert (waiting["post_id"], waiting["appeal_open"]) == (wrongly_hidden["id"], True)
    granted = await send(
        client, town, second_moderator, f"{wrong}/decision", {"upheld": False, "reason": "Fair"}
    )
    await platform.catch_up_projections()

    assert granted.json()["status"] == "published"
    assert await listed(client, town, f"/dialogs/{dialog['id']}/posts") == ["Fair criticism"]
    own = await client.get(f"/api/v1/posts/{kept_hidden['id']}", headers=town.headers(author))
    assert (own.json()["status"], own.json()["moderation_reason"]) == ("hidden", "Rude")
    decisions = {
        i["post_id"]: i["decision"] for i in await queue(client, town, moderator, state="decided")
    }
    assert decisions == {
        kept_hidden["id"]: "hiding-upheld",
        wrongly_hidden["id"]: "restored-on-appeal",
    }


async def test_participants_cannot_moderate(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    author = await device_token(client, town)
    other = await device_token(client, town)
    post = await submit(client, town, author, dialog, "Hello")
    person = await person_of(client, town, author)
    reason = {"reason": "Because"}

    attempts = [
        await send(client, town, other, f"/posts/{post['id']}/hide", reason),
        await send(client, town, other, f"/posts/{post['id']}/restore", reason),
        await send(client, town, other, f"/posts/{post['id']}/approve"),
        await send(
            client, town, other, f"/posts/{post['id']}/appeal/decision", {**reason, "upheld": True}
        ),
        await send(client, town, other, f"/people/{person}/block", reason),
        await send(client, town, other, f"/people/{person}/unblock", reason),
        await client.get("/api/v1/moderation/queue", headers=town.headers(other, language="en")),
    ]

    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert all("may not moderate" in a.json()["detail"] for a in attempts)
    await platform.catch_up_projections()
    assert await listed(client, town, f"/dialogs/{dialog['id']}/posts") == ["Hello"]


async def test_rebuilt_posts_and_moderation_read_models_equal_the_live_ones(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    moderator: str,
    second_moderator: str,
) -> None:
    dialog = await open_dialog(client, town, admin, settings={"premoderation": True})
    author = await device_token(client, town)
    flagger = await device_token(client, town)
    posts = [await submit(client, town, author, dialog, f"Idea {i}") for i in range(4)]
    ids = [p["id"] for p in posts]
    steps = [
        (moderator, f"/posts/{ids[0]}/approve", None),
        (moderator, f"/posts/{ids[1]}/approve", None),
        (flagger, f"/posts/{ids[1]}/flags", {"reason": "Copied"}),
        (moderator, f"/posts/{ids[1]}/hide", {"reason": "Copied text"}),
        (author, f"/posts/{ids[1]}/appeal", {"reason": "My own text"}),
        (second_moderator, f"/posts/{ids[1]}/appeal/decision", {"upheld": False, "reason": "Ok"}),
        (moderator, f"/posts/{ids[2]}/hide", {"reason": "Off topic"}),
        (moderator, f"/people/{await person_of(client, town, flagger)}/block", {"reason": "Spam"}),
    ]
    for token, path, body in steps:
        response = await send(client, town, token, path, body)
        assert response.status_code in (200, 201), (path, response.text)
    # One append is stored in stream order, so a hold can come before its post: find such a one.
    early: str | None = None
    while early is None:
        sent = await submit(client, town, await device_token(client, town), dialog, "Held early")
        if case_id(uuid.UUID(sent["id"])).bytes < uuid.UUID(sent["id"]).bytes:
            early = sent["id"]
    await platform.catch_up_projections()
    tables = {
        "post_listing": "posts",
        "moderation_queue": "moderation_queue",
        "blocked_people": "blocked_people",
    }

    async def snapshot() -> dict[str, list[dict[str, Any]]]:
        async with platform.worker_pool.acquire() as conn:
            return {
                table: [dict(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]
                for table in tables.values()
            }

    live = await snapshot()
    rebuilt = []
    for batch in (5000, 1):  # one event per batch: the hold and its post in different batches
        for runner in platform.projections:
            if runner.projection.name in tables:
                await runner.rebuild(platform.reader, batch=batch)
        rebuilt.append(await snapshot())

    assert rebuilt == [live, live]
    statuses = {str(r["post_id"]): r["status"] for r in live["posts"]}
    assert [statuses[i] for i in [*ids, early]] == [
        "published",
        "published",
        "hidden",
        "pending",
        "pending",
    ]
    assert {str(r["post_id"]) for r in live["moderation_queue"]} >= {*ids, early}
    assert [r["blocked"] for r in live["blocked_people"]] == [True]
    async with platform.worker_pool.acquire() as conn:
        order = await conn.fetch(
            "SELECT event_type FROM events WHERE tenant_id = $1 AND stream_id = ANY($2::uuid[])"
            " AND event_type IN ('PostSubmitted', 'PostHeldForReview') ORDER BY position",
            town.slug,
            [uuid.UUID(early), case_id(uuid.UUID(early))],
        )
    assert [r["event_type"] for r in order] == ["PostHeldForReview", "PostSubmitted"]


# (path, body, status, field): what a participant (flags, appeal) or a moderator sends about
# a post (or its author, for block) that is refused naming the field
BAD_MODERATION_INPUT: list[tuple[str, Any, int, str]] = [
    ("flags", {}, 400, "reason"),
    ("flags", {"reason": ""}, 400, "reason"),
    ("flags", {"reason": "   "}, 422, "reason"),
    ("flags", {"reason": 5}, 400, "reason"),
    ("flags", {"reason": "x" * 1001}, 400, "reason"),
    ("flags", {"reason": "ok", "person_id": str(uuid.UUID(int=1))}, 400, "person_id"),
    ("hide", {"reason": "\x00bad"}, 422, "reason"),
    ("hide", {"reason": "ok", "moderator_id": str(uuid.UUID(int=1))}, 400, "moderator_id"),
    ("restore", [], 400, "body"),
    ("appeal", {"reason": None}, 400, "reason"),
    ("appeal/decision", {"reason": "ok"}, 400, "upheld"),
    ("appeal/decision", {"upheld": "yes", "reason": "ok"}, 400, "upheld"),
    ("block", {"reason": ""}, 400, "reason"),
]


async def test_bad_moderation_input_gets_a_4xx_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    author = await device_token(client, town)
    post = await submit(client, town, author, dialog, "Hello")
    block = f"/people/{await person_of(client, town, author)}/block"

    for case in BAD_MODERATION_INPUT:
        path, body, status, field = case
        target = block if path == "block" else f"/posts/{post['id']}/{path}"
        token = author if path in ("flags", "appeal") else moderator

        response = await send(client, town, token, target, body)

        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), case
        assert response.json()["field"] == field, (case, response.text)
        async with platform.worker_pool.acquire() as conn:
            written = await conn.fetchval(
                "SELECT count(*) FROM events WHERE tenant_id = $1 AND context = 'moderation'",
                town.slug,
            )
        assert written == 0, case


async def test_bad_queue_parameters_and_settings_get_a_4xx_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, moderator: str
) -> None:
    queue_url = "/api/v1/moderation/queue"
    bad_state = await client.get(f"{queue_url}?state=closed", headers=town.headers(moderator))
    bad_cursor = await client.get(f"{queue_url}?cursor=zzz", headers=town.headers(moderator))
    bad_limit = await client.get(f"{queue_url}?limit=0", headers=town.headers(moderator))
    poll = await client.post(
        "/api/v1/dialogs",
        json={
            **dialog_body(),
            "kind": "poll",
            "settings": {"question": "Q?", "options": ["a", "b"], "premoderation": True},
        },
        headers=town.headers(admin),
    )
    unknown_post = await send(
        client, town, moderator, f"/posts/{uuid.uuid4()}/hide", {"reason": "x"}
    )
    not_a_uuid = await send(client, town, moderator, "/posts/nope/hide", {"reason": "x"})

    assert bad_state.status_code == 422
    assert bad_state.json()["field"] == "state"
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["field"] == "cursor"
    assert bad_limit.status_code == 400
    assert poll.status_code == 422
    assert poll.json()["field"] == "settings.premoderation"
    assert unknown_post.status_code == 404
    assert not_a_uuid.status_code in (400, 404)
