"""The whole loop of a citizen panel's survey over HTTP, on real PostgreSQL, NATS and an SMTP
server: a panel recruited by invitation and by the sign-up form; a round with a 12-question
anonymous questionnaire approved by the steering group's member (a committee member); 50
panelists, of whom 38 answer (some resuming a draft on another device); a reminder that
reaches only the 12 who did not; results with small cells suppressed; CSV and XLSX exports
that a spreadsheet reader opens; the report-back deadline; a committee decision linked to the
survey, told to every respondent and only to them."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from services.identity.access import Role, SignIn
from services.surveys.context import panel_rounds
from services.surveys.round_scheduler import advance_rounds
from tenants.service import TenantChanges
from tests.api import Town, staff_token
from tests.notify import mails, person_with_address, send_round, settle
from tests.smtp import SmtpServer
from tests.test_panels_http import panel_body
from tests.test_surveys_http import Staff, survey_dialog
from tinget.bootstrap import Addresses, Platform

PUBLIC = "https://deltag.tidaholm.example"
DAY = timedelta(days=1)
INVITED = 3
SIGNED_UP = 47
ANSWERING = 38
RESUMING = 5  # of those answering: a draft on the phone, the response from the laptop


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def staff(platform: Platform, town: Town, admin: str, client: httpx.AsyncClient) -> Staff:
    """The questionnaire's author (an administrator), and the member of the steering group
    who approves it: a committee member, whom an administrator names to the group."""
    steering = await staff_token(platform, town, "styrgrupp@town.example", Role.COMMITTEE_MEMBER)
    member = (await client.get("/api/v1/me", headers=town.headers(steering))).json()["person_id"]
    named = await client.put(
        "/api/v1/steering-group", json={"members": [member]}, headers=town.headers(admin)
    )
    assert named.status_code == 200, named.text
    assert named.json() == {"members": [member]}
    return Staff(admin, steering)


def sv(text: str) -> dict[str, str]:
    return {"sv": text}


def options(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "label": sv(i)} for i in ids]


def form() -> dict[str, Any]:
    """Twelve questions of every kind the results count, and free text."""
    questions: list[dict[str, Any]] = [
        {"type": "single-choice", "id": "bus", "text": sv("Åker du buss?"),
         "options": options("daily", "weekly", "never"), "required": True},
        {"type": "single-choice", "id": "car", "text": sv("Har du bil?"),
         "options": options("yes", "no")},
        {"type": "multiple-choice", "id": "why", "text": sv("Varför?"),
         "options": options("price", "time", "comfort", "climate"), "max_choices": 2},
        {"type": "rating", "id": "stars", "text": sv("Hur nöjd är du?")},
        {"type": "likert", "id": "agree", "text": sv("Bussen är pålitlig"),
         "scale": {"min_label": sv("Nej"), "max_label": sv("Ja")}},
        {"type": "number", "id": "minutes", "text": sv("Minuter till hållplatsen"),
         "min": 0, "max": 120},
        {"type": "ranking", "id": "order", "text": sv("Viktigast"),
         "options": options("often", "cheap", "late")},
        {"type": "matrix", "id": "parts", "text": sv("Hur bra är"),
         "rows": [{"id": "stops", "label": sv("hållplatser")},
                  {"id": "drivers", "label": sv("förare")}]},
        {"type": "date", "id": "last", "text": sv("Senaste resan")},
        {"type": "text", "id": "line", "text": sv("Vilken linje?")},
        {"type": "text", "id": "wish", "text": sv("Vad önskar du?"), "size": "long"},
        {"type": "rating", "id": "safety", "text": sv("Känns det tryggt?"),
         "scale": {"min": 0, "max": 10}},
    ]  # fmt: skip
    return {
        "default_language": "sv",
        "title": sv("Bussarna"),
        "sections": [{"questions": questions}],
    }


def answers(i: int) -> dict[str, Any]:
    """Panelist i's answers: 'never' by 2 of them only (a cell too small to show)."""
    return {
        "bus": "never" if i < 2 else "daily" if i % 3 else "weekly",
        "car": "yes" if i % 3 else "no",
        "why": ["price", "time"] if i % 2 else ["climate"],
        "stars": 1 + i % 5,
        "agree": 1 + i % 5,
        "minutes": i % 30,
        "order": ["often", "cheap", "late"],
        "parts": {"stops": 1 + i % 5, "drivers": 5 - i % 5},
        "last": "2026-11-01",
        "line": f"Linje {i % 4}",
        "wish": f"=fler turer {i}",
        "safety": i % 11,
    }


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def join_code(smtp: SmtpServer, address: str, panel: str) -> str:
    [message] = [m for m in smtp.inbox.messages() if m["To"] == address]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(rf"/panels/{panel}/join\?code=([A-Za-z0-9_-]+)", body.get_content())
    assert found is not None
    return found.group(1)


def told(smtp: SmtpServer, kind: str) -> set[str]:
    return {str(m["To"]) for m in mails(smtp.inbox, kind)}


async def test_a_panel_survey_from_recruitment_to_the_decision(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    staff: Staff,
    smtp: SmtpServer,
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(public_url=PUBLIC))
    await platform.catch_up_projections()
    panel = (
        await ok(
            await client.post(
                "/api/v1/panels", json=panel_body(open_sign_up=True), headers=town.headers(admin)
            ),
            201,
        )
    )["id"]

    # Recruitment: three by invitation, the rest by the open sign-up form.
    tokens: dict[str, str] = {}
    invited = [f"inbjuden{i}@example.se" for i in range(INVITED)]
    await ok(
        await client.post(
            f"/api/v1/panels/{panel}/invitations",
            json={"emails": invited},
            headers=town.headers(admin),
        )
    )
    for i, address in enumerate(invited):
        joined = await ok(
            await client.post(
                f"/api/v1/panels/{panel}/join",
                json={
                    "code": join_code(smtp, address, panel),
                    "consent": True,
                    "background": {"age": "65", "district": ("centrum", "fagersanna")[i % 2]},
                },
                headers=town.headers(),
            )
        )
        assert joined["membership"]["via"] == "invitation"
        tokens[address] = joined["token"]
    people: dict[str, Any] = {}
    for i in range(SIGNED_UP):
        address = f"panelist{i}@example.se"
        person = await person_with_address(platform, town, address)
        people[address] = person
        tokens[address] = person.token
        member = await ok(
            await client.put(
                f"/api/v1/panels/{panel}/membership",
                json={
                    "consent": True,
                    "background": {"age": "30-49", "district": ("centrum", "fagersanna")[i % 2]},
                },
                headers=town.headers(person.token),
            )
        )
        assert member["via"] == "sign-up"
    await settle(platform)
    panelists = sorted(tokens)
    assert len(panelists) == INVITED + SIGNED_UP == 50

    # The questionnaire, approved by the steering group's member, and the round to everyone.
    sample = await ok(
        await client.post(
            f"/api/v1/panels/{panel}/samples", json={"method": "all"}, headers=town.headers(admin)
        ),
        201,
    )
    dialog, opening = await survey_dialog(
        client, town, staff, 5.0, closes_in=14 * DAY.total_seconds(), form=form()
    )
    opens_at = datetime.fromisoformat(opening)
    await ok(
        await client.post(
            f"/api/v1/panels/{panel}/rounds",
            json={"sample_id": sample["sample_id"], "dialog_id": dialog, "reminders": [3]},
            headers=town.headers(admin),
        ),
        201,
    )
    rounds = panel_rounds(platform)
    await settle(platform)  # the scheduler finds the round in its read model
    await _sleep_until(opens_at)
    assert await advance_rounds(platform.worker_pool, rounds) == 1
    sent_at = datetime.now(UTC)
    await send_round(platform)
    assert told(smtp, "panel-round") == set(panelists)

    # 38 answer; 5 of them begin on one device and finish on another.
    answering, silent = panelists[:ANSWERING], panelists[ANSWERING:]
    url = f"/api/v1/dialogs/{dialog}/responses"
    for i, address in enumerate(answering):
        token = tokens[address]
        if i < RESUMING and address in people:
            draft = {k: v for k, v in answers(i).items() if k in ("bus", "car")}
            await ok(
                await client.put(
                    f"{url}/draft",
                    json={"version": 1, "answers": draft},
                    headers=town.headers(token),
                )
            )
            token = platform.tokens.issue(
                town.slug, people[address].person_id, Role.PARTICIPANT, SignIn.EMAIL
            ).token
            resumed = await ok(await client.get(f"{url}/draft", headers=town.headers(token)))
            assert resumed["answers"] == draft
        await ok(
            await client.post(
                url, json={"version": 1, "answers": answers(i)}, headers=town.headers(token)
            ),
            201,
        )
    assert await platform.record_marks() == ANSWERING  # open: every batch of 5 or more
    await settle(platform)

    # The reminder three days on reaches exactly the twelve who did not answer.
    assert await advance_rounds(platform.worker_pool, rounds, sent_at + 3 * DAY) == 1
    await send_round(platform)
    assert told(smtp, "panel-round-reminder") == set(silent)

    # The survey closes; results and exports for the analysts.
    await ok(
        await client.post(
            f"/api/v1/dialogs/{dialog}/close", json={"reason": "Klart"}, headers=town.headers(admin)
        )
    )
    await settle(platform)
    analyst = await staff_token(platform, town, "analytiker@town.example", Role.ANALYST)
    results = await ok(
        await client.get(f"/api/v1/dialogs/{dialog}/results/survey", headers=town.headers(analyst))
    )
    assert results["responses"] == ANSWERING
    bus = {c["value"]: c for q in results["questions"] if q["id"] == "bus" for c in q["cells"]}
    assert bus["never"]["count"] is None
    assert bus["never"]["suppressed"] is True
    assert bus["weekly"]["suppressed"] is True  # else 38 less the others would tell the 2
    assert bus["daily"]["count"] == sum(1 for i in range(2, ANSWERING) if i % 3)

    export = f"/api/v1/dialogs/{dialog}/results/survey/export"
    as_csv = await client.get(export, params={"format": "csv"}, headers=town.headers(analyst))
    assert as_csv.status_code == 200, as_csv.text
    header, *rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert header[:4] == ["number", "response", "version", "day"]
    assert "Q1" in header
    assert len(rows) == ANSWERING
    assert all(row[header.index("version")] == "1" for row in rows)
    assert all(not cell.startswith("=") for row in rows for cell in row)  # formulas made inert
    as_xlsx = await client.get(
        export, params={"format": "xlsx"}, headers=town.headers(analyst, language="en")
    )
    assert as_xlsx.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True)
    assert workbook.sheetnames == ["Responses", "Codebook"]
    sheet_rows = list(workbook["Responses"].iter_rows(values_only=True))
    assert list(sheet_rows[0]) == header
    assert len(sheet_rows) == ANSWERING + 1
    participant = await client.get(
        export, params={"format": "csv"}, headers=town.headers(tokens[panelists[0]])
    )
    assert participant.status_code == 403

    # Reporting back is due 14 days after the close (closed early: after the real close).
    due = await ok(
        await client.get(
            "/api/v1/report-backs", params={"within_days": 15}, headers=town.headers(admin)
        )
    )
    [survey_due] = [d for d in due if d["dialog_id"] == dialog]
    assert survey_due["overdue"] is False
    closed_at = datetime.now(UTC)
    assert closed_at + 13 * DAY < datetime.fromisoformat(survey_due["report_back_by"])
    assert datetime.fromisoformat(survey_due["report_back_by"]) < closed_at + 15 * DAY

    # The committee's decision on the survey reaches every respondent, and only them.
    await ok(
        await client.post(
            "/api/v1/decisions",
            json={
                "committee": "Transport",
                "decided_on": "2026-12-10",
                "text": "Tätare turer på linje 1",
                "reference": "§ 88",
                "dialog_ids": [dialog],
                "post_ids": [],
            },
            headers=town.headers(admin),
        ),
        201,
    )
    await send_round(platform)
    assert told(smtp, "decision-recorded") == set(answering)


async def _sleep_until(when: datetime) -> None:
    wait = (when - datetime.now(UTC)).total_seconds()
    assert wait > 0, "the survey opened before the round was started: the machine is too slow"
    await asyncio.sleep(wait + 0.05)
