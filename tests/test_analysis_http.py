"""Analyses over HTTP: an administrator starts one over a proposals dialog with Swedish posts;
members build a nested codebook, tag items and rate them (mean, spread, count); the items are
searched in Swedish (an inflected form finds the word), filtered by code and sorted by
rating, supports and date; a hidden post is no item; an analyst who is no member and another
municipality's administrator get 404; every bad input is refused naming its field, with
nothing written. Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import caught_up
from tinget.bootstrap import Platform

POSTS = [
    ("Cykelbanor vid skolan", "Fler cykelbanor behövs längs vägen till skolan."),
    ("Belysning i parkerna", "Parkerna är mörka på kvällen, sätt upp lampor."),
    ("Träd längs gatorna", "Plantera träd så att gatorna blir svalare."),
    ("Olämpligt inlägg", "Det här inlägget döljs av en moderator."),
]


def problem_fields(response: httpx.Response) -> set[str]:
    body = response.json()
    return {e["field"] for e in body.get("errors") or []} | {str(body.get("field"))}


class Setting:
    """A town with a proposals dialog of Swedish posts (one hidden), an administrator and
    two analysts, and a dialog of another kind."""

    def __init__(self, town: Town, admin: str) -> None:
        self.town = town
        self.admin = admin
        self.analysts: list[str] = []
        self.analyst_ids: list[str] = []
        self.outsider = ""
        self.dialog: dict[str, Any] = {}
        self.poll: dict[str, Any] = {}
        self.posts: list[str] = []

    def headers(self, token: str) -> dict[str, str]:
        return self.town.headers(token)


async def _person_id(client: httpx.AsyncClient, town: Town, token: str) -> str:
    me = await client.get("/api/v1/me", headers=town.headers(token))
    assert me.status_code == 200, me.text
    person_id: str = me.json()["person_id"]
    return person_id


@pytest.fixture
async def setting(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Setting:
    return await make_setting(client, platform, town, admin)


async def make_setting(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> Setting:
    """The setting (also for other modules' tests of the analysis context)."""
    s = Setting(town, admin)
    for n in (1, 2):
        token = await staff_token(platform, town, f"analytiker{n}@{town.slug}.se", Role.ANALYST)
        s.analysts.append(token)
        s.analyst_ids.append(await _person_id(client, town, token))
    s.outsider = await staff_token(platform, town, f"utanfor@{town.slug}.se", Role.ANALYST)
    s.dialog = await open_dialog(client, town, admin)
    s.poll = await open_dialog(
        client, town, admin, kind="poll", settings={"question": "Var?", "options": ["A", "B"]}
    )
    citizens = [await device_token(client, town) for _ in range(3)]
    for title, body in POSTS:
        made = await client.post(
            f"/api/v1/dialogs/{s.dialog['id']}/posts",
            json={"title": title, "body": body},
            headers=town.headers(citizens[0]),
        )
        assert made.status_code == 201, made.text
        s.posts.append(made.json()["id"])
    # supports: the trees 2, the lights 1, the cycle paths none
    for token in citizens[1:]:
        supported = await client.post(
            f"/api/v1/posts/{s.posts[2]}/supports", headers=town.headers(token)
        )
        assert supported.status_code in (200, 201), supported.text
    supported = await client.post(
        f"/api/v1/posts/{s.posts[1]}/supports", headers=town.headers(citizens[1])
    )
    assert supported.status_code in (200, 201), supported.text
    hidden = await client.post(
        f"/api/v1/posts/{s.posts[3]}/hide", json={"reason": "olämpligt"}, headers=s.headers(admin)
    )
    assert hidden.status_code == 200, hidden.text
    return s


async def _start(client: httpx.AsyncClient, s: Setting) -> dict[str, Any]:
    started = await client.post(
        "/api/v1/analyses",
        json={
            "title": "Cykelvägar och parker",
            "dialog_ids": [s.dialog["id"]],
            "members": s.analyst_ids,
        },
        headers=s.headers(s.admin),
    )
    assert started.status_code == 201, started.text
    body: dict[str, Any] = started.json()
    return body


async def _code(
    client: httpx.AsyncClient, s: Setting, analysis_id: str, label: str, parent: str | None
) -> str:
    added = await client.post(
        f"/api/v1/analyses/{analysis_id}/codes",
        json={"label": label, "description": f"Om {label.lower()}", "parent_id": parent},
        headers=s.headers(s.analysts[0]),
    )
    assert added.status_code == 201, added.text
    code_id: str = added.json()["id"]
    return code_id


async def _items(
    client: httpx.AsyncClient,
    platform: Platform,
    s: Setting,
    analysis_id: str,
    token: str | None = None,
    **params: str,
) -> list[dict[str, Any]]:
    await caught_up(platform)
    listed = await client.get(
        f"/api/v1/analyses/{analysis_id}/items",
        params=params,
        headers=s.headers(token or s.analysts[0]),
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_analysts_code_rate_search_filter_and_sort_the_items_of_an_analysis(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    analysis = await _start(client, s)
    aid = analysis["id"]
    admin_id = analysis["created_by"]
    assert analysis["members"] == [*s.analyst_ids, admin_id]
    cycling, safety = s.posts[0], s.posts[1]

    # the codebook, nested one level
    traffic = await _code(client, s, aid, "Trafik", None)
    paths = await _code(client, s, aid, "Cykelvägar", traffic)
    green = await _code(client, s, aid, "Grönska", None)
    read = await client.get(f"/api/v1/analyses/{aid}", headers=s.headers(s.analysts[1]))
    assert read.status_code == 200, read.text
    assert [(c["label"], c["parent_id"]) for c in read.json()["codes"]] == [
        ("Trafik", None),
        ("Cykelvägar", traffic),
        ("Grönska", None),
    ]

    # tagging replaces an item's codes whole
    for item, codes in ((cycling, [traffic]), (cycling, [paths]), (s.posts[2], [green])):
        tagged = await client.put(
            f"/api/v1/analyses/{aid}/items/{item}/codes",
            json={"codes": codes},
            headers=s.headers(s.analysts[0]),
        )
        assert tagged.status_code == 200, tagged.text
        assert tagged.json()["codes"] == codes

    # two analysts rate the cycle paths (7 and 4, then 9 instead of 4), one the lights (5)
    for token, item, rating in (
        (s.analysts[0], cycling, 7),
        (s.analysts[1], cycling, 4),
        (s.analysts[1], cycling, 9),
        (s.analysts[0], safety, 5),
    ):
        rated = await client.put(
            f"/api/v1/analyses/{aid}/items/{item}/rating",
            json={"rating": rating},
            headers=s.headers(token),
        )
        assert rated.status_code == 200, rated.text
    assert rated.json() == {
        "analysis_id": aid,
        "item_id": safety,
        "rating": 5,
        "mean": 5.0,
        "spread": 0.0,
        "ratings": 1,
    }

    items = await _items(client, platform, s, aid, s.analysts[1])
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == set(s.posts[:3])  # the hidden post is no item
    cycle = by_id[cycling]
    assert (cycle["rating_mean"], cycle["ratings"], cycle["my_rating"]) == (8.0, 2, 9)
    assert math.isclose(cycle["rating_spread"], 1.0)
    assert cycle["codes"] == [paths]
    assert cycle["title"] == POSTS[0][0]
    assert cycle["text"] == POSTS[0][1]
    assert cycle["kind"] == "proposal"
    assert cycle["dialog_id"] == s.dialog["id"]
    assert by_id[safety]["my_rating"] is None
    assert (by_id[s.posts[2]]["rating_mean"], by_id[s.posts[2]]["ratings"]) == (None, 0)

    # the three sorts, highest first
    rating_order = [i["id"] for i in await _items(client, platform, s, aid, sort="rating")]
    assert rating_order == [cycling, safety, s.posts[2]]
    supports_order = [i["id"] for i in await _items(client, platform, s, aid, sort="supports")]
    assert supports_order == [s.posts[2], safety, cycling]
    date_order = [i["id"] for i in await _items(client, platform, s, aid, sort="date")]
    assert date_order == [s.posts[2], safety, cycling]

    # search in Swedish: "cykelbana" finds "cykelbanor", "parken" finds "parkerna"
    found = await _items(client, platform, s, aid, q="cykelbana")
    assert [i["id"] for i in found] == [cycling]
    found = await _items(client, platform, s, aid, q="parken")
    assert [i["id"] for i in found] == [safety]
    assert await _items(client, platform, s, aid, q="olämpligt") == []  # hidden: not found
    found = await _items(client, platform, s, aid, q="träd -cykelbanor")
    assert [i["id"] for i in found] == [s.posts[2]]

    # filter by a code: a top-level code takes in the codes nested under it
    tagged_paths = await _items(client, platform, s, aid, code=paths)
    assert [i["id"] for i in tagged_paths] == [cycling]
    tagged_traffic = await _items(client, platform, s, aid, code=traffic)
    assert [i["id"] for i in tagged_traffic] == [cycling]
    tagged_green = await _items(client, platform, s, aid, code=green, q="träd")
    assert [i["id"] for i in tagged_green] == [s.posts[2]]

    # pages by limit and offset
    await caught_up(platform)
    first = await client.get(
        f"/api/v1/analyses/{aid}/items",
        params={"limit": "2", "sort": "date"},
        headers=s.headers(s.analysts[0]),
    )
    assert first.json()["next_offset"] == 2
    rest = await client.get(
        f"/api/v1/analyses/{aid}/items",
        params={"limit": "2", "offset": "2", "sort": "date"},
        headers=s.headers(s.analysts[0]),
    )
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == date_order
    assert rest.json()["next_offset"] is None


async def test_only_members_and_administrators_see_an_analysis(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    aid = (await _start(client, s))["id"]
    await caught_up(platform)

    for token in (s.analysts[0], s.admin):
        listed = await client.get("/api/v1/analyses", headers=s.headers(token))
        assert [a["id"] for a in listed.json()["items"]] == [aid]
    listed = await client.get("/api/v1/analyses", headers=s.headers(s.outsider))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []

    paths: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/v1/analyses/{aid}", None),
        ("GET", f"/api/v1/analyses/{aid}/items", None),
        ("POST", f"/api/v1/analyses/{aid}/codes", {"label": "Trafik"}),
        ("PUT", f"/api/v1/analyses/{aid}/items/{s.posts[0]}/codes", {"codes": []}),
        ("PUT", f"/api/v1/analyses/{aid}/items/{s.posts[0]}/rating", {"rating": 5}),
    ]
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, f"admin@{other.slug}.se", Role.ADMINISTRATOR)
    for headers in (s.headers(s.outsider), other.headers(other_admin)):
        for method, path, body in paths:
            answer = await client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 404, (method, path, answer.text)
    listed = await client.get("/api/v1/analyses", headers=other.headers(other_admin))
    assert listed.json()["items"] == []

    # nothing was written by the refused requests
    await caught_up(platform)
    read = await client.get(f"/api/v1/analyses/{aid}", headers=s.headers(s.admin))
    assert read.json()["codes"] == []
    items = await _items(client, platform, s, aid)
    assert all(i["ratings"] == 0 for i in items)


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, f"admin@{other.slug}.se", Role.ADMINISTRATOR)
    foreign_dialog = await open_dialog(client, other, other_admin)
    participant = await device_token(client, s.town)
    participant_id = await _person_id(client, s.town, participant)
    dialog = s.dialog["id"]

    async def refused_start(body: dict[str, Any], field: str, status: int = 422) -> None:
        answer = await client.post("/api/v1/analyses", json=body, headers=s.headers(s.admin))
        assert answer.status_code == status, answer.text
        assert any(field in f for f in problem_fields(answer)), answer.text

    base: dict[str, Any] = {"title": "Analys", "dialog_ids": [dialog], "members": []}
    await refused_start({**base, "dialog_ids": [dialog, foreign_dialog["id"]]}, "dialog_ids[1]")
    await refused_start({**base, "dialog_ids": [str(uuid.uuid4())]}, "dialog_ids[0]")
    await refused_start({**base, "dialog_ids": [s.poll["id"]]}, "dialog_ids[0]")
    await refused_start({**base, "dialog_ids": []}, "dialog_ids", 400)
    await refused_start({**base, "members": [s.analyst_ids[0], participant_id]}, "members[1]")
    await refused_start({**base, "members": [str(uuid.uuid4())]}, "members[0]")
    await refused_start({**base, "title": "  "}, "title")
    await refused_start({**base, "owner": "me"}, "owner", 400)
    by_analyst = await client.post("/api/v1/analyses", json=base, headers=s.headers(s.analysts[0]))
    assert by_analyst.status_code == 403, by_analyst.text
    await caught_up(platform)
    listed = await client.get("/api/v1/analyses", headers=s.headers(s.admin))
    assert listed.json()["items"] == []

    aid = (await _start(client, s))["id"]
    other_aid = (await _start(client, s))["id"]
    top = await _code(client, s, aid, "Trafik", None)
    child = await _code(client, s, aid, "Cykelvägar", top)
    foreign_code = await _code(client, s, other_aid, "Grönska", None)

    async def refused(
        method: str, path: str, body: dict[str, Any], field: str, status: int = 422
    ) -> None:
        answer = await client.request(
            method, f"/api/v1/analyses/{aid}{path}", json=body, headers=s.headers(s.analysts[0])
        )
        assert answer.status_code == status, answer.text
        assert any(field in f for f in problem_fields(answer)), answer.text

    await refused("POST", "/codes", {"label": "Lampor", "parent_id": child}, "parent_id")
    await refused("POST", "/codes", {"label": "Lampor", "parent_id": foreign_code}, "parent_id")
    await refused("POST", "/codes", {"label": ""}, "label", 400)
    await refused("POST", "/codes", {"label": "Trafik"}, "label", 409)
    item = f"/items/{s.posts[0]}"
    await refused("PUT", f"{item}/codes", {"codes": [top, foreign_code]}, "codes[1]")
    await refused("PUT", f"{item}/codes", {"codes": [str(uuid.uuid4())]}, "codes[0]")
    await refused("PUT", f"{item}/codes", {"codes": ["x"]}, "codes", 400)
    for bad in (0, 11, 7.5, "7", None):
        await refused("PUT", f"{item}/rating", {"rating": bad}, "rating", 400)
    await refused("PUT", f"{item}/rating", {}, "rating", 400)
    not_an_item = await client.put(
        f"/api/v1/analyses/{aid}/items/{uuid.uuid4()}/rating",
        json={"rating": 5},
        headers=s.headers(s.analysts[0]),
    )
    assert not_an_item.status_code == 404, not_an_item.text
    bad_filter = await client.get(
        f"/api/v1/analyses/{aid}/items",
        params={"code": foreign_code},
        headers=s.headers(s.analysts[0]),
    )
    assert bad_filter.status_code == 422, bad_filter.text
    assert "code" in problem_fields(bad_filter)
    bad_sort = await client.get(
        f"/api/v1/analyses/{aid}/items", params={"sort": "x"}, headers=s.headers(s.analysts[0])
    )
    assert bad_sort.status_code == 400, bad_sort.text

    # read back: only what was accepted is there
    await caught_up(platform)
    read = await client.get(f"/api/v1/analyses/{aid}", headers=s.headers(s.admin))
    assert [c["id"] for c in read.json()["codes"]] == [top, child]
    items = await _items(client, platform, s, aid)
    assert all(i["codes"] == [] and i["ratings"] == 0 for i in items)
    listed = await client.get("/api/v1/analyses", headers=s.headers(s.admin))
    assert sorted(a["id"] for a in listed.json()["items"]) == sorted([aid, other_aid])


async def test_an_erased_authors_words_leave_the_search_and_a_rebuild_agrees(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    aid = (await _start(client, s))["id"]
    author = await device_token(client, s.town)
    author_id = await _person_id(client, s.town, author)
    made = await client.post(
        f"/api/v1/dialogs/{s.dialog['id']}/posts",
        json={"title": "Gångfartsområde", "body": "Gör torget till ett gångfartsområde."},
        headers=s.headers(author),
    )
    assert made.status_code == 201, made.text
    edited = await client.patch(
        f"/api/v1/posts/{made.json()['id']}",
        json={"title": "Gågata", "body": "Gör torget till en gågata med bänkar."},
        headers=s.headers(author),
    )
    assert edited.status_code == 200, edited.text
    assert await _items(client, platform, s, aid, q="gångfartsområde") == []  # edited away
    found = await _items(client, platform, s, aid, q="bänk")
    assert [i["id"] for i in found] == [made.json()["id"]]

    erased = await client.post(f"/api/v1/people/{author_id}/erasure", headers=s.headers(s.admin))
    assert erased.status_code == 202, erased.text

    assert await _items(client, platform, s, aid, q="bänk") == []
    assert len(await _items(client, platform, s, aid, q="cykelbana")) == 1  # others' stay
    live = await platform.worker_pool.fetch(
        "SELECT tenant_id, post_id, titled, search::text FROM analysis_texts ORDER BY 1, 2"
    )
    [runner] = [r for r in platform.projections if r.projection.name == "analysis_workspace"]
    await runner.rebuild(platform.reader)
    rebuilt = await platform.worker_pool.fetch(
        "SELECT tenant_id, post_id, titled, search::text FROM analysis_texts ORDER BY 1, 2"
    )
    assert [tuple(r) for r in rebuilt] == [tuple(r) for r in live]


async def test_a_post_waiting_for_approval_becomes_an_item_once_approved(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    moderated = await open_dialog(client, s.town, s.admin, settings={"premoderation": True})
    started = await client.post(
        "/api/v1/analyses",
        json={"title": "Förhandsgranskat", "dialog_ids": [moderated["id"], s.dialog["id"]]},
        headers=s.headers(s.admin),
    )
    assert started.status_code == 201, started.text
    aid = started.json()["id"]
    author = await device_token(client, s.town)
    made = await client.post(
        f"/api/v1/dialogs/{moderated['id']}/posts",
        json={"title": "Busskur", "body": "En busskur vid torget."},
        headers=s.headers(author),
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"

    items = await _items(client, platform, s, aid, s.admin)
    assert made.json()["id"] not in {i["id"] for i in items}
    assert len(items) == 3  # the published posts of the other dialog

    approved = await client.post(
        f"/api/v1/posts/{made.json()['id']}/approve", headers=s.headers(s.admin)
    )
    assert approved.status_code == 200, approved.text
    found = await _items(client, platform, s, aid, s.admin, q="busskurer")
    assert [i["id"] for i in found] == [made.json()["id"]]


async def test_members_rating_one_item_at_once_are_all_counted(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    aid = (await _start(client, s))["id"]
    raters = [s.admin, *s.analysts]
    answers = await asyncio.gather(
        *(
            client.put(
                f"/api/v1/analyses/{aid}/items/{s.posts[0]}/rating",
                json={"rating": rating},
                headers=s.headers(token),
            )
            for token, rating in zip(raters, (2, 4, 9), strict=True)
        )
    )
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    [item] = [i for i in await _items(client, platform, s, aid) if i["id"] == s.posts[0]]
    assert (item["ratings"], item["rating_mean"]) == (3, 5.0)
