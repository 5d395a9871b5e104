"""Every read model at once: after a flow that touches all of them, a rebuild of each from
PostgreSQL equals the live one, and replaying every event again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from services.dialogs.scheduler import remind_report_backs
from services.identity.access import Role
from tests.api import create_town, device_token, open_dialog, staff_token
from tests.read_models import snapshot
from tests.test_survey_exports import given
from tests.test_survey_results import form
from tests.test_surveys_http import Staff, open_survey, respond
from tinget.bootstrap import Platform


async def _everything(client: httpx.AsyncClient, platform: Platform) -> None:
    """Two municipalities; dialogs of several kinds; posts, comments, supports, signatures,
    votes, a report status, official answers, report-back dates and warnings, a decision, a
    threshold, flags, a hide, a block and a badge or two; a survey with free text answers
    and an analysis over it all."""
    for name in ("Lund", "Malmö"):
        town = await create_town(platform, name)
        admin = await staff_token(platform, town, f"admin@{town.slug}.se", Role.ADMINISTRATOR)
        mod = await staff_token(platform, town, f"mod@{town.slug}.se", Role.MODERATOR)
        people = [await device_token(client, town) for _ in range(4)]
        proposals = await open_dialog(client, town, admin, settings={"support_threshold": 2})
        poll = await open_dialog(
            client, town, admin, kind="vox-pop", settings={"question": "Bridge?"}
        )
        reports = await open_dialog(client, town, admin, kind="problem-reports")
        post = (
            await client.post(
                f"/api/v1/dialogs/{proposals['id']}/posts",
                json={"body": "A crossing"},
                headers=town.headers(people[0]),
            )
        ).json()
        for token in people[1:3]:
            await client.post(f"/api/v1/posts/{post['id']}/supports", headers=town.headers(token))
        comment = (
            await client.post(
                f"/api/v1/posts/{post['id']}/comments",
                json={"body": "Rude words"},
                headers=town.headers(people[3]),
            )
        ).json()
        await client.post(
            f"/api/v1/posts/{comment['id']}/flags",
            json={"reason": "rude"},
            headers=town.headers(people[1]),
        )
        await client.post(
            f"/api/v1/posts/{comment['id']}/hide",
            json={"reason": "not civil"},
            headers=town.headers(mod),
        )
        report = (
            await client.post(
                f"/api/v1/dialogs/{reports['id']}/posts",
                json={"body": "Lamp out", "place": {"latitude": 55.7, "longitude": 13.2}},
                headers=town.headers(people[2]),
            )
        ).json()
        await client.post(
            f"/api/v1/posts/{report['id']}/status",
            json={"status": "fixed", "message": "Done"},
            headers=town.headers(admin),
        )
        soon = datetime.now(UTC) + timedelta(days=1)
        set_ = await client.put(
            f"/api/v1/dialogs/{reports['id']}/report-back",
            json={"report_back_by": soon.isoformat()},
            headers=town.headers(admin),
        )
        assert set_.status_code == 200, set_.text
        decided = await client.post(
            "/api/v1/decisions",
            json={
                "committee": "Transport",
                "decided_on": "2026-05-12",
                "text": "A crossing",
                "reference": "§ 42",
                "dialog_ids": [proposals["id"]],
                "post_ids": [post["id"]],
            },
            headers=town.headers(admin),
        )
        assert decided.status_code == 201, decided.text
        approver = await staff_token(platform, town, f"ok@{town.slug}.se", Role.ADMINISTRATOR)
        survey = await open_survey(client, town, Staff(admin, approver), form=form())
        for i, token in enumerate(people[:2]):
            answered = await respond(client, town, survey, token, given(i) | {"wish": "A bench"})
            assert answered.status_code == 201, answered.text
        analyst = await staff_token(platform, town, f"analyst@{town.slug}.se", Role.ANALYST)
        analyst_id = (await client.get("/api/v1/me", headers=town.headers(analyst))).json()
        analysis = await client.post(
            "/api/v1/analyses",
            json={
                "title": "Crossings",
                "dialog_ids": [proposals["id"], reports["id"], survey],
                "members": [analyst_id["person_id"]],
            },
            headers=town.headers(admin),
        )
        assert analysis.status_code == 201, analysis.text
        analysis_path = f"/api/v1/analyses/{analysis.json()['id']}"
        code = await client.post(
            f"{analysis_path}/codes", json={"label": "Safety"}, headers=town.headers(analyst)
        )
        assert code.status_code == 201, code.text
        await platform.catch_up_projections()
        listed = await client.get(
            f"{analysis_path}/items",
            params={"kind": "survey-answer"},
            headers=town.headers(analyst),
        )
        assert len(listed.json()["items"]) == 2, listed.text
        for item in (post["id"], listed.json()["items"][0]["id"]):
            for path, body in (
                ("codes", {"codes": [code.json()["id"]]}),
                ("rating", {"rating": 8}),
            ):
                recorded = await client.put(
                    f"{analysis_path}/items/{item}/{path}",
                    json=body,
                    headers=town.headers(analyst),
                )
                assert recorded.status_code == 200, recorded.text
        idea = await client.post(
            f"{analysis_path}/ideas",
            json={"title": "A crossing by the school", "items": [post["id"]]},
            headers=town.headers(analyst),
        )
        assert idea.status_code == 201, idea.text
        idea_path = f"{analysis_path}/ideas/{idea.json()['id']}"
        for method, path, sent in (
            ("PUT", "owner", {"owner_id": analyst_id["person_id"]}),
            ("POST", "notes", {"text": "Ask the roads unit"}),
            ("PUT", "answers", {"answers": {"need": "Unsafe", "feasibility": "Yes"}}),
            ("POST", "stage", {"stage": "assessed"}),
            ("PUT", "answers", {"answers": {"cost": "Some"}}),
        ):
            changed = await client.request(
                method, f"{idea_path}/{path}", json=sent, headers=town.headers(analyst)
            )
            assert changed.status_code in (200, 201), changed.text
        # a near-duplicate, supported by one of the post's supporters and another, merged
        # into the post (its supports carried over, each person once), with a tenant's code
        duplicate = (
            await client.post(
                f"/api/v1/dialogs/{proposals['id']}/posts",
                json={"body": "A crossing, please"},
                headers=town.headers(people[3]),
            )
        ).json()
        for token in (people[1], people[0]):
            await client.post(
                f"/api/v1/posts/{duplicate['id']}/supports", headers=town.headers(token)
            )
        merged = await client.post(
            f"{analysis_path}/merges",
            json={"duplicate_id": duplicate["id"], "into_id": post["id"]},
            headers=town.headers(analyst),
        )
        assert merged.status_code == 201, merged.text
        shared = await client.post(
            "/api/v1/codes", json={"label": "Roads"}, headers=town.headers(admin)
        )
        assert shared.status_code == 201, shared.text
        for state in ("received", "accepted"):
            answered = await client.post(
                f"/api/v1/posts/{post['id']}/answers",
                json={"state": state, "text": f"The committee's answer: {state}"},
                headers=town.headers(admin),
            )
            assert answered.status_code == 201, answered.text
        for token in people:
            await client.post(
                f"/api/v1/dialogs/{poll['id']}/votes",
                json={"choices": ["yes"]},
                headers=town.headers(token),
            )
        me = await client.get("/api/v1/me", headers=town.headers(people[3]))
        await client.post(
            f"/api/v1/people/{me.json()['person_id']}/block",
            json={"reason": "spam"},
            headers=town.headers(mod),
        )
    # the signed-in voters' took-part marks, one event for the batch (VotersTookPart)
    assert await platform.record_marks(min_batch=1) >= 1
    await platform.catch_up_projections()
    assert await remind_report_backs(platform.worker_pool, platform.dialogs) == 2
    await platform.catch_up_projections()


async def test_every_read_model_rebuilt_equals_the_live_one(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    await _everything(client, platform)
    live = await snapshot(platform)
    head = await platform.reader.head()

    for runner in platform.projections:
        await runner.rebuild(platform.reader)
    rebuilt = await snapshot(platform)
    events = await platform.reader.read(0, 100_000)
    for runner in platform.projections:
        assert await runner.apply_batch(events) == 0  # a replay is skipped whole
    replayed = await snapshot(platform)

    assert sum(len(rows) for rows in live.values()) > 100
    assert live["notification_participants"]  # the voters' batch of marks among them
    assert all(live[t] for t in ("posts", "dialogs", "poll_tallies", "audit_entries", "decisions"))
    assert all(
        live[t]
        for t in (
            "analyses",
            "analysis_item_codes",
            "analysis_texts",
            "analysis_ideas",
            "analysis_answers",
            "analysis_survey_questions",
        )
    )
    assert all(live[t] for t in ("post_supporters", "post_merges"))
    for table in live:
        assert rebuilt[table] == live[table], table
        assert replayed[table] == live[table], table
    assert await platform.reader.head() == head  # the policies recorded nothing new
    kinds = {e.event_type for e in events}
    assert {
        "PostHidden",
        "ParticipantBlocked",
        "ThresholdReached",
        "BadgeAwarded",
        "ReportStatusChanged",
        "PostAnswered",
        "ReportBackDateSet",
        "ReportBackReminderDue",
        "DecisionRecorded",
        "ItemRated",
        "PostMergedInto",
        "SupportCarriedOver",
        "TenantCodeAdded",
        "BallotCast",
        "PostFlagged",
    } <= kinds
