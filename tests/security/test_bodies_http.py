"""Request bodies: fields the server decides never take effect; bodies too large get 413 and
bodies of the wrong content type 415, images that do not decode 422, each a problem naming what
is wrong, with nothing written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.gamification.commands import PointsInput
from services.media.images import MAX_IMAGE_BYTES
from tests.api import dialog_body
from tests.images import png, png_declaring
from tests.security.world import Someone, World, build_world
from tinget.bootstrap import Platform

# What the server takes from the token, the host and its own clock and counts
SERVER_DECIDED = [
    "tenant_id",
    "tenant",
    "author_id",
    "author",
    "person_id",
    "actor",
    "role",
    "created_at",
    "updated_at",
    "status",
    "id",
    "supports",
    "signatures",
    "comments",
    "ballots",
    "votes",
    "version",
    "position",
]


@pytest.fixture
async def world(client: httpx.AsyncClient, platform: Platform) -> World:
    return await build_world(client, platform, "Lund")


def _writes(world: World) -> list[tuple[Someone, str, str, dict[str, Any]]]:
    """Every write that takes a JSON body: (caller, method, path, a valid body)."""
    admin, moderator = world.admin, world.moderator
    alice, bob, carl = world.participants
    d, p = world.dialogs, world.posts
    reason = {"reason": "Because"}
    rules = {
        "enabled": True,
        "points": dict.fromkeys(PointsInput.__struct_fields__, 1),
        "badges": [],
        "levels": [{"name": "Newcomer", "min_points": 0, "welcome": "Welcome"}],
    }
    return [
        (admin, "POST", "/api/v1/dialogs", dialog_body()),
        (admin, "PATCH", f"/api/v1/dialogs/{d['draft']}", {"title": "New title"}),
        (admin, "POST", f"/api/v1/dialogs/{d['proposals']}/close", reason),
        (admin, "POST", f"/api/v1/dialogs/{d['proposals']}/results", {"summary": "Done"}),
        (admin, "POST", f"/api/v1/dialogs/{d['draft']}/invitations", {"invitees": [{}]}),
        (admin, "POST", f"/api/v1/posts/{p['report']}/status", {"status": "fixed"}),
        (admin, "PUT", f"/api/v1/people/{carl.person_id}/role", {"role": "moderator"}),
        (admin, "PUT", "/api/v1/committees", {"committees": ["Transport"]}),
        (admin, "PUT", "/api/v1/gamification/rules", rules),
        (
            admin,
            "PUT",
            "/api/v1/notification-templates/report-status/en",
            {"subject": "News", "body": "{status}"},
        ),
        (alice, "POST", f"/api/v1/dialogs/{d['proposals']}/posts", {"body": "Hello"}),
        (alice, "PATCH", f"/api/v1/posts/{p['proposal']}", {"body": "Edited"}),
        (bob, "POST", f"/api/v1/posts/{p['proposal']}/comments", {"body": "Reply"}),
        (alice, "POST", f"/api/v1/dialogs/{d['vox-pop']}/votes", {"choices": ["yes"]}),
        (bob, "POST", f"/api/v1/posts/{p['topic']}/flags", reason),
        (carl, "POST", f"/api/v1/posts/{p['hidden']}/appeal", reason),
        (moderator, "POST", f"/api/v1/posts/{p['topic']}/hide", reason),
        (moderator, "POST", f"/api/v1/posts/{p['hidden']}/restore", reason),
        (
            world.moderator2,
            "POST",
            f"/api/v1/posts/{p['hidden']}/appeal/decision",
            {"upheld": True, **reason},
        ),
        (moderator, "POST", f"/api/v1/people/{alice.person_id}/block", reason),
        (moderator, "POST", f"/api/v1/people/{carl.person_id}/unblock", reason),
        (alice, "PUT", "/api/v1/me/leaderboard", {"opt_in": True}),
        (
            alice,
            "PUT",
            "/api/v1/me/notification-preferences",
            {"preferences": [{"kind": "report-status"}]},
        ),
        (
            alice,
            "POST",
            "/api/v1/me/push-subscriptions",
            {"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}},
        ),
    ]


async def _events(platform: Platform) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
    return count


async def test_server_decided_fields_in_a_body_are_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    before = await _events(platform)
    wrong: list[str] = []
    tried = 0
    for caller, method, path, body in _writes(world):
        for name in SERVER_DECIDED:
            if name in body:
                continue  # a field the operation does take (a report's status, a role)
            sneaked = {**body, name: _value(name, world)}
            response = await client.request(
                method, path, json=sneaked, headers=world.town.headers(caller.token)
            )
            tried += 1
            problem = response.json()
            if response.status_code != 400 or problem.get("field") != name:
                wrong.append(f"{method} {path} +{name} -> {response.status_code} {response.text}")
    assert wrong == [], "\n".join(wrong[:20])
    assert await _events(platform) == before  # nothing written
    assert tried >= 24 * (len(SERVER_DECIDED) - 1)


def _value(name: str, world: World) -> Any:
    if name in ("tenant_id", "tenant"):
        return "someone-else"
    if name.endswith("_at"):
        return "2020-01-01T00:00:00+00:00"
    if name in ("author_id", "person_id", "actor", "id", "author"):
        return str(world.admin.person_id)
    if name in ("role", "status"):
        return "administrator" if name == "role" else "published"
    return 1_000_000


async def _chunks(size: int, piece: bytes) -> AsyncIterator[bytes]:
    sent = 0
    while sent < size:
        yield piece
        sent += len(piece)


async def test_bodies_too_large_get_413_problems(
    client: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    alice = world.participants[0]
    headers = world.town.headers(alice.token)
    as_json = {**headers, "content-type": "application/json"}
    as_png = {**headers, "content-type": "image/png"}
    posts = f"/api/v1/dialogs/{world.dialogs['proposals']}/posts"
    before = await _events(platform)
    huge_json = b'{"body": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    image = png("large") + b"\x00" * MAX_IMAGE_BYTES  # one byte too many and more

    answers = {
        "JSON, with a length": await client.post(posts, content=huge_json, headers=as_json),
        "JSON, chunked": await client.post(
            posts,
            content=_chunks(3 * 1024 * 1024, b"x" * 65536),
            headers=as_json,
        ),
        "image, with a length": await client.post("/api/v1/images", content=image, headers=as_png),
        "image, exactly one byte over": await client.post(
            "/api/v1/images",
            content=image[: MAX_IMAGE_BYTES + 1],
            headers=as_png,
        ),
        "image, chunked": await client.post(
            "/api/v1/images",
            content=_chunks(MAX_IMAGE_BYTES + 65536, png("chunk") + b"\x00" * 65500),
            headers=as_png,
        ),
    }

    for name, response in answers.items():
        assert response.status_code == 413, (name, response.text[:300])
        assert response.headers["content-type"] == "application/problem+json", name
        assert response.json()["status"] == 413, name
    assert await _events(platform) == before
    largest = await client.post(
        "/api/v1/images",
        content=image[:MAX_IMAGE_BYTES],
        headers=as_png,
    )
    assert largest.status_code == 201, largest.text  # 5 MiB exactly is allowed


async def test_wrong_content_types_get_415_problems_naming_the_header(
    client: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    alice = world.participants[0]
    auth = world.town.headers(alice.token)
    posts = f"/api/v1/dialogs/{world.dialogs['proposals']}/posts"
    json_body = b'{"body": "Hello"}'
    before = await _events(platform)

    attempts = {
        "text/plain on a JSON endpoint": (posts, json_body, "text/plain"),
        "a form on a JSON endpoint": (posts, b"body=Hello", "application/x-www-form-urlencoded"),
        "multipart on a JSON endpoint": (
            posts,
            b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nHello\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        "XML on a JSON endpoint": (posts, b"<body>Hello</body>", "application/xml"),
        "no content type on a JSON endpoint": (posts, json_body, None),
        "JSON on the image upload": ("/api/v1/images", json_body, "application/json"),
        "text on the image upload": ("/api/v1/images", png("t"), "text/plain"),
        "GIF type on the image upload": ("/api/v1/images", png("g"), "image/gif"),
        "multipart on the image upload": (
            "/api/v1/images",
            b"--b\r\nContent-Disposition: form-data; name=f\r\n\r\n" + png("m") + b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    }
    for name, (path, content, content_type) in attempts.items():
        headers = dict(auth)
        if content_type is not None:
            headers["content-type"] = content_type
        response = await client.post(path, content=content, headers=headers)
        assert response.status_code == 415, (name, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json", name
        assert problem["field"] == "content-type", name
        assert "content-type" in problem["detail"], name
    assert await _events(platform) == before

    # what is right still works: JSON with a charset, +json, and raw image bytes
    with_charset = await client.post(
        posts,
        content=json_body,
        headers={**auth, "content-type": "application/json; charset=utf-8"},
    )
    as_octets = await client.post(
        "/api/v1/images",
        content=png("octets"),
        headers={**auth, "content-type": "application/octet-stream"},
    )
    without_type = await client.post("/api/v1/images", content=png("no type"), headers=auth)
    assert with_charset.status_code == 201, with_charset.text
    assert as_octets.status_code == 201, as_octets.text
    assert without_type.status_code == 201, without_type.text  # RFC 9110: octets assumed


async def test_image_bodies_are_judged_by_decoding_them_not_by_their_header(
    client: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    """The upload's type is what its bytes decode as: a lying magic number or declared size
    is a problem naming the body, a blocked participant is refused, and nothing is stored."""
    alice, _, carl = world.participants
    images = platform.addresses.data_dir / "images" / world.town.slug
    stored_before = sorted(p.name for p in images.rglob("*") if p.is_file())
    before = await _events(platform)

    def as_type(content_type: str) -> dict[str, str]:
        return {**world.town.headers(alice.token), "content-type": content_type}

    refused = {
        "JPEG magic, then garbage": (
            await client.post(
                "/api/v1/images",
                content=b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64,
                headers=as_type("image/jpeg"),
            ),
            422,
        ),
        "a PNG declaring 100000 x 100000 pixels": (
            await client.post(
                "/api/v1/images",
                content=png_declaring(100_000, 100_000),
                headers=as_type("image/png"),
            ),
            422,
        ),
        "GIF bytes sent as octets": (
            await client.post(
                "/api/v1/images",
                content=b"GIF89a\x01\x00\x01\x00" + bytes(32),
                headers=as_type("application/octet-stream"),
            ),
            415,
        ),
        "a blocked participant's PNG": (
            await client.post(
                "/api/v1/images",
                content=png("carl"),
                headers={**world.town.headers(carl.token), "content-type": "image/png"},
            ),
            403,
        ),
    }
    for name, (response, status) in refused.items():
        assert response.status_code == status, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json", name
        if status != 403:
            assert response.json()["field"] == "body", name
    assert await _events(platform) == before
    assert sorted(p.name for p in images.rglob("*") if p.is_file()) == stored_before

    # a real PNG sent as image/jpeg is stored as the PNG it is
    mislabelled = await client.post(
        "/api/v1/images", content=png("png"), headers=as_type("image/jpeg")
    )
    assert mislabelled.status_code == 201, mislabelled.text
    assert mislabelled.json()["content_type"] == "image/png"


def _with_nul(value: Any) -> Any:
    """``value`` with a NUL character in every string it holds."""
    if isinstance(value, str):
        return f"a\x00{value}"
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: _with_nul(v) for k, v in value.items()}
    return value


async def test_a_nul_character_anywhere_is_refused_with_a_4xx_and_nothing_written(
    client: httpx.AsyncClient, platform: Platform, world: World
) -> None:
    """PostgreSQL stores no NUL character in text: every string of every write's body, and
    text query parameters, carrying one get a 4xx problem (a query parameter: 422 naming it),
    never a 500, and nothing is written."""
    before = await _events(platform)
    wrong: list[str] = []
    for caller, method, path, body in _writes(world):
        for name, value in body.items():
            if _with_nul(value) == value:
                continue  # no string in it (a number, an empty list)
            response = await client.request(
                method,
                path,
                json={**body, name: _with_nul(value)},
                headers=world.town.headers(caller.token),
            )
            if not 400 <= response.status_code < 500:
                wrong.append(f"{method} {path} {name} -> {response.status_code} {response.text}")
    admin = world.town.headers(world.admin.token)
    for path, parameter in (("/api/v1/dialogs", "committee"), ("/api/v1/audit", "cursor")):
        response = await client.get(path, params={parameter: "a\x00b"}, headers=admin)
        if response.status_code != 422 or response.json().get("field") != parameter:
            wrong.append(f"GET {path}?{parameter} -> {response.status_code} {response.text}")
    assert wrong == [], "\n".join(wrong[:20])
    assert await _events(platform) == before
