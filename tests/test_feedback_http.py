"""Closing the feedback loop over HTTP: the municipality's official answers to posts, the
listing filtered by them, and read-your-writes of an answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, device_token, open_dialog, staff_token
from tinget.bootstrap import Platform

POSITION = "Tinget-Position"
MIN_POSITION = "Tinget-Min-Position"


async def _post(
    client: httpx.AsyncClient, town: Town, token: str, dialog_id: str, **body: Any
) -> dict[str, Any]:
    posted = await client.post(
        f"/api/v1/dialogs/{dialog_id}/posts", json=body, headers=town.headers(token)
    )
    assert posted.status_code == 201, posted.text
    created: dict[str, Any] = posted.json()
    return created


async def _answer(
    client: httpx.AsyncClient, town: Town, token: str, post_id: str, state: Any, text: Any = "Yes"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/posts/{post_id}/answers",
        json={"state": state, "text": text},
        headers=town.headers(token),
    )


async def _feed_later(platform: Platform) -> None:
    """Catch the read models up a moment from now: a read that did not wait for its write's
    position would see them before it."""
    await asyncio.sleep(0.3)
    await platform.catch_up_projections()


async def test_a_committee_member_answers_a_proposal_and_the_listing_shows_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    post = await _post(client, town, citizen, dialog["id"], body="A crossing by the school")
    member = await staff_token(platform, town, "member@town.example", Role.COMMITTEE_MEMBER)

    answered = await _answer(
        client, town, member, post["id"], "under-consideration", "  On the agenda in May  "
    )

    assert answered.status_code == 201, answered.text
    assert answered.json()["answer"]["state"] == "under-consideration"
    assert answered.json()["answer"]["text"] == "On the agenda in May"
    feeding = asyncio.create_task(_feed_later(platform))
    listed = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        headers={**town.headers(), MIN_POSITION: answered.headers[POSITION]},
    )
    await feeding
    shown = await client.get(f"/api/v1/posts/{post['id']}", headers=town.headers(citizen))
    [item] = listed.json()["items"]
    assert item["answer"]["state"] == "under-consideration"
    assert item["answer"]["text"] == "On the agenda in May"
    assert item["answer"]["answered_at"] == answered.json()["answer"]["answered_at"]
    assert shown.json()["answer"] == item["answer"]


async def test_every_answer_is_an_event_naming_who_gave_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="petition", title="Keep the library")
    citizen = await device_token(client, town)
    petition = await _post(client, town, citizen, dialog["id"], body="Keep it open on Sundays")
    admin_id = (await client.get("/api/v1/me", headers=town.headers(admin))).json()["person_id"]

    for state, text in [("received", "Thank you"), ("accepted", "Agreed"), ("implemented", "Open")]:
        done = await _answer(client, town, admin, petition["id"], state, text)
        assert done.status_code == 201, done.text

    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT data->>'state' AS state, data->>'answered_by' AS by FROM events"
            " WHERE stream_id = $1 AND event_type = 'PostAnswered' ORDER BY version",
            petition["id"],
        )
    assert [r["state"] for r in rows] == ["received", "accepted", "implemented"]
    assert {r["by"] for r in rows} == {admin_id}
    await platform.catch_up_projections()
    shown = await client.get(f"/api/v1/posts/{petition['id']}", headers=town.headers())
    assert shown.json()["answer"]["state"] == "implemented"


async def test_the_listing_is_filtered_by_the_answer(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    accepted = await _post(client, town, citizen, dialog["id"], body="Benches", kind="idea")
    rejected = await _post(client, town, citizen, dialog["id"], body="A casino")
    waiting = await _post(client, town, citizen, dialog["id"], body="More trees")
    assert (await _answer(client, town, admin, accepted["id"], "accepted")).status_code == 201
    assert (await _answer(client, town, admin, rejected["id"], "rejected")).status_code == 201
    await platform.catch_up_projections()

    async def ids(answer: str) -> list[str]:
        listed = await client.get(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            params={"answer": answer},
            headers=town.headers(),
        )
        assert listed.status_code == 200, listed.text
        return [p["id"] for p in listed.json()["items"]]

    assert await ids("accepted") == [accepted["id"]]
    assert await ids("rejected") == [rejected["id"]]
    assert await ids("unanswered") == [waiting["id"]]
    assert await ids("implemented") == []
    everything = await client.get(f"/api/v1/dialogs/{dialog['id']}/posts", headers=town.headers())
    assert len(everything.json()["items"]) == 3


async def test_a_bad_answer_filter_is_a_422_naming_the_parameter(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)

    refused = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        params={"answer": "maybe"},
        headers=town.headers(),
    )

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "answer"
    assert "under-consideration" in refused.json()["detail"]


# Roles that may not give an official answer (a committee member or an administrator may)
OTHER_ROLES = [Role.PARTICIPANT, Role.MODERATOR, Role.ANALYST]


async def test_other_roles_may_not_answer(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    post = await _post(client, town, citizen, dialog["id"], body="A crossing")

    for case in OTHER_ROLES:
        someone = await staff_token(platform, town, f"{case.value}@town.example", case)

        refused = await _answer(client, town, someone, post["id"], "accepted")
        by_device = await _answer(client, town, citizen, post["id"], "accepted")

        assert refused.status_code == 403, (case, refused.text)
        assert by_device.status_code == 403, (case, by_device.text)
        # the town's Swedish
        assert "får inte svara för kommunen" in refused.json()["detail"], (case, refused.text)


async def test_a_problem_report_or_topic_is_refused_with_the_reason(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    talk = await open_dialog(client, town, admin, kind="discussion")
    citizen = await device_token(client, town)
    report = await _post(
        client,
        town,
        citizen,
        reports["id"],
        body="Lamp out",
        place={"latitude": 55.7, "longitude": 13.2},
    )
    topic = await _post(client, town, citizen, talk["id"], body="Parking")

    on_report = await _answer(client, town, admin, report["id"], "accepted")
    on_topic = await _answer(client, town, admin, topic["id"], "accepted")
    status = await client.post(
        f"/api/v1/posts/{report['id']}/status",
        json={"status": "fixed"},
        headers=town.headers(admin),
    )

    assert on_report.status_code == 409, on_report.text
    assert "besvaras genom att dess status ändras" in on_report.json()["detail"]
    assert on_topic.status_code == 409, on_topic.text
    assert "typen topic får inget officiellt svar" in on_topic.json()["detail"]  # Swedish
    assert status.status_code == 200, status.text  # reports keep their own statuses


# (body, status, field): an answer refused naming the field
BAD_ANSWERS: list[tuple[dict[str, Any], int, str]] = [
    ({"state": "approved", "text": "Yes"}, 422, "state"),
    ({"state": "fixed", "text": "Yes"}, 422, "state"),  # a problem report's status
    ({"state": 3, "text": "Yes"}, 400, "state"),  # not text: the schema refuses it
    ({"text": "Yes"}, 400, "state"),
    ({"state": "accepted", "text": "   "}, 422, "text"),
    ({"state": "accepted", "text": ""}, 400, "text"),
    ({"state": "accepted", "text": "x" * 5001}, 400, "text"),
    ({"state": "accepted", "text": "Yes", "answered_by": "someone"}, 400, "answered_by"),
]


async def test_bad_input_is_refused_naming_the_field(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    post = await _post(client, town, citizen, dialog["id"], body="A crossing")

    for case in BAD_ANSWERS:
        body, status, field = case
        refused = await client.post(
            f"/api/v1/posts/{post['id']}/answers", json=body, headers=town.headers(admin)
        )

        assert refused.status_code == status, (case, refused.text)
        assert refused.json()["field"] == field, (case, refused.text)
        if status == 422 and field == "state":
            assert "under-consideration" in refused.json()["detail"], (case, refused.text)


async def test_a_state_out_of_order_or_repeated_is_a_conflict_naming_state(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    citizen = await device_token(client, town)
    post = await _post(client, town, citizen, dialog["id"], body="A crossing")
    assert (await _answer(client, town, admin, post["id"], "accepted", "Yes")).status_code == 201

    backwards = await _answer(client, town, admin, post["id"], "received", "Got it")
    repeated = await _answer(client, town, admin, post["id"], "accepted", "Yes")

    assert backwards.status_code == 409, backwards.text
    assert backwards.json()["field"] == "state"
    assert repeated.status_code == 409, repeated.text
    assert repeated.json()["field"] == "state"


async def test_a_missing_post_is_404(client: httpx.AsyncClient, town: Town, admin: str) -> None:
    missing = await _answer(client, town, admin, "00000000-0000-4000-8000-000000000000", "accepted")

    assert missing.status_code == 404, missing.text


async def test_the_document_describes_the_answer_operation_and_filter(
    client: httpx.AsyncClient, town: Town
) -> None:
    document = (await client.get("/schema/openapi.json", headers=town.headers())).json()

    operation = document["paths"]["/api/v1/posts/{post_id}/answers"]["post"]
    listing = document["paths"]["/api/v1/dialogs/{dialog_id}/posts"]["get"]
    [answer] = [p for p in listing["parameters"] if p["name"] == "answer"]
    assert operation["operationId"] == "answerPost"
    assert {"403", "404", "409", "422"} <= set(operation["responses"])
    assert answer["in"] == "query"
    assert "unanswered" in answer["schema"]["enum"]
    assert "partly-accepted" in answer["schema"]["enum"]
    assert "422" in listing["responses"]


# Reporting back: when a dialog is to publish its results, and the dialogs due to


async def _closed_dialog(
    client: httpx.AsyncClient, town: Town, admin: str, **changes: Any
) -> dict[str, Any]:
    dialog = await open_dialog(client, town, admin, **changes)
    closed = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/close",
        json={"reason": "Enough ideas"},
        headers=town.headers(admin),
    )
    assert closed.status_code == 200, closed.text
    body: dict[str, Any] = closed.json()
    return body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_dialog_reports_back_14_days_after_closing_unless_an_administrator_says(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    closes = _at(dialog["closes_at"])
    when = closes + timedelta(days=30)
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)

    by_moderator = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/report-back",
        json={"report_back_by": when.isoformat()},
        headers=town.headers(moderator),
    )
    set_ = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/report-back",
        json={"report_back_by": when.isoformat()},
        headers=town.headers(admin),
    )
    too_early = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/report-back",
        json={"report_back_by": (closes - timedelta(hours=1)).isoformat()},
        headers=town.headers(admin),
    )
    no_zone = await client.put(
        f"/api/v1/dialogs/{dialog['id']}/report-back",
        json={"report_back_by": "2030-01-01T00:00:00"},
        headers=town.headers(admin),
    )
    feeding = asyncio.create_task(_feed_later(platform))
    listed = await client.get(
        "/api/v1/dialogs",
        headers={**town.headers(admin), MIN_POSITION: set_.headers[POSITION]},
    )
    await feeding

    assert _at(dialog["report_back_by"]) == closes + timedelta(days=14)
    assert by_moderator.status_code == 403
    assert set_.status_code == 200, set_.text
    assert _at(set_.json()["report_back_by"]) == when
    assert too_early.status_code == 422
    assert too_early.json()["field"] == "report_back_by"
    assert no_zone.status_code == 400
    assert no_zone.json()["field"] == "report_back_by"
    [row] = [d for d in listed.json()["items"] if d["id"] == dialog["id"]]
    assert _at(row["report_back_by"]) == when


async def test_administrators_list_the_dialogs_due_or_overdue_to_report_back(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=2)
    overdue = await open_dialog(client, town, admin, title="Overdue", closes_at=soon.isoformat())
    due = await _closed_dialog(client, town, admin, title="Due in a day")
    await _closed_dialog(client, town, admin, title="Due in 14 days")
    reported = await _closed_dialog(client, town, admin, title="Reported back")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    for dialog, when in ((due, tomorrow), (reported, tomorrow)):
        done = await client.put(
            f"/api/v1/dialogs/{dialog['id']}/report-back",
            json={"report_back_by": when.isoformat()},
            headers=town.headers(admin),
        )
        assert done.status_code == 200, done.text
    published = await client.post(
        f"/api/v1/dialogs/{reported['id']}/results",
        json={"summary": "Ten new benches"},
        headers=town.headers(admin),
    )
    assert published.status_code == 200, published.text
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    late = await client.put(
        f"/api/v1/dialogs/{overdue['id']}/report-back",
        json={"report_back_by": overdue["closes_at"]},
        headers=town.headers(admin),
    )
    assert late.status_code == 200, late.text
    after_results = await client.put(
        f"/api/v1/dialogs/{reported['id']}/report-back",
        json={"report_back_by": (tomorrow + timedelta(days=9)).isoformat()},
        headers=town.headers(admin, language="en"),
    )
    feeding = asyncio.create_task(_feed_later(platform))

    week = await client.get(
        "/api/v1/report-backs",
        headers={**town.headers(admin), MIN_POSITION: late.headers[POSITION]},
    )
    await feeding
    month = await client.get(
        "/api/v1/report-backs", params={"within_days": 30}, headers=town.headers(admin)
    )
    only_overdue = await client.get(
        "/api/v1/report-backs", params={"within_days": 0}, headers=town.headers(admin)
    )
    citizen = await device_token(client, town)
    by_citizen = await client.get("/api/v1/report-backs", headers=town.headers(citizen))
    bad = await client.get(
        "/api/v1/report-backs", params={"within_days": -1}, headers=town.headers(admin)
    )

    assert after_results.status_code == 409, after_results.text
    assert "reported back already" in after_results.json()["detail"]
    assert week.status_code == 200, week.text
    assert [(d["title"], d["overdue"]) for d in week.json()] == [
        ("Overdue", True),
        ("Due in a day", False),
    ]
    assert [d["title"] for d in month.json()] == ["Overdue", "Due in a day", "Due in 14 days"]
    assert [d["title"] for d in only_overdue.json()] == ["Overdue"]
    assert by_citizen.status_code == 403
    assert bad.status_code == 400
    assert bad.json()["field"] == "within_days"


# Decision records


async def test_a_committee_member_records_a_decision_linking_dialogs_and_posts(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    talk = await open_dialog(client, town, admin, kind="discussion")
    citizen = await device_token(client, town)
    post = await _post(client, town, citizen, dialog["id"], body="A crossing")
    topic = await _post(client, town, citizen, talk["id"], body="Parking")
    member = await staff_token(platform, town, "member@town.example", Role.COMMITTEE_MEMBER)
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    body: dict[str, Any] = {
        "committee": "Transport",
        "decided_on": "2026-05-12",
        "text": "A crossing by the school, built this summer",
        "reference": "§ 42",
        "dialog_ids": [dialog["id"]],
        "post_ids": [post["id"]],
    }

    recorded = await client.post("/api/v1/decisions", json=body, headers=town.headers(member))
    by_moderator = await client.post(
        "/api/v1/decisions", json=body, headers=town.headers(moderator)
    )
    refused = {
        field: await client.post(
            "/api/v1/decisions", json={**body, **change}, headers=town.headers(admin)
        )
        for field, change in dict[str, dict[str, Any]](
            {
                "committee": {"committee": "Parks"},
                "post_ids[0]": {"post_ids": [topic["id"]]},
                "dialog_ids[0]": {"dialog_ids": ["00000000-0000-4000-8000-000000000000"]},
                "text": {"text": "   "},
            }
        ).items()
    }
    nothing = await client.post(
        "/api/v1/decisions",
        json={**body, "dialog_ids": [], "post_ids": []},
        headers=town.headers(admin),
    )
    bad_date = await client.post(
        "/api/v1/decisions", json={**body, "decided_on": "12/05/2026"}, headers=town.headers(admin)
    )

    assert recorded.status_code == 201, recorded.text
    assert POSITION in recorded.headers
    shown = await client.get(f"/api/v1/decisions/{recorded.json()['id']}", headers=town.headers())
    assert shown.status_code == 200, shown.text
    assert shown.json() == recorded.json()
    assert shown.json()["reference"] == "§ 42"
    assert shown.json()["post_ids"] == [post["id"]]
    assert by_moderator.status_code == 403
    for field, response in refused.items():
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    assert "typen topic får inget officiellt svar" in refused["post_ids[0]"].json()["detail"]
    assert nothing.status_code == 422
    assert nothing.json()["field"] == "post_ids"
    assert bad_date.status_code == 400
    assert bad_date.json()["field"] == "decided_on"
