"""Notifications by e-mail against a real SMTP server (aiosmtpd): one message per event and
recipient in the tenant's words, never a second one after a rebuild or a redelivered batch,
retries with backoff, failures operators can see, preferences, one-click unsubscribe and the
daily digest. Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from events.catalogue import Catalogue
from events.codec import Codec
from events.projection import Rebuilding
from projections.runtime import ProjectionRunner
from services.identity.access import Role
from services.notifications import outbox
from services.notifications.policy import Notifier
from services.notifications.sender import (
    KEEP_FINISHED,
    Backoff,
    NotificationSender,
    next_digest,
)
from services.participation.domain import Post, Signature, Support
from tests.api import Town, create_town, open_dialog, staff_token
from tests.helpers import caught_up
from tests.notify import (
    PLACE,
    Person,
    mails,
    person_with_address,
    send_round,
    settle,
    submit,
    text_of,
)
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@pytest.fixture
async def town(platform: Platform) -> Town:
    return await create_town(platform)  # Swedish by default


@pytest.fixture
async def anna(platform: Platform, town: Town) -> Person:
    return await person_with_address(platform, town, "anna@example.org")


@dataclass
class Story:
    report: dict[str, Any]
    proposal: dict[str, Any]
    proposals: dict[str, Any]
    bo: Person


async def story(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, anna: Person
) -> Story:
    """Anna reports a broken lamp and proposes benches; Bo supports the proposal, which reaches
    its threshold; staff move the report along, hide the proposal and publish results."""
    bo = await person_with_address(platform, town, "bo@example.org")
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    proposals = await open_dialog(client, town, admin, settings={"support_threshold": 1})
    report = await submit(client, town, anna, reports["id"], title="Broken lamp", place=PLACE)
    proposal = await submit(client, town, anna, proposals["id"], title="More benches")
    actions = [
        (
            f"/api/v1/posts/{report['id']}/status",
            admin,
            {"status": "in-progress", "message": "A crew is on its way"},
        ),
        (f"/api/v1/posts/{proposal['id']}/supports", bo.token, None),
        (f"/api/v1/posts/{proposal['id']}/hide", moderator, {"reason": "Off topic here"}),
        (f"/api/v1/dialogs/{proposals['id']}/close", admin, {"reason": "Enough ideas"}),
        (f"/api/v1/dialogs/{proposals['id']}/results", admin, {"summary": "Ten new benches"}),
    ]
    for path, token, body in actions:
        response = await client.post(path, json=body, headers=town.headers(token))
        assert response.status_code in (200, 201), response.text
        await settle(platform)  # the threshold policy records the crossing
    return Story(report, proposal, proposals, bo)


async def awards_of(platform: Platform, event_type: str, people: list[Person]) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE event_type = $1"
            " AND (data->>'person_id')::uuid = ANY($2::uuid[])",
            event_type,
            [p.person_id for p in people],
        )
    return count


async def test_each_kind_reaches_its_recipient_once_in_the_tenants_words(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    edited = await client.put(
        "/api/v1/notification-templates/report-status/sv",
        json={
            "subject": "Ärende {status}",
            "body": "Hej! «{title}» är nu {status}: {message}\n{link}",
        },
        headers=town.headers(admin),
    )
    assert edited.status_code == 200, edited.text

    s = await story(client, platform, town, admin, anna)
    await send_round(platform)

    inbox = smtp.inbox
    [status] = mails(inbox, "report-status")
    assert status["To"] == "anna@example.org"
    assert status["Subject"] == "Ärende påbörjad"
    assert "«Broken lamp» är nu påbörjad: A crew is on its way" in text_of(status)
    assert f"https://{town.host}/posts/{s.report['id']}" in text_of(status)
    [threshold] = mails(inbox, "threshold-reached")
    assert (threshold["To"], threshold["Subject"]) == (
        "anna@example.org",
        "«More benches» har nått sitt mål",
    )
    [hidden] = mails(inbox, "moderation-decision")
    assert hidden["To"] == "anna@example.org"
    assert "Off topic here" in text_of(hidden)
    assert "dolt" in text_of(hidden)
    results = mails(inbox, "dialog-results")
    assert sorted(m["To"] for m in results) == ["anna@example.org", "bo@example.org"]
    assert all("Ten new benches" in text_of(m) for m in results)
    badges = await awards_of(platform, "BadgeAwarded", [anna, s.bo])
    levels = await awards_of(platform, "LevelReached", [anna, s.bo])
    assert badges >= 2  # Anna's first proposal, Bo's first support
    assert len(mails(inbox, "badge-earned")) == badges
    assert len(mails(inbox, "level-reached")) == levels
    for message in inbox.messages():
        assert message["List-Unsubscribe"].startswith(f"<https://{town.host}/api/v1/unsubscribe?")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["From"].addresses[0].display_name == "Lund"
    for envelope in inbox.envelopes:  # as written: a plain <https://...>, no encoded words
        assert isinstance(envelope.content, bytes)
        raw = email.message_from_bytes(envelope.content, policy=email.policy.compat32)
        unsubscribe = raw["List-Unsubscribe"]
        assert re.fullmatch(
            rf"<https://{re.escape(town.host)}/api/v1/unsubscribe\?token=\S+>", unsubscribe
        )
        assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_a_rebuild_or_a_redelivered_batch_sends_nothing_more(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    await story(client, platform, town, admin, anna)
    await send_round(platform)
    sent = len(smtp.inbox.messages())
    listed = await client.get("/api/v1/me/notifications", headers=town.headers(anna.token))
    first = listed.json()["items"][0]["id"]
    read = await client.post(
        f"/api/v1/me/notifications/{first}/read", headers=town.headers(anna.token)
    )
    assert read.status_code == 204
    runner = next(r for r in platform.projections if r.projection.name == "notifier")
    events = await platform.reader.read(0, 100_000)

    rebuilt_from = await runner.rebuild(platform.reader)
    await runner.apply_batch(events)  # redelivered: the runtime skips it by position
    async with platform.worker_pool.acquire() as conn, conn.transaction():
        # and even applied again past the positions, as if they were lost: ids conflict
        await runner.projection.apply(
            conn, [e for e in events if e.event_type in runner.projection.event_types]
        )
    await send_round(platform)
    await send_round(platform, datetime.now(UTC) + timedelta(days=3))

    assert rebuilt_from > 0
    assert sent > 5
    assert len(smtp.inbox.messages()) == sent
    again = await client.get("/api/v1/me/notifications", headers=town.headers(anna.token))
    assert len(again.json()["items"]) == len(listed.json()["items"])
    assert again.json()["items"][0] == {**listed.json()["items"][0], "read": True}
    async with platform.worker_pool.acquire() as conn:
        statuses = await conn.fetch(
            "SELECT status, count(*) FROM notification_deliveries WHERE tenant_id = $1"
            " AND channel = 'email' GROUP BY status",
            town.slug,
        )
    assert {r["status"]: r["count"] for r in statuses}.get("pending", 0) == 0


async def _report_with_status(
    client: httpx.AsyncClient, town: Town, admin: str, who: Person, *statuses: str
) -> dict[str, Any]:
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    report = await submit(client, town, who, reports["id"], title="Pothole", place=PLACE)
    for status in statuses:
        changed = await client.post(
            f"/api/v1/posts/{report['id']}/status",
            json={"status": status, "message": f"now {status}"},
            headers=town.headers(admin),
        )
        assert changed.status_code == 200, changed.text
    return report


async def _delivery(platform: Platform, kind: str) -> Any:
    async with platform.worker_pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT * FROM notification_deliveries WHERE kind = $1 AND channel = 'email'", kind
        )


async def test_a_refused_send_is_retried_after_the_backoff_and_delivered_once(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    smtp.inbox.refuse_rcpt = "451 4.3.0 Mailbox busy, try again later"
    await _report_with_status(client, town, admin, anna, "fixed")
    t0 = datetime.now(UTC)

    await send_round(platform, t0)
    waiting = await _delivery(platform, "report-status")
    await platform.sender.send_due(t0 + timedelta(seconds=10))  # not due yet
    smtp.inbox.refuse_rcpt = None
    await platform.sender.send_due(t0 + timedelta(seconds=31))
    await platform.sender.send_due(t0 + timedelta(hours=2))

    assert (waiting["status"], waiting["attempts"]) == ("pending", 1)
    assert "refused the recipient" in waiting["last_error"]
    assert "anna" not in waiting["last_error"]
    assert waiting["next_attempt_at"] == t0 + timedelta(seconds=30)
    [delivered] = mails(smtp.inbox, "report-status")
    assert delivered["To"] == "anna@example.org"
    done = await _delivery(platform, "report-status")
    assert (done["status"], done["attempts"]) == ("sent", 2)


async def test_a_send_that_keeps_failing_is_given_up_and_shown_to_operators(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
    addresses: Addresses,
) -> None:
    smtp.inbox.refuse_rcpt = "550 5.1.1 No such mailbox"
    impatient = NotificationSender(
        platform.worker_pool,
        platform.mailer,
        platform.sender.push,
        platform.keys,
        backoff=Backoff((1.0, 1.0)),
    )
    await _report_with_status(client, town, admin, anna, "rejected")
    await settle(platform)
    t0 = datetime.now(UTC)

    for seconds in (0, 2, 4, 6):
        await impatient.send_due(t0 + timedelta(seconds=seconds))

    given_up = await _delivery(platform, "report-status")
    assert (given_up["status"], given_up["attempts"]) == ("failed", 3)
    [listed] = [
        f
        for f in await outbox.failed(platform.worker_pool, town.slug, 50)
        if f["kind"] == "report-status"
    ]
    assert listed["last_error"] == given_up["last_error"]
    assert (await outbox.counts(platform.worker_pool))["failed"] >= 1
    assert mails(smtp.inbox) == []
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    env.update(
        TINGET_DATABASE_URL=addresses.owner_url,
        TINGET_LOG_LEVEL="WARNING",
        TINGET_DATA_DIR=str(addresses.data_dir),
        TINGET_SIGNING_SECRET=addresses.signing_secret or "",
    )
    shown = subprocess.run(
        [sys.executable, "-m", "tinget", "notifications", "failed", "--tenant", town.slug],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    printed = json.loads(shown.stdout)
    assert str(given_up["delivery_id"]) in {f["delivery_id"] for f in printed}
    assert "@" not in shown.stdout  # reasons and ids, never an address


async def test_one_click_unsubscribe_turns_that_kind_off_and_cannot_be_forged(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    report = await _report_with_status(client, town, admin, anna, "in-progress")
    await send_round(platform)
    [first] = mails(smtp.inbox, "report-status")
    link = urlsplit(first["List-Unsubscribe"].strip("<>"))
    token = link.query.removeprefix("token=")
    payload, _, signature = token.partition(".")
    other = await create_town(platform, "Malmö")
    one_click = {"content-type": "application/x-www-form-urlencoded"}

    forged = [
        await client.post(link.path, params={"token": bad}, headers=town.headers())
        for bad in (
            f"{payload}.AAAAAAAAAAAAAAAAAAAAAA",
            f"{payload[:-2]}xx.{signature}",
            "junk",
            "a.b.c",
        )
    ]
    elsewhere = await client.post(link.path, params={"token": token}, headers=other.headers())
    missing = await client.post(link.path, headers=town.headers())
    done = await client.post(
        f"{link.path}?{link.query}",
        content=b"List-Unsubscribe=One-Click",
        headers={**town.headers(), **one_click},
    )
    again = await client.post(
        f"/api/v1/posts/{report['id']}/status",
        json={"status": "fixed"},
        headers=town.headers(admin),
    )
    await send_round(platform)

    assert [f.status_code for f in forged] == [422, 422, 422, 422]
    assert all(f.json()["field"] == "token" for f in forged)
    assert elsewhere.status_code == 422
    assert missing.status_code == 400
    assert done.status_code == 200, done.text
    assert done.json() == {"kinds": ["report-status"], "email": False}
    assert again.status_code == 200
    assert len(mails(smtp.inbox, "report-status")) == 1  # the second one stayed home
    prefs = await client.get(
        "/api/v1/me/notification-preferences", headers=town.headers(anna.token)
    )
    by_kind = {p["kind"]: p for p in prefs.json()}
    assert by_kind["report-status"]["email"] is False
    assert by_kind["dialog-results"]["email"] is True


async def test_preferences_are_respected_and_bad_ones_refused_naming_the_field(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    headers = town.headers(anna.token)
    bad = {
        "preferences[0].kind": [{"kind": "colour"}],
        "preferences[1].kind": [{"kind": "report-status"}, {"kind": "report-status"}],
        "preferences[0].digest": [{"kind": "report-status", "digest": "weekly"}],
        "preferences[0].sms": [{"kind": "report-status", "sms": True}],  # an unknown field
    }
    refused = {
        field: await client.put(
            "/api/v1/me/notification-preferences", json={"preferences": body}, headers=headers
        )
        for field, body in bad.items()
    }
    sign_in = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": [{"kind": "sign-in", "email": False}]},
        headers=headers,
    )
    unchanged = await client.get("/api/v1/me/notification-preferences", headers=headers)
    chosen = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": [{"kind": "report-status", "email": False, "in_app": False}]},
        headers=headers,
    )
    await _report_with_status(client, town, admin, anna, "fixed")
    await send_round(platform)
    listed = await client.get("/api/v1/me/notifications", headers=headers)

    for field, response in refused.items():
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["field"] == field, response.text
    assert sign_in.status_code == 422
    assert all(p["email"] and p["digest"] == "immediate" for p in unchanged.json())
    assert chosen.status_code == 200
    assert {
        "kind": "report-status",
        "email": False,
        "push": True,
        "in_app": False,
        "digest": "immediate",
    } in chosen.json()
    assert mails(smtp.inbox, "report-status") == []
    assert "report-status" not in {i["kind"] for i in listed.json()["items"]}
    skipped = await _delivery(platform, "report-status")
    assert (skipped["status"], skipped["last_error"]) == (
        "skipped",
        "the person turned these e-mails off",
    )


async def test_a_daily_digest_bundles_a_persons_messages_into_one_email(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    chosen = await client.put(
        "/api/v1/me/notification-preferences",
        json={"preferences": [{"kind": "report-status", "digest": "daily"}]},
        headers=town.headers(anna.token),
    )
    assert chosen.status_code == 200
    await _report_with_status(client, town, admin, anna, "in-progress", "fixed")
    now = datetime.now(UTC)
    at = next_digest(now)

    await send_round(platform, now)
    held = mails(smtp.inbox, "report-status") + mails(smtp.inbox, "digest")
    await platform.sender.send_due(at - timedelta(minutes=1))
    early = mails(smtp.inbox, "digest")
    await platform.sender.send_due(at + timedelta(seconds=1))
    await platform.sender.send_due(at + timedelta(days=1, seconds=1))

    assert held == []
    assert early == []
    [digest] = mails(smtp.inbox, "digest")
    assert digest["To"] == "anna@example.org"
    assert digest["Subject"] == "Lund: din dagliga sammanfattning"
    assert "påbörjad" in text_of(digest)
    assert "åtgärdad" in text_of(digest)
    assert "now fixed" in text_of(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails(smtp.inbox, "report-status") == []
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, digest FROM notification_deliveries WHERE kind = 'report-status'"
            " AND channel = 'email'"
        )
    assert [(r["status"], r["digest"]) for r in rows] == [("sent", True), ("sent", True)]


async def test_finished_deliveries_pruned_a_month_later_are_not_re_sent_by_a_rebuild(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    smtp: SmtpServer,
) -> None:
    await story(client, platform, town, admin, anna)
    await send_round(platform)
    sent = len(smtp.inbox.messages())
    later = datetime.now(UTC) + KEEP_FINISHED + timedelta(days=1)

    pruned = await outbox.prune(platform.worker_pool, later - KEEP_FINISHED)
    month_later = Notifier(platform.codec, platform.codec.catalogue, clock=lambda: later)
    await ProjectionRunner(platform.worker_pool, month_later).rebuild(platform.reader)
    await platform.sender.send_due(later)

    assert pruned >= sent
    assert len(smtp.inbox.messages()) == sent
    async with platform.worker_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notification_deliveries") == 0
        assert await conn.fetchval("SELECT count(*) FROM notifications") > 0  # the app list stays


async def notified(url: str, tenant_id: str) -> dict[str, list[str]]:
    """The tenant's facts, in-app items and deliveries, each row as text, sorted."""
    conn = await asyncpg.connect(url)
    try:
        return {
            table: sorted(
                repr(dict(r))
                for r in await conn.fetch(f"SELECT * FROM {table} WHERE tenant_id = $1", tenant_id)
            )
            for table in (
                "notification_dialogs",
                "notification_posts",
                "notification_participants",
                "notifications",
                "notification_deliveries",
            )
        }
    finally:
        await conn.close()


async def test_a_rebuild_decided_from_memory_records_what_the_live_path_recorded(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    anna: Person,
    database_url: str,
) -> None:
    """The notifier's rebuild keeps the facts it learns in memory and decides the next batch
    while this one is written. With the items and deliveries gone, a rebuild in batches of
    three events (the results reach those who took part batches before, read from the table)
    records exactly the rows the live path recorded; with them there, it adds none."""
    await story(client, platform, town, admin, anna)
    await caught_up(platform)
    live = await notified(database_url, town.slug)
    runner = next(r for r in platform.projections if r.projection.name == "notifier")
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("DELETE FROM notifications; DELETE FROM notification_deliveries")
    finally:
        await owner.close()

    await runner.rebuild(platform.reader, batch=3)
    recorded = await notified(database_url, town.slug)
    await runner.rebuild(platform.reader, batch=3)

    assert isinstance(runner.projection, Rebuilding)
    assert all(live.values())
    assert recorded == live
    assert await notified(database_url, town.slug) == live
    kinds = [row for row in live["notifications"] if "dialog-results" in row]
    assert len(kinds) == 2  # Anna, who proposed, and Bo, who supported


def test_events_the_catalogue_does_not_know_are_not_subscribed_to() -> None:
    participation_only = Catalogue()
    for aggregate in (Post, Support, Signature):
        participation_only.register(aggregate, "participation")

    notifier = Notifier(Codec(participation_only), participation_only)

    assert {"ReportStatusChanged", "ThresholdReached", "SupportGiven"} <= notifier.event_types
    assert not {"PostHidden", "BadgeAwarded", "DialogResultsPublished"} & notifier.event_types


def test_the_digest_goes_out_at_seven_utc() -> None:
    assert next_digest(datetime(2026, 3, 1, 6, 0, tzinfo=UTC)) == datetime(
        2026, 3, 1, 7, 0, tzinfo=UTC
    )
    assert next_digest(datetime(2026, 3, 1, 7, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 7, 0, tzinfo=UTC
    )
    assert Backoff((30, 120)).after(2) == timedelta(seconds=120)
    assert Backoff((30, 120)).after(3) is None
