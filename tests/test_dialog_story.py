"""A dialog's story over HTTP: the question asked, what people said (posts per official answer,
the most backed with their answers, a poll's results, a survey's responses), the published
results and every decision that answers the dialog or one of its posts. Real PostgreSQL and
NATS."""

from __future__ import annotations

from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.test_surveys_http import GOOD, Staff, open_survey, respond, staff
from tinget.bootstrap import Platform

__all__ = ["staff"]  # the fixture, used by name


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _decide(
    client: httpx.AsyncClient, town: Town, token: str, on: str, **links: list[str]
) -> dict[str, Any]:
    body = {
        "committee": "Transport",
        "decided_on": on,
        "text": f"Decided on {on}",
        "reference": "§ 7",
        "dialog_ids": [],
        "post_ids": [],
        **links,
    }
    decided: dict[str, Any] = await _ok(
        await client.post("/api/v1/decisions", json=body, headers=town.headers(token)), 201
    )
    return decided


async def test_a_proposals_story_runs_from_the_question_to_the_decisions(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    other = await open_dialog(client, town, admin)
    people = [await device_token(client, town) for _ in range(4)]
    posts = []
    for i, title in enumerate(("A crossing", "More benches", "A bike lane")):
        posts.append(
            await _ok(
                await client.post(
                    f"/api/v1/dialogs/{dialog['id']}/posts",
                    json={"title": title, "body": f"Please, {i}"},
                    headers=town.headers(people[i]),
                ),
                201,
            )
        )
    crossing, benches, lane = (p["id"] for p in posts)
    for token in people[1:3]:
        await _ok(
            await client.post(f"/api/v1/posts/{lane}/supports", headers=town.headers(token)), 201
        )
    await _ok(
        await client.post(f"/api/v1/posts/{benches}/supports", headers=town.headers(people[3])),
        201,
    )
    member = await staff_token(platform, town, "member@town.example", Role.COMMITTEE_MEMBER)
    await _ok(
        await client.post(
            f"/api/v1/posts/{lane}/answers",
            json={"state": "accepted", "text": "Built in May"},
            headers=town.headers(member),
        ),
        201,
    )
    on_post = await _decide(client, town, member, "2026-05-12", post_ids=[lane])
    on_dialog = await _decide(client, town, member, "2026-06-01", dialog_ids=[dialog["id"]])
    await _decide(client, town, member, "2026-06-02", dialog_ids=[other["id"]])
    await _ok(
        await client.post(
            f"/api/v1/dialogs/{dialog['id']}/close",
            json={"reason": "Enough ideas"},
            headers=town.headers(admin),
        )
    )
    await _ok(
        await client.post(
            f"/api/v1/dialogs/{dialog['id']}/results",
            json={"summary": "A bike lane in May"},
            headers=town.headers(admin),
        )
    )
    await platform.catch_up_projections()

    story = await _ok(
        await client.get(f"/api/v1/dialogs/{dialog['id']}/story", headers=town.headers())
    )

    assert story["dialog"]["title"] == dialog["title"]
    assert story["dialog"]["purpose"] == dialog["purpose"]
    assert story["dialog"]["status"] == "results-published"
    assert story["results_summary"] == "A bike lane in May"
    said = story["said"]
    assert said["posts"] == 3
    assert said["posts_by_answer"] == {"accepted": 1, "unanswered": 2}
    assert [p["id"] for p in said["most_backed"]] == [lane, benches, crossing]
    assert said["most_backed"][0]["answer"]["state"] == "accepted"
    assert said["most_backed"][0]["supports"] == 2
    assert said["poll"] is None
    assert said["responses"] is None
    assert [d["id"] for d in story["decisions"]] == [on_dialog["id"], on_post["id"]]
    assert story["decisions"][1]["post_ids"] == [lane]
    assert story["decisions"][1]["reference"] == "§ 7"


async def test_a_vox_pops_story_shows_its_results_and_a_surveys_its_responses(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    vox_pop = await open_dialog(
        client, town, staff.author, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    for choice in ("yes", "yes", "no"):
        voter = await device_token(client, town)
        await _ok(
            await client.post(
                f"/api/v1/dialogs/{vox_pop['id']}/votes",
                json={"choices": [choice]},
                headers=town.headers(voter),
            ),
            201,
        )
    survey = await open_survey(client, town, staff)
    for _ in range(3):
        answered = await respond(client, town, survey, await device_token(client, town), GOOD)
        assert answered.status_code == 201, answered.text
    await platform.catch_up_projections()

    polled = await _ok(
        await client.get(f"/api/v1/dialogs/{vox_pop['id']}/story", headers=town.headers())
    )
    surveyed = await _ok(
        await client.get(f"/api/v1/dialogs/{survey}/story", headers=town.headers())
    )

    poll = polled["said"]["poll"]
    assert {r["choice"]: r["votes"] for r in poll["results"]} == {"yes": 2, "no": 1}
    assert poll["ballots"] == 3
    assert polled["said"]["responses"] is None
    assert surveyed["said"]["responses"] == 3
    assert surveyed["said"]["poll"] is None
    assert surveyed["decisions"] == []


async def test_a_story_is_shown_only_to_those_who_may_see_the_dialog(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    closed_circle = await open_dialog(client, town, admin, invite_only=True)
    url = f"/api/v1/dialogs/{closed_circle['id']}/story"
    elsewhere = await create_town(platform, "Malmö")
    citizen = await device_token(client, town)

    assert (await client.get(url, headers=town.headers())).status_code == 404
    assert (await client.get(url, headers=town.headers(citizen))).status_code == 404
    assert (await client.get(url, headers=elsewhere.headers())).status_code == 404
    assert (await client.get(url, headers=town.headers(admin))).status_code == 200
    unknown = await client.get(
        "/api/v1/dialogs/00000000-0000-4000-8000-000000000000/story", headers=town.headers()
    )
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404
