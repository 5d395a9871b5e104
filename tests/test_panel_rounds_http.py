"""Panel rounds end to end over HTTP, on real PostgreSQL, NATS and an SMTP server: a round of a
drawn sample reaches its active members when the survey opens, reminders reach only those who
have not answered, the response rate per stratum suppresses small counts, the round closes with
its survey; refusals name the reason or the field. The round scheduler is driven one pass at a
time, with the time it is told."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from services.surveys.context import panel_rounds
from services.surveys.round_scheduler import advance_rounds
from tenants.service import TenantChanges
from tests.api import Town, create_town, dialog_body, open_dialog, staff_token
from tests.notify import Person, mails, person_with_address, send_round, settle
from tests.notify import text_of as text
from tests.read_models import differences, snapshot
from tests.smtp import SmtpServer
from tests.test_panels_http import QUESTIONS, panel_body
from tests.test_surveys_http import GOOD, Staff, questionnaire, respond, survey_dialog
from tinget.bootstrap import Addresses, Platform

DAY = timedelta(days=1)
PUBLIC = "https://deltag.tidaholm.example"


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def staff(platform: Platform, town: Town, admin: str) -> Staff:
    approver = await staff_token(platform, town, "approver@town.example", Role.ADMINISTRATOR)
    return Staff(admin, approver)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def panel_with_members(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, districts: list[str]
) -> tuple[str, dict[str, Person], dict[str, str]]:
    """An open panel and a member per district given, each with an address: the panel's id,
    the members by address and each one's district."""
    panel = await ok(
        await client.post(
            "/api/v1/panels", json=panel_body(open_sign_up=True), headers=town.headers(admin)
        ),
        201,
    )
    people: dict[str, Person] = {}
    district: dict[str, str] = {}
    for i, where in enumerate(districts):
        address = f"member{i}@example.se"
        person = await person_with_address(platform, town, address)
        await ok(
            await client.put(
                f"/api/v1/panels/{panel['id']}/membership",
                json={"consent": True, "background": {"age": "30-49", "district": where}},
                headers=town.headers(person.token),
            )
        )
        people[address] = person
        district[address] = where
    await settle(platform)
    return panel["id"], people, district


async def survey_open_in(
    client: httpx.AsyncClient, town: Town, staff: Staff, seconds: float
) -> tuple[str, datetime]:
    """A survey (questionnaire approved and scheduled) opening in ``seconds``, closing in 14
    days: its id and opening time."""
    dialog, opens_at = await survey_dialog(
        client, town, staff, seconds, closes_in=14 * DAY.total_seconds()
    )
    return dialog, datetime.fromisoformat(opens_at)


def addressed(smtp: SmtpServer, kind: str) -> list[str]:
    return sorted(str(m["To"]) for m in mails(smtp.inbox, kind))


async def test_a_round_reaches_the_sample_and_reminders_only_those_who_have_not_answered(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    staff: Staff,
    smtp: SmtpServer,
) -> None:
    # Links point at the municipality's public URL, not at the host the requests came to.
    await platform.tenants.update(town.slug, TenantChanges(public_url=PUBLIC))
    await platform.catch_up_projections()
    panel, people, district = await panel_with_members(
        client, platform, town, admin, ["centrum"] * 8 + ["fagersanna"] * 5
    )
    by_id = {str(p.person_id): a for a, p in people.items()}
    sample = await ok(
        await client.post(
            f"/api/v1/panels/{panel}/samples",
            json={"method": "stratified", "question_id": "district", "total": 9, "seed": 11},
            headers=town.headers(admin),
        ),
        201,
    )
    assert sample["allocation"] == {"centrum": 6, "fagersanna": 3}
    drawn = sorted(by_id[m] for m in sample["members"])
    dialog, opens_at = await survey_open_in(client, town, staff, 5.0)
    rounds_url = f"/api/v1/panels/{panel}/rounds"

    started = await ok(
        await client.post(
            rounds_url,
            json={
                "sample_id": sample["sample_id"],
                "dialog_id": dialog,
                "reminders": ["P3D", 7, "P10D"],
            },
            headers=town.headers(admin),
        ),
        201,
    )
    assert datetime.now(UTC) < opens_at, "the survey opened before the round: too slow a machine"
    assert (started["state"], started["sent"]) == ("waiting", None)
    assert started["reminders"] == ["P3D", "P7D", "P10D"]
    twice = await client.post(
        rounds_url,
        json={"sample_id": sample["sample_id"], "dialog_id": dialog},
        headers=town.headers(admin, language="en"),
    )
    assert twice.status_code == 409, twice.text
    assert "has a round already" in twice.json()["detail"]

    # A sampled member pauses before the survey opens: the round does not reach them.
    paused = next(a for a in drawn if district[a] == "centrum")
    await ok(
        await client.post(
            f"/api/v1/panels/{panel}/membership/pause",
            headers=town.headers(people[paused].token),
        )
    )
    await settle(platform)
    rounds = panel_rounds(platform)
    before = opens_at - timedelta(seconds=1)
    assert await advance_rounds(platform.worker_pool, rounds, before) == 0  # not open yet
    await send_round(platform)
    assert addressed(smtp, "panel-round") == []

    await asyncio.sleep(max(0.0, (opens_at - datetime.now(UTC)).total_seconds()) + 0.05)
    assert await advance_rounds(platform.worker_pool, rounds) == 1
    sent_at = datetime.now(UTC)
    await send_round(platform)
    reached = [a for a in drawn if a != paused]
    assert addressed(smtp, "panel-round") == reached
    assert len(reached) == 8
    for message in mails(smtp.inbox, "panel-round"):
        assert message["Subject"] == "«Safer cycling to school»: en enkät till Tidaholmspanelen"
        assert f"{PUBLIC}/dialogs/{dialog}" in text(message)
        assert town.host not in text(message)
    items = await ok(
        await client.get("/api/v1/me/notifications", headers=town.headers(people[reached[0]].token))
    )
    assert [i for i in items["items"] if i["kind"] == "panel-round"]

    # Three of the sample answer, and two residents outside it: the survey notes their marks
    # and records them as one batch of 5. The first reminder, three days on, reaches the other
    # five of the sample only.
    answering = [a for a in reached if district[a] == "centrum"]
    assert len(answering) == 5
    outsiders = [
        await person_with_address(platform, town, f"resident{i}@example.se") for i in range(5)
    ]
    for address in answering[:3]:
        await ok(await respond(client, town, dialog, people[address].token, GOOD), 201)
    for outsider in outsiders[:2]:
        await ok(await respond(client, town, dialog, outsider.token, GOOD), 201)
    assert await platform.record_marks() == 5
    await settle(platform)
    assert await advance_rounds(platform.worker_pool, rounds, sent_at + 2 * DAY) == 0
    assert await advance_rounds(platform.worker_pool, rounds, sent_at + 3 * DAY) == 1
    await send_round(platform)
    reminded = addressed(smtp, "panel-round-reminder")
    assert reminded == sorted(set(reached) - set(answering[:3]))
    assert len(reminded) == 5
    for message in mails(smtp.inbox, "panel-round-reminder"):
        assert message["Subject"] == "Påminnelse: «Safer cycling to school»"
        assert f"{PUBLIC}/dialogs/{dialog}" in text(message)
        assert town.host not in text(message)

    round_url = f"{rounds_url}/{started['round_id']}"
    await settle(platform)
    view = await ok(await client.get(round_url, headers=town.headers(admin)))
    assert view["round"]["state"] == "sent"
    assert view["round"]["reminders"] == ["P3D", "P7D", "P10D"]
    assert [(r["reminder"], r["recipients"]) for r in view["round"]["reminded"]] == [(1, 5)]
    rate = view["response_rate"]
    # 3 answers: below the minimum group size, so neither they nor any stratum's are shown
    assert (rate["sent"], rate["responded"], rate["rate"], rate["suppressed"]) == (
        8,
        None,
        None,
        True,
    )
    assert [(s["stratum"], s["sent"], s["responded"], s["suppressed"]) for s in rate["strata"]] == [
        ("centrum", 5, None, True),
        ("fagersanna", 3, None, True),
    ]

    # A municipality that set its minimum group size to 3 sees the 3 answers (all centrum's).
    await platform.tenants.update(town.slug, TenantChanges(min_group_size=3))
    await platform.catch_up_projections()
    await asyncio.sleep(2.1)  # the gateway's host-to-tenant cache keeps an entry for 2 s
    rate = (await ok(await client.get(round_url, headers=town.headers(admin))))["response_rate"]
    assert (rate["responded"], rate["minimum"]) == (3, 3)
    assert [(s["stratum"], s["responded"]) for s in rate["strata"]] == [
        ("centrum", 3),
        ("fagersanna", None),
    ]

    # The other two of centrum answer; their marks wait for a batch (2 are too few to hide
    # among), so the second reminder still reaches them: leaving them out would tell the log
    # who answered since the last batch. Neither is counted yet.
    for address in answering[3:]:
        await ok(await respond(client, town, dialog, people[address].token, GOOD), 201)
    assert await platform.record_marks() == 0
    await settle(platform)
    assert await advance_rounds(platform.worker_pool, rounds, sent_at + 7 * DAY) == 1
    await send_round(platform)
    second = sorted(str(m["To"]) for m in mails(smtp.inbox, "panel-round-reminder")[5:])
    assert second == sorted(set(reached) - set(answering[:3]))

    # Three more residents answer: the batch of 5 is recorded, and the rate counts them: 5 in
    # all, every one of centrum; fagersanna's 0 stays hidden (below 3 as it is below 5).
    for outsider in outsiders[2:]:
        await ok(await respond(client, town, dialog, outsider.token, GOOD), 201)
    assert await platform.record_marks() == 5
    await settle(platform)
    rate = (await ok(await client.get(round_url, headers=town.headers(admin))))["response_rate"]
    assert (rate["sent"], rate["responded"], rate["rate"], rate["suppressed"]) == (
        8,
        5,
        5 / 8,
        False,
    )
    assert [
        (s["stratum"], s["sent"], s["responded"], s["rate"], s["suppressed"])
        for s in rate["strata"]
    ] == [("centrum", 5, 5, 1.0, False), ("fagersanna", 3, None, None, True)]

    # The survey closes early: the round closes, and the third reminder never goes out.
    await ok(
        await client.post(
            f"/api/v1/dialogs/{dialog}/close",
            json={"reason": "Enough answers"},
            headers=town.headers(admin),
        )
    )
    await settle(platform)
    assert await advance_rounds(platform.worker_pool, rounds) == 1
    await settle(platform)
    assert await advance_rounds(platform.worker_pool, rounds, sent_at + 11 * DAY) == 0
    await send_round(platform)
    assert len(addressed(smtp, "panel-round-reminder")) == 10
    listed = await ok(await client.get(rounds_url, headers=town.headers(admin)))
    [only] = listed["items"]
    assert (only["round_id"], only["state"], only["sent"]) == (started["round_id"], "closed", 8)
    assert only["closed_at"] is not None
    assert only["next_reminder_at"] is None
    assert [(r["reminder"], r["recipients"]) for r in only["reminded"]] == [(1, 5), (2, 5)]

    # The read model rebuilt from the store alone is the live one.
    live = await snapshot(platform)
    assert live["panel_rounds"]
    assert live["panel_survey_respondents"]
    for runner in platform.projections:
        if runner.projection.name == "panel_rounds":
            await runner.rebuild(platform.reader)
    assert differences(live, await snapshot(platform)) == {}


async def test_a_round_for_an_open_survey_goes_out_at_once(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    staff: Staff,
    smtp: SmtpServer,
) -> None:
    panel, people, _ = await panel_with_members(
        client, platform, town, admin, ["centrum", "fagersanna"]
    )
    sample = await ok(
        await client.post(f"/api/v1/panels/{panel}/samples", json={}, headers=town.headers(admin)),
        201,
    )
    dialog, opens_at = await survey_open_in(client, town, staff, 2.5)
    await asyncio.sleep(max(0.0, (opens_at - datetime.now(UTC)).total_seconds()) + 0.05)
    started = await ok(
        await client.post(
            f"/api/v1/panels/{panel}/rounds",
            json={"sample_id": sample["sample_id"], "dialog_id": dialog, "reminders": ["PT12H"]},
            headers=town.headers(admin),
        ),
        201,
    )
    assert (started["state"], started["sent"]) == ("sent", 2)
    await send_round(platform)
    assert addressed(smtp, "panel-round") == sorted(people)
    rounds = panel_rounds(platform)
    assert await advance_rounds(platform.worker_pool, rounds) == 0  # sent: nothing more now


async def test_refusals_name_the_reason_or_the_field_and_write_nothing(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    staff: Staff,
) -> None:
    panel, people, _ = await panel_with_members(client, platform, town, admin, ["centrum"])
    sample = await ok(
        await client.post(f"/api/v1/panels/{panel}/samples", json={}, headers=town.headers(admin)),
        201,
    )
    url = f"/api/v1/panels/{panel}/rounds"
    survey, _ = await survey_open_in(client, town, staff, 600)

    async def start(token: str = admin, **body: Any) -> httpx.Response:
        return await client.post(
            url,
            json={"sample_id": sample["sample_id"], "dialog_id": survey, **body},
            headers=town.headers(token),
        )

    # Another municipality's survey does not exist here.
    other = await create_town(platform, "Malmö")
    other_staff = Staff(
        await staff_token(platform, other, "admin@malmo.example", Role.ADMINISTRATOR),
        await staff_token(platform, other, "approver@malmo.example", Role.ADMINISTRATOR),
    )
    foreign, _ = await survey_dialog(client, other, other_staff, 600)
    assert (await start(dialog_id=foreign)).status_code == 404

    # A survey whose questionnaire is not approved: 409 with the reason.
    drafted = await ok(
        await client.post(
            "/api/v1/dialogs",
            json=dialog_body(
                "survey",
                opens_at=(datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
                closes_at=(datetime.now(UTC) + 14 * DAY).isoformat(),
            ),
            headers=town.headers(admin),
        ),
        201,
    )
    await ok(
        await client.put(
            f"/api/v1/dialogs/{drafted['id']}/questionnaire",
            json={"form": questionnaire()},
            headers=town.headers(admin),
        )
    )
    unpublished = await start(dialog_id=drafted["id"])
    assert unpublished.status_code == 409, unpublished.text
    assert "publicera den innan" in unpublished.json()["detail"]  # the town's Swedish
    await ok(
        await client.post(f"/api/v1/dialogs/{drafted['id']}/publish", headers=town.headers(admin))
    )
    unapproved = await start(dialog_id=drafted["id"])
    assert unapproved.status_code == 409, unapproved.text
    assert "frågeformulär har status draft" in unapproved.json()["detail"]  # Swedish

    # Not a survey; a bad schedule; a reminder after the survey closes.
    proposals = await open_dialog(client, town, admin)
    not_survey = await start(dialog_id=proposals["id"])
    assert not_survey.status_code == 422, not_survey.text
    assert not_survey.json()["field"] == "dialog_id"
    backwards = await start(reminders=["P3D", "P2D"])
    assert backwards.status_code == 422, backwards.text
    assert backwards.json()["field"] == "reminders[1]"
    late = await start(reminders=["P3D", 30])
    assert late.status_code == 422, late.text
    assert late.json()["field"] == "reminders[1]"
    assert "efter att enkäten stänger" in late.json()["detail"]  # the town's Swedish
    garbled = await start(reminders=["soon"])
    assert garbled.status_code == 422, garbled.text
    assert garbled.json()["field"] == "reminders[0]"

    # A sample of another panel; a panel of another municipality.
    second = await ok(
        await client.post(
            "/api/v1/panels",
            json=panel_body(name="Ungdomspanelen", questions=QUESTIONS),
            headers=town.headers(admin),
        ),
        201,
    )
    elsewhere = await client.post(
        f"/api/v1/panels/{second['id']}/rounds",
        json={"sample_id": sample["sample_id"], "dialog_id": survey},
        headers=town.headers(admin),
    )
    assert elsewhere.status_code == 404, elsewhere.text
    foreign_admin = other_staff.author
    assert (
        await client.post(
            url,
            json={"sample_id": sample["sample_id"], "dialog_id": survey},
            headers=other.headers(foreign_admin),
        )
    ).status_code == 404

    # Only administrators start rounds, only staff read them.
    member = next(iter(people.values())).token
    moderator = await staff_token(platform, town, "moderator@town.example", Role.MODERATOR)
    for token in (member, moderator):
        assert (await start(token)).status_code == 403
    assert (await client.get(url, headers=town.headers(member))).status_code == 403

    await settle(platform)
    assert (await ok(await client.get(url, headers=town.headers(admin))))["items"] == []
    started = await ok(await start(reminders=[1]), 201)
    await settle(platform)
    round_url = f"{url}/{started['round_id']}"
    assert (await client.get(round_url, headers=town.headers(member))).status_code == 403
    assert (await client.get(round_url, headers=town.headers(moderator))).status_code == 200
    missing = f"{url}/{sample['sample_id']}"
    assert (await client.get(missing, headers=town.headers(admin))).status_code == 404
    assert (
        await client.get(
            f"/api/v1/panels/{panel}/rounds/{started['round_id']}",
            headers=other.headers(foreign_admin),
        )
    ).status_code == 404
