"""Surveys over HTTP: the questionnaire's review by staff (four eyes) up to the opening, the
respondent's view, drafts resumed on another device, one response per person, answers checked
against the version answered, refusals outside the open time, invite-only surveys, and
anonymous responses that nothing stored or logged links to their author. Real PostgreSQL and
NATS behind the gateway app."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.identity.access import Role, SignIn
from tests.api import Town, create_town, device_token, dialog_body, staff_token
from tinget.bootstrap import Platform


def sv(text: str, en: str | None = None) -> dict[str, str]:
    return {"sv": text} | ({"en": en} if en else {})


def options(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "label": sv(f"{i} (sv)", f"{i} (en)")} for i in ids]


SHUFFLED = ("a", "b", "c", "d", "e", "f", "g", "h")


def questionnaire(title: str = "Parken") -> dict[str, Any]:
    return {
        "default_language": "sv",
        "title": sv(title, "The park"),
        "sections": [
            {
                "questions": [
                    {
                        "type": "single-choice",
                        "id": "visit",
                        "text": sv("Besöker du parken?", "Do you visit the park?"),
                        "options": options("yes", "no"),
                        "required": True,
                    },
                    {
                        "type": "multiple-choice",
                        "id": "uses",
                        "text": sv("Vad gör du där?", "What do you do there?"),
                        "options": options(*SHUFFLED),
                        "max_choices": 2,
                        "order": "shuffled",
                    },
                    {"type": "rating", "id": "stars", "text": sv("Hur nöjd är du?")},
                    {
                        "type": "ranking",
                        "id": "order",
                        "text": sv("Vad är viktigast?"),
                        "options": options("trees", "light", "seats"),
                    },
                    {"type": "text", "id": "wish", "text": sv("Vad önskar du?")},
                ]
            }
        ],
    }


GOOD = {"visit": "yes", "uses": ["a", "b"], "stars": 4, "order": ["light", "trees", "seats"]}


class Staff:
    def __init__(self, author: str, approver: str) -> None:
        self.author = author
        self.approver = approver


@pytest.fixture
async def staff(platform: Platform, town: Town, admin: str) -> Staff:
    approver = await staff_token(platform, town, "approver@town.example", Role.ADMINISTRATOR)
    return Staff(admin, approver)


async def person(platform: Platform, town: Town, email: str) -> tuple[uuid.UUID, str, str]:
    """A signed-in participant and two tokens of theirs (two devices)."""
    person_id = await platform.identity.add_staff(town.slug, email, Role.PARTICIPANT)
    tokens = platform.identity.tokens
    first = tokens.issue(town.slug, person_id, Role.PARTICIPANT, SignIn.EMAIL).token
    second = tokens.issue(town.slug, person_id, Role.PARTICIPANT, SignIn.EMAIL).token
    return person_id, first, second


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def survey_dialog(
    client: httpx.AsyncClient,
    town: Town,
    staff: Staff,
    opens_in: float,
    closes_in: float = 3600,
    form: dict[str, Any] | None = None,
    **changes: Any,
) -> tuple[str, str]:
    """A survey dialog drafted with its questionnaire submitted, approved by the other
    administrator, scheduled and the dialog published; its id and opening time."""
    opens_at = at(opens_in)
    body = dialog_body("survey", opens_at=opens_at, closes_at=at(closes_in), **changes)
    created = await ok(
        await client.post("/api/v1/dialogs", json=body, headers=town.headers(staff.author)), 201
    )
    dialog = created["id"]
    base = f"/api/v1/dialogs/{dialog}/questionnaire"
    author, approver = town.headers(staff.author), town.headers(staff.approver)
    form = questionnaire() if form is None else form
    await ok(await client.put(base, json={"form": form}, headers=author))
    await ok(await client.post(f"{base}/submit", headers=author))
    revision = (await ok(await client.get(f"{base}/review", headers=approver)))["revision"]
    await ok(await client.post(f"{base}/approve", json={"revision": revision}, headers=approver))
    await ok(await client.post(f"{base}/schedule", headers=author))
    await ok(await client.post(f"/api/v1/dialogs/{dialog}/publish", headers=author))
    return dialog, opens_at


async def open_survey(client: httpx.AsyncClient, town: Town, staff: Staff, **changes: Any) -> str:
    """A survey that has just opened (its questionnaire approved and scheduled before)."""
    dialog, opens_at = await survey_dialog(client, town, staff, 2.5, **changes)
    wait = (datetime.fromisoformat(opens_at) - datetime.now(UTC)).total_seconds()
    assert wait > 0, "the survey opened before it was ready: the machine is too slow"
    await asyncio.sleep(wait + 0.05)
    return dialog


async def respond(
    client: httpx.AsyncClient, town: Town, dialog: str, token: str, answers: Any, version: int = 1
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog}/responses",
        json={"version": version, "answers": answers},
        headers=town.headers(token, language="en"),  # refusals as written
    )


async def test_a_questionnaire_goes_through_review_with_four_eyes_to_the_opening(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    created = await ok(
        await client.post(
            "/api/v1/dialogs",
            json=dialog_body("survey", opens_at=at(600), closes_at=at(3600)),
            headers=town.headers(staff.author),
        ),
        201,
    )
    assert created["kind"] == "survey"
    assert created["settings"]["anonymous"] is True  # a survey is anonymous unless told
    dialog = created["id"]
    base = f"/api/v1/dialogs/{dialog}/questionnaire"
    author, approver = town.headers(staff.author), town.headers(staff.approver)
    _, citizen, _ = await person(platform, town, "citizen@example.se")

    refused_writer = await client.put(
        base, json={"form": questionnaire()}, headers=town.headers(citizen)
    )
    drafted = await ok(await client.put(base, json={"form": questionnaire()}, headers=author))
    commented = await client.post(
        f"{base}/comments",
        json={"text": "Ask about the lights too", "question_id": "order"},
        headers=approver,
    )
    submitted = await ok(await client.post(f"{base}/submit", headers=author))
    own_approval = await client.post(f"{base}/approve", json={"revision": 1}, headers=author)
    stale_approval = await client.post(f"{base}/approve", json={"revision": 7}, headers=approver)
    sent_back = await ok(await client.post(f"{base}/send-back", headers=approver))
    revised = await ok(
        await client.put(base, json={"form": questionnaire("Parken 2")}, headers=author)
    )
    await ok(await client.post(f"{base}/submit", headers=author))
    approved = await ok(
        await client.post(f"{base}/approve", json={"revision": 2}, headers=approver)
    )
    scheduled = await ok(await client.post(f"{base}/schedule", headers=author))
    before_publish = await client.get(base, headers=town.headers(citizen))
    await ok(await client.post(f"/api/v1/dialogs/{dialog}/publish", headers=author))
    not_out = await client.get(base, headers=town.headers(citizen))
    early_correction = await client.post(
        f"{base}/corrections", json={"form": questionnaire("Fel")}, headers=author
    )
    review = await ok(await client.get(f"{base}/review", headers=approver))
    citizen_review = await client.get(f"{base}/review", headers=town.headers(citizen))

    assert refused_writer.status_code == 403
    assert (drafted["stage"], drafted["revision"], drafted["newest_version"]) == ("draft", 1, 0)
    assert commented.status_code == 201, commented.text
    assert commented.json()["question_id"] == "order"
    assert submitted["stage"] == "submitted"
    assert own_approval.status_code == 403
    assert "inte har skrivit något av det" in own_approval.json()["detail"]  # in Swedish
    assert stale_approval.status_code == 409
    assert stale_approval.json()["field"] == "revision"
    assert sent_back["stage"] == "draft"
    assert (revised["revision"], revised["form"]["title"]["sv"]) == (2, "Parken 2")
    assert approved["stage"] == "approved"
    assert scheduled["stage"] == "scheduled"
    assert datetime.fromisoformat(scheduled["opens_at"]) == datetime.fromisoformat(
        created["opens_at"]
    )
    assert before_publish.status_code == 404  # a draft dialog does not exist for citizens
    assert not_out.status_code == 409
    assert "har inte gått ut" in not_out.json()["detail"]  # the town's Swedish
    assert early_correction.status_code == 409
    assert (review["stage"], review["approved_by"] is not None) == ("scheduled", True)
    assert citizen_review.status_code == 403


async def test_once_named_the_steering_group_alone_approves_and_may_be_a_committee_member(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    """Administrators name the steering group; from then on only its members approve or send
    back a questionnaire (still never its author), a committee member among them reading and
    approving it; everyone else is refused, naming the group."""
    group = "/api/v1/steering-group"
    author, other_admin = town.headers(staff.author), town.headers(staff.approver)
    committee = await staff_token(platform, town, "politician@town.example", Role.COMMITTEE_MEMBER)
    outsider = await staff_token(platform, town, "other@town.example", Role.COMMITTEE_MEMBER)
    member = platform.identity.tokens.verify(committee, town.slug).person_id
    citizen, _, _ = await person(platform, town, "citizen@town.example")
    other = await create_town(platform, "Malmö")
    foreign = await platform.identity.add_staff(other.slug, "a@malmo.example", Role.ADMINISTRATOR)

    assert (await ok(await client.get(group, headers=author))) == {"members": []}
    refused = [
        await client.put(group, json={"members": [str(member)]}, headers=town.headers(committee)),
        await client.put(
            group, json={"members": [str(member), str(citizen), str(foreign)]}, headers=author
        ),
        await client.put(group, json={"members": ["not-an-id"]}, headers=author),
        await client.put(
            group, json={"members": [str(uuid.uuid4()) for _ in range(51)]}, headers=author
        ),
    ]
    assert [r.status_code for r in refused] == [403, 422, 400, 400]
    assert [e["field"] for e in refused[1].json()["errors"]] == ["members[1]", "members[2]"]
    assert "är deltagare" in refused[1].json()["errors"][0]["reason"]  # a participant
    assert (await ok(await client.get(group, headers=author))) == {"members": []}  # unchanged

    named = await ok(await client.put(group, json={"members": [str(member)]}, headers=author))
    assert named == {"members": [str(member)]}

    body = dialog_body("survey", opens_at=at(3600), closes_at=at(7200))
    dialog = (await ok(await client.post("/api/v1/dialogs", json=body, headers=author), 201))["id"]
    base = f"/api/v1/dialogs/{dialog}/questionnaire"
    await ok(await client.put(base, json={"form": questionnaire()}, headers=author))
    await ok(await client.post(f"{base}/submit", headers=author))

    not_in_group = [
        await client.post(f"{base}/approve", json={"revision": 1}, headers=other_admin),
        await client.post(f"{base}/send-back", headers=other_admin),
        await client.post(f"{base}/approve", json={"revision": 1}, headers=town.headers(outsider)),
        await client.get(f"{base}/review", headers=town.headers(outsider)),
    ]
    assert [r.status_code for r in not_in_group] == [403, 403, 403, 403]
    assert "kommunens styrgrupp" in not_in_group[0].json()["detail"]

    read = await ok(await client.get(f"{base}/review", headers=town.headers(committee)))
    approved = await ok(
        await client.post(
            f"{base}/approve", json={"revision": read["revision"]}, headers=town.headers(committee)
        )
    )
    assert approved["stage"] == "approved"
    assert approved["approved_by"] == str(member)


async def test_the_questionnaire_locks_at_the_opening_and_a_correction_is_a_new_version(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    base = f"/api/v1/dialogs/{dialog}/questionnaire"
    citizen = await device_token(client, town)

    first = await ok(await client.get(base, headers=town.headers(citizen)))
    again = await ok(await client.get(base, headers=town.headers(citizen)))
    revision = await client.put(
        base, json={"form": questionnaire("Sent")}, headers=town.headers(staff.author)
    )
    corrected = await ok(
        await client.post(
            f"{base}/corrections",
            json={"form": questionnaire("Rättad")},
            headers=town.headers(staff.author),
        )
    )
    newest = await ok(await client.get(base, headers=town.headers(citizen)))
    answered_v1 = await respond(client, town, dialog, citizen, GOOD, version=1)

    assert (first["version"], again["version"]) == (1, 1)
    assert revision.status_code == 409
    assert "rätta frågeformuläret som en ny version" in revision.json()["detail"]
    assert (corrected["stage"], corrected["newest_version"]) == ("locked", 2)
    assert (newest["version"], newest["questionnaire"]["title"]) == (2, "Rättad")
    assert answered_v1.status_code == 201, answered_v1.text  # begun before the correction
    async with platform.worker_pool.acquire() as conn:
        locks = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND event_type = $2",
            town.slug,
            "QuestionnaireLocked",
        )
    assert locks == 1  # recorded once, when first needed


async def test_a_respondent_reads_it_in_their_language_with_their_own_option_order(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    base = f"/api/v1/dialogs/{dialog}/questionnaire"
    _, phone, laptop = await person(platform, town, "eva@example.se")
    others = [await device_token(client, town) for _ in range(3)]

    english = await ok(
        await client.get(base, params={"language": "en-GB"}, headers=town.headers(phone))
    )
    by_header = await ok(
        await client.get(base, headers={**town.headers(laptop), "accept-language": "en;q=0.8"})
    )
    swedish = await ok(await client.get(base, headers=town.headers(laptop)))
    orders = [
        [
            o["id"]
            for o in (await ok(await client.get(base, headers=town.headers(t))))["questionnaire"][
                "sections"
            ][0]["questions"][1]["options"]
        ]
        for t in others
    ]

    def uses(view: dict[str, Any]) -> dict[str, Any]:
        question: dict[str, Any] = view["questionnaire"]["sections"][0]["questions"][1]
        return question

    assert english["language"] == "en"
    assert english["questionnaire"]["title"] == "The park"
    assert uses(english)["text"] == "What do you do there?"
    assert uses(english)["options"][0]["label"].endswith("(en)")
    assert english["questionnaire"]["sections"][0]["questions"][2]["text"] == "Hur nöjd är du?"
    assert by_header["language"] == "en"
    assert (swedish["language"], swedish["questionnaire"]["title"]) == ("sv", "Parken")
    mine = [o["id"] for o in uses(english)["options"]]
    assert [o["id"] for o in uses(swedish)["options"]] == mine  # the same on both devices
    assert sorted(mine) == list(SHUFFLED)
    assert any(order != list(SHUFFLED) for order in [mine, *orders])  # shuffled, not fixed
    assert len({tuple(o) for o in [mine, *orders]}) > 1  # each respondent an order of their own
    fixed = english["questionnaire"]["sections"][0]["questions"][3]["options"]
    assert [o["id"] for o in fixed] == ["trees", "light", "seats"]


async def test_a_draft_resumes_on_another_device_and_a_response_is_submitted_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    drafts = f"/api/v1/dialogs/{dialog}/responses/draft"
    person_id, phone, laptop = await person(platform, town, "eva@example.se")
    other_id, _, _ = await person(platform, town, "olle@example.se")

    nothing = await client.get(drafts, headers=town.headers(phone))
    started = await ok(
        await client.put(
            drafts, json={"version": 1, "answers": {"stars": 3}}, headers=town.headers(phone)
        )
    )
    resumed = await ok(await client.get(drafts, headers=town.headers(laptop)))
    await ok(
        await client.put(
            drafts,
            json={"version": 1, "answers": {"stars": 5, "visit": "no"}},
            headers=town.headers(laptop),
        )
    )
    back_on_phone = await ok(await client.get(drafts, headers=town.headers(phone)))
    bad_draft = await client.put(
        drafts, json={"version": 1, "answers": {"stars": 9}}, headers=town.headers(phone)
    )
    before = await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), person_id)

    submissions = await asyncio.gather(
        *(respond(client, town, dialog, token, GOOD) for token in [phone, laptop] * 6)
    )
    statuses = sorted(r.status_code for r in submissions)
    after_draft = await client.get(drafts, headers=town.headers(laptop))
    draft_after = await client.put(
        drafts, json={"version": 1, "answers": {}}, headers=town.headers(phone)
    )
    view = await ok(
        await client.get(f"/api/v1/dialogs/{dialog}/questionnaire", headers=town.headers(laptop))
    )

    assert nothing.status_code == 404
    assert started["answers"] == {"stars": 3}  # a draft may leave required questions open
    assert resumed["answers"] == {"stars": 3}
    assert back_on_phone["answers"] == {"stars": 5, "visit": "no"}
    assert bad_draft.status_code == 422
    assert bad_draft.json()["field"] == "answers.stars"
    assert before is False
    assert statuses == [201] + [409] * 11
    assert all(
        r.json()["detail"] == "you have answered this survey already"
        for r in submissions
        if r.status_code == 409
    )
    assert after_draft.status_code == 404  # the draft was done with by the response
    assert draft_after.status_code == 409
    assert view["answered"] is True
    assert await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), person_id)
    assert not await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), other_id)
    async with platform.worker_pool.acquire() as conn:
        counts = dict(
            await conn.fetch(
                "SELECT event_type, count(*) FROM events WHERE tenant_id = $1"
                " AND event_type IN ('AnonymousResponseSubmitted', 'SurveyAnswered')"
                " GROUP BY event_type",
                town.slug,
            )
        )
    assert counts == {"AnonymousResponseSubmitted": 1}  # the mark waits for its batch


async def test_a_mark_lost_after_its_response_is_recorded_by_the_refused_second_submission(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    staff: Staff,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = await open_survey(client, town, staff)
    person_id, token, _ = await person(platform, town, "eva@example.se")

    async def crashed(caller: object, dialog_id: object) -> None:
        """The process died between the response's transaction and the mark's."""

    monkeypatch.setattr(platform.surveys, "_mark", crashed)
    first = await respond(client, town, dialog, token, GOOD)
    lost = await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), person_id)
    monkeypatch.undo()
    second = await respond(client, town, dialog, token, GOOD)

    assert first.status_code == 201, first.text
    assert lost is False
    assert second.status_code == 409
    assert await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), person_id)


async def test_bad_answers_are_refused_naming_every_question_and_nothing_is_written(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    citizen = await device_token(client, town)

    refused = await respond(
        client,
        town,
        dialog,
        citizen,
        {
            "nope": "x",  # no such question
            "stars": 6,  # outside the scale
            "uses": ["a", "b", "c"],  # too many choices
            # "visit" is required and missing
            "order": ["trees", "trees", "seats"],  # a ranking with a duplicate
        },
    )
    unknown_version = await respond(client, town, dialog, citizen, GOOD, version=2)

    assert refused.status_code == 422, refused.text
    problems = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert problems == {
        "answers.nope": "is not a question of this questionnaire",
        "answers.stars": "must be from 1 to 5",
        "answers.uses": "choose at most 2 options",
        "answers.visit": "is required",
        "answers.order[1]": "'trees' is given twice",
    }
    assert unknown_version.status_code == 422
    assert unknown_version.json()["field"] == "version"
    async with platform.worker_pool.acquire() as conn:
        written = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND event_type IN"
            " ('AnonymousResponseSubmitted', 'NamedResponseSubmitted', 'SurveyAnswered')",
            town.slug,
        )
    assert written == 0
    assert (await respond(client, town, dialog, citizen, GOOD)).status_code == 201


async def test_answers_before_the_opening_or_after_the_close_are_refused_with_the_reason(
    client: httpx.AsyncClient, town: Town, staff: Staff
) -> None:
    later, opens_at = await survey_dialog(client, town, staff, 600)
    closed = await open_survey(client, town, staff)
    timed_out = await open_survey(client, town, staff, closes_in=3.5)
    await ok(
        await client.post(
            f"/api/v1/dialogs/{closed}/close",
            json={"reason": "Enough answers"},
            headers=town.headers(staff.author),
        )
    )
    citizen = await device_token(client, town)

    early = await respond(client, town, later, citizen, GOOD)
    early_draft = await client.put(
        f"/api/v1/dialogs/{later}/responses/draft",
        json={"version": 1, "answers": {}},
        headers=town.headers(citizen),
    )
    late = await respond(client, town, closed, citizen, GOOD)
    in_time = await respond(client, town, timed_out, citizen, GOOD)
    await asyncio.sleep(3.6)  # past the closing time, which nobody has recorded yet
    other = await device_token(client, town)
    too_late = await respond(client, town, timed_out, other, GOOD)

    assert early.status_code == 409
    assert (
        early.json()["detail"]
        == f"the dialog opens at {datetime.fromisoformat(opens_at).astimezone(UTC).isoformat()}"
    )
    assert early_draft.status_code == 409
    assert late.status_code == 409
    assert late.json()["detail"] == "the dialog is closed: Enough answers"
    assert in_time.status_code == 201, in_time.text
    assert too_late.status_code == 409
    assert too_late.json()["detail"].startswith("the dialog is closed since ")


async def test_a_survey_takes_neither_posts_nor_votes_and_other_dialogs_no_questionnaire(
    client: httpx.AsyncClient, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff)
    citizen = await device_token(client, town)
    proposals = await ok(
        await client.post(
            "/api/v1/dialogs", json=dialog_body(), headers=town.headers(staff.author)
        ),
        201,
    )

    english = town.headers(citizen, language="en")  # the refusals' English words are checked
    post = await client.post(
        f"/api/v1/dialogs/{dialog}/posts", json={"body": "Hi"}, headers=english
    )
    vote = await client.post(
        f"/api/v1/dialogs/{dialog}/votes", json={"choices": ["yes"]}, headers=english
    )
    questionnaire_elsewhere = await client.put(
        f"/api/v1/dialogs/{proposals['id']}/questionnaire",
        json={"form": questionnaire()},
        headers=town.headers(staff.author, language="en"),
    )

    assert post.status_code == 409
    assert post.json()["detail"] == "a survey dialog takes questionnaire responses, not posts"
    assert vote.status_code == 409
    assert vote.json()["detail"] == "a survey dialog takes questionnaire responses, not votes"
    assert questionnaire_elsewhere.status_code == 409
    assert "not questionnaire responses" in questionnaire_elsewhere.json()["detail"]


async def test_an_invite_only_survey_is_seen_and_answered_only_by_its_invitees(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff, invite_only=True)
    invited = await ok(
        await client.post(
            f"/api/v1/dialogs/{dialog}/invitations",
            json={"invitees": [{"email": "invited@example.se"}]},
            headers=town.headers(staff.author),
        ),
        201,
    )
    invitee_id = uuid.UUID(invited["invited"][0]["person_id"])
    invitee = platform.identity.tokens.issue(
        town.slug, invitee_id, Role.PARTICIPANT, SignIn.PIN
    ).token
    _, outsider, _ = await person(platform, town, "outsider@example.se")
    device = await device_token(client, town)
    base = f"/api/v1/dialogs/{dialog}"

    for stranger in (outsider, device):
        seen = await client.get(f"{base}/questionnaire", headers=town.headers(stranger))
        drafted = await client.put(
            f"{base}/responses/draft",
            json={"version": 1, "answers": {}},
            headers=town.headers(stranger),
        )
        answered = await respond(client, town, dialog, stranger, GOOD)
        assert [seen.status_code, drafted.status_code, answered.status_code] == [404] * 3
    view = await client.get(f"{base}/questionnaire", headers=town.headers(invitee))
    answer = await respond(client, town, dialog, invitee, GOOD)

    assert view.status_code == 200, view.text
    assert answer.status_code == 201, answer.text


async def test_a_named_survey_asks_respondents_to_sign_in_and_names_them(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    dialog = await open_survey(client, town, staff, settings={"anonymous": False})
    device = await device_token(client, town)
    person_id, token, _ = await person(platform, town, "eva@example.se")

    refused = await respond(client, town, dialog, device, GOOD)
    named = await respond(client, town, dialog, token, GOOD)

    assert refused.status_code == 403
    assert refused.json()["detail"] == "the dialog asks participants to sign in first"
    assert named.status_code == 201, named.text
    async with platform.worker_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT data::text AS data, metadata::text AS metadata FROM events"
            " WHERE tenant_id = $1 AND event_type = 'NamedResponseSubmitted'",
            town.slug,
        )
    assert row is not None
    assert str(person_id) in row["data"]
    assert json.loads(row["metadata"])["actor"] == str(person_id)
    assert '"wish"' not in row["data"]  # the answers are sealed under the respondent's key
    assert "light" not in row["data"]


SECRET_ANSWER = "my-unmistakable-wish-4711"


def _columns_as_text(columns: list[asyncpg.Record]) -> Iterator[str]:
    for c in columns:
        name = '"' + c["column_name"].replace('"', '""') + '"'
        if c["data_type"] == "bytea":
            yield f"coalesce(encode({name}, 'escape'), '')"
        else:
            yield f"coalesce({name}::text, '')"


async def test_an_anonymous_response_is_linked_to_its_author_by_nothing_stored_published_or_logged(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    staff: Staff,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialog = await open_survey(client, town, staff)
    email = "anna.andersson@example.se"
    person_id, phone, laptop = await person(platform, town, email)
    capsys.readouterr()

    draft = await client.put(
        f"/api/v1/dialogs/{dialog}/responses/draft",
        json={"version": 1, "answers": {"wish": SECRET_ANSWER + "-draft"}},
        headers=town.headers(phone),
    )
    answered = await respond(client, town, dialog, laptop, {**GOOD, "wish": SECRET_ANSWER})
    logged = capsys.readouterr()
    await platform.record_marks(min_batch=1)  # the mark's batch, however small
    await platform.catch_up_projections()

    assert draft.status_code == 200, draft.text
    assert answered.status_code == 201, answered.text
    assert await platform.surveys.has_responded(town.slug, uuid.UUID(dialog), person_id)
    names = {str(person_id), person_id.hex, email}
    for line in (logged.out + logged.err).splitlines():
        assert not any(n in line for n in names), line
    response_stream = platform.keys.response_stream(town.slug, uuid.UUID(dialog), person_id)
    draft_stream = platform.keys.response_draft_stream(town.slug, uuid.UUID(dialog), person_id)
    links = {str(response_stream), str(draft_stream), SECRET_ANSWER}

    holding, marks = 0, 0
    assert platform.addresses.database_url is not None
    owner = await asyncpg.connect(platform.addresses.database_url)  # sees past row security
    try:
        tables = await owner.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        assert len(tables) > 10
        for table in tables:
            columns = await owner.fetch(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = $1 AND table_name = $2",
                table["table_schema"],
                table["table_name"],
            )
            row_text = " || ' | ' || ".join(_columns_as_text(columns))
            qualified = f'"{table["table_schema"]}"."{table["table_name"]}"'
            for row in await owner.fetch(f"SELECT {row_text} AS t FROM {qualified}"):
                text: str = row["t"]
                if any(link in text for link in links):
                    holding += 1
                    assert not any(n in text for n in names), (qualified, text)
                if "SurveyAnswered" in text and str(person_id) in text:
                    marks += 1
                    assert SECRET_ANSWER not in text, text
                    assert '"stars"' not in text, text
        events = await owner.fetch(
            "SELECT event_type, stream_id, data::text AS data, metadata::text AS metadata"
            " FROM events WHERE tenant_id = $1 AND event_type IN"
            " ('AnonymousResponseSubmitted', 'ResponseDraftStarted', 'ResponseDraftDiscarded')",
            town.slug,
        )
    finally:
        await owner.close()

    # And the stream the relay publishes the log to: each message of the response or the draft
    # names nobody, in its subject, headers or body.
    relay = platform.relay("anonymity")
    head, position = await platform.reader.head(), 0
    async with asyncio.timeout(30):
        while position < head:
            position = await relay.run_once(position)
    assert platform.js is not None
    stream, prefix = platform.addresses.stream_name, platform.addresses.subject_prefix
    sub = await platform.js.pull_subscribe(
        f"{prefix}.>",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
    )
    published: list[Msg] = []
    total = (await platform.js.stream_info(stream)).state.messages
    while len(published) < total:
        published += await sub.fetch(1000, timeout=5)
    await sub.unsubscribe()
    carrying = 0
    for message in published:
        text = f"{message.subject} {message.headers} {message.data.decode(errors='replace')}"
        if any(link in text for link in links):
            carrying += 1
            assert not any(n in text for n in names), text
    assert carrying >= 3  # the response, the draft's start and its discarding

    assert holding >= 3  # the response's and the draft's events at least, and their audit rows
    assert marks >= 1  # the mark that the person answered names them, and holds no answers
    assert {e["event_type"] for e in events} == {
        "AnonymousResponseSubmitted",
        "ResponseDraftStarted",
        "ResponseDraftDiscarded",
    }
    for event in events:
        assert "actor" not in json.loads(event["metadata"])
        stored = event["data"] + event["metadata"] + str(event["stream_id"])
        assert not any(n in stored for n in names)
    [response] = [e for e in events if e["event_type"] == "AnonymousResponseSubmitted"]
    assert json.loads(response["data"])["answers"]["wish"] == SECRET_ANSWER
    assert json.loads(response["data"])["signed_in"] is True


async def test_another_municipality_reaches_no_survey_of_this_one_by_its_id(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff
) -> None:
    """The id of a survey of one municipality, sent to another's host with that one's staff
    and participant tokens: every questionnaire and response operation answers 404, and
    nothing is written to the survey."""
    dialog = await open_survey(client, town, staff)
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@malmo.example", Role.ADMINISTRATOR)
    _, other_person, _ = await person(platform, other, "someone@malmo.example")
    base = f"/api/v1/dialogs/{dialog}"
    admin, citizen = other.headers(other_admin), other.headers(other_person)
    own = town.headers(staff.author)
    before = await ok(await client.get(f"{base}/questionnaire/review", headers=own))

    answers = [
        await client.get(f"{base}/questionnaire/review", headers=admin),
        await client.put(f"{base}/questionnaire", json={"form": questionnaire()}, headers=admin),
        await client.post(f"{base}/questionnaire/submit", headers=admin),
        await client.post(
            f"{base}/questionnaire/corrections", json={"form": questionnaire()}, headers=admin
        ),
        await client.get(f"{base}/results/survey", headers=admin),
        await client.get(f"{base}/questionnaire", headers=citizen),
        await client.put(
            f"{base}/responses/draft", json={"version": 1, "answers": {}}, headers=citizen
        ),
        await respond(client, other, dialog, other_person, GOOD),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers), [a.text for a in answers]
    assert await ok(await client.get(f"{base}/questionnaire/review", headers=own)) == before
