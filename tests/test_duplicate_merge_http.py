"""Near-duplicates merged over HTTP, end to end: an analyst marks a proposal as a duplicate of
another and merges it; the duplicate leaves the listings and the analysis's items (fetched
directly it shows as merged into the other, its URL still working), its supporters count for
the other post, each person once, so an e-proposal crosses its threshold through the merge;
the authors of both and the duplicate's supporters are told by e-mail (a real SMTP server);
the merge is in the audit trail; a theme keeps a merged item apart from its count and
significance; a support that reached the duplicate in a race with its merge is carried over
too; two merges racing on the same posts: one wins, nothing counted twice; a rebuild gives
the same rows and carries nothing again. Every bad merge is refused naming its field with
nothing written. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.identity.access import Role
from services.participation.domain import Support
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import caught_up
from tests.notify import Person, mails, person_with_address, send_round, submit
from tests.notify import text_of as text
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def town(platform: Platform) -> Town:
    return await create_town(platform)  # Swedish by default


@dataclasses.dataclass
class Scene:
    town: Town
    admin: str
    analyst: str
    analyst_id: str
    dialog: dict[str, Any]
    anna: Person  # wrote the original, A
    bo: Person  # wrote the duplicate, B
    cia: Person  # supports both
    dan: Person  # supports B only
    fay: str  # a device token; supports A only
    a: str
    b: str
    analysis: str

    def headers(self, token: str) -> dict[str, str]:
        return self.town.headers(token)


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def _support(client: httpx.AsyncClient, town: Town, token: str, post_id: str) -> None:
    await _ok(await client.post(f"/api/v1/posts/{post_id}/supports", headers=town.headers(token)))


async def _analysis(
    client: httpx.AsyncClient, town: Town, admin: str, dialogs: list[str], members: list[str]
) -> str:
    started = await _ok(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Bänkar", "dialog_ids": dialogs, "members": members},
            headers=town.headers(admin),
        )
    )
    analysis_id: str = started["id"]
    return analysis_id


@pytest.fixture
async def scene(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Scene:
    analyst = await staff_token(platform, town, "analytiker@town.example", Role.ANALYST)
    me = await _ok(await client.get("/api/v1/me", headers=town.headers(analyst)))
    # an e-proposal dialog: 3 supports carry a proposal to the committee
    dialog = await open_dialog(client, town, admin, settings={"support_threshold": 3})
    anna = await person_with_address(platform, town, "anna@example.org")
    bo = await person_with_address(platform, town, "bo@example.org")
    cia = await person_with_address(platform, town, "cia@example.org")
    dan = await person_with_address(platform, town, "dan@example.org")
    fay = await device_token(client, town)
    a = await submit(client, town, anna, dialog["id"], title="Bänkar vid dammen")
    b = await submit(client, town, bo, dialog["id"], title="Fler bänkar i parken")
    for token in (cia.token, fay):
        await _support(client, town, token, a["id"])
    for token in (cia.token, dan.token):
        await _support(client, town, token, b["id"])
    analysis = await _analysis(client, town, admin, [dialog["id"]], [me["person_id"]])
    return Scene(
        town, admin, analyst, me["person_id"], dialog, anna, bo, cia, dan, fay,
        a["id"], b["id"], analysis,
    )  # fmt: skip


async def _merge(
    client: httpx.AsyncClient, s: Scene, duplicate: str, into: str, token: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/analyses/{s.analysis}/merges",
        json={"duplicate_id": duplicate, "into_id": into},
        headers=s.headers(token or s.analyst),
    )


async def _count(platform: Platform, town: Town, event_type: str) -> int:
    async with platform.worker_pool.acquire() as conn:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND event_type = $2",
            town.slug,
            event_type,
        )
    return n


async def _post(client: httpx.AsyncClient, s: Scene, post_id: str) -> dict[str, Any]:
    return await _ok(await client.get(f"/api/v1/posts/{post_id}", headers=s.headers(s.admin)))


_ROWS = {
    "posts": "SELECT post_id, status, supports, threshold_reached, merged_into FROM posts",
    "post_supporters": "SELECT post_id, person_id FROM post_supporters",
    "post_merges": "SELECT post_id, into_post_id FROM post_merges",
    "endorsement_counts": "SELECT post_id, supports, threshold FROM endorsement_counts",
}


async def _rows(platform: Platform, town: Town) -> dict[str, list[tuple[Any, ...]]]:
    async with platform.worker_pool.acquire() as conn:
        return {
            name: sorted(
                tuple(r) for r in await conn.fetch(f"{query} WHERE tenant_id = $1", town.slug)
            )
            for name, query in _ROWS.items()
        }


async def test_a_duplicate_is_merged_its_supports_count_once_and_everyone_is_told(
    client: httpx.AsyncClient, platform: Platform, scene: Scene, smtp: SmtpServer
) -> None:
    s = scene
    await caught_up(platform)
    assert (await _post(client, s, s.a))["supports"] == 2  # below the threshold of 3

    merged = await _merge(client, s, s.b, s.a)
    assert merged.status_code == 201, merged.text
    assert merged.json() == {"analysis_id": s.analysis, "duplicate_id": s.b, "into_id": s.a}
    await caught_up(platform)

    original = await _post(client, s, s.a)
    assert original["supports"] == 3  # fay, cia (once, though she supported both) and dan
    assert original["threshold_reached"] is True  # crossed through the merge
    assert await _count(platform, s.town, "ThresholdReached") == 1
    assert await _count(platform, s.town, "SupportCarriedOver") == 1  # dan's; cia's was there
    duplicate = await _post(client, s, s.b)  # its URL keeps working
    assert (duplicate["status"], duplicate["merged_into"]) == ("merged", s.a)
    assert duplicate["supports"] == 2  # what it gathered itself
    listed = await _ok(
        await client.get(f"/api/v1/dialogs/{s.dialog['id']}/posts", headers=s.headers(s.fay))
    )
    assert [p["id"] for p in listed["items"]] == [s.a]
    items = await _ok(
        await client.get(f"/api/v1/analyses/{s.analysis}/items", headers=s.headers(s.analyst))
    )
    assert [(i["id"], i["supports"]) for i in items["items"]] == [(s.a, 3)]

    # the duplicate takes nothing more; it is merged once
    again = await _merge(client, s, s.b, s.a)
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "duplicate_id"
    late = await client.post(f"/api/v1/posts/{s.b}/supports", headers=s.headers(s.fay))
    assert late.status_code == 409, late.text
    # dan is counted for A already: his own support of it now would be a second
    dans = await client.post(f"/api/v1/posts/{s.a}/supports", headers=s.headers(s.dan.token))
    assert dans.status_code == 409, dans.text

    await send_round(platform)
    await send_round(platform)  # a second round sends nothing more
    told = mails(smtp.inbox, "post-merged")
    assert sorted(m["To"] for m in told) == [
        "anna@example.org",
        "bo@example.org",
        "cia@example.org",
        "dan@example.org",
    ]
    for message in told:
        assert (
            message["Subject"] == "«Fler bänkar i parken» har slagits ihop med «Bänkar vid dammen»"
        )
        assert f"https://{s.town.host}/posts/{s.a}" in text(message)
    fay_items = await _ok(await client.get("/api/v1/me/notifications", headers=s.headers(s.fay)))
    assert not [i for i in fay_items["items"] if i["kind"] == "post-merged"]  # A's backer only
    # the threshold reached through the merge reaches A's author too
    assert [m["To"] for m in mails(smtp.inbox, "threshold-reached")] == ["anna@example.org"]

    audit = await _ok(
        await client.get(
            "/api/v1/audit", params={"kind": "PostMergedInto"}, headers=s.headers(s.admin)
        )
    )
    [entry] = audit["items"]
    assert (entry["actor"], entry["role"]) == (s.analyst_id, "analyst")
    assert entry["payload"]["into_post_id"] == s.a

    # a rebuild gives the same rows, and carries nothing again
    live = await _rows(platform, s.town)
    for runner in platform.projections:
        await runner.rebuild(platform.reader)
    await caught_up(platform)
    assert await _rows(platform, s.town) == live
    assert await _count(platform, s.town, "SupportCarriedOver") == 1
    assert await _count(platform, s.town, "ThresholdReached") == 1
    await send_round(platform)
    assert len(mails(smtp.inbox, "post-merged")) == 4  # a rebuild sends nothing twice


async def test_a_support_that_reached_the_duplicate_in_a_race_with_its_merge_is_carried(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    """A supporter's request checked just before the merge saves its support after it: the
    merge policy, reading the log in order, carries it over as well (and a chain on)."""
    s = scene
    third = await submit(client, s.town, s.anna, s.dialog["id"], title="Bänkar överallt")
    assert (await _merge(client, s, s.b, s.a)).status_code == 201
    late = await device_token(client, s.town)
    me = await _ok(await client.get("/api/v1/me", headers=s.headers(late)))
    b = await platform.participation._post(s.town.slug, UUID(s.b))
    support = Support(post_id=b.id, dialog_id=b.dialog_id, person_id=UUID(me["person_id"]))
    await platform.repository.save(s.town.slug, support)  # as the racing request would
    await caught_up(platform)
    assert (await _post(client, s, s.a))["supports"] == 4
    # A merged on into a third post takes everyone along, each once
    assert (await _merge(client, s, s.a, third["id"])).status_code == 201
    await caught_up(platform)
    assert (await _post(client, s, third["id"]))["supports"] == 4


async def test_two_merges_racing_on_the_same_posts_one_wins_and_nothing_counts_twice(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    s = scene
    c = await submit(client, s.town, s.anna, s.dialog["id"], title="Bänkar vid skolan")
    first, second = await asyncio.gather(
        _merge(client, s, s.b, s.a), _merge(client, s, s.b, c["id"])
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first, second)
    both_ways = await asyncio.gather(
        _merge(client, s, s.a, c["id"]), _merge(client, s, c["id"], s.a)
    )
    codes = sorted(r.status_code for r in both_ways)
    assert codes[0] == 201, [r.text for r in both_ways]
    assert codes[1] in (409, 422), [r.text for r in both_ways]
    await caught_up(platform)
    assert await _count(platform, s.town, "PostMergedInto") == 2
    survivor = [p for p in (s.a, c["id"]) if (await _post(client, s, p))["status"] == "published"]
    [kept] = survivor
    # whoever won, the one post left counts fay, cia and dan once each
    assert (await _post(client, s, kept))["supports"] == 3
    async with platform.worker_pool.acquire() as conn:
        streams = await conn.fetchval(
            "SELECT count(*) - count(DISTINCT stream_id) FROM events WHERE tenant_id = $1"
            " AND event_type IN ('SupportGiven', 'SupportCarriedOver')",
            s.town.slug,
        )
    assert streams == 0


async def test_bad_merges_are_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, platform: Platform, scene: Scene, admin: str
) -> None:
    s = scene
    other_dialog = await open_dialog(client, s.town, admin)
    elsewhere = await submit(client, s.town, s.anna, other_dialog["id"], title="Annat")
    petitions = await open_dialog(
        client, s.town, admin, kind="petition", settings={"signature_goal": 5}
    )
    petition_analysis = await _analysis(
        client, s.town, admin, [petitions["id"], s.dialog["id"]], [s.analyst_id]
    )
    petition = await submit(client, s.town, s.anna, petitions["id"], title="Namnlista")
    comment = await _ok(
        await client.post(
            f"/api/v1/posts/{s.a}/comments", json={"body": "Ja!"}, headers=s.headers(s.fay)
        )
    )
    other_town = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other_town, "admin@other.example", Role.ADMINISTRATOR)
    foreign = await open_dialog(client, other_town, other_admin)
    foreign_post = await _ok(
        await client.post(
            f"/api/v1/dialogs/{foreign['id']}/posts",
            json={"title": "Främmande", "body": "Från en annan kommun"},
            headers=other_town.headers(await device_token(client, other_town)),
        )
    )
    hidden = await submit(client, s.town, s.anna, s.dialog["id"], title="Dold")
    await _ok(
        await client.post(
            f"/api/v1/posts/{hidden['id']}/hide", json={"reason": "spam"}, headers=s.headers(admin)
        )
    )
    cases = [
        ((s.b, hidden["id"]), 422, "into_id"),  # hidden by a moderator
        ((hidden["id"], s.a), 422, "duplicate_id"),
        ((s.b, s.b), 422, "into_id"),
        ((s.b, elsewhere["id"]), 422, "into_id"),  # not in the analysis's dialogs
        ((elsewhere["id"], s.a), 422, "duplicate_id"),
        ((s.b, comment["id"]), 422, "into_id"),
        ((s.b, foreign_post["id"]), 422, "into_id"),  # another municipality's
        ((s.b, "00000000-0000-0000-0000-000000000001"), 422, "into_id"),
    ]
    for (duplicate, into), status, field in cases:
        refused = await _merge(client, s, duplicate, into)
        assert refused.status_code == status, (duplicate, into, refused.text)
        assert refused.json()["field"] == field, refused.text
    refused = await client.post(
        f"/api/v1/analyses/{petition_analysis}/merges",
        json={"duplicate_id": petition["id"], "into_id": s.a},
        headers=s.headers(s.analyst),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "duplicate_id"
    assert "namninsamlings underskrifter" in refused.json()["detail"]  # the town's Swedish
    missing = await client.post(
        f"/api/v1/analyses/{s.analysis}/merges",
        json={"duplicate_id": s.b},
        headers=s.headers(s.analyst),
    )
    assert missing.status_code == 400, missing.text
    outsider = await staff_token(platform, s.town, "utanfor@town.example", Role.ANALYST)
    assert (await _merge(client, s, s.b, s.a, outsider)).status_code == 404
    assert (await _merge(client, s, s.b, s.a, s.fay)).status_code in (403, 404)
    # a merged post is no longer merged into
    assert (await _merge(client, s, s.b, s.a)).status_code == 201
    chained = await _merge(client, s, elsewhere["id"], s.b)
    assert chained.status_code == 422
    onto_merged = await _merge(client, s, s.a, s.b)
    assert onto_merged.json()["field"] == "into_id", onto_merged.text
    assert await _count(platform, s.town, "PostMergedInto") == 1


async def test_a_merged_item_stays_in_its_theme_apart_from_its_count_and_significance(
    client: httpx.AsyncClient, platform: Platform, scene: Scene
) -> None:
    s = scene
    base = f"/api/v1/analyses/{s.analysis}"
    theme = await _ok(
        await client.post(
            f"{base}/themes",
            json={"heading": "Bänkar", "items": [s.a, s.b]},
            headers=s.headers(s.analyst),
        )
    )
    for item, rating in ((s.a, 8), (s.b, 2)):
        await _ok(
            await client.put(
                f"{base}/items/{item}/rating", json={"rating": rating}, headers=s.headers(s.admin)
            )
        )
    assert (await _merge(client, s, s.b, s.a)).status_code == 201
    await caught_up(platform)
    [listed] = (await _ok(await client.get(f"{base}/themes", headers=s.headers(s.analyst))))[
        "items"
    ]
    assert listed["id"] == theme["id"]
    assert (listed["items"], listed["merged_items"], listed["items_count"]) == (
        [s.a, s.b],
        [s.b],
        1,
    )
    assert listed["mean_significance"] == 8.0  # B's 2 is kept, not counted
    rated = await client.put(
        f"{base}/items/{s.b}/rating", json={"rating": 5}, headers=s.headers(s.analyst)
    )
    assert rated.status_code == 409, rated.text
    put_in = await client.post(
        f"{base}/themes", json={"heading": "Annat", "items": [s.b]}, headers=s.headers(s.analyst)
    )
    assert put_in.status_code == 422, put_in.text
    assert put_in.json()["field"] == "items[0]", put_in.text
