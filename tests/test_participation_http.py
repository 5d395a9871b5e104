"""Participation over HTTP: one vote per person, refusals with reasons, bad input, tokens,
images and problem reports, rate limits. Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from services.dialogs.scheduler import advance_due
from services.identity.access import Role, SignIn
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, dialog_body, open_dialog, staff_token
from tests.images import png
from tinget.bootstrap import Platform

PNG = png("problem report")


async def test_200_concurrent_votes_by_one_person_count_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    poll = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    voter = await device_token(client, town)

    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/dialogs/{poll['id']}/votes",
                json={"choices": ["yes"]},
                headers=town.headers(voter),
            )
            for _ in range(200)
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1
    assert statuses.count(409) == 199
    await platform.catch_up_projections()
    tally = await client.get(f"/api/v1/dialogs/{poll['id']}/tally", headers=town.headers())
    assert tally.json()["ballots"] == 1
    assert {r["choice"]: r["votes"] for r in tally.json()["results"]} == {"yes": 1, "no": 0}


async def test_a_ballot_event_carries_no_voter_identity(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    poll = await open_dialog(
        client,
        town,
        admin,
        kind="poll",
        settings={
            "question": "Which park first?",
            "options": ["North", "South", "East"],
            "max_choices": 2,
        },
    )
    voter = await device_token(client, town)
    me = await client.get("/api/v1/me", headers=town.headers(voter))
    person_id = me.json()["person_id"]

    cast = await client.post(
        f"/api/v1/dialogs/{poll['id']}/votes",
        json={"choices": ["south", "North"]},
        headers=town.headers(voter),
    )

    assert cast.status_code == 201, cast.text
    async with platform.worker_pool.acquire() as conn:
        [row] = await conn.fetch(
            "SELECT stream_id, data::text, metadata::text FROM events"
            " WHERE tenant_id = $1 AND event_type = 'BallotCast'",
            town.slug,
        )
    stored = row["data"] + row["metadata"] + str(row["stream_id"])
    assert person_id not in stored
    assert person_id.replace("-", "") not in stored
    assert json.loads(row["data"])["choices"] == ["South", "North"]
    assert "actor" not in json.loads(row["metadata"])


async def test_writes_outside_the_open_time_are_refused_with_the_reason(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    now = datetime.now(UTC)
    later = await open_dialog(
        client,
        town,
        admin,
        opens_at=(now + timedelta(days=1)).isoformat(),
        closes_at=(now + timedelta(days=2)).isoformat(),
    )
    soon_closed = await open_dialog(
        client, town, admin, closes_at=(now + timedelta(seconds=1.5)).isoformat()
    )
    citizen = await device_token(client, town)
    assert later["status"] == "scheduled"

    early = await client.post(
        f"/api/v1/dialogs/{later['id']}/posts",
        json={"body": "Too early"},
        headers=town.headers(citizen, language="en"),  # the reason as written
    )
    assert early.status_code == 409
    assert "opens at" in early.json()["detail"]

    await asyncio.sleep(max(0.0, 1.6 - (datetime.now(UTC) - now).total_seconds()))
    late = await client.post(
        f"/api/v1/dialogs/{soon_closed['id']}/posts",
        json={"body": "Too late"},
        headers=town.headers(citizen, language="en"),
    )
    assert late.status_code == 409
    assert "closed since" in late.json()["detail"]

    # The scheduler records the closing without anyone acting.
    await platform.catch_up_projections()
    assert await advance_due(platform.worker_pool, platform.dialogs) >= 1
    await platform.catch_up_projections()
    async with platform.worker_pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM dialogs WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            uuid.UUID(soon_closed["id"]),
        )
    assert status == "closed"


async def test_a_draft_is_hidden_and_closed_to_writes(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    draft = await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers(admin))
    citizen = await device_token(client, town)

    seen = await client.get(f"/api/v1/dialogs/{draft.json()['id']}", headers=town.headers())
    post = await client.post(
        f"/api/v1/dialogs/{draft.json()['id']}/posts",
        json={"body": "Hello"},
        headers=town.headers(citizen, language="en"),
    )

    assert seen.status_code == 404
    assert post.status_code == 409
    assert "draft" in post.json()["detail"]


async def test_fields_the_server_decides_are_refused_and_change_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    other = str(uuid.uuid4())

    for extra in ({"author_id": other}, {"tenant_id": "elsewhere"}, {"role": "administrator"}):
        response = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"body": "Hi", **extra},
            headers=town.headers(citizen),
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == next(iter(extra))
    role = await client.post(
        "/api/v1/sessions/device", json={"role": "administrator"}, headers=town.headers()
    )
    assert role.status_code == 201
    me = await client.get("/api/v1/me", headers=town.headers(role.json()["token"]))
    assert me.json()["role"] == "participant"
    await platform.catch_up_projections()
    listed = await client.get(f"/api/v1/dialogs/{dialog['id']}/posts", headers=town.headers())
    assert listed.json()["items"] == []


# (body, field): a post refused with a 400 naming the field
BAD_POSTS: list[tuple[dict[str, object], str]] = [
    ({"body": 5}, "body"),
    ({"body": ""}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"body": "ok", "title": ["a"]}, "title"),
    ({"body": "ok", "image": "../../etc/passwd"}, "image"),
    ({"body": "ok", "place": {"latitude": 91, "longitude": 0}}, "place.latitude"),
    ({}, "body"),
]


async def test_bad_post_input_gets_a_400_naming_the_field(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)

    for case in BAD_POSTS:
        body, field = case
        response = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts", json=body, headers=town.headers(citizen)
        )

        assert response.status_code == 400, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), case
        assert response.json()["field"] == field, (case, response.text)


async def test_malformed_oversized_and_misplaced_input_get_4xx(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    posts = f"/api/v1/dialogs/{dialog['id']}/posts"

    broken = await client.post(
        posts,
        content=b'{"body": ',
        headers={**town.headers(citizen), "content-type": "application/json"},
    )
    huge = await client.post(
        posts,
        content=b'{"body": "' + b"x" * (3 * 1024 * 1024) + b'"}',
        headers={**town.headers(citizen), "content-type": "application/json"},
    )
    bad_id = await client.get("/api/v1/dialogs/not-a-uuid", headers=town.headers())
    bad_cursor = await client.get("/api/v1/dialogs?cursor=zzz", headers=town.headers())
    bad_limit = await client.get("/api/v1/dialogs?limit=1000", headers=town.headers())
    bad_kind = await client.post(
        "/api/v1/dialogs", json=dialog_body(kind="lottery"), headers=town.headers(admin)
    )
    no_question = await client.post(
        "/api/v1/dialogs", json=dialog_body(kind="poll"), headers=town.headers(admin)
    )
    wrong_committee = await client.post(
        "/api/v1/dialogs", json=dialog_body(committee="Space"), headers=town.headers(admin)
    )

    assert broken.status_code == 400
    assert huge.status_code == 413
    assert bad_id.status_code in (400, 404)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["field"] == "cursor"
    assert bad_limit.status_code == 400
    assert "limit" in bad_limit.text
    assert bad_kind.status_code == 400
    assert bad_kind.json()["field"] == "kind"
    assert no_question.status_code == 422
    assert no_question.json()["field"] == "settings.question"
    assert wrong_committee.status_code == 422
    assert "Transport" in wrong_committee.json()["detail"]


async def test_tokens_are_checked_on_every_request(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    other_town = await create_town(platform, "Malmö")
    other = await staff_token(platform, other_town, "admin@malmo.example", Role.ADMINISTRATOR)
    now = int(time.time())
    claims = {
        "iss": "tinget",
        "aud": town.slug,
        "sub": str(uuid.uuid4()),
        "role": "administrator",
        "sin": "email",
        "iat": now - 100,
        "exp": now + 3600,
    }
    key = platform.keys.token_key(town.slug)
    expired = jwt.encode({**claims, "exp": now - 3600}, key, algorithm="HS256")
    forged = jwt.encode(claims, b"not-the-key-" * 4, algorithm="HS256")
    unsigned = jwt.encode(claims, "", algorithm="none")
    platform_role = jwt.encode({**claims, "role": "consultant"}, key, algorithm="HS256")

    for token in (other, expired, forged, unsigned, platform_role, "garbage"):
        response = await client.post(
            "/api/v1/dialogs", json=dialog_body(), headers=town.headers(token)
        )
        assert response.status_code == 401, (token, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
    no_token = await client.post("/api/v1/dialogs", json=dialog_body(), headers=town.headers())
    assert no_token.status_code == 401
    citizen = await device_token(client, town)
    not_admin = await client.post(
        "/api/v1/dialogs", json=dialog_body(), headers=town.headers(citizen)
    )
    assert not_admin.status_code == 403
    consultant = platform.tokens.issue_platform(uuid.uuid4(), Role.CONSULTANT).token
    by_consultant = await client.post(
        "/api/v1/dialogs", json=dialog_body(), headers=town.headers(consultant)
    )
    assert by_consultant.status_code == 201, by_consultant.text


async def test_a_problem_report_with_place_and_photo_and_its_status(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(
        client, town, admin, kind="problem-reports", settings={"images": True}
    )
    citizen = await device_token(client, town)
    upload = await client.post(
        "/api/v1/images",
        content=PNG,
        headers={**town.headers(citizen), "content-type": "image/png"},
    )
    assert upload.status_code == 201, upload.text
    not_an_image = await client.post(
        "/api/v1/images", content=b"GIF89a....", headers=town.headers(citizen)
    )
    assert not_an_image.status_code == 415
    assert not_an_image.json()["field"] == "body"

    reported = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={
            "body": "The streetlight is out",
            "image": upload.json()["id"],
            "place": {"latitude": 55.7047, "longitude": 13.191, "address": "Stortorget 1"},
        },
        headers=town.headers(citizen),
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["report_status"] == "received"
    no_place = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Somewhere"},
        headers=town.headers(citizen),
    )
    assert no_place.status_code == 422
    assert no_place.json()["field"] == "place"

    post_id = reported.json()["id"]
    by_citizen = await client.post(
        f"/api/v1/posts/{post_id}/status",
        json={"status": "fixed"},
        headers=town.headers(citizen),
    )
    assert by_citizen.status_code == 403
    fixed = await client.post(
        f"/api/v1/posts/{post_id}/status",
        json={"status": "in-progress", "message": "A crew is on its way"},
        headers=town.headers(admin),
    )
    assert fixed.status_code == 200, fixed.text
    await platform.catch_up_projections()
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())
    assert shown.json()["report_status"] == "in-progress"
    assert shown.json()["report_message"] == "A crew is on its way"
    assert shown.json()["place"]["address"] == "Stortorget 1"

    image = await client.get(shown.json()["image_url"], headers=town.headers())
    assert image.status_code == 200
    assert image.content == PNG  # a plain small PNG re-encodes to the same bytes
    assert image.headers["content-type"] == "image/png"
    assert "immutable" in image.headers["cache-control"]
    other_town = await create_town(platform, "Malmö")
    elsewhere = await client.get(shown.json()["image_url"], headers=other_town.headers())
    assert elsewhere.status_code == 404


async def test_posting_is_rate_limited(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="discussion")
    citizen = await device_token(client, town)
    limit = platform.addresses.limits.posts_per_person[0]

    statuses = [
        (
            await client.post(
                f"/api/v1/dialogs/{dialog['id']}/posts",
                json={"body": f"Post {i}"},
                headers=town.headers(citizen),
            )
        )
        for i in range(limit + 1)
    ]

    assert [r.status_code for r in statuses[:limit]] == [201] * limit
    assert statuses[-1].status_code == 429
    assert int(statuses[-1].headers["retry-after"]) >= 1


async def test_a_petition_reaches_its_signature_goal_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="petition", settings={"signature_goal": 3})
    author = await device_token(client, town)
    petition = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"title": "Keep the library open", "body": "Sundays too"},
        headers=town.headers(author),
    )
    post_id = petition.json()["id"]
    for _ in range(4):
        signer = await device_token(client, town)
        signed = await client.post(
            f"/api/v1/posts/{post_id}/signatures", headers=town.headers(signer)
        )
        assert signed.status_code == 201, signed.text
    supported = await client.post(f"/api/v1/posts/{post_id}/supports", headers=town.headers(author))
    assert supported.status_code == 409

    for _ in range(2):
        await platform.catch_up_projections()
    for runner in platform.projections:
        await runner.rebuild(platform.reader)  # a replay must not record it again

    async with platform.worker_pool.acquire() as conn:
        reached = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1"
            " AND event_type = 'SignatureGoalReached'",
            town.slug,
        )
    assert reached == 1
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())
    assert shown.json()["signatures"] == 4
    assert shown.json()["threshold_reached"] is True


async def test_an_administrator_changes_a_role(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    person_id = await platform.identity.add_staff(town.slug, "mod@town.example", Role.PARTICIPANT)
    changed = await client.put(
        f"/api/v1/people/{person_id}/role",
        json={"role": "moderator"},
        headers=town.headers(admin),
    )
    unknown = await client.put(
        f"/api/v1/people/{person_id}/role", json={"role": "king"}, headers=town.headers(admin)
    )
    generation = await platform.sessions.generation(town.slug, person_id)  # raised by the change
    token = platform.tokens.issue(town.slug, person_id, Role.MODERATOR, SignIn.EMAIL, generation)
    by_moderator = await client.put(
        f"/api/v1/people/{person_id}/role",
        json={"role": "administrator"},
        headers=town.headers(token.token),
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "moderator"
    assert unknown.status_code == 400  # the document lists the roles: the schema refuses it
    assert unknown.json()["field"] == "role"
    assert (
        "administrator, analyst, committee-member, external-analyst, moderator, participant"
        in (unknown.json()["detail"])
    )
    assert by_moderator.status_code == 403


async def test_lists_are_paged_with_a_cursor(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="suggestion-box")
    citizen = await device_token(client, town)
    for i in range(5):
        sent = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"body": f"Idea {i}"},
            headers=town.headers(citizen),
        )
        assert sent.status_code == 201
    await platform.catch_up_projections()

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get(
            f"/api/v1/dialogs/{dialog['id']}/posts", params=params, headers=town.headers()
        )
        assert page.status_code == 200, page.text
        seen += [p["body"] for p in page.json()["items"]]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [f"Idea {i}" for i in reversed(range(5))]


async def test_comments_only_by_the_signed_in_where_the_dialog_says_so(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(
        client, town, admin, kind="discussion", settings={"comments": "signed-in"}
    )
    device = await device_token(client, town)
    topic = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Bike lanes"},
        headers=town.headers(device),
    )
    by_device = await client.post(
        f"/api/v1/posts/{topic.json()['id']}/comments",
        json={"body": "Yes"},
        headers=town.headers(device, language="en"),
    )
    by_staff = await client.post(
        f"/api/v1/posts/{topic.json()['id']}/comments",
        json={"body": "Noted"},
        headers=town.headers(admin),
    )

    assert by_device.status_code == 403
    assert "signed-in" in by_device.json()["detail"]
    assert by_staff.status_code == 201


async def test_another_tenants_ids_read_and_change_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    post = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "Ours"},
        headers=town.headers(citizen),
    )
    await platform.catch_up_projections()
    other = await create_town(platform, "Malmö")
    stranger = await device_token(client, other)
    post_id = post.json()["id"]

    reads = [
        await client.get(f"/api/v1/posts/{post_id}", headers=other.headers()),
        await client.get(f"/api/v1/dialogs/{dialog['id']}", headers=other.headers()),
        await client.get(f"/api/v1/dialogs/{dialog['id']}/posts", headers=other.headers()),
    ]
    writes = [
        await client.post(f"/api/v1/posts/{post_id}/supports", headers=other.headers(stranger)),
        await client.post(
            f"/api/v1/posts/{post_id}/comments",
            json={"body": "Theirs"},
            headers=other.headers(stranger),
        ),
        await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"body": "Theirs"},
            headers=other.headers(stranger),
        ),
    ]
    listed = await client.get("/api/v1/dialogs", headers=other.headers())

    assert [r.status_code for r in reads + writes] == [404] * 6
    assert listed.json()["items"] == []
    await platform.catch_up_projections()
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())
    assert shown.json()["supports"] == 0
    assert shown.json()["comments"] == 0


async def test_a_vox_pops_answers_are_shown_in_the_municipalitys_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    vox_pop = await open_dialog(client, town, admin, kind="vox-pop", settings={"question": "Bro?"})
    poll = await open_dialog(
        client,
        town,
        admin,
        kind="poll",
        settings={"question": "Var?", "options": ["yes", "Torget"]},
    )
    swedish = await client.get(f"/api/v1/dialogs/{vox_pop['id']}/tally", headers=town.headers())
    written = await client.get(f"/api/v1/dialogs/{poll['id']}/tally", headers=town.headers())
    await platform.tenants.update(town.slug, TenantChanges(default_language="fi"))
    await platform.catch_up_projections()
    await asyncio.sleep(2.1)  # each gateway keeps a host's tenant for two seconds
    finnish = await client.get(f"/api/v1/dialogs/{vox_pop['id']}/tally", headers=town.headers())

    def labels(answer: httpx.Response) -> dict[str, str]:
        assert answer.status_code == 200, answer.text
        return {r["choice"]: r["label"] for r in answer.json()["results"]}

    assert labels(swedish) == {"yes": "Ja", "no": "Nej"}
    assert labels(finnish) == {"yes": "Kyllä", "no": "Ei"}  # the stored answers stay yes and no
    assert labels(written) == {"yes": "yes", "Torget": "Torget"}  # a poll's options as written
