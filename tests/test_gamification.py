"""Gamification over HTTP on real PostgreSQL: points by the tenant's rules, badges and levels
awarded once (however often the events are applied), rebuilds, switching off, leaderboards and
the rules themselves."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import httpx
import pytest

from events.model import RecordedEvent
from events.projection import Rebuilding
from projections.runtime import ProjectionRunner
from services.gamification.policy import ScoringRebuild
from services.identity.access import Role, SignIn
from services.identity.domain import Person
from tests.api import Town, device_token, open_dialog, staff_token
from tests.helpers import caught_up
from tinget.bootstrap import Platform

GAMIFICATION_TABLES = (
    "gamification_rules_in_force",
    "gamification_people",
    "gamification_dialog_people",
    "gamification_posts",
    "gamification_badges",
    "leaderboard_opt_ins",
)


async def person(platform: Platform, town: Town, name: str | None = None) -> str:
    """A participant with a display name in the people table (as an invitation gives one)."""
    person_id = await platform.identity.people.add(town.slug, display_name=name)
    joined = Person(person_id=person_id, role=Role.PARTICIPANT.value, sign_in=SignIn.PIN.value)
    await platform.repository.save(town.slug, joined)
    return platform.identity.tokens.issue(town.slug, person_id, Role.PARTICIPANT, SignIn.PIN).token


async def post(client: httpx.AsyncClient, town: Town, token: str, path: str, **body: Any) -> str:
    response = await client.post(path, json=body, headers=town.headers(token))
    assert response.status_code == 201, response.text
    created: str = response.json().get("id", "")
    return created


async def progress(client: httpx.AsyncClient, town: Town, token: str) -> dict[str, Any]:
    response = await client.get("/api/v1/me/progress", headers=town.headers(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def awards(platform: Platform, town: Town) -> list[tuple[str, str]]:
    """The award events in the store: (type, what was earned), in log order."""
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_type, data->>'badge' AS badge, data->>'level' AS level FROM events"
            " WHERE tenant_id = $1 AND event_type IN ('BadgeAwarded', 'LevelReached')"
            " ORDER BY position",
            town.slug,
        )
    return [(r["event_type"], f"{r['badge'] or 'level'}:{r['level']}") for r in rows]


async def set_rules(
    client: httpx.AsyncClient, town: Town, admin: str, **changes: Any
) -> dict[str, Any]:
    current = await client.get("/api/v1/gamification/rules", headers=town.headers(admin))
    assert current.status_code == 200, current.text
    rules = copy.deepcopy(current.json())
    for key, value in changes.items():
        if isinstance(value, dict):
            rules[key].update(value)
        else:
            rules[key] = value
    response = await client.put(
        "/api/v1/gamification/rules", json=rules, headers=town.headers(admin)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def tables(platform: Platform, town: Town) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    async with platform.worker_pool.acquire() as conn:
        for table in GAMIFICATION_TABLES:
            rows = await conn.fetch(f"SELECT * FROM {table} WHERE tenant_id = $1", town.slug)
            out[table] = sorted((dict(r) for r in rows), key=repr)
    return out


def runner(platform: Platform, name: str) -> ProjectionRunner:
    [found] = [r for r in platform.projections if r.projection.name == name]
    return found


async def test_points_badges_and_levels_follow_the_tenants_rules(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await set_rules(client, town, admin, points={"proposal": 30, "comment": 3, "support": 2})
    dialog = await open_dialog(client, town, admin)
    citizen, neighbour = await device_token(client, town), await device_token(client, town)

    first = await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="A")
    await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="B")
    other = await post(client, town, neighbour, f"/api/v1/dialogs/{dialog['id']}/posts", body="C")
    await post(client, town, citizen, f"/api/v1/posts/{other}/comments", body="Agreed")
    await post(client, town, citizen, f"/api/v1/posts/{other}/supports")
    await post(client, town, neighbour, f"/api/v1/posts/{first}/comments", body="Why?")
    vote_free = await open_dialog(client, town, admin, kind="vox-pop", settings={"question": "?"})
    await post(client, town, citizen, f"/api/v1/dialogs/{vote_free['id']}/votes", choices=["yes"])
    await platform.catch_up_projections()

    mine = await progress(client, town, citizen)
    assert mine["enabled"] is True
    assert mine["points"] == 30 + 30 + 3 + 2  # a ballot names no voter and earns nothing
    assert mine["tallies"] == {
        "posts": 2,
        "comments": 1,
        "endorsements": 1,
        "thresholds": 0,
        "dialogs": 1,
    }
    # a Swedish town: the default names in Swedish
    assert mine["level"]["name"] == "Deltagare"
    assert mine["next_level"]["name"] == "Bidragsgivare"
    assert [(b["badge"], b["level"], b["title"]) for b in mine["badges"]] == [
        ("first-proposal", 1, "Första förslaget"),
        ("commenter", 1, "Första kommentaren"),
        ("supporter", 1, "Stödjare"),
    ]
    assert all(b["dialog_id"] == dialog["id"] for b in mine["badges"])
    theirs = await progress(client, town, neighbour)
    assert theirs["points"] == 33
    assert theirs["level"]["name"] == "Nykomling"
    assert sorted(await awards(platform, town)) == sorted(
        [
            ("BadgeAwarded", "first-proposal:1"),
            ("BadgeAwarded", "commenter:1"),
            ("BadgeAwarded", "supporter:1"),
            ("LevelReached", "level:2"),
            ("BadgeAwarded", "first-proposal:1"),  # the neighbour's
            ("BadgeAwarded", "commenter:1"),
        ]
    )


async def test_ten_comments_earn_the_second_commenter_level_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="discussion")
    citizen = await device_token(client, town)
    topic = await post(client, town, admin, f"/api/v1/dialogs/{dialog['id']}/posts", body="T")

    for i in range(11):
        await post(client, town, citizen, f"/api/v1/posts/{topic}/comments", body=f"#{i}")
        if i in (0, 9):  # some batches end right on a badge's level
            await platform.catch_up_projections()
    await platform.catch_up_projections()

    mine = await progress(client, town, citizen)
    assert mine["tallies"]["comments"] == 11
    assert mine["points"] == 11 * 2
    commenter = [(b["level"], b["title"]) for b in mine["badges"] if b["badge"] == "commenter"]
    assert commenter == [(1, "Första kommentaren"), (2, "Kommentator")]
    earned = await awards(platform, town)
    assert earned.count(("BadgeAwarded", "commenter:1")) == 1
    assert earned.count(("BadgeAwarded", "commenter:2")) == 1


async def test_a_post_reaching_its_threshold_earns_its_author_the_badge(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, settings={"support_threshold": 2})
    author = await device_token(client, town)
    proposal = await post(client, town, author, f"/api/v1/dialogs/{dialog['id']}/posts", body="P")

    for _ in range(2):
        supporter = await device_token(client, town)
        await post(client, town, supporter, f"/api/v1/posts/{proposal}/supports")
    await platform.catch_up_projections()
    await platform.catch_up_projections()  # the threshold is recorded by a policy, then scored

    mine = await progress(client, town, author)
    assert ("threshold-reached", "Hörd av fullmäktige") in [
        (b["badge"], b["title"]) for b in mine["badges"]
    ]
    assert mine["tallies"]["thresholds"] == 1
    assert mine["points"] == 10 + 25
    assert (await awards(platform, town)).count(("BadgeAwarded", "threshold-reached:1")) == 1


async def test_events_applied_again_or_rebuilt_award_nothing_twice(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await set_rules(client, town, admin, points={"proposal": 50})
    dialog = await open_dialog(client, town, admin, settings={"support_threshold": 1})
    citizen = await device_token(client, town)
    chosen = await client.put(
        "/api/v1/me/leaderboard", json={"opt_in": True}, headers=town.headers(citizen)
    )
    assert chosen.status_code == 200
    proposal = await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="P")
    await post(client, town, admin, f"/api/v1/posts/{proposal}/supports")
    await post(client, town, admin, f"/api/v1/posts/{proposal}/comments", body="Good")
    await platform.catch_up_projections()
    await platform.catch_up_projections()
    awarded = await awards(platform, town)
    assert ("BadgeAwarded", "threshold-reached:1") in awarded
    assert ("LevelReached", "level:2") in awarded
    live = await tables(platform, town)
    events = await platform.reader.read(0, 10_000)

    policy = runner(platform, "gamification_policy")
    assert await policy.apply_batch(events) == 0  # redelivered: skipped by position
    for name in ("gamification_policy", "gamification_progress"):
        await runner(platform, name).rebuild(platform.reader)  # replayed: scored again
    await platform.catch_up_projections()

    assert await awards(platform, town) == awarded
    assert await tables(platform, town) == live
    assert live["gamification_badges"]
    assert live["leaderboard_opt_ins"][0]["opted_in"] is True


async def test_a_rebuild_scored_from_memory_batch_by_batch_equals_the_live_tables(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    """The policy's rebuild keeps the rows it wrote in memory and scores the next batch while
    this one is written. In batches of three events, so that a withdrawal, a hiding, a
    threshold or a change of rules lands batches after what it is about, it writes the
    tables the live path wrote and records no award again."""
    dialog = await open_dialog(client, town, admin, settings={"support_threshold": 2})
    talk = await open_dialog(client, town, admin, kind="discussion")
    citizens = [await device_token(client, town) for _ in range(3)]
    proposals = [
        await post(client, town, c, f"/api/v1/dialogs/{dialog['id']}/posts", body=f"P{i}")
        for i, c in enumerate(citizens)
    ]
    topic = await post(client, town, admin, f"/api/v1/dialogs/{talk['id']}/posts", body="T")
    for supporter in citizens[1:]:
        await post(client, town, supporter, f"/api/v1/posts/{proposals[0]}/supports")
    await platform.catch_up_projections()
    await platform.catch_up_projections()  # the threshold, recorded by a policy, then scored
    await set_rules(client, town, admin, points={"comment": 7})
    for i in range(11):
        who = citizens[0] if i < 10 else citizens[1]
        await post(client, town, who, f"/api/v1/posts/{topic}/comments", body=f"#{i}")
    moderate = f"/api/v1/posts/{proposals[1]}"
    for action, reason in (("hide", "Off topic"), ("restore", "On topic after all")):
        done = await client.post(
            f"{moderate}/{action}", json={"reason": reason}, headers=town.headers(admin)
        )
        assert done.is_success, done.text
    withdrawn = await client.post(
        f"/api/v1/posts/{proposals[2]}/withdraw", headers=town.headers(citizens[2])
    )
    assert withdrawn.status_code == 200
    await caught_up(platform)
    live = await tables(platform, town)
    awarded = await awards(platform, town)
    head = await platform.reader.head()
    policy = runner(platform, "gamification_policy")
    written: list[int] = []
    original = ScoringRebuild.apply

    async def counting(
        self: ScoringRebuild, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> None:
        written.append(len(events))
        await original(self, conn, events)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScoringRebuild, "apply", counting)
        await policy.rebuild(platform.reader, batch=3)

    assert isinstance(policy.projection, Rebuilding)
    assert len(written) > 5
    assert await tables(platform, town) == live
    assert await awards(platform, town) == awarded
    assert await platform.reader.head() == head
    assert ("BadgeAwarded", "threshold-reached:1") in awarded
    assert ("BadgeAwarded", "commenter:2") in awarded
    assert {r["status"] for r in live["gamification_posts"]} >= {"counted", "withdrawn"}


async def test_switched_off_nothing_is_counted_or_awarded(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    rules = await set_rules(client, town, admin, enabled=False)
    assert rules["enabled"] is False

    proposal = await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="P")
    await post(client, town, citizen, f"/api/v1/posts/{proposal}/comments", body="More")
    await platform.catch_up_projections()

    mine = await progress(client, town, citizen)
    assert (mine["enabled"], mine["points"], mine["badges"]) == (False, 0, [])
    assert set(mine["tallies"].values()) == {0}
    assert await awards(platform, town) == []
    board = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/leaderboard", headers=town.headers(language="en")
    )
    assert board.status_code == 404
    assert "off" in board.json()["detail"]

    await set_rules(client, town, admin, enabled=True)
    await post(client, town, citizen, f"/api/v1/posts/{proposal}/comments", body="Again")
    await platform.catch_up_projections()
    mine = await progress(client, town, citizen)
    assert (mine["points"], mine["tallies"]["comments"]) == (2, 1)
    assert await awards(platform, town) == [("BadgeAwarded", "commenter:1")]


async def test_a_withdrawn_post_takes_back_its_points_not_its_badge(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    proposal = await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="P")
    withdrawn = await client.post(
        f"/api/v1/posts/{proposal}/withdraw", headers=town.headers(citizen)
    )
    assert withdrawn.status_code == 200
    await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="P again")
    await platform.catch_up_projections()

    mine = await progress(client, town, citizen)
    assert (mine["points"], mine["tallies"]["posts"]) == (10, 1)
    assert await awards(platform, town) == [("BadgeAwarded", "first-proposal:1")]


async def test_a_hidden_post_earns_nothing_until_it_is_restored(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    proposal = await post(client, town, citizen, f"/api/v1/dialogs/{dialog['id']}/posts", body="P")
    moderate = f"/api/v1/posts/{proposal}"

    hide = {"reason": "Off topic"}
    assert (
        await client.post(f"{moderate}/hide", json=hide, headers=town.headers(admin))
    ).is_success
    await platform.catch_up_projections()
    hidden = await progress(client, town, citizen)
    back = {"reason": "On topic after all"}
    assert (
        await client.post(f"{moderate}/restore", json=back, headers=town.headers(admin))
    ).is_success
    await platform.catch_up_projections()
    restored = await progress(client, town, citizen)

    assert (hidden["points"], hidden["tallies"]["posts"]) == (0, 0)
    assert (restored["points"], restored["tallies"]["posts"]) == (10, 1)
    assert await awards(platform, town) == [("BadgeAwarded", "first-proposal:1")]


async def test_the_leaderboard_shows_only_those_who_opted_in(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    astrid, bo, cecilia = (
        await person(platform, town, "Astrid"),
        await person(platform, town, "Bo"),
        await person(platform, town),
    )
    for token, posts in ((astrid, 3), (bo, 1), (cecilia, 2)):
        for i in range(posts):
            await post(client, town, token, f"/api/v1/dialogs/{dialog['id']}/posts", body=f"{i}")
    for token in (astrid, cecilia, bo):
        chosen = await client.put(
            "/api/v1/me/leaderboard", json={"opt_in": True}, headers=town.headers(token)
        )
        assert chosen.json() == {"opt_in": True}
    await client.put("/api/v1/me/leaderboard", json={"opt_in": False}, headers=town.headers(bo))
    await platform.catch_up_projections()

    path = f"/api/v1/dialogs/{dialog['id']}/leaderboard"
    first = await client.get(path, params={"limit": 1}, headers=town.headers())
    second = await client.get(
        path, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=town.headers()
    )

    entries = first.json()["items"] + second.json()["items"]
    assert [(e["rank"], e["display_name"], e["points"]) for e in entries] == [
        (1, "Astrid", 30),
        (2, None, 20),
    ]
    assert second.json()["next_cursor"] is None
    assert (await progress(client, town, bo))["leaderboard_opt_in"] is False
    assert (await progress(client, town, astrid))["leaderboard_opt_in"] is True
    bad = await client.get(path, params={"cursor": "nonsense"}, headers=town.headers())
    assert (bad.status_code, bad.json()["field"]) == (422, "cursor")
    refused = await client.put(
        "/api/v1/me/leaderboard", json={"opt_in": "yes"}, headers=town.headers(bo)
    )
    assert (refused.status_code, refused.json()["field"]) == (400, "opt_in")
    unsigned = await client.put(
        "/api/v1/me/leaderboard", json={"opt_in": True}, headers=town.headers()
    )
    assert unsigned.status_code == 401


# (what is wrong, how the rules in force are changed into it, status, field)
BAD_RULES: list[tuple[str, Callable[[dict[str, Any]], object], int, str]] = [
    ("negative points", lambda r: r["points"].update(comment=-1), 400, "points.comment"),
    ("points missing", lambda r: r["points"].pop("support"), 400, "points.support"),
    ("a tenant field", lambda r: r.update(tenant="elsewhere"), 400, "tenant"),
    (
        "a badge key twice",
        lambda r: r["badges"][1].update(key=r["badges"][0]["key"]),
        422,
        "badges[1].key",
    ),
    ("an unknown tally", lambda r: r["badges"][0].update(tally="votes"), 400, "badges[0].tally"),
    (
        "badge levels out of order",
        lambda r: r["badges"][1]["levels"][2].update(at=5),
        422,
        "badges[1].levels[2].at",
    ),
    (
        "levels out of order",
        lambda r: r["levels"][2].update(min_points=10),
        422,
        "levels[2].min_points",
    ),
    (
        "a first level above 0",
        lambda r: r["levels"][0].update(min_points=5),
        422,
        "levels[0].min_points",
    ),
    ("a name twice", lambda r: r["levels"][1].update(name=" nykomling "), 422, "levels[1].name"),
    ("an empty name", lambda r: r["levels"][1].update(name="  "), 422, "levels[1].name"),
    ("no levels", lambda r: r.update(levels=[]), 400, "levels"),
]


async def test_bad_rules_are_refused_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    current = await client.get("/api/v1/gamification/rules", headers=town.headers(admin))

    for case, change, status, field in BAD_RULES:
        rules = copy.deepcopy(current.json())
        change(rules)

        response = await client.put(
            "/api/v1/gamification/rules", json=rules, headers=town.headers(admin)
        )

        assert response.status_code == status, (case, response.text)
        assert response.json()["field"] == field, (case, response.text)
        after = await client.get("/api/v1/gamification/rules", headers=town.headers(admin))
        assert after.json() == current.json(), case
        async with platform.worker_pool.acquire() as conn:
            written = await conn.fetchval(
                "SELECT count(*) FROM events WHERE tenant_id = $1 AND context = 'gamification'",
                town.slug,
            )
        assert written == 0, case


async def test_only_administrators_read_or_change_the_rules(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    citizen = await device_token(client, town)
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    rules = (await client.get("/api/v1/gamification/rules", headers=town.headers(admin))).json()

    for token in (citizen, moderator):
        changed = await client.put(
            "/api/v1/gamification/rules",
            json=rules | {"enabled": False},
            headers=town.headers(token),
        )
        read = await client.get("/api/v1/gamification/rules", headers=town.headers(token))
        assert (changed.status_code, read.status_code) == (403, 403)
    anonymous = await client.get("/api/v1/gamification/rules", headers=town.headers())
    assert anonymous.status_code == 401
    after = await client.get("/api/v1/gamification/rules", headers=town.headers(admin))
    assert after.json()["enabled"] is True


async def test_the_openapi_document_names_the_gamification_operations(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()

    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}

    assert {
        "getMyProgress",
        "setLeaderboardOptIn",
        "getLeaderboard",
        "getGamificationRules",
        "setGamificationRules",
    } <= operations
