"""Citizen panels end to end over HTTP, on real PostgreSQL and NATS: administrators create and
recruit panels, residents join by an invitation's link or the open sign-up form, pause, resume
and leave; samples for a round; the read model live and rebuilt; erasure of the background
answers; other municipalities' panels out of sight."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, staff_token
from tests.read_models import differences, snapshot
from tinget.bootstrap import Platform

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "age",
        "label": "Ålder",
        "options": [
            {"id": "16-29", "label": "16-29"},
            {"id": "30-49", "label": "30-49"},
            {"id": "50-64", "label": "50-64"},
            {"id": "65", "label": "65 eller äldre"},
        ],
    },
    {
        "id": "district",
        "label": "Kommundel",
        "options": [
            {"id": "centrum", "label": "Centrum"},
            {"id": "fagersanna", "label": "Fagersanna"},
        ],
    },
]
CONSENT = "Jag samtycker till att kommunen skickar mig enkäter och använder mina svar."


def panel_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Tidaholmspanelen",
        "description": "Fyra enkäter om året om livet i kommunen",
        "consent": CONSENT,
        "questions": QUESTIONS,
    }
    body.update(changes)
    return body


async def owner_fetch(platform: Platform, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def last_mail(platform: Platform) -> str:
    """The text of the last e-mail the embedded mode wrote as a file."""
    folder: Path = platform.addresses.data_dir / "mail"
    last = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    message = email.message_from_bytes(last.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text: str = body.get_content()
    return text


async def sign_in(client: httpx.AsyncClient, platform: Platform, town: Town, address: str) -> str:
    """A resident's token, by the ordinary e-mail sign-in."""
    asked = await client.post(
        "/api/v1/sign-in/email", json={"email": address}, headers=town.headers()
    )
    assert asked.status_code == 202, asked.text
    found = re.search(r"/sign-in\?code=([A-Za-z0-9_-]+)", last_mail(platform))
    assert found is not None
    redeemed = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": found.group(1)}, headers=town.headers()
    )
    assert redeemed.status_code == 200, redeemed.text
    token: str = redeemed.json()["token"]
    return token


async def create_panel(
    client: httpx.AsyncClient, town: Town, admin: str, **changes: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/panels", json=panel_body(**changes), headers=town.headers(admin)
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def problem_fields(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    return {e["field"]: e["reason"] for e in body.get("errors") or []} or {
        body["field"]: body["detail"]
    }


async def test_administrators_create_and_change_panels_and_bad_input_names_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    panel = await create_panel(client, town, admin)
    assert panel["name"] == "Tidaholmspanelen"
    assert [q["id"] for q in panel["questions"]] == ["age", "district"]
    assert panel["open_sign_up"] is False
    url = f"/api/v1/panels/{panel['id']}"

    duplicate = await client.post(
        "/api/v1/panels", json=panel_body(name="tidaholmspanelen"), headers=town.headers(admin)
    )
    assert duplicate.status_code == 422, duplicate.text
    assert duplicate.json()["field"] == "name"

    no_consent = await client.post(
        "/api/v1/panels",
        json=panel_body(name="Ungdomspanelen", consent=" "),
        headers=town.headers(admin),
    )
    assert no_consent.status_code == 422, no_consent.text
    assert no_consent.json()["field"] == "consent"

    twice = [{**QUESTIONS[0]}, {**QUESTIONS[0]}]
    repeated = await client.post(
        "/api/v1/panels",
        json=panel_body(name="Ungdomspanelen", questions=twice),
        headers=town.headers(admin),
    )
    assert repeated.status_code == 422, repeated.text
    assert "questions[1].id" in problem_fields(repeated)

    citizen = await sign_in(client, platform, town, "medborgare@example.se")
    moderator = await staff_token(platform, town, "moderator@example.se", Role.MODERATOR)
    for token in (citizen, moderator):
        refused = await client.post(
            "/api/v1/panels", json=panel_body(name="Ett annat namn"), headers=town.headers(token)
        )
        assert refused.status_code == 403, refused.text
        refused = await client.patch(url, json={"open_sign_up": True}, headers=town.headers(token))
        assert refused.status_code == 403, refused.text

    # Adding an option and a question, opening the sign-up, changing the consent text.
    questions = [
        QUESTIONS[0],
        {
            **QUESTIONS[1],
            "options": [*QUESTIONS[1]["options"], {"id": "ekedalen", "label": "Ekedalen"}],
        },
        {
            "id": "gender",
            "label": "Kön",
            "options": [{"id": "kvinna", "label": "Kvinna"}, {"id": "man", "label": "Man"}],
        },
    ]
    changed = await client.patch(
        url,
        json={"questions": questions, "open_sign_up": True, "consent": CONSENT + " Ny text."},
        headers=town.headers(admin),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["open_sign_up"] is True
    assert changed.json()["consent_revision"] == 2
    assert changed.json()["name"] == "Tidaholmspanelen"  # left out: stays

    # An option once offered stays.
    dropped = await client.patch(
        url,
        json={
            "questions": [
                QUESTIONS[0],
                {
                    **QUESTIONS[1],
                    "options": [QUESTIONS[1]["options"][0], {"id": "x", "label": "X"}],
                },
            ]
        },
        headers=town.headers(admin),
    )
    assert dropped.status_code == 422, dropped.text
    assert set(problem_fields(dropped)) == {"questions", "questions[1].options"}

    # Renaming frees the old name for another panel.
    renamed = await client.patch(
        url, json={"name": "Medborgarpanelen"}, headers=town.headers(admin)
    )
    assert renamed.status_code == 200, renamed.text
    await create_panel(client, town, admin)

    await platform.catch_up_projections()
    listed = await client.get("/api/v1/panels", headers=town.headers(admin))
    assert listed.status_code == 200, listed.text
    assert [p["name"] for p in listed.json()["items"]] == ["Medborgarpanelen", "Tidaholmspanelen"]


async def test_two_panels_created_at_once_under_one_name_are_one_panel(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await create_panel(client, town, admin, name="Första panelen")  # the names' stream exists
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/panels", json=panel_body(name="Samma namn"), headers=town.headers(admin)
            )
            for _ in range(4)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 1, [a.text for a in answers]
    assert set(statuses) <= {201, 409, 422}, [a.text for a in answers]
    await platform.catch_up_projections()
    listed = await client.get("/api/v1/panels", headers=town.headers(admin))
    assert sorted(p["name"] for p in listed.json()["items"]) == ["Första panelen", "Samma namn"]


async def test_an_invitation_signs_in_and_makes_a_member_who_signs_in_again_later(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    panel = await create_panel(client, town, admin)
    panel_url = f"/api/v1/panels/{panel['id']}"

    bad = await client.post(
        f"{panel_url}/invitations",
        json={"emails": ["anna@example.se", "nope"]},
        headers=town.headers(admin),
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "emails[1]"

    invited = await client.post(
        f"{panel_url}/invitations",
        json={"emails": ["Anna@Example.se"]},
        headers=town.headers(admin),
    )
    assert invited.status_code == 200, invited.text
    [anna_id] = invited.json()["invited"]
    text = last_mail(platform)
    assert "Tidaholmspanelen" in text
    link = re.search(
        rf"https://{re.escape(town.host)}/panels/{panel['id']}/join\?code=([A-Za-z0-9_-]+)", text
    )
    assert link is not None, text
    code = link.group(1)

    # Not on the invitation-only panel's page for anyone else.
    outsider = await sign_in(client, platform, town, "utomstaende@example.se")
    hidden = await client.get(panel_url, headers=town.headers(outsider))
    assert hidden.status_code == 404, hidden.text
    barred = await client.put(
        f"{panel_url}/membership",
        json={"consent": True, "background": {"age": "65", "district": "centrum"}},
        headers=town.headers(outsider),
    )
    assert barred.status_code == 404, barred.text

    # Consent and answers are checked before the code is used: it still works afterwards.
    missing = await client.post(
        f"{panel_url}/join",
        json={"code": code, "background": {"age": "30-49", "district": "centrum"}},
        headers=town.headers(),
    )
    assert missing.status_code == 422, missing.text
    assert missing.json()["field"] == "consent"
    unknown = await client.post(
        f"{panel_url}/join",
        json={"code": code, "consent": True, "background": {"age": "99", "shoe": "42"}},
        headers=town.headers(),
    )
    assert unknown.status_code == 422, unknown.text
    assert set(problem_fields(unknown)) == {
        "background.age",
        "background.shoe",
        "background.district",
    }

    # The link is no invitation to another invitation-only panel: refused there, still unused.
    other = await create_panel(client, town, admin, name="Ungdomspanelen")
    elsewhere = await client.post(
        f"/api/v1/panels/{other['id']}/join",
        json={"code": code, "consent": True, "background": {"age": "30-49", "district": "centrum"}},
        headers=town.headers(),
    )
    assert elsewhere.status_code == 403, elsewhere.text

    joined = await client.post(
        f"{panel_url}/join",
        json={"code": code, "consent": True, "background": {"age": "30-49", "district": "centrum"}},
        headers=town.headers(),
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["person_id"] == anna_id
    membership = joined.json()["membership"]
    assert (membership["status"], membership["via"], membership["consent_revision"]) == (
        "active",
        "invitation",
        1,
    )
    assert membership["background"] == {"age": "30-49", "district": "centrum"}
    again = await client.post(
        f"{panel_url}/join",
        json={"code": code, "consent": True, "background": {"age": "30-49", "district": "centrum"}},
        headers=town.headers(),
    )
    assert again.status_code == 401, again.text  # the link works once

    # A member is not invited again.
    reinvited = await client.post(
        f"{panel_url}/invitations",
        json={"emails": ["anna@example.se"]},
        headers=town.headers(admin),
    )
    assert reinvited.status_code == 200, reinvited.text
    assert reinvited.json()["invited"] == []

    # No background answer went into an event: the membership's events hold facts only.
    events = await owner_fetch(
        platform,
        "SELECT event_type, data::text AS data FROM events WHERE tenant_id = $1"
        " AND event_type LIKE 'PanelMember%' ORDER BY position",
        town.slug,
    )
    assert [e["event_type"] for e in events] == [
        "PanelMembershipOpened",
        "PanelMemberInvited",
        "PanelMemberJoined",
    ]
    assert not any("30-49" in e["data"] or "centrum" in e["data"] for e in events)

    # From a new device, the ordinary e-mail sign-in: still a member, no new invitation.
    new_device = await sign_in(client, platform, town, "anna@example.se")
    mine = await client.get(f"{panel_url}/membership", headers=town.headers(new_device))
    assert mine.status_code == 200, mine.text
    assert mine.json()["status"] == "active"
    assert mine.json()["person_id"] == anna_id
    seen = await client.get(panel_url, headers=town.headers(new_device))
    assert seen.status_code == 200, seen.text

    # A member sees only their own membership; staff see the members per status.
    await platform.catch_up_projections()
    members = await client.get(f"{panel_url}/members", headers=town.headers(new_device))
    assert members.status_code == 403, members.text
    members = await client.get(f"{panel_url}/members?status=active", headers=town.headers(admin))
    assert members.status_code == 200, members.text
    assert [(m["person_id"], m["via"]) for m in members.json()["items"]] == [
        (anna_id, "invitation")
    ]
    not_mine = await client.get(f"{panel_url}/membership", headers=town.headers(outsider))
    assert not_mine.status_code == 404, not_mine.text


async def test_open_sign_up_pause_leave_and_the_samples_of_a_round(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    panel = await create_panel(client, town, admin, open_sign_up=True)
    panel_url = f"/api/v1/panels/{panel['id']}"

    device = await device_token(client, town)
    anonymous = await client.put(
        f"{panel_url}/membership",
        json={"consent": True, "background": {"age": "65", "district": "centrum"}},
        headers=town.headers(device),
    )
    assert anonymous.status_code == 403, anonymous.text

    ages = ["16-29"] * 6 + ["30-49"] * 3 + ["65"] * 3 + ["50-64", "50-64"]
    people: dict[str, tuple[str, str]] = {}  # person id -> (token, age)
    for i, age in enumerate(ages):
        token = await sign_in(client, platform, town, f"invanare{i}@example.se")
        joined = await client.put(
            f"{panel_url}/membership",
            json={"consent": True, "background": {"age": age, "district": "fagersanna"}},
            headers=town.headers(token),
        )
        assert joined.status_code == 200, joined.text
        assert joined.json()["via"] == "sign-up"
        people[joined.json()["person_id"]] = (token, age)
    twice = await client.put(
        f"{panel_url}/membership",
        json={"consent": True, "background": {"age": "65", "district": "centrum"}},
        headers=town.headers(token),
    )
    assert twice.status_code == 409, twice.text

    # The two 50-64s: one pauses, one leaves; a 16-29 pauses and resumes.
    ids = list(people)
    paused, gone, back = ids[12], ids[13], ids[0]
    for person, steps in (
        (paused, ["pause"]),
        (gone, ["pause", "leave"]),
        (back, ["pause", "resume"]),
    ):
        for step in steps:
            done = await client.post(
                f"{panel_url}/membership/{step}", headers=town.headers(people[person][0])
            )
            assert done.status_code == 200, done.text
    refused = await client.post(
        f"{panel_url}/membership/resume", headers=town.headers(people[gone][0])
    )
    assert refused.status_code == 409, refused.text

    await platform.catch_up_projections()
    strata = await client.get(f"{panel_url}/strata?question_id=age", headers=town.headers(admin))
    assert strata.status_code == 200, strata.text
    assert strata.json()["counts"] == {"16-29": 6, "30-49": 3, "50-64": 0, "65": 3}
    unknown = await client.get(f"{panel_url}/strata?question_id=shoe", headers=town.headers(admin))
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["field"] == "question_id"
    member = people[back][0]
    denied = await client.get(f"{panel_url}/strata?question_id=age", headers=town.headers(member))
    assert denied.status_code == 403, denied.text

    listed = await client.get("/api/v1/panels", headers=town.headers(admin))
    [row] = listed.json()["items"]
    assert row["members"] == {"invited": 0, "active": 12, "paused": 1, "left": 1}
    seen_by_member = await client.get("/api/v1/panels", headers=town.headers(people[back][0]))
    [row] = seen_by_member.json()["items"]
    assert row["name"] == "Tidaholmspanelen"
    assert row["members"] is None  # counts are for staff

    everyone = await client.post(
        f"{panel_url}/samples", json={"method": "all"}, headers=town.headers(admin)
    )
    assert everyone.status_code == 201, everyone.text
    assert set(everyone.json()["members"]) == set(ids[:12])

    draw = {"method": "stratified", "question_id": "age", "total": 6, "seed": 2026}
    sample = await client.post(f"{panel_url}/samples", json=draw, headers=town.headers(admin))
    assert sample.status_code == 201, sample.text
    body = sample.json()
    assert body["seed"] == 2026
    # 6 of 12 active: shares 3, 1.5, 1.5; the place left goes to the tie's first, 30-49
    assert body["allocation"] == {"16-29": 3, "30-49": 2, "50-64": 0, "65": 1}
    assert Counter(people[p][1] for p in body["members"]) == Counter(
        {k: v for k, v in body["allocation"].items() if v}
    )
    assert paused not in body["members"]
    assert gone not in body["members"]
    read = await client.get(f"{panel_url}/samples/{body['sample_id']}", headers=town.headers(admin))
    assert read.status_code == 200, read.text
    assert read.json() == body
    for other_url, token, status in (
        (f"{panel_url}/samples/{body['sample_id']}", people[back][0], 403),
        (f"{panel_url}/samples/{panel['id']}", admin, 404),
    ):
        refused = await client.get(other_url, headers=town.headers(token))
        assert refused.status_code == status, refused.text
    repeated = await client.post(f"{panel_url}/samples", json=draw, headers=town.headers(admin))
    assert repeated.json()["members"] == body["members"]
    recorded = await owner_fetch(
        platform,
        "SELECT data->>'seed' AS seed FROM events WHERE tenant_id = $1"
        " AND event_type = 'PanelSampleDrawn' ORDER BY position",
        town.slug,
    )
    assert [r["seed"] for r in recorded] == [None, "2026", "2026"]

    # Many draws without a seed: never a paused member or one who left.
    for _ in range(5):
        drawn = await client.post(
            f"{panel_url}/samples",
            json={"method": "stratified", "question_id": "age", "total": 12},
            headers=town.headers(admin),
        )
        assert drawn.status_code == 201, drawn.text
        assert set(drawn.json()["members"]) == set(ids[:12])
        assert isinstance(drawn.json()["seed"], int)

    for bad, field in (
        ({"method": "stratified", "question_id": "age", "total": 13}, "total"),
        ({"method": "stratified", "question_id": "shoe", "total": 2}, "question_id"),
        ({"method": "stratified", "total": 2}, "question_id"),
        ({"method": "all", "seed": 3}, "seed"),
        ({"method": "stratified", "question_id": "age", "total": 0}, "total"),
        ({"method": "stratified", "question_id": "age", "total": 2, "seed": -1}, "seed"),
        ({"method": "stratified", "question_id": "age", "total": 2, "seed": 2**63}, "seed"),
    ):
        refused = await client.post(f"{panel_url}/samples", json=bad, headers=town.headers(admin))
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["field"] == field
    not_admin = await client.post(f"{panel_url}/samples", json=draw, headers=town.headers(member))
    assert not_admin.status_code == 403, not_admin.text

    # The read model rebuilt from the store alone is the live one.
    live = await snapshot(platform)
    assert live["panel_members"]
    assert live["panels"]
    for runner in platform.projections:
        if runner.projection.name == "panel_listing":
            await runner.rebuild(platform.reader)
    assert differences(live, await snapshot(platform)) == {}


async def test_erasure_removes_the_background_answers_and_the_member_from_samples(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    panel = await create_panel(client, town, admin, open_sign_up=True)
    panel_url = f"/api/v1/panels/{panel['id']}"
    tokens = []
    for i, age in enumerate(["16-29", "65"]):
        token = await sign_in(client, platform, town, f"person{i}@example.se")
        joined = await client.put(
            f"{panel_url}/membership",
            json={"consent": True, "background": {"age": age, "district": "centrum"}},
            headers=town.headers(token),
        )
        assert joined.status_code == 200, joined.text
        tokens.append((token, joined.json()["person_id"]))
    (_, eva), (_, olle) = tokens
    changed = await client.put(
        f"{panel_url}/membership/background",
        json={"background": {"district": "fagersanna"}},
        headers=town.headers(tokens[1][0]),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["background"] == {"age": "65", "district": "fagersanna"}

    await platform.catch_up_projections()
    exported = await client.get("/api/v1/me/data", headers=town.headers(tokens[1][0]))
    assert exported.status_code == 200, exported.text
    [membership] = exported.json()["panels"]
    assert membership["panel_id"] == panel["id"]
    assert membership["status"] == "active"
    assert membership["background"] == {"age": "65", "district": "fagersanna"}

    held = "SELECT question_id FROM panel_background WHERE tenant_id = $1 AND person_id = $2"
    assert len(await owner_fetch(platform, held, town.slug, eva)) == 2

    erased = await client.post(f"/api/v1/people/{eva}/erasure", headers=town.headers(admin))
    assert erased.status_code == 202, erased.text
    assert await owner_fetch(platform, held, town.slug, eva) == []
    assert len(await owner_fetch(platform, held, town.slug, olle)) == 2

    await platform.catch_up_projections()
    strata = await client.get(f"{panel_url}/strata?question_id=age", headers=town.headers(admin))
    assert strata.json()["counts"] == {"16-29": 0, "30-49": 0, "50-64": 0, "65": 1}
    everyone = await client.post(
        f"{panel_url}/samples", json={"method": "all"}, headers=town.headers(admin)
    )
    assert everyone.json()["members"] == [olle]


async def test_another_municipalitys_panels_are_out_of_sight(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    panel = await create_panel(client, town, admin, open_sign_up=True)
    other = await create_town(platform, "Falköping")
    other_admin = await staff_token(platform, other, "admin@falkoping.example", Role.ADMINISTRATOR)
    await platform.catch_up_projections()
    panel_url = f"/api/v1/panels/{panel['id']}"
    for response in (
        await client.get(panel_url, headers=other.headers(other_admin)),
        await client.patch(panel_url, json={"name": "Kapad"}, headers=other.headers(other_admin)),
        await client.get(f"{panel_url}/members", headers=other.headers(other_admin)),
        await client.post(
            f"{panel_url}/samples", json={"method": "all"}, headers=other.headers(other_admin)
        ),
        await client.post(
            f"{panel_url}/invitations",
            json={"emails": ["x@example.se"]},
            headers=other.headers(other_admin),
        ),
    ):
        assert response.status_code == 404, response.text
    listed = await client.get("/api/v1/panels", headers=other.headers(other_admin))
    assert listed.json()["items"] == []
    # The same name is free in another municipality.
    await create_panel(client, other, other_admin)
