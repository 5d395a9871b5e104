"""Dashboards over HTTP: activity by time, committee and kind; live tallies; rebuilds."""

from __future__ import annotations

import httpx

from projections.runtime import ProjectionRunner
from services.identity.access import Role
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform


async def _activity(client: httpx.AsyncClient, town: Town, admin: str) -> tuple[str, str]:
    proposals = await open_dialog(client, town, admin)
    poll = await open_dialog(
        client,
        town,
        admin,
        kind="vox-pop",
        committee="Education",
        settings={"question": "Longer breaks?"},
    )
    anna, bo = await device_token(client, town), await device_token(client, town)
    post = await client.post(
        f"/api/v1/dialogs/{proposals['id']}/posts",
        json={"body": "A crossing"},
        headers=town.headers(anna),
    )
    await client.post(f"/api/v1/posts/{post.json()['id']}/supports", headers=town.headers(bo))
    await client.post(
        f"/api/v1/posts/{post.json()['id']}/comments",
        json={"body": "Yes"},
        headers=town.headers(bo),
    )
    for token in (anna, bo):
        voted = await client.post(
            f"/api/v1/dialogs/{poll['id']}/votes",
            json={"choices": ["yes"]},
            headers=town.headers(token),
        )
        assert voted.status_code == 201
    return proposals["id"], poll["id"]


def _runner(platform: Platform) -> ProjectionRunner:
    return next(r for r in platform.projections if r.projection.name == "dashboards")


async def test_activity_by_time_committee_and_kind(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    proposals, poll = await _activity(client, town, admin)
    await platform.catch_up_projections()

    daily = await client.get("/api/v1/dashboard", headers=town.headers(admin))
    hourly = await client.get(
        "/api/v1/dashboard", params={"granularity": "hour"}, headers=town.headers(admin)
    )
    one = await client.get(
        "/api/v1/dashboard", params={"dialog_id": poll}, headers=town.headers(admin)
    )

    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert {k: body["totals"][k] for k in ("posts", "comments", "supports", "votes")} == {
        "posts": 1,
        "comments": 1,
        "supports": 1,
        "votes": 2,
    }
    assert body["totals"]["joined"] >= 2  # the two device participants, and the admin
    assert body["participants"] == 2  # ballots name nobody: the two who posted or supported
    committees = {s["key"]: s["counts"] for s in body["by_committee"]}
    assert committees["Transport"]["posts"] == 1
    assert committees["Education"]["votes"] == 2
    kinds = {s["key"]: s["counts"] for s in body["by_kind"]}
    assert kinds["vox-pop"]["votes"] == 2
    assert kinds["proposals"]["supports"] == 1
    assert len(hourly.json()["series"]) >= 1
    assert sum(b["counts"]["votes"] for b in hourly.json()["series"]) == 2
    assert one.json()["totals"]["votes"] == 2
    assert one.json()["totals"]["posts"] == 0
    assert one.json()["tally"]["results"][0] == {"choice": "yes", "label": "Ja", "votes": 2}
    assert proposals != poll


async def test_a_rebuilt_dashboard_equals_the_live_one(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await _activity(client, town, admin)
    await platform.catch_up_projections()
    live = (await client.get("/api/v1/dashboard", headers=town.headers(admin))).json()
    runner = _runner(platform)

    await runner.rebuild(platform.reader)
    again = (await client.get("/api/v1/dashboard", headers=town.headers(admin))).json()
    events = await platform.reader.read(0, 10_000)
    await runner.apply_batch(events)  # a replay of everything changes nothing
    replayed = (await client.get("/api/v1/dashboard", headers=town.headers(admin))).json()

    for view in (again, replayed):
        for key in ("totals", "participants", "series", "by_committee", "by_kind"):
            assert view[key] == live[key]


async def test_dashboards_are_for_staff_and_refuse_bad_ranges(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    citizen = await device_token(client, town)
    analyst = await staff_token(platform, town, "analys@town.example", Role.ANALYST)

    by_citizen = await client.get("/api/v1/dashboard", headers=town.headers(citizen))
    by_analyst = await client.get("/api/v1/dashboard", headers=town.headers(analyst))
    backwards = await client.get(
        "/api/v1/dashboard",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=town.headers(admin),
    )
    weekly = await client.get(
        "/api/v1/dashboard", params={"granularity": "week"}, headers=town.headers(admin)
    )
    not_a_time = await client.get(
        "/api/v1/dashboard", params={"since": "yesterday"}, headers=town.headers(admin)
    )

    assert by_citizen.status_code == 403
    assert by_analyst.status_code == 200
    assert backwards.status_code == 422
    assert backwards.json()["field"] == "since"
    assert weekly.status_code == 400
    assert "granularity" in weekly.text
    assert not_a_time.status_code == 400


async def test_hidden_and_held_posts_are_shown_apart(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    open_one = await open_dialog(client, town, admin)
    moderated = await open_dialog(client, town, admin, settings={"premoderation": True})
    citizen = town.headers(await device_token(client, town))
    kept, hidden = [
        await client.post(
            f"/api/v1/dialogs/{open_one['id']}/posts", json={"body": body}, headers=citizen
        )
        for body in ("A bench by the lake", "Buy cheap watches")
    ]
    held = await client.post(
        f"/api/v1/dialogs/{moderated['id']}/posts", json={"body": "Waiting"}, headers=citizen
    )
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    hide = await client.post(
        f"/api/v1/posts/{hidden.json()['id']}/hide",
        json={"reason": "Spam"},
        headers=town.headers(moderator),
    )
    assert all(r.status_code in (200, 201) for r in (kept, hidden, held, hide))
    await platform.catch_up_projections()

    totals = (await client.get("/api/v1/dashboard", headers=town.headers(admin))).json()["totals"]

    assert (totals["posts"], totals["hidden"], totals["held"]) == (3, 1, 1)
