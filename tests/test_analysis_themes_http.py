"""Themes and agreement over HTTP: analysts group an analysis's items into themes (an item in
several), rewrite them, take items out, merge two themes and split one; themes are listed
with their items, count and mean significance, items show their themes and are filtered by
one; a rebuild gives the same theme rows. Every bad input is refused naming its field with
nothing written, and an analyst who is no member gets 404 for every theme operation. The
analysis shows Krippendorff's alpha over its ratings, and `sort=rating` ranks the items by
mean rating with ties by the number of ratings. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import httpx
import krippendorff
import numpy as np
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, open_dialog, staff_token
from tests.helpers import caught_up
from tests.test_analysis_http import Setting, _items, _start, make_setting, problem_fields
from tinget.bootstrap import Platform


@pytest.fixture
async def themed(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Setting:
    return await make_setting(client, platform, town, admin)


async def _theme(
    client: httpx.AsyncClient,
    s: Setting,
    aid: str,
    heading: str,
    items: list[str],
    token: str | None = None,
) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/analyses/{aid}/themes",
        json={"heading": heading, "summary": f"Om {heading.lower()}", "items": items},
        headers=s.headers(token or s.analysts[0]),
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def _themes(
    client: httpx.AsyncClient, platform: Platform, s: Setting, aid: str
) -> list[dict[str, Any]]:
    await caught_up(platform)
    listed = await client.get(f"/api/v1/analyses/{aid}/themes", headers=s.headers(s.analysts[1]))
    assert listed.status_code == 200, listed.text
    themes: list[dict[str, Any]] = listed.json()["items"]
    return themes


async def _rate(
    client: httpx.AsyncClient, s: Setting, aid: str, token: str, item: str, rating: int
) -> None:
    rated = await client.put(
        f"/api/v1/analyses/{aid}/items/{item}/rating",
        json={"rating": rating},
        headers=s.headers(token),
    )
    assert rated.status_code == 200, rated.text


async def test_analysts_group_items_into_themes_and_merge_and_split_them(
    client: httpx.AsyncClient, platform: Platform, themed: Setting
) -> None:
    s = themed
    aid = (await _start(client, s))["id"]
    p0, p1, p2 = s.posts[:3]
    a0, a1 = s.analysts
    cycling = await _theme(client, s, aid, "Cykling", [p0])
    assert (cycling["heading"], cycling["summary"], cycling["items"]) == (
        "Cykling",
        "Om cykling",
        [p0],
    )
    safety = await _theme(client, s, aid, "Trygghet", [p1], a1)
    t1, t2 = cycling["id"], safety["id"]

    # drag items into themes: p0 sits in both
    for theme, item in ((t1, p2), (t2, p0), (t2, p0)):
        added = await client.post(
            f"/api/v1/analyses/{aid}/themes/{theme}/items",
            json={"item_id": item},
            headers=s.headers(a0),
        )
        assert added.status_code == 200, added.text
    assert added.json()["items"] == [p1, p0]

    await _rate(client, s, aid, a0, p0, 8)
    await _rate(client, s, aid, a1, p0, 6)
    await _rate(client, s, aid, a0, p1, 4)
    listed = await _themes(client, platform, s, aid)
    assert [
        (t["id"], t["heading"], t["items"], t["items_count"], t["mean_significance"])
        for t in listed
    ] == [(t1, "Cykling", [p0, p2], 2, 7.0), (t2, "Trygghet", [p1, p0], 2, 5.5)]

    by_id = {i["id"]: i for i in await _items(client, platform, s, aid)}
    assert (by_id[p0]["themes"], by_id[p1]["themes"], by_id[p2]["themes"]) == (
        [t1, t2],
        [t2],
        [t1],
    )
    in_safety = await _items(client, platform, s, aid, theme=t2)
    assert {i["id"] for i in in_safety} == {p0, p1}

    rewritten = await client.put(
        f"/api/v1/analyses/{aid}/themes/{t1}",
        json={"heading": "Cykelvägar", "summary": "Säkra vägar till skolan"},
        headers=s.headers(a1),
    )
    assert rewritten.status_code == 200, rewritten.text
    removed = await client.delete(
        f"/api/v1/analyses/{aid}/themes/{t2}/items/{p0}", headers=s.headers(a1)
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["items"] == [p1]

    # merge the safety theme into the cycling one, with a heading of its own
    merged = await client.post(
        f"/api/v1/analyses/{aid}/themes/{t1}/merge",
        json={"theme_id": t2, "heading": "Cykling och trygghet"},
        headers=s.headers(a0),
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["items"] == [p0, p2, p1]
    assert merged.json()["summary"] == "Säkra vägar till skolan"  # kept
    listed = await _themes(client, platform, s, aid)
    assert [(t["id"], t["heading"], t["items"]) for t in listed] == [
        (t1, "Cykling och trygghet", [p0, p2, p1])
    ]
    gone = await client.put(
        f"/api/v1/analyses/{aid}/themes/{t2}", json={"heading": "X"}, headers=s.headers(a0)
    )
    assert gone.status_code == 404, gone.text

    # split the lights back out into a theme of their own
    split = await client.post(
        f"/api/v1/analyses/{aid}/themes/{t1}/split",
        json={"items": [p1], "heading": "Belysning"},
        headers=s.headers(a1),
    )
    assert split.status_code == 201, split.text
    t3 = split.json()["id"]
    assert (split.json()["items"], split.json()["split_from"]) == ([p1], t1)
    listed = await _themes(client, platform, s, aid)
    assert [(t["id"], t["items"], t["items_count"], t["mean_significance"]) for t in listed] == [
        (t1, [p0, p2], 2, 7.0),
        (t3, [p1], 1, 4.0),
    ]
    by_id = {i["id"]: i for i in await _items(client, platform, s, aid)}
    assert (by_id[p0]["themes"], by_id[p1]["themes"]) == ([t1], [t3])

    # a rebuild gives the same theme rows
    query = "SELECT * FROM analysis_themes ORDER BY tenant_id, analysis_id, theme_id"
    live = await platform.worker_pool.fetch(query)
    [runner] = [r for r in platform.projections if r.projection.name == "analysis_workspace"]
    await runner.rebuild(platform.reader)
    rebuilt = await platform.worker_pool.fetch(query)
    assert [tuple(r) for r in rebuilt] == [tuple(r) for r in live]
    assert len(live) == 2


async def test_bad_theme_input_is_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, platform: Platform, themed: Setting
) -> None:
    s = themed
    aid = (await _start(client, s))["id"]
    other_aid = (await _start(client, s))["id"]
    p0, p1, p2 = s.posts[:3]
    theme = await _theme(client, s, aid, "Cykling", [p0, p1])
    tid = theme["id"]
    foreign = await _theme(client, s, other_aid, "Grönska", [p2])
    elsewhere = await open_dialog(client, s.town, s.admin)  # a dialog the analysis lacks
    author = s.town.headers(s.admin)
    stranger = await client.post(
        f"/api/v1/dialogs/{elsewhere['id']}/posts",
        json={"title": "Annat", "body": "Ett inlägg i en annan dialog."},
        headers=author,
    )
    assert stranger.status_code == 201, stranger.text
    stranger_id = stranger.json()["id"]

    async def refused(
        method: str, path: str, body: dict[str, Any] | None, field: str, status: int = 422
    ) -> None:
        answer = await client.request(
            method, f"/api/v1/analyses/{aid}{path}", json=body, headers=s.headers(s.analysts[0])
        )
        assert answer.status_code == status, (path, body, answer.text)
        assert any(field in f for f in problem_fields(answer)), answer.text

    create = "/themes"
    await refused("POST", create, {"heading": "T", "items": [str(uuid.uuid4())]}, "items[0]")
    await refused("POST", create, {"heading": "T", "items": [p2, stranger_id]}, "items[1]")
    await refused("POST", create, {"heading": "T", "items": [p2, p2]}, "items[1]")
    await refused("POST", create, {"heading": "  "}, "heading")
    await refused("POST", create, {"heading": ""}, "heading", 400)
    await refused("POST", create, {"heading": "T", "owner": "x"}, "owner", 400)
    one = f"/themes/{tid}"
    await refused("PUT", one, {"heading": "  ", "summary": "x"}, "heading")
    await refused("POST", f"{one}/items", {"item_id": str(uuid.uuid4())}, "item_id")
    await refused("POST", f"{one}/items", {"item_id": stranger_id}, "item_id")
    await refused("POST", f"{one}/items", {"item_id": "x"}, "item_id", 400)
    await refused("POST", f"{one}/merge", {"theme_id": tid}, "theme_id")  # itself
    await refused("POST", f"{one}/merge", {"theme_id": foreign["id"]}, "theme_id")
    await refused("POST", f"{one}/merge", {"theme_id": str(uuid.uuid4())}, "theme_id")
    await refused("POST", f"{one}/merge", {"theme_id": p0}, "theme_id")  # no theme at all
    await refused("POST", f"{one}/split", {"items": [], "heading": "T"}, "items", 400)
    await refused("POST", f"{one}/split", {"items": [p0, p1], "heading": "T"}, "items")
    await refused("POST", f"{one}/split", {"items": [p2], "heading": "T"}, "items[0]")
    await refused("POST", f"{one}/split", {"items": [p0], "heading": " "}, "heading")

    # a theme of another analysis under this one is no theme of it
    not_here = f"/api/v1/analyses/{aid}/themes/{foreign['id']}"
    for method, path, body in (
        ("PUT", not_here, {"heading": "X"}),
        ("POST", f"{not_here}/items", {"item_id": p0}),
        ("DELETE", f"{not_here}/items/{p2}", None),
        ("POST", f"{not_here}/merge", {"theme_id": tid}),
        ("POST", f"{not_here}/split", {"items": [p2], "heading": "X"}),
        ("DELETE", f"/api/v1/analyses/{aid}/themes/{tid}/items/{p2}", None),  # not in it
    ):
        answer = await client.request(method, path, json=body, headers=s.headers(s.analysts[0]))
        assert answer.status_code == 404, (method, path, answer.text)
    bad_filter = await client.get(
        f"/api/v1/analyses/{aid}/items",
        params={"theme": foreign["id"]},
        headers=s.headers(s.analysts[0]),
    )
    assert bad_filter.status_code == 422, bad_filter.text
    assert "theme" in problem_fields(bad_filter)

    # read back: the two themes as they were made
    listed = await _themes(client, platform, s, aid)
    assert [(t["id"], t["heading"], t["summary"], t["items"]) for t in listed] == [
        (tid, "Cykling", "Om cykling", [p0, p1])
    ]
    listed = await _themes(client, platform, s, other_aid)
    assert [(t["id"], t["heading"], t["items"]) for t in listed] == [
        (foreign["id"], "Grönska", [p2])
    ]


async def test_only_members_and_administrators_see_themes(
    client: httpx.AsyncClient, platform: Platform, themed: Setting
) -> None:
    s = themed
    aid = (await _start(client, s))["id"]
    p0, p1 = s.posts[:2]
    tid = (await _theme(client, s, aid, "Cykling", [p0, p1]))["id"]
    other_tid = (await _theme(client, s, aid, "Trygghet", [p1]))["id"]
    base = f"/api/v1/analyses/{aid}/themes"
    paths: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", base, None),
        ("POST", base, {"heading": "Grönska"}),
        ("PUT", f"{base}/{tid}", {"heading": "X"}),
        ("POST", f"{base}/{tid}/items", {"item_id": s.posts[2]}),
        ("DELETE", f"{base}/{tid}/items/{p0}", None),
        ("POST", f"{base}/{tid}/merge", {"theme_id": other_tid}),
        ("POST", f"{base}/{tid}/split", {"items": [p0], "heading": "X"}),
        ("GET", f"/api/v1/analyses/{aid}/items?theme={tid}", None),
    ]
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, f"admin@{other.slug}.se", Role.ADMINISTRATOR)
    for headers in (s.headers(s.outsider), other.headers(other_admin)):
        for method, path, body in paths:
            answer = await client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 404, (method, path, answer.text)

    listed = await _themes(client, platform, s, aid)
    assert [(t["id"], t["heading"], t["items"]) for t in listed] == [
        (tid, "Cykling", [p0, p1]),
        (other_tid, "Trygghet", [p1]),
    ]


async def test_the_analysis_shows_agreement_and_ranks_items_by_mean_then_count(
    client: httpx.AsyncClient, platform: Platform, themed: Setting
) -> None:
    s = themed
    aid = (await _start(client, s))["id"]
    p0, p1, p2 = s.posts[:3]
    a0, a1 = s.analysts

    async def alpha() -> float | None:
        await caught_up(platform)
        read = await client.get(f"/api/v1/analyses/{aid}", headers=s.headers(a0))
        assert read.status_code == 200, read.text
        value: float | None = read.json()["agreement"]
        return value

    assert await alpha() is None  # no ratings
    for item, rating in ((p0, 8), (p1, 8), (p2, 10)):
        await _rate(client, s, aid, a0, item, rating)
    assert await alpha() is None  # one rater
    await _rate(client, s, aid, a1, p0, 8)
    await _rate(client, s, aid, a1, p2, 9)

    expected = krippendorff.alpha(
        reliability_data=np.array([[8, 8, 10], [8, np.nan, 9]], dtype=float),
        level_of_measurement="interval",
    )
    got = await alpha()
    assert got is not None
    assert math.isclose(got, expected)

    # p0 and p1 both have mean 8: p0 (two ratings) before p1 (one), though p1 is newer
    ranked = await _items(client, platform, s, aid, sort="rating")
    assert [(i["id"], i["rating_mean"], i["ratings"]) for i in ranked] == [
        (p2, 9.5, 2),
        (p0, 8.0, 2),
        (p1, 8.0, 1),
    ]


async def test_members_putting_items_into_one_theme_at_once_are_all_kept(
    client: httpx.AsyncClient, platform: Platform, themed: Setting
) -> None:
    s = themed
    aid = (await _start(client, s))["id"]
    tid = (await _theme(client, s, aid, "Allt", []))["id"]
    answers = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/analyses/{aid}/themes/{tid}/items",
                json={"item_id": item},
                headers=s.headers(token),
            )
            for token, item in zip([s.admin, *s.analysts], s.posts[:3], strict=True)
        )
    )
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    [listed] = await _themes(client, platform, s, aid)
    assert sorted(listed["items"]) == sorted(s.posts[:3])
    assert listed["items_count"] == 3
