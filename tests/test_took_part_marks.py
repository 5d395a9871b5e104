"""Took-part marks: recorded in batches apart from the ballots and responses they stand for,
so that no mark's place in the event log tells whose contribution is whose; and everyone who
took part (respondents, signed-in voters) hears of the results and of the decisions that
answer the dialog. Real PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import msgspec
import pytest

from events.model import ConcurrencyConflict
from services.dialogs import marks as marks_module
from services.dialogs.marks import MIN_BATCH, Marks
from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.notify import settle
from tests.test_surveys_http import GOOD, Staff, open_survey, person, respond, staff
from tinget.bootstrap import BATCHED_MARKS, MARKS, Platform

__all__ = ["staff"]  # the fixture, used by name


async def _events(platform: Platform, town: Town, *types: str) -> list[tuple[int, str]]:
    async with platform.app_pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", town.slug)
        rows = await conn.fetch(
            "SELECT position, event_type FROM events WHERE tenant_id = $1"
            " AND event_type = ANY($2::text[]) ORDER BY position",
            town.slug,
            list(types),
        )
    return [(r["position"], r["event_type"]) for r in rows]


async def _waiting(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM took_part_pending WHERE tenant_id = $1", town.slug
        )
    return count


async def _kinds(client: httpx.AsyncClient, town: Town, token: str) -> list[str]:
    listed = await client.get("/api/v1/me/notifications", headers=town.headers(token))
    assert listed.status_code == 200, listed.text
    return sorted(item["kind"] for item in listed.json()["items"])


async def _close(client: httpx.AsyncClient, town: Town, admin: str, dialog: str) -> None:
    closed = await client.post(
        f"/api/v1/dialogs/{dialog}/close", json={"reason": "Done"}, headers=town.headers(admin)
    )
    assert closed.status_code == 200, closed.text


async def _publish(client: httpx.AsyncClient, town: Town, admin: str, dialog: str) -> None:
    published = await client.post(
        f"/api/v1/dialogs/{dialog}/results",
        json={"summary": "Benches come"},
        headers=town.headers(admin),
    )
    assert published.status_code == 200, published.text


async def _decide(client: httpx.AsyncClient, town: Town, admin: str, dialog: str) -> None:
    decided = await client.post(
        "/api/v1/decisions",
        json={
            "committee": "Transport",
            "decided_on": "2026-11-30",
            "text": "Benches by the pond",
            "reference": "§ 12",
            "dialog_ids": [dialog],
            "post_ids": [],
        },
        headers=town.headers(admin),
    )
    assert decided.status_code == 201, decided.text


async def test_survey_marks_are_recorded_in_batches_after_the_responses_they_stand_for(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    survey = uuid.UUID(dialog)
    people = [await person(platform, town, f"p{i}@example.se") for i in range(MIN_BATCH + 1)]

    for _, token, _ in people[: MIN_BATCH - 1]:
        assert (await respond(client, town, dialog, token, GOOD)).status_code == 201
    assert await platform.record_marks() == 0  # too few to hide among
    assert await _events(platform, town, "SurveyAnswered") == []
    for person_id, _, _ in people[: MIN_BATCH - 1]:  # noted meanwhile: no reminder goes to them
        assert await platform.surveys.has_responded(town.slug, survey, person_id)
    assert not await platform.surveys.has_responded(town.slug, survey, people[-2][0])

    assert (await respond(client, town, dialog, people[-2][1], GOOD)).status_code == 201
    assert await platform.record_marks() == MIN_BATCH
    responses = await _events(platform, town, "AnonymousResponseSubmitted")
    marks = await _events(platform, town, "SurveyAnswered")
    assert len(responses) == len(marks) == MIN_BATCH
    # One append after every response of the batch: a mark's place says nothing of whose
    # response is whose.
    assert [p for p, _ in marks] == list(range(marks[0][0], marks[0][0] + MIN_BATCH))
    assert marks[0][0] > responses[-1][0]
    assert await _waiting(platform, town) == 0
    for person_id, _, _ in people[:MIN_BATCH]:
        assert await platform.surveys.has_responded(town.slug, survey, person_id)

    last_id, last, _ = people[-1]
    assert (await respond(client, town, dialog, last, GOOD)).status_code == 201
    assert await platform.record_marks() == 0
    assert await platform.surveys.has_responded(town.slug, survey, last_id)
    await _close(client, town, staff.author, dialog)
    await platform.catch_up_projections()  # the worker learns of the close from the listing
    assert await platform.record_marks() == 1  # closed: the last ones, however few
    assert len(await _events(platform, town, "SurveyAnswered")) == MIN_BATCH + 1
    assert await platform.record_marks() == 0
    await _publish(client, town, staff.author, dialog)

    await _decide(client, town, staff.author, dialog)
    await settle(platform)
    outsider = await device_token(client, town)
    for _, token, _ in people:  # every respondent hears of the results and the decision
        assert await _kinds(client, town, token) == ["decision-recorded", "dialog-results"]
    assert await _kinds(client, town, outsider) == []


async def test_signed_in_voters_are_marked_and_told_and_device_ballots_leave_no_mark(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    voter_id, voter, _ = await person(platform, town, "ann@example.se")
    device = await device_token(client, town)
    for token in (voter, device):
        cast = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/votes",
            json={"choices": ["yes"]},
            headers=town.headers(token),
        )
        assert cast.status_code == 201, cast.text
    assert await platform.record_marks() == 0  # one waits; the poll is open
    assert await _waiting(platform, town) == 1

    await _close(client, town, admin, dialog["id"])
    await _publish(client, town, admin, dialog["id"])  # before the worker's round: it records
    assert await _waiting(platform, town) == 0
    marks = await _events(platform, town, "VotersTookPart", "DialogResultsPublished")
    assert [t for _, t in marks] == ["VotersTookPart", "DialogResultsPublished"]
    await _decide(client, town, admin, dialog["id"])
    await settle(platform)
    assert await _kinds(client, town, voter) == ["decision-recorded", "dialog-results"]
    assert await _kinds(client, town, device) == []

    # The mark names the voter and nothing of the ballot.
    async with platform.worker_pool.acquire() as conn:
        data: Any = await conn.fetchval(
            "SELECT data::text FROM events WHERE tenant_id = $1 AND event_type = 'VotersTookPart'",
            town.slug,
        )
    assert str(voter_id) in data
    assert "yes" not in data


async def test_a_voters_mark_lost_with_a_crash_is_noted_by_the_refused_second_ballot(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    _, voter, _ = await person(platform, town, "ann@example.se")
    url = f"/api/v1/dialogs/{dialog['id']}/votes"
    marks = platform.participation.marks
    platform.participation.marks = None  # the process died between the ballot and its note
    try:
        first = await client.post(url, json={"choices": ["yes"]}, headers=town.headers(voter))
    finally:
        platform.participation.marks = marks
    assert first.status_code == 201, first.text
    assert await _waiting(platform, town) == 0
    second = await client.post(url, json={"choices": ["no"]}, headers=town.headers(voter))
    assert second.status_code == 409, second.text
    assert await _waiting(platform, town) == 1


async def test_erasing_a_person_forgets_their_waiting_mark(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    person_id, token, _ = await person(platform, town, "eva@example.se")
    assert (await respond(client, town, dialog, token, GOOD)).status_code == 201
    assert await _waiting(platform, town) == 1
    operator = await staff_token(platform, town, "ops@town.example", Role.ADMINISTRATOR)
    erased = await client.post(
        f"/api/v1/people/{person_id}/erasure", headers=town.headers(operator)
    )
    assert erased.status_code == 202, erased.text
    assert await _waiting(platform, town) == 0


async def test_notes_that_arrive_together_are_written_together_each_under_its_tenant(
    platform: Platform, town: Town
) -> None:
    """Sixty notes at once (voting has opened): written in fewer statements than notes, each
    note returning only once written, every one in its own municipality (row-level
    security per tenant inside the one statement), a repeated note kept once."""
    marks = platform.dialogs.marks
    assert marks is not None
    other = await create_town(platform, "Malmö")
    dialog = uuid.uuid4()
    people = [uuid.uuid4() for _ in range(30)]
    statements_before = marks.statements
    await asyncio.gather(
        *(marks.note(town.slug, "survey", dialog, p) for p in people),
        *(marks.note(other.slug, "survey", dialog, p) for p in people[:29]),
        marks.note(other.slug, "survey", dialog, people[0]),  # the same person again
    )
    statements = marks.statements - statements_before
    assert await _waiting(platform, town) == 30
    assert await _waiting(platform, other) == 29
    assert 1 <= statements < 60, statements

    with pytest.raises(ValueError, match="no mark of kind"):
        await marks.note(town.slug, "no-such-kind", dialog, people[0])


async def test_a_batch_of_voters_is_one_event_each_voter_told_and_none_recorded_twice(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve signed-in voters' marks are recorded as events of at most five people each
    (the most a batch's event holds, made smaller for the test), the people in the order of
    their ids; every voter hears of the results; recording the same batch again (a worker
    that died before deleting what it recorded) adds nothing."""
    monkeypatch.setattr(marks_module, "MAX_PEOPLE_A_BATCH", 5)
    dialog = await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )
    voters = [await person(platform, town, f"voter{i}@example.se") for i in range(12)]
    for _, token, _ in voters:
        cast = await client.post(
            f"/api/v1/dialogs/{dialog['id']}/votes",
            json={"choices": ["no"]},
            headers=town.headers(token),
        )
        assert cast.status_code == 201, cast.text
    async with platform.worker_pool.acquire() as conn:
        waiting = [
            (r["person_id"], r["kind"])
            for r in await conn.fetch(
                "SELECT person_id, kind FROM took_part_pending WHERE tenant_id = $1", town.slug
            )
        ]
    assert len(waiting) == 12
    assert await platform.record_marks() == 12
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT data::text AS data FROM events WHERE tenant_id = $1"
            " AND event_type = 'VotersTookPart' ORDER BY position",
            town.slug,
        )
    batches = [msgspec.json.decode(r["data"])["person_ids"] for r in rows]
    assert sorted(len(b) for b in batches) == [2, 5, 5]
    assert all(b == sorted(b) for b in batches)
    assert sorted(p for b in batches for p in b) == sorted(str(v[0]) for v in voters)

    # the same people recorded again, as a worker that died before its delete would: the
    # same batches, each refused by the store
    marks = Marks(platform.worker_pool, platform.repository, MARKS, BATCHED_MARKS)
    again = marks._marks(uuid.UUID(dialog["id"]), list(reversed(waiting)))
    assert len(again) == 3
    for mark in again:
        with pytest.raises(ConcurrencyConflict):
            await platform.repository.save(town.slug, mark)
    assert len(await _events(platform, town, "VotersTookPart")) == 3

    await _close(client, town, admin, dialog["id"])
    await _publish(client, town, admin, dialog["id"])
    await settle(platform)
    for _, token, _ in voters:
        assert await _kinds(client, town, token) == ["dialog-results"]
