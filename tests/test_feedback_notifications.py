"""An official answer reaches the answered post's author and everyone who supported, signed or
commented on it (no one else, not the one who answered), by e-mail in the tenant's words and in
the app, respecting each person's choices; a rebuild of the notifier records the same rows and
sends nothing twice. Real PostgreSQL, NATS and an SMTP server."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from events import texts
from events.personal import ERASED
from services.dialogs.scheduler import remind_report_backs
from services.identity.access import Role
from tests.api import Town, create_town, open_dialog, staff_token
from tests.helpers import caught_up
from tests.notify import (
    Person,
    device_person,
    mails,
    person_with_address,
    send_round,
    settle,
    submit,
)
from tests.notify import text_of as text
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def town(platform: Platform) -> Town:
    return await create_town(platform)  # Swedish by default


@dataclasses.dataclass
class Crowd:
    anna: Person  # wrote the proposal
    bo: Person  # supports it
    cia: Person  # comments on it
    dan: Person  # supports another proposal only
    eva: Person  # no address: in the app only; supports it
    member: str  # a committee member's token (also commented on it)
    proposal: dict[str, Any]
    other: dict[str, Any]


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def crowd(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Crowd:
    anna = await person_with_address(platform, town, "anna@example.org")
    bo = await person_with_address(platform, town, "bo@example.org")
    cia = await person_with_address(platform, town, "cia@example.org")
    dan = await person_with_address(platform, town, "dan@example.org")
    eva = await device_person(client, town)
    member = await staff_token(platform, town, "member@town.example", Role.COMMITTEE_MEMBER)
    dialog = await open_dialog(client, town, admin)
    proposal = await submit(client, town, anna, dialog["id"], title="Benches by the pond")
    other = await submit(client, town, dan, dialog["id"], title="A new road")
    for who in (bo, eva):
        await _ok(
            await client.post(
                f"/api/v1/posts/{proposal['id']}/supports", headers=town.headers(who.token)
            )
        )
    await _ok(
        await client.post(f"/api/v1/posts/{other['id']}/supports", headers=town.headers(dan.token))
    )
    for token in (cia.token, member):
        await _ok(
            await client.post(
                f"/api/v1/posts/{proposal['id']}/comments",
                json={"body": "Yes, and a table"},
                headers=town.headers(token),
            )
        )
    return Crowd(anna, bo, cia, dan, eva, member, proposal, other)


async def answer(
    client: httpx.AsyncClient, town: Town, token: str, post_id: str, state: str, text: str
) -> None:
    await _ok(
        await client.post(
            f"/api/v1/posts/{post_id}/answers",
            json={"state": state, "text": text},
            headers=town.headers(token),
        )
    )


async def test_the_author_supporters_and_commenters_hear_of_the_answer_once(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    c = await crowd(client, platform, town, admin)

    await answer(client, town, c.member, c.proposal["id"], "accepted", "Ten benches in June")
    await send_round(platform)
    await send_round(platform)  # a second round sends nothing more

    answered = mails(smtp.inbox, "post-answered")
    assert sorted(m["To"] for m in answered) == [
        "anna@example.org",
        "bo@example.org",
        "cia@example.org",
    ]
    for message in answered:
        assert message["Subject"] == "Svar på «Benches by the pond»: bifallen"
        assert "Ten benches in June" in text(message)
        assert f"https://{town.host}/posts/{c.proposal['id']}" in text(message)
    items = await client.get("/api/v1/me/notifications", headers=town.headers(c.eva.token))
    [item] = [i for i in items.json()["items"] if i["kind"] == "post-answered"]
    assert "Ten benches in June" in item["body"]
    member_items = await client.get("/api/v1/me/notifications", headers=town.headers(c.member))
    assert not [i for i in member_items.json()["items"] if i["kind"] == "post-answered"]
    dan_items = await client.get("/api/v1/me/notifications", headers=town.headers(c.dan.token))
    assert not [i for i in dan_items.json()["items"] if i["kind"] == "post-answered"]


async def test_each_new_answer_is_told_and_a_petitions_signers_hear_of_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    anna = await person_with_address(platform, town, "anna@example.org")
    signer = await person_with_address(platform, town, "signer@example.org")
    petitions = await open_dialog(client, town, admin, kind="petition")
    petition = await submit(client, town, anna, petitions["id"], title="Keep the library")
    await _ok(
        await client.post(
            f"/api/v1/posts/{petition['id']}/signatures", headers=town.headers(signer.token)
        )
    )
    await send_round(platform)

    await answer(client, town, admin, petition["id"], "under-consideration", "In May")
    await answer(client, town, admin, petition["id"], "implemented", "Open on Sundays")
    await send_round(platform)

    to_signer = mails(smtp.inbox, "post-answered", to="signer@example.org")
    assert sorted(m["Subject"] for m in to_signer) == [  # one round sends them side by side
        "Svar på «Keep the library»: genomförd",
        "Svar på «Keep the library»: under beredning",
    ]
    assert len(mails(smtp.inbox, "post-answered", to="anna@example.org")) == 2


async def test_a_person_who_turned_answers_off_gets_no_mail_and_templates_are_the_tenants(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    c = await crowd(client, platform, town, admin)
    template = await client.put(
        "/api/v1/notification-templates/post-answered/sv",
        json={"subject": "Beslut: {status}", "body": "«{title}»: {status}. {message}\n{link}"},
        headers=town.headers(admin),
    )
    off = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": [{"kind": "post-answered", "email": False}]},
        headers=town.headers(c.bo.token),
    )
    bad = await client.put(
        "/api/v1/notification-templates/post-answered/sv",
        json={"subject": "{signature}", "body": "x"},
        headers=town.headers(admin),
    )
    assert template.status_code == 200, template.text
    assert off.status_code == 200, off.text
    assert bad.status_code == 422
    assert bad.json()["field"] == "subject"

    await answer(client, town, admin, c.proposal["id"], "partly-accepted", "Five benches")
    await send_round(platform)

    answered = mails(smtp.inbox, "post-answered")
    # Bo turned these e-mails off; the committee member commented, and an administrator answered
    assert sorted(m["To"] for m in answered) == [
        "anna@example.org",
        "cia@example.org",
        "member@town.example",
    ]
    assert {m["Subject"] for m in answered} == {"Beslut: delvis bifallen"}
    bo_items = await client.get("/api/v1/me/notifications", headers=town.headers(c.bo.token))
    assert [i for i in bo_items.json()["items"] if i["kind"] == "post-answered"]  # in the app
    prefs = await client.get(
        "/api/v1/me/notification-preferences", headers=town.headers(c.bo.token)
    )
    assert {p["kind"]: p["email"] for p in prefs.json()}["post-answered"] is False


async def _notified(url: str, tenant_id: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url)
    try:
        return {
            table: sorted(
                repr(dict(r))
                for r in await conn.fetch(f"SELECT * FROM {table} WHERE tenant_id = $1", tenant_id)
            )
            for table in (
                "notification_posts",
                "notification_post_people",
                "notifications",
                "notification_deliveries",
            )
        }
    finally:
        await conn.close()


@pytest.mark.parametrize("batch", [3, 1000])
async def test_a_rebuild_records_what_the_live_path_recorded(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    database_url: str,
    smtp: SmtpServer,
    batch: int,
) -> None:
    c = await crowd(client, platform, town, admin)
    await answer(client, town, admin, c.proposal["id"], "received", "Thank you")
    await settle(platform)
    await answer(client, town, admin, c.proposal["id"], "rejected", "Not this year")
    await caught_up(platform)
    live = await _notified(database_url, town.slug)
    runner = next(r for r in platform.projections if r.projection.name == "notifier")
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("DELETE FROM notifications; DELETE FROM notification_deliveries")
    finally:
        await owner.close()

    await runner.rebuild(platform.reader, batch=batch)
    rebuilt = await _notified(database_url, town.slug)
    await platform.sender.send_due()
    sent = len(smtp.inbox.messages())
    await runner.rebuild(platform.reader, batch=batch)
    await platform.sender.send_due()

    assert rebuilt == live
    answered = [row for row in live["notifications"] if "post-answered" in row]
    assert len(answered) == 2 * 5  # Anna, Bo, Cia, Eva, the member who commented; twice
    assert len(live["notification_post_people"]) == 5  # Bo, Eva, Cia, the member; Dan's other
    assert len(mails(smtp.inbox, "post-answered")) == 2 * 4  # all but Eva, who has no address
    assert len(smtp.inbox.messages()) == sent  # a rebuild sends nothing twice


async def test_the_administrators_are_warned_once_before_the_report_back_date_lapses(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    other_admin = await staff_token(platform, town, "chief@town.example", Role.ADMINISTRATOR)
    await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    demoted = await person_with_address(platform, town, "was-admin@example.org")
    caller = platform.identity.tokens.verify(admin, town.slug)
    await platform.identity.change_role(caller, demoted.person_id, Role.ADMINISTRATOR.value)
    await platform.identity.change_role(caller, demoted.person_id, Role.MODERATOR.value)
    near = await open_dialog(client, town, admin, title="Near")
    far = await open_dialog(client, town, admin, title="Far")
    done = await open_dialog(client, town, admin, title="Done")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    for dialog in (near, done):
        set_ = await client.put(
            f"/api/v1/dialogs/{dialog['id']}/report-back",
            json={"report_back_by": tomorrow.isoformat()},
            headers=town.headers(admin),
        )
        assert set_.status_code == 200, set_.text
    for path, body in (("close", {"reason": "Enough"}), ("results", {"summary": "Benches"})):
        await _ok(
            await client.post(
                f"/api/v1/dialogs/{done['id']}/{path}", json=body, headers=town.headers(admin)
            )
        )
    await settle(platform)

    first = await remind_report_backs(platform.worker_pool, platform.dialogs)
    await settle(platform)
    second = await remind_report_backs(platform.worker_pool, platform.dialogs)
    await send_round(platform)

    assert (first, second) == (1, 0)
    async with platform.worker_pool.acquire() as conn:
        warned = await conn.fetch(
            "SELECT stream_id FROM events WHERE event_type = 'ReportBackReminderDue'"
            " AND tenant_id = $1",
            town.slug,
        )
    assert [str(r["stream_id"]) for r in warned] == [near["id"]]
    assert far["id"] not in {str(r["stream_id"]) for r in warned}
    warnings = mails(smtp.inbox, "report-back-due")
    assert sorted(m["To"] for m in warnings) == ["admin@town.example", "chief@town.example"]
    for message in warnings:
        # the date as Swedish writes it (``1 december 2026``), not as it was recorded
        day = texts.format_date(tomorrow.date(), "sv")
        assert message["Subject"] == f"Återkoppla om «Near» senast {day}"
        assert f"https://{town.host}/dialogs/{near['id']}" in text(message)
    items = await client.get("/api/v1/me/notifications", headers=town.headers(other_admin))
    assert [i for i in items.json()["items"] if i["kind"] == "report-back-due"]


async def test_a_decision_reaches_the_people_behind_the_posts_it_answers(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    c = await crowd(client, platform, town, admin)
    await settle(platform)

    recorded = await client.post(
        "/api/v1/decisions",
        json={
            "committee": "Transport",
            "decided_on": "2026-05-12",
            "text": "Ten benches by the pond",
            "reference": "§ 42",
            "post_ids": [c.proposal["id"]],
        },
        headers=town.headers(c.member),
    )
    assert recorded.status_code == 201, recorded.text
    await send_round(platform)

    told = mails(smtp.inbox, "decision-recorded")
    assert sorted(m["To"] for m in told) == [
        "anna@example.org",
        "bo@example.org",
        "cia@example.org",
    ]  # not Dan, who backed another post; not the member who recorded it
    for message in told:
        assert message["Subject"] == "Transport har fattat beslut"
        assert "beslutade den 12 maj 2026 (§ 42)" in text(message)
        assert "Ten benches by the pond" in text(message)
        assert f"https://{town.host}/decisions/{recorded.json()['id']}" in text(message)
    items = await client.get("/api/v1/me/notifications", headers=town.headers(c.eva.token))
    assert [i for i in items.json()["items"] if i["kind"] == "decision-recorded"]


async def test_the_notifier_keeps_no_title_and_an_erased_authors_title_reads_as_erased(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    database_url: str,
    smtp: SmtpServer,
) -> None:
    c = await crowd(client, platform, town, admin)
    await answer(client, town, admin, c.proposal["id"], "received", "Thank you")
    await settle(platform)
    runner = next(r for r in platform.projections if r.projection.name == "notifier")
    owner = await asyncpg.connect(database_url)
    try:
        rows = [await owner.fetch(f'SELECT t::text FROM "{t}" t') for t in runner.projection.tables]
        kept = " ".join(str(row) for some in rows for row in some)
    finally:
        await owner.close()
    told = await client.get("/api/v1/me/notifications", headers=town.headers(c.eva.token))
    [first] = [i for i in told.json()["items"] if i["kind"] == "post-answered"]

    assert "Benches by the pond" in first["body"]  # opened for the note
    assert str(c.proposal["id"]) in kept  # the facts are there, the title is not
    assert "Benches by the pond" not in kept

    erased = await client.post(
        f"/api/v1/people/{c.anna.person_id}/erasure", headers=town.headers(admin)
    )
    assert erased.status_code == 202, erased.text
    await answer(client, town, admin, c.proposal["id"], "rejected", "Not this year")
    await settle(platform)
    await runner.rebuild(platform.reader, batch=3)

    told = await client.get("/api/v1/me/notifications", headers=town.headers(c.eva.token))
    later = [i for i in told.json()["items"] if "Not this year" in i["body"]]
    assert len(later) == 1
    assert ERASED in later[0]["body"]
    assert "Benches by the pond" not in later[0]["body"]
    # and the note made before the erasure, and its sent e-mail's record, no longer show it
    [before] = [i for i in told.json()["items"] if i["id"] == first["id"]]
    assert ERASED in before["body"]
    assert "Benches by the pond" not in before["body"]
    owner = await asyncpg.connect(database_url)
    try:
        for table in ("notifications", "notification_deliveries"):
            rows = await owner.fetch(f"SELECT details::text AS d FROM {table}")
            assert rows
            assert not [r["d"] for r in rows if "Benches by the pond" in r["d"]], table
    finally:
        await owner.close()
