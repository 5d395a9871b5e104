"""Erasure and access on request: nothing lasting for an unanswered sign-in request, a person's
erasure by crypto-shredding, and the export of what is held about a person."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from pathlib import Path

import asyncpg
import httpx

from events.personal import ERASED
from tests.api import Town, device_token, open_dialog
from tests.helpers import cli
from tinget.bootstrap import Platform


async def owner_fetch(platform: Platform, query: str, *args: object) -> list[asyncpg.Record]:
    """Rows as the database owner sees them, past row-level security."""
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def mailed_code(platform: Platform) -> str:
    """The code of the last sign-in link the embedded mode wrote as a file."""
    folder: Path = platform.addresses.data_dir / "mail"
    last = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(last.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"/sign-in\?code=([A-Za-z0-9_-]+)", body.get_content())
    assert found is not None
    return found.group(1)


async def test_a_sign_in_link_for_an_unknown_address_records_no_one_until_redeemed(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": "ny@example.se"}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text

    assert await owner_fetch(platform, "SELECT * FROM people WHERE tenant_id = $1", town.slug) == []
    codes = await owner_fetch(
        platform,
        "SELECT person_id, email_sealed FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert len(codes) == 1
    assert codes[0]["person_id"] is None
    assert b"ny@example.se" not in bytes(codes[0]["email_sealed"])  # sealed, not plain

    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": mailed_code(platform)}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text
    people = await owner_fetch(
        platform, "SELECT person_id, email FROM people WHERE tenant_id = $1", town.slug
    )
    assert [p["email"] for p in people] == ["ny@example.se"]
    me = await client.get("/api/v1/me", headers=town.headers(redeemed.json()["token"]))
    assert me.json()["person_id"] == str(people[0]["person_id"])
    codes = await owner_fetch(
        platform,
        "SELECT person_id, email_sealed FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert codes[0]["person_id"] == people[0]["person_id"]
    assert codes[0]["email_sealed"] is None


async def test_expired_sign_in_codes_are_pruned(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    for address in ("a@example.se", "b@example.se"):
        asked = await client.post(
            "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
        )
        assert asked.status_code == 202, asked.text
    await owner_fetch(
        platform,
        "UPDATE sign_in_codes SET expires_at = now() - interval '1 second' WHERE tenant_id = $1",
        town.slug,
    )

    assert await platform.identity.codes.prune(town.slug) == 2

    assert (
        await owner_fetch(platform, "SELECT * FROM sign_in_codes WHERE tenant_id = $1", town.slug)
        == []
    )
    assert await owner_fetch(platform, "SELECT * FROM people WHERE tenant_id = $1", town.slug) == []


async def test_a_new_code_prunes_the_expired_ones(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await client.post(
        "/api/v1/sign-in/email", json={"email": "a@example.se"}, headers=town.headers()
    )
    await owner_fetch(
        platform,
        "UPDATE sign_in_codes SET expires_at = now() - interval '1 second' WHERE tenant_id = $1",
        town.slug,
    )

    await client.post(
        "/api/v1/sign-in/email", json={"email": "b@example.se"}, headers=town.headers()
    )

    rows = await owner_fetch(
        platform,
        "SELECT expires_at > now() AS live FROM sign_in_codes WHERE tenant_id = $1",
        town.slug,
    )
    assert [r["live"] for r in rows] == [True]


# -- erasure ------------------------------------------------------------------------------

TITLE = "Bänkar vid Stortorget"
BODY = "Eva Svensson på Kvarngatan 7 föreslår fler bänkar"
COMMENT = "Eva igen: gärna i ek"


async def signed_in(client: httpx.AsyncClient, platform: Platform, town: Town, address: str) -> str:
    """A participant who signed in with an e-mail link: their token."""
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": mailed_code(platform)}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text
    token: str = redeemed.json()["token"]
    return token


async def person_of(client: httpx.AsyncClient, town: Town, token: str) -> str:
    me = await client.get("/api/v1/me", headers=town.headers(token))
    person: str = me.json()["person_id"]
    return person


async def writes(
    client: httpx.AsyncClient, town: Town, token: str, dialog_id: str, title: str, body: str
) -> tuple[str, str]:
    """A proposal with a title and a body and a comment on it, by ``token``'s person."""
    post = await client.post(
        f"/api/v1/dialogs/{dialog_id}/posts",
        json={"title": title, "body": body},
        headers=town.headers(token),
    )
    assert post.status_code == 201, post.text
    comment = await client.post(
        f"/api/v1/posts/{post.json()['id']}/comments",
        json={"body": COMMENT if title == TITLE else f"{body} (comment)"},
        headers=town.headers(token),
    )
    assert comment.status_code == 201, comment.text
    return post.json()["id"], comment.json()["id"]


async def test_an_erased_persons_texts_read_as_erased_everywhere_and_history_stays(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    eva = await signed_in(client, platform, town, "eva@example.se")
    eva_id = await person_of(client, town, eva)
    post_id, comment_id = await writes(client, town, eva, dialog["id"], TITLE, BODY)
    other = await signed_in(client, platform, town, "olle@example.se")
    other_post, _ = await writes(client, town, other, dialog["id"], "Olles idé", "Ett torg")
    await platform.catch_up_projections()
    events_before = await owner_fetch(
        platform, "SELECT event_id FROM events WHERE tenant_id = $1", town.slug
    )
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())
    assert shown.json()["title"] == TITLE  # readable until the erasure

    erased = await client.post(f"/api/v1/people/{eva_id}/erasure", headers=town.headers(admin))

    assert erased.status_code == 202, erased.text
    assert erased.json()["erased_now"] is True
    again = await client.post(f"/api/v1/people/{eva_id}/erasure", headers=town.headers(admin))
    assert again.status_code == 200, again.text
    assert again.json()["erased_at"] == erased.json()["erased_at"]
    person = await owner_fetch(
        platform,
        "SELECT email, display_name, erased_at FROM people WHERE tenant_id = $1 AND person_id = $2",
        town.slug,
        uuid.UUID(eva_id),
    )
    assert person[0]["email"] is None
    assert person[0]["display_name"] is None
    assert person[0]["erased_at"] is not None
    refused = await client.get("/api/v1/me", headers=town.headers(eva))
    assert refused.status_code == 401
    await platform.catch_up_projections()
    await assert_erased(client, town, dialog["id"], post_id, comment_id, other_post)
    # History kept: every event is still there, with one more (the erasure), and none of them
    # holds the plain text (it never did: the personal fields are sealed).
    events_after = await owner_fetch(
        platform,
        "SELECT event_id, event_type, data::text FROM events WHERE tenant_id = $1",
        town.slug,
    )
    assert {r["event_id"] for r in events_before} <= {r["event_id"] for r in events_after}
    assert len(events_after) == len(events_before) + 1
    assert [r["event_type"] for r in events_after].count("PersonErased") == 1
    stored = " ".join(r["data"] for r in events_after)
    for text in (TITLE, BODY, COMMENT, "Kvarngatan"):
        assert text not in stored
    assert "Olles idé" not in stored  # sealed too, under Olle's own key
    for export_format in ("csv", "json"):
        exported = await client.get(
            "/api/v1/audit/export", params={"format": export_format}, headers=town.headers(admin)
        )
        assert exported.status_code == 200
        assert "PostSubmitted" in exported.text
        for text in (TITLE, BODY, COMMENT, "Kvarngatan"):
            assert text not in exported.text
    tinget = cli(platform.addresses)
    verified = tinget("audit", "verify", "--tenant", town.slug)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    rebuilt = tinget("rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    await assert_erased(client, town, dialog["id"], post_id, comment_id, other_post)
    assert tinget("audit", "verify", "--tenant", town.slug).returncode == 0


async def assert_erased(
    client: httpx.AsyncClient,
    town: Town,
    dialog_id: str,
    post_id: str,
    comment_id: str,
    other_post: str,
) -> None:
    listed = await client.get(f"/api/v1/dialogs/{dialog_id}/posts", headers=town.headers())
    by_id = {p["id"]: p for p in listed.json()["items"]}
    assert by_id[post_id]["title"] == ERASED
    assert by_id[post_id]["body"] == ERASED
    assert by_id[post_id]["comments"] == 1  # counts stay
    assert by_id[other_post]["title"] == "Olles idé"  # nobody else's text is touched
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())
    assert (shown.json()["title"], shown.json()["body"]) == (ERASED, ERASED)
    thread = await client.get(f"/api/v1/posts/{post_id}/comments", headers=town.headers())
    comments = {c["id"]: c for c in thread.json()["items"]}
    assert comments[comment_id]["body"] == ERASED


async def test_erasure_refuses_bad_requests_naming_the_reason(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    citizen = await device_token(client, town)
    citizen_id = await person_of(client, town, citizen)

    unknown = await client.post(
        f"/api/v1/people/{uuid.uuid4()}/erasure", headers=town.headers(admin)
    )
    by_participant = await client.post(
        f"/api/v1/people/{citizen_id}/erasure", headers=town.headers(citizen)
    )
    malformed = await client.post("/api/v1/people/not-a-uuid/erasure", headers=town.headers(admin))
    anonymous = await client.post(f"/api/v1/people/{citizen_id}/erasure", headers=town.headers())

    assert unknown.status_code == 404
    assert by_participant.status_code == 403
    assert malformed.status_code in (400, 404, 422)
    assert anonymous.status_code == 401
    for response in (unknown, by_participant, malformed, anonymous):
        assert response.headers["content-type"].startswith("application/problem+json")
    me = await client.get("/api/v1/me", headers=town.headers(citizen))
    assert me.status_code == 200  # nothing was erased


def test_the_cli_erases_a_person_and_refuses_bad_input(platform: Platform, town: Town) -> None:
    tinget = cli(platform.addresses)

    malformed = tinget("people", "erase", town.slug, "nobody")
    unknown = tinget("people", "erase", town.slug, str(uuid.uuid4()))
    no_tenant = tinget("people", "erase", "no-such-town", str(uuid.uuid4()))

    assert malformed.returncode == 2
    assert "person" in malformed.stderr
    assert unknown.returncode == 3
    assert no_tenant.returncode == 3


async def test_what_a_person_writes_is_stored_sealed_and_read_back_in_clear(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    eva = await signed_in(client, platform, town, "eva@example.se")
    post_id, _ = await writes(client, town, eva, dialog["id"], TITLE, BODY)
    await platform.catch_up_projections()

    stored = await owner_fetch(
        platform, "SELECT data::text AS data FROM events WHERE tenant_id = $1", town.slug
    )
    shown = await client.get(f"/api/v1/posts/{post_id}", headers=town.headers())

    assert all(BODY not in r["data"] and TITLE not in r["data"] for r in stored)
    assert (shown.json()["title"], shown.json()["body"]) == (TITLE, BODY)
    keys = await owner_fetch(
        platform, "SELECT key FROM person_keys WHERE tenant_id = $1", town.slug
    )
    assert len(keys) == 1  # Eva's, made when she first wrote; the administrator wrote nothing


# -- access on request ---------------------------------------------------------------------


async def test_a_persons_export_holds_what_they_wrote_and_nothing_of_anyone_else(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    eva = await signed_in(client, platform, town, "eva@example.se")
    eva_id = await person_of(client, town, eva)
    post_id, comment_id = await writes(client, town, eva, dialog["id"], TITLE, BODY)
    olle = await signed_in(client, platform, town, "olle@example.se")
    olle_id = await person_of(client, town, olle)
    olle_post, _ = await writes(client, town, olle, dialog["id"], "Olles idé", "Ett torg")
    supported = await client.post(f"/api/v1/posts/{olle_post}/supports", headers=town.headers(eva))
    assert supported.status_code == 201, supported.text
    await platform.catch_up_projections()

    mine = await client.get("/api/v1/me/data", headers=town.headers(eva))
    by_admin = await client.get(f"/api/v1/people/{eva_id}/data", headers=town.headers(admin))
    by_olle = await client.get(f"/api/v1/people/{eva_id}/data", headers=town.headers(olle))
    unknown = await client.get(f"/api/v1/people/{uuid.uuid4()}/data", headers=town.headers(admin))

    assert mine.status_code == 200, mine.text
    assert by_admin.json() == mine.json()
    data = mine.json()
    assert data["record"]["email"] == "eva@example.se"
    assert data["role"] == "participant"
    assert [(p["post_id"], p["title"], p["body"]) for p in data["posts"]] == [
        (post_id, TITLE, BODY)
    ]
    assert [c["post_id"] for c in data["comments"]] == [comment_id]
    assert [s["post_id"] for s in data["supports"]] == [olle_post]
    assert "secret" in data["ballots"]
    text = mine.text
    for other in ("olle@example.se", olle_id, "Olles idé", "Ett torg"):
        assert other not in text
    assert by_olle.status_code == 403
    assert unknown.status_code == 404
    exported = cli(platform.addresses)("people", "export", town.slug, eva_id)
    assert exported.returncode == 0, exported.stderr
    assert TITLE in exported.stdout
    assert "olle@example.se" not in exported.stdout
