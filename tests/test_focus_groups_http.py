"""Focus groups end to end over HTTP, on real PostgreSQL and NATS: a moderator's group with
participants invited by PIN and e-mail and an observer, the guide released question by
question (at once and on a schedule), answers hidden from a participant until they answered,
a follow-up to one participant, pins, hides and highlights, observer notes that participants
never see, and the transcript with pseudonyms; every refusal (403 role, 404 another group or
municipality, 409 an unreleased item, 422 naming the field) with nothing half-written; the
read model rebuilt; an erased participant's answers unreadable."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import caught_up
from tests.read_models import differences, snapshot
from tests.test_panels_http import owner_fetch
from tinget.bootstrap import Platform

API = "/api/v1/focus-groups"
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@dataclass
class Group:
    id: str
    url: str
    moderator: str
    observer: str
    observer_id: str
    participants: list[str]  # tokens, in the order invited (Participant 1, 2, ...)
    participant_ids: list[str]
    pins: list[str]
    items: list[str]


async def _json(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _person(platform: Platform, town: Town, token: str) -> str:
    return str(platform.identity.tokens.verify(token, town.slug).person_id)


async def focus_group(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    *,
    visible: bool = False,
    participants: int = 3,
) -> Group:
    """A group led by a moderator, watched by an analyst as observer, with participants (the
    first by e-mail, the others by PIN alone) signed in by PIN, and a guide of three items."""
    h = town.headers
    moderator = await staff_token(platform, town, "moderator@town.example", Role.MODERATOR)
    observer = await staff_token(platform, town, "observer@town.example", Role.ANALYST)
    observer_id = await _person(platform, town, observer)
    created = await _json(
        await client.post(
            f"{API}/",
            json={
                "title": "Trygg skolväg",
                "description": "Hur tar sig barnen till skolan?",
                "answers_visible_before_answering": visible,
            },
            headers=h(moderator),
        ),
        201,
    )
    url = f"{API}/{created['id']}"
    await _json(
        await client.post(
            f"{url}/staff",
            json={"person_id": observer_id, "role": "observer"},
            headers=h(moderator),
        )
    )
    invitees: list[dict[str, str]] = [{"email": "anna@home.example", "name": "Anna Andersson"}]
    invitees += [{"name": f"Resident {n}"} for n in range(2, participants + 1)]
    invited = (
        await _json(
            await client.post(
                f"{url}/participants", json={"invitees": invitees}, headers=h(moderator)
            )
        )
    )["invited"]
    assert [i["pseudonym"] for i in invited] == [
        f"Deltagare {n}" for n in range(1, participants + 1)
    ]
    tokens = []
    for i in invited:
        signed = await _json(
            await client.post("/api/v1/sign-in/pin", json={"pin": i["pin"]}, headers=h())
        )
        assert signed["person_id"] == i["person_id"]
        tokens.append(signed["token"])
    items = []
    for body in (
        {"kind": "question", "text": "Hur tar du dig till skolan?"},
        {"kind": "stimulus", "text": "Titta på filmen", "video_url": VIDEO},
        {"kind": "question", "text": "Vad skulle göra vägen tryggare?"},
    ):
        added = await _json(await client.post(f"{url}/items", json=body, headers=h(moderator)), 201)
        assert added["released"] is False
        assert added["release_at"] is None
        items.append(added["id"])
    return Group(
        id=created["id"],
        url=url,
        moderator=moderator,
        observer=observer,
        observer_id=observer_id,
        participants=tokens,
        participant_ids=[i["person_id"] for i in invited],
        pins=[i["pin"] for i in invited],
        items=items,
    )


async def test_a_focus_group_end_to_end(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    """The proof: the guide released question by question, answers hidden until a participant
    has answered, a follow-up to one participant, observer notes invisible to participants,
    the transcript exported with pseudonyms."""
    h = town.headers
    g = await focus_group(client, platform, town)
    p1, p2, p3 = g.participants
    first, film, _ = g.items

    async def discussion(token: str) -> Any:
        await caught_up(platform)
        return await _json(await client.get(f"{g.url}/discussion", headers=h(token)))

    # Nothing released yet: nothing to see, nothing to answer.
    assert (await discussion(p1))["items"] == []
    early = await client.post(f"{g.url}/items/{first}/answers", json={"text": "x"}, headers=h(p1))
    assert early.status_code == 409, early.text

    # Question 1 now; the film is scheduled for later.
    released = await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    assert released["released"] is True
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduled = await _json(
        await client.post(
            f"{g.url}/items/{film}/release", json={"at": later.isoformat()}, headers=h(g.moderator)
        )
    )
    assert scheduled["released"] is False
    view = await discussion(p1)
    assert [i["id"] for i in view["items"]] == [first]
    assert view["me"] == "Deltagare 1"
    not_yet = await client.post(f"{g.url}/items/{film}/answers", json={"text": "x"}, headers=h(p1))
    assert not_yet.status_code == 409, not_yet.text

    # Answers are hidden from a participant until they answered.
    a1 = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Jag cyklar längs ån"}, headers=h(p1)
        ),
        201,
    )
    assert a1["author"] == "Deltagare 1"
    assert a1["mine"] is True
    before = (await discussion(p2))["items"][0]
    assert before["answered"] is False
    assert before["others_visible"] is False
    assert before["answers"] == []
    a2 = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Mamma kör mig"}, headers=h(p2)
        ),
        201,
    )
    after = (await discussion(p2))["items"][0]
    assert after["answered"] is True
    assert after["others_visible"] is True
    assert {(a["author"], a["text"], a["mine"]) for a in after["answers"]} == {
        ("Deltagare 1", "Jag cyklar längs ån", False),
        ("Deltagare 2", "Mamma kör mig", True),
    }

    # The moderator hides one answer, pins and highlights others.
    a3 = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Något olämpligt"}, headers=h(p3)
        ),
        201,
    )
    for answer, marks in ((a3, {"hidden": True}), (a2, {"pinned": True, "highlighted": True})):
        marked = await _json(
            await client.put(
                f"{g.url}/answers/{answer['id']}/marks", json=marks, headers=h(g.moderator)
            )
        )
        assert all(marked[k] is v for k, v in marks.items())
    seen_by_p1 = (await discussion(p1))["items"][0]["answers"]
    assert [a["text"] for a in seen_by_p1] == ["Mamma kör mig", "Jag cyklar längs ån"]
    assert seen_by_p1[0]["pinned"]
    assert seen_by_p1[0]["highlighted"]
    own_hidden = (await discussion(p3))["items"][0]["answers"]
    assert "Något olämpligt" in [a["text"] for a in own_hidden]

    # The film, scheduled again for a moment from now, comes out when its time comes.
    soon = datetime.now(UTC) + timedelta(seconds=1)
    await _json(
        await client.post(
            f"{g.url}/items/{film}/release", json={"at": soon.isoformat()}, headers=h(g.moderator)
        )
    )
    view = await _json(await client.get(f"{g.url}/discussion", headers=h(p1)))
    assert [i["id"] for i in view["items"]] == [first]
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.05)
    view = await _json(await client.get(f"{g.url}/discussion", headers=h(p1)))
    assert [i["id"] for i in view["items"]] == [first, film]
    assert view["items"][1]["video_url"] == VIDEO
    await _json(
        await client.post(
            f"{g.url}/items/{film}/answers", json={"text": "Bra film"}, headers=h(p1)
        ),
        201,
    )

    # A follow-up to one participant: theirs alone, and so is their answer to it.
    follow_up = await _json(
        await client.post(
            f"{g.url}/follow-ups",
            json={"text": "Varför längs ån?", "to": g.participant_ids[0], "item_id": first},
            headers=h(g.moderator),
        ),
        201,
    )
    assert follow_up["to_pseudonym"] == "Deltagare 1"
    assert [f["text"] for f in (await discussion(p1))["follow_ups"]] == ["Varför längs ån?"]
    assert (await discussion(p2))["follow_ups"] == []
    foreign = await client.post(
        f"{g.url}/items/{follow_up['id']}/answers", json={"text": "x"}, headers=h(p2)
    )
    assert foreign.status_code == 404, foreign.text
    await _json(
        await client.post(
            f"{g.url}/items/{follow_up['id']}/answers",
            json={"text": "Där finns ingen bilväg"},
            headers=h(p1),
        ),
        201,
    )
    own = (await discussion(p1))["follow_ups"][0]
    assert own["to_me_only"] is True
    assert [a["text"] for a in own["answers"]] == ["Där finns ingen bilväg"]

    # Observer notes: staff read them, participants never see them nor the observer.
    note = await _json(
        await client.post(
            f"{g.url}/notes",
            json={"text": "P1 verkar van vid cykel", "answer_id": a1["id"]},
            headers=h(g.observer),
        ),
        201,
    )
    await caught_up(platform)
    for staff in (g.observer, g.moderator):
        notes = await _json(await client.get(f"{g.url}/notes", headers=h(staff)))
        assert [n["id"] for n in notes["items"]] == [note["id"]]
    for token in g.participants:
        refused = await client.get(f"{g.url}/notes", headers=h(token))
        assert refused.status_code == 403, refused.text
        seen = (await client.get(f"{g.url}/discussion", headers=h(token))).text
        assert "P1 verkar" not in seen
        assert g.observer_id not in seen
        assert "observer" not in seen.lower()
        staff_view = await client.get(g.url, headers=h(token))
        assert staff_view.status_code == 403, staff_view.text
    # Each lists the group with their own role, and nobody else's.
    for token, role in ((p2, "participant"), (g.observer, "observer"), (g.moderator, "moderator")):
        listed = await _json(await client.get(f"{API}/", headers=h(token)))
        assert [(x["id"], x["role"], x["participants"]) for x in listed["items"]] == [
            (g.id, role, 3)
        ]
    watched = await _json(await client.get(g.url, headers=h(g.observer)))
    assert watched["access"] == "observer"
    assert {m["role"] for m in watched["members"]} == {"moderator", "observer", "participant"}
    listed = await _json(await client.get(f"{g.url}/answers", headers=h(g.observer)))
    assert {a["text"]: a["hidden"] for a in listed["items"]}["Något olämpligt"] is True

    # The transcript, CSV and HTML: pseudonyms, no names, addresses or ids.
    exported = await client.get(
        f"{g.url}/transcript?format=csv", headers=h(g.observer, language="en")
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    said = [(r["speaker"], r["kind"], r["text"]) for r in rows]
    assert said[0] == ("Moderator", "question", "Hur tar du dig till skolan?")
    assert ("Participant 1", "answer", "Jag cyklar längs ån") in said
    assert ("Participant 2", "answer", "Mamma kör mig") in said
    assert ("Moderator", "follow-up", "Varför längs ån?") in said
    assert ("Participant 1", "answer", "Där finns ingen bilväg") in said
    assert {r["text"]: r["marks"] for r in rows}["Något olämpligt"] == "hidden"
    assert "Vad skulle göra vägen tryggare?" not in exported.text  # never released
    # in the municipality's language (Swedish) unless another of its languages is asked for
    swedish = await client.get(f"{g.url}/transcript?format=csv", headers=h(g.observer))
    assert swedish.headers["content-language"] == "sv"
    header, *lines = list(csv.reader(io.StringIO(swedish.text)))
    assert header == ["tid", "talare", "till", "typ", "om", "text", "markeringar"]
    assert lines[0][1:5] == ["Moderator", "", "fråga", "Punkt 1"]
    assert ["Deltagare 2", "", "svar", "Punkt 1", "Mamma kör mig", "fäst, framhävd"] in [
        line[1:] for line in lines
    ]
    assert ("Moderator", "följdfråga") in {(line[1], line[3]) for line in lines}
    page = await client.get(
        f"{g.url}/transcript?format=html", headers=h(g.moderator, language="fi-FI,fi;q=0.9")
    )
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "fi"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<html lang='fi'>" in page.text
    assert "Trygg skolväg: litterointi" in page.text
    assert "<th scope='col'>puhuja</th>" in page.text
    assert "Osallistuja 2" in page.text
    assert "Participant" not in page.text
    assert "<tr class='pinned highlighted'>" in page.text  # the marks' codes: the classes
    assert "Mamma kör mig" in page.text
    for text in (exported.text, page.text):
        for secret in ("Anna", "anna@home.example", "Resident", *g.participant_ids, "P1 verkar"):
            assert secret not in text, secret
        assert g.observer_id not in text
    no_format = await client.get(f"{g.url}/transcript", headers=h(g.moderator))
    assert no_format.status_code == 422
    assert no_format.json()["field"] == "format"
    refused = await client.get(f"{g.url}/transcript?format=csv", headers=h(p1))
    assert refused.status_code == 403, refused.text

    # The read model rebuilt from the store alone is the live one.
    live = await snapshot(platform)
    assert len(live["focus_group_answers"]) == 5
    assert len(live["focus_group_notes"]) == 1
    for runner in platform.projections:
        if runner.projection.name in ("focus_group_answers", "focus_group_listing"):
            await runner.rebuild(platform.reader)
    assert differences(live, await snapshot(platform)) == {}


async def test_answers_visible_before_answering_when_the_group_says_so(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, visible=True, participants=2)
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Först"}, headers=h(g.participants[0])
        ),
        201,
    )
    await caught_up(platform)
    seen = await _json(await client.get(f"{g.url}/discussion", headers=h(g.participants[1])))
    assert seen["items"][0]["others_visible"] is True
    assert [a["text"] for a in seen["items"][0]["answers"]] == ["Först"]
    # Turned off: the second participant sees nothing until they answer.
    await _json(
        await client.patch(
            g.url, json={"answers_visible_before_answering": False}, headers=h(g.moderator)
        )
    )
    seen = await _json(await client.get(f"{g.url}/discussion", headers=h(g.participants[1])))
    assert seen["items"][0]["answers"] == []


async def test_refusals_by_role_group_and_municipality(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=2)
    p1, p2 = g.participants
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    answer = await _json(
        await client.post(f"{g.url}/items/{first}/answers", json={"text": "Ja"}, headers=h(p1)),
        201,
    )
    other_staff = await staff_token(platform, town, "other@town.example", Role.MODERATOR)
    stranger = await device_token(client, town)  # a resident never invited

    moderator_only: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", f"{g.url}/items", {"kind": "question", "text": "Ny?"}),
        ("POST", f"{g.url}/items/{g.items[1]}/release", {}),
        ("POST", f"{g.url}/follow-ups", {"text": "Mer?"}),
        ("PUT", f"{g.url}/answers/{answer['id']}/marks", {"hidden": True}),
        ("PATCH", g.url, {"title": "Nytt namn"}),
        ("POST", f"{g.url}/participants", {"invitees": [{"name": "X"}]}),
        ("POST", f"{g.url}/staff", {"person_id": g.observer_id, "role": "observer"}),
    ]
    staff_only: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", g.url, None),
        ("GET", f"{g.url}/answers", None),
        ("GET", f"{g.url}/notes", None),
        ("POST", f"{g.url}/notes", {"text": "Not"}),
        ("GET", f"{g.url}/transcript?format=csv", None),
    ]
    head = await platform.reader.head()
    for method, url, body in moderator_only:
        for token in (p1, g.observer, other_staff):
            refused = await client.request(method, url, json=body, headers=h(token))
            assert refused.status_code == 403, (method, url, refused.text)
        refused = await client.request(method, url, json=body, headers=h(stranger))
        assert refused.status_code == 404, (method, url, refused.text)
    for method, url, maybe in staff_only:
        for token in (p1, other_staff):
            refused = await client.request(method, url, json=maybe, headers=h(token))
            assert refused.status_code == 403, (method, url, refused.text)
        refused = await client.request(method, url, json=maybe, headers=h(stranger))
        assert refused.status_code == 404, (method, url, refused.text)
    for token in (g.moderator, g.observer, other_staff):  # staff take no part in the talk
        refused = await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "x"}, headers=h(token)
        )
        assert refused.status_code == 403, refused.text
        refused = await client.get(f"{g.url}/discussion", headers=h(token))
        assert refused.status_code == 403, refused.text
    refused = await client.get(f"{g.url}/discussion", headers=h(stranger))
    assert refused.status_code == 404, refused.text
    assert await platform.reader.head() == head  # nothing recorded by any refusal

    # Another group's items and answers are not this group's: 404.
    other = await _json(
        await client.post(f"{API}/", json={"title": "Annan"}, headers=h(g.moderator)), 201
    )
    other_url = f"{API}/{other['id']}"
    foreign = await client.post(
        f"{other_url}/items/{first}/release", json={}, headers=h(g.moderator)
    )
    assert foreign.status_code == 404, foreign.text
    foreign = await client.put(
        f"{other_url}/answers/{answer['id']}/marks", json={"pinned": True}, headers=h(g.moderator)
    )
    assert foreign.status_code == 404, foreign.text
    foreign = await client.post(
        f"{other_url}/items/{first}/answers", json={"text": "x"}, headers=h(p2)
    )
    assert foreign.status_code == 404, foreign.text  # p2 is no participant of the other group

    # Those of no part in the group do not find it listed; administrators list every group.
    await caught_up(platform)
    for token in (stranger, other_staff):
        listed = await _json(await client.get(f"{API}/", headers=h(token)))
        assert listed["items"] == []
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    listed = await _json(await client.get(f"{API}/", headers=h(admin)))
    assert {(x["id"], x["role"]) for x in listed["items"]} == {(g.id, None), (other["id"], None)}

    # Another municipality's staff do not reach the group at all.
    elsewhere = await create_town(platform, "Falköping")
    their_admin = await staff_token(
        platform, elsewhere, "admin@falkoping.example", Role.ADMINISTRATOR
    )
    for method, url, anything in [*moderator_only, *staff_only]:
        refused = await client.request(
            method, url, json=anything, headers=elsewhere.headers(their_admin)
        )
        assert refused.status_code == 404, (method, url, refused.text)
    listed = await _json(await client.get(f"{API}/", headers=elsewhere.headers(their_admin)))
    assert listed["items"] == []
    crossed = await client.get(g.url, headers=elsewhere.headers(g.moderator))
    assert crossed.status_code == 401, crossed.text  # a token of another municipality


async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=1)
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    answer = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Ja"}, headers=h(g.participants[0])
        ),
        201,
    )
    m = h(g.moderator)
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", f"{API}/", {"title": " "}, m, "title"),
        ("POST", f"{API}/", {"title": "x", "colour": "red"}, m, "colour"),
        ("PATCH", g.url, {"title": "x" * 201}, m, "title"),
        ("POST", f"{g.url}/items", {"kind": "poem", "text": "x"}, m, "kind"),
        ("POST", f"{g.url}/items", {"kind": "question", "text": "  "}, m, "text"),
        (
            "POST",
            f"{g.url}/items",
            {"kind": "stimulus", "video_url": "http://www.youtube.com/x"},
            m,
            "video_url",
        ),
        (
            "POST",
            f"{g.url}/items",
            {"kind": "stimulus", "video_url": "https://evil.example/v"},
            m,
            "video_url",
        ),
        ("POST", f"{g.url}/items", {"kind": "stimulus", "image_id": "f" * 64}, m, "image_id"),
        ("POST", f"{g.url}/items", {"kind": "stimulus", "image_id": "../x"}, m, "image_id"),
        ("POST", f"{g.url}/items/{g.items[1]}/release", {"at": past}, m, "at"),
        ("POST", f"{g.url}/items/{g.items[1]}/release", {"at": "soon"}, m, "at"),
        ("POST", f"{g.url}/follow-ups", {"text": "Mer?", "to": g.observer_id}, m, "to"),
        ("POST", f"{g.url}/follow-ups", {"text": "Mer?", "item_id": g.items[2]}, m, "item_id"),
        ("POST", f"{g.url}/follow-ups", {"text": ""}, m, "text"),
        (
            "POST",
            f"{g.url}/staff",
            {"person_id": g.participant_ids[0], "role": "observer"},
            m,
            "person_id",
        ),
        ("POST", f"{g.url}/staff", {"person_id": g.observer_id, "role": "boss"}, m, "role"),
        (
            "POST",
            f"{g.url}/participants",
            {"invitees": [{"name": "Ok"}, {"email": "not-an-address"}]},
            m,
            "invitees[1].email",
        ),
        (
            "POST",
            f"{g.url}/participants",
            {"invitees": [{"email": "observer@town.example"}]},
            m,
            "invitees[0].email",
        ),
        ("POST", f"{g.url}/participants", {"invitees": []}, m, "invitees"),
        ("PUT", f"{g.url}/answers/{answer['id']}/marks", {"pinned": "yes"}, m, "pinned"),
        (
            "POST",
            f"{g.url}/notes",
            {"text": "x", "answer_id": g.items[0]},
            h(g.observer),
            "answer_id",
        ),
        (
            "POST",
            f"{g.url}/notes",
            {"text": "x", "item_id": answer["id"]},
            h(g.observer),
            "item_id",
        ),
        ("POST", f"{g.url}/notes", {"text": " "}, h(g.observer), "text"),
        ("POST", f"{g.url}/items/{first}/answers", {"text": " "}, h(g.participants[0]), "text"),
        (
            "POST",
            f"{g.url}/items/{first}/answers",
            {"text": "x" * 5001},
            h(g.participants[0]),
            "text",
        ),
    ]
    # A body not of the operation's shape (an unknown field, a value of another type, out of
    # its documented bounds) is 400 naming the field, as everywhere in the API; a value that
    # breaks a rule is 422 naming it.
    malformed: list[dict[str, Any]] = [
        {"title": "x", "colour": "red"},
        {"title": "x" * 201},
        {"kind": "poem", "text": "x"},
        {"at": "soon"},
        {"text": ""},
        {"person_id": g.observer_id, "role": "boss"},
        {"invitees": []},
        {"pinned": "yes"},
        {"text": "x" * 5001},
    ]
    before = await _json(await client.get(g.url, headers=m))
    head = await platform.reader.head()
    for method, url, body, headers, field in cases:
        refused = await client.request(method, url, json=body, headers=headers)
        assert refused.status_code == (400 if body in malformed else 422), (body, refused.text)
        problem = refused.json()
        fields = {problem.get("field")} | {e["field"] for e in problem.get("errors") or []}
        assert field in fields, (body, problem)
    assert await platform.reader.head() == head  # nothing half-written
    assert await _json(await client.get(g.url, headers=m)) == before


async def test_an_erased_participants_answers_are_unreadable(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=2)
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    for token, text in zip(g.participants, ("Hemligt svar", "Annat svar"), strict=True):
        await _json(
            await client.post(
                f"{g.url}/items/{first}/answers", json={"text": text}, headers=h(token)
            ),
            201,
        )
    await _json(
        await client.post(
            f"{g.url}/notes", json={"text": "Anteckning om svaret"}, headers=h(g.observer)
        ),
        201,
    )
    await caught_up(platform)
    # Stored sealed: the log never holds the texts in clear.
    stored = await owner_fetch(
        platform, "SELECT data::text AS data FROM events WHERE tenant_id = $1", town.slug
    )
    assert all("Hemligt svar" not in r["data"] for r in stored)
    assert all("Anteckning om svaret" not in r["data"] for r in stored)
    # The participant's own data holds their answers; the observer's their notes.
    mine = await _json(await client.get("/api/v1/me/data", headers=h(g.participants[0])))
    assert [a["text"] for a in mine["focus_group_answers"]] == ["Hemligt svar"]
    notes = await _json(await client.get("/api/v1/me/data", headers=h(g.observer)))
    assert [n["text"] for n in notes["focus_group_notes"]] == ["Anteckning om svaret"]

    erased = await client.post(f"/api/v1/people/{g.participant_ids[0]}/erasure", headers=h(admin))
    assert erased.status_code == 202, erased.text
    await caught_up(platform)
    exported = await client.get(f"{g.url}/transcript?format=csv", headers=h(g.moderator))
    assert "Hemligt svar" not in exported.text
    assert "[erased]" in exported.text
    assert "Annat svar" in exported.text
    live = await snapshot(platform)
    for runner in platform.projections:
        if runner.projection.name == "focus_group_answers":
            await runner.rebuild(platform.reader)
    assert differences(live, await snapshot(platform)) == {}


async def test_answers_flow_into_an_analysis_that_covers_the_group(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=2)
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    kept = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers",
            json={"text": "Cykelbanan vid skolan är för smal"},
            headers=h(g.participants[0]),
        ),
        201,
    )
    hidden = await _json(
        await client.post(
            f"{g.url}/items/{first}/answers",
            json={"text": "Olämpligt"},
            headers=h(g.participants[1]),
        ),
        201,
    )
    await _json(
        await client.put(
            f"{g.url}/answers/{hidden['id']}/marks", json={"hidden": True}, headers=h(g.moderator)
        )
    )
    dialog = await open_dialog(client, town, admin)
    analysis = await _json(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Skolvägar", "dialog_ids": [dialog["id"]]},
            headers=h(admin),
        ),
        201,
    )
    url = f"/api/v1/analyses/{analysis['id']}"
    head = await platform.reader.head()
    for body, field in (
        ({"focus_group_id": str(uuid.uuid4())}, "focus_group_id"),
        ({"focus_group_id": dialog["id"]}, "focus_group_id"),
    ):
        refused = await client.post(f"{url}/focus-groups", json=body, headers=h(admin))
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field
    refused = await client.post(
        f"{url}/focus-groups", json={"focus_group_id": g.id}, headers=h(g.moderator)
    )
    assert refused.status_code == 403, refused.text
    assert await platform.reader.head() == head
    covered = await _json(
        await client.post(f"{url}/focus-groups", json={"focus_group_id": g.id}, headers=h(admin))
    )
    assert covered["focus_group_ids"] == [g.id]
    await caught_up(platform)

    items = await _json(await client.get(f"{url}/items?kind=focus-group-answer", headers=h(admin)))
    assert [(i["id"], i["text"], i["author_id"], i["dialog_id"]) for i in items["items"]] == [
        (kept["id"], "Cykelbanan vid skolan är för smal", None, None)
    ]
    found = await _json(await client.get(f"{url}/items?q=cykelbanan", headers=h(admin)))
    assert [i["id"] for i in found["items"]] == [kept["id"]]
    rated = await client.put(
        f"{url}/items/{kept['id']}/rating", json={"rating": 8}, headers=h(admin)
    )
    assert rated.status_code == 200, rated.text
    not_an_item = await client.put(
        f"{url}/items/{hidden['id']}/rating", json={"rating": 8}, headers=h(admin)
    )
    assert not_an_item.status_code == 404, not_an_item.text

    # A focus group is invite-only: no external analyst joins an analysis over one.
    external = await client.post(
        f"{url}/external-analysts", json={"email": "forskare@uni.example"}, headers=h(admin)
    )
    assert external.status_code == 409, external.text

    # Another municipality's administrator cannot take this group into their analysis.
    elsewhere = await create_town(platform, "Falköping")
    their_admin = await staff_token(
        platform, elsewhere, "admin@falkoping.example", Role.ADMINISTRATOR
    )
    their_dialog = await open_dialog(client, elsewhere, their_admin)
    theirs = await _json(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Annat", "dialog_ids": [their_dialog["id"]]},
            headers=elsewhere.headers(their_admin),
        ),
        201,
    )
    crossed = await client.post(
        f"/api/v1/analyses/{theirs['id']}/focus-groups",
        json={"focus_group_id": g.id},
        headers=elsewhere.headers(their_admin),
    )
    assert crossed.status_code == 422, crossed.text


async def test_invitations_at_once_each_get_their_own_stable_pseudonym(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=1)

    async def invite(names: list[str]) -> list[dict[str, str]]:
        body = {"invitees": [{"name": n} for n in names]}
        answer = await client.post(f"{g.url}/participants", json=body, headers=h(g.moderator))
        assert answer.status_code == 200, answer.text
        invited: list[dict[str, str]] = answer.json()["invited"]
        return invited

    first, second = await asyncio.gather(invite(["A", "B"]), invite(["C", "D"]))
    view = await _json(await client.get(g.url, headers=h(g.moderator)))
    names = {m["person_id"]: m["pseudonym"] for m in view["members"] if m["pseudonym"]}
    assert sorted(names.values()) == [f"Deltagare {n}" for n in range(1, 6)]
    for i in (*first, *second):
        assert names[i["person_id"]] == i["pseudonym"]

    # Items added and released by moderators at the same moment are all kept (three at once,
    # two saves each: each round one save wins, so none loses more than five times of eight).
    async def item(text: str) -> str:
        added = await client.post(
            f"{g.url}/items", json={"kind": "question", "text": text}, headers=h(g.moderator)
        )
        assert added.status_code == 201, added.text
        item_id: str = added.json()["id"]
        released = await client.post(
            f"{g.url}/items/{item_id}/release", json={}, headers=h(g.moderator)
        )
        assert released.status_code == 200, released.text
        return item_id

    added = await asyncio.gather(*(item(f"Fråga {n}") for n in range(3)))
    view = await _json(await client.get(g.url, headers=h(g.moderator)))
    assert {i["id"] for i in view["items"] if i["released"]} == set(added)


async def test_a_removed_member_reaches_the_group_no_more_and_their_answers_stay(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=3)
    p1, p2, p3 = g.participants
    first = g.items[0]
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    for token, text in ((p1, "Jag cyklar"), (p2, "Jag går")):
        await _json(
            await client.post(
                f"{g.url}/items/{first}/answers", json={"text": text}, headers=h(token)
            ),
            201,
        )
    second_moderator = await staff_token(platform, town, "mod2@town.example", Role.MODERATOR)
    second_id = await _person(platform, town, second_moderator)
    await _json(
        await client.post(
            f"{g.url}/staff",
            json={"person_id": second_id, "role": "moderator"},
            headers=h(g.moderator),
        )
    )
    moderator_id = await _person(platform, town, g.moderator)

    # Only moderators remove; the removed member is listed as removed, with their pseudonym.
    head = await platform.reader.head()
    for token in (p2, g.observer):
        refused = await client.delete(
            f"{g.url}/members/{g.participant_ids[0]}", headers=h(token, language="en")
        )
        assert refused.status_code == 403, refused.text
    assert await platform.reader.head() == head
    removed = await _json(
        await client.delete(f"{g.url}/members/{g.participant_ids[0]}", headers=h(g.moderator))
    )
    assert g.participant_ids[0] not in {m["person_id"] for m in removed["members"]}
    assert removed["removed"] == [
        {"person_id": g.participant_ids[0], "role": "participant", "pseudonym": "Deltagare 1"}
    ]
    after_removal = await platform.reader.head()
    assert after_removal > head

    # The removed participant's token no longer reaches the group: 403 saying why.
    for method, url, body in (
        ("GET", f"{g.url}/discussion", None),
        ("POST", f"{g.url}/items/{first}/answers", {"text": "Jag igen"}),
        ("GET", f"{g.url}/events", None),
    ):
        refused = await client.request(method, url, json=body, headers=h(p1, language="en"))
        assert refused.status_code == 403, (url, refused.text)
        problem = refused.json()
        assert problem["type"].endswith("/removed-from-focus-group"), problem
        assert problem["detail"] == "a moderator removed you from this focus group"
    swedish = await client.get(f"{g.url}/discussion", headers=h(p1))
    assert swedish.json()["detail"] == "en moderator har tagit bort dig från den här fokusgruppen"
    await caught_up(platform)
    listed = await _json(await client.get(f"{API}/", headers=h(p1)))
    assert listed["items"] == []
    listed = await _json(await client.get(f"{API}/", headers=h(g.moderator)))
    assert [x["participants"] for x in listed["items"]] == [2]

    # What they said stays under their pseudonym: for the others, and in the transcript.
    seen = await _json(await client.get(f"{g.url}/discussion", headers=h(p2)))
    assert ("Deltagare 1", "Jag cyklar") in {
        (a["author"], a["text"]) for a in seen["items"][0]["answers"]
    }
    exported = await client.get(
        f"{g.url}/transcript?format=csv", headers=h(g.observer, language="en")
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert ("Participant 1", "Jag cyklar") in {(r["speaker"], r["text"]) for r in rows}
    # ... and a follow-up goes to them no more
    refused = await client.post(
        f"{g.url}/follow-ups",
        json={"text": "Och du?", "to": g.participant_ids[0]},
        headers=h(g.moderator, language="en"),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "to"

    # Removing twice records nothing; someone never a member is 404.
    again = await client.delete(f"{g.url}/members/{g.participant_ids[0]}", headers=h(g.moderator))
    assert again.status_code == 200, again.text
    missing = await client.delete(f"{g.url}/members/{uuid.uuid4()}", headers=h(g.moderator))
    assert missing.status_code == 404, missing.text
    assert await platform.reader.head() == after_removal

    # An observer and a moderator removed are refused alike.
    await _json(await client.delete(f"{g.url}/members/{g.observer_id}", headers=h(g.moderator)))
    refused = await client.get(f"{g.url}/notes", headers=h(g.observer, language="en"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == "a moderator removed you from this focus group"
    await _json(await client.delete(f"{g.url}/members/{moderator_id}", headers=h(second_moderator)))
    refused = await client.post(
        f"{g.url}/items", json={"kind": "question", "text": "Ny?"}, headers=h(g.moderator)
    )
    assert refused.status_code == 403, refused.text

    # The last moderator cannot be removed: 409 naming the field and why, nothing recorded.
    head = await platform.reader.head()
    last = await client.delete(
        f"{g.url}/members/{second_id}", headers=h(second_moderator, language="en")
    )
    assert last.status_code == 409, last.text
    assert last.json()["field"] == "person_id"
    assert "last moderator" in last.json()["detail"]
    assert await platform.reader.head() == head

    # Invited again (the same address), a participant is back under their old pseudonym.
    back = await _json(
        await client.post(
            f"{g.url}/participants",
            json={"invitees": [{"email": "anna@home.example"}]},
            headers=h(second_moderator),
        )
    )
    assert [(i["person_id"], i["pseudonym"]) for i in back["invited"]] == [
        (g.participant_ids[0], "Deltagare 1")
    ]
    view = await _json(await client.get(g.url, headers=h(second_moderator)))
    assert {m["person_id"]: m["pseudonym"] for m in view["members"] if m["pseudonym"]} == {
        g.participant_ids[0]: "Deltagare 1",
        g.participant_ids[1]: "Deltagare 2",
        g.participant_ids[2]: "Deltagare 3",
    }
    back_in = await _json(await client.get(f"{g.url}/discussion", headers=h(p3)))
    assert back_in["me"] == "Deltagare 3"

    # The listing rebuilt from the store alone is the live one.
    await caught_up(platform)
    live = await snapshot(platform)
    for runner in platform.projections:
        if runner.projection.name in ("focus_group_answers", "focus_group_listing"):
            await runner.rebuild(platform.reader)
    assert differences(live, await snapshot(platform)) == {}


async def test_a_guide_item_is_deleted_before_its_release_and_withdrawn_after_it(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    h = town.headers
    g = await focus_group(client, platform, town, participants=2)
    p1, p2 = g.participants
    first, film, third = g.items
    m = h(g.moderator, language="en")
    await _json(await client.post(f"{g.url}/items/{first}/release", json={}, headers=m))
    later = datetime.now(UTC) + timedelta(hours=1)
    await _json(
        await client.post(
            f"{g.url}/items/{film}/release", json={"at": later.isoformat()}, headers=m
        )
    )
    await _json(
        await client.post(
            f"{g.url}/items/{first}/answers", json={"text": "Jag cyklar"}, headers=h(p1)
        ),
        201,
    )

    # Unreleased (or scheduled, its time not come): deleted, gone from the guide.
    head = await platform.reader.head()
    for token in (p1, g.observer):
        refused = await client.delete(f"{g.url}/items/{third}", headers=h(token))
        assert refused.status_code == 403, refused.text
    released = await client.delete(f"{g.url}/items/{first}", headers=m)
    assert released.status_code == 409, released.text
    assert released.json()["detail"] == "the item is released: withdraw it instead"
    not_yet = await client.post(f"{g.url}/items/{third}/withdraw", headers=m)
    assert not_yet.status_code == 409, not_yet.text
    assert not_yet.json()["detail"] == "the item is not released: delete it instead"
    assert await platform.reader.head() == head
    for item in (third, film):
        view = await _json(await client.delete(f"{g.url}/items/{item}", headers=m))
        assert item not in {i["id"] for i in view["items"]}
    gone = await client.delete(f"{g.url}/items/{third}", headers=m)
    assert gone.status_code == 404, gone.text
    gone = await client.post(f"{g.url}/items/{film}/release", json={}, headers=m)
    assert gone.status_code == 404, gone.text

    # Released: withdrawn, gone for participants, kept for staff and in the transcript.
    withdrawn = await _json(await client.post(f"{g.url}/items/{first}/withdraw", headers=m))
    assert withdrawn["withdrawn_at"] is not None
    assert withdrawn["released"] is True
    head = await platform.reader.head()
    again = await _json(await client.post(f"{g.url}/items/{first}/withdraw", headers=m))
    assert again == withdrawn
    assert await platform.reader.head() == head  # withdrawing twice records nothing
    await caught_up(platform)
    for token in (p1, p2):
        seen = await _json(await client.get(f"{g.url}/discussion", headers=h(token)))
        assert seen["items"] == []
        assert "Jag cyklar" not in str(seen)
    refused = await client.post(
        f"{g.url}/items/{first}/answers", json={"text": "Sent"}, headers=h(p2, language="en")
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == "the item was withdrawn: it takes no more answers"
    refused = await client.post(
        f"{g.url}/follow-ups", json={"text": "Mer?", "item_id": first}, headers=m
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "item_id"
    refused = await client.post(f"{g.url}/items/{first}/release", json={}, headers=m)
    assert refused.status_code == 409, refused.text
    staff = await _json(await client.get(g.url, headers=m))
    assert [(i["id"], i["withdrawn_at"] is not None) for i in staff["items"]] == [(first, True)]
    answers = await _json(await client.get(f"{g.url}/answers", headers=m))
    assert [a["text"] for a in answers["items"]] == ["Jag cyklar"]
    exported = await client.get(f"{g.url}/transcript?format=csv", headers=m)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["speaker"], r["about"], r["marks"]) for r in rows] == [
        ("Moderator", "Item 1", "withdrawn"),
        ("Participant 1", "Item 1", ""),
    ]
    swedish = await client.get(f"{g.url}/transcript?format=csv", headers=h(g.moderator))
    assert list(csv.reader(io.StringIO(swedish.text)))[1][-1] == "tillbakadragen"
    page = await client.get(f"{g.url}/transcript?format=html", headers=m)
    assert "<tr class='withdrawn'>" in page.text


# A refusal of removing members and of the guide in each language: (what, status, field, the
# reason in sv, da, nb, fi, en)
REFUSALS: list[tuple[str, int, str | None, tuple[str, str, str, str, str]]] = [
    (
        "the last moderator",
        409,
        "person_id",
        (
            "fokusgruppens sista moderator kan inte tas bort: lägg till en annan moderator först",
            "fokusgruppens sidste moderator kan ikke fjernes: tilføj en anden moderator først",
            "fokusgruppens siste moderator kan ikke fjernes: legg til en annen moderator først",
            "fokusryhmän viimeistä moderaattoria ei voi poistaa: lisää ensin toinen moderaattori",
            "the focus group's last moderator cannot be removed: add another moderator first",
        ),
    ),
    (
        "a removed participant",
        403,
        None,
        (
            "en moderator har tagit bort dig från den här fokusgruppen",
            "en moderator har fjernet dig fra denne fokusgruppe",
            "en moderator har fjernet deg fra denne fokusgruppen",
            "moderaattori on poistanut sinut tästä fokusryhmästä",
            "a moderator removed you from this focus group",
        ),
    ),
    (
        "a released item deleted",
        409,
        None,
        (
            "punkten är släppt: dra tillbaka den i stället",
            "punktet er frigivet: træk det tilbage i stedet",
            "punktet er sluppet: trekk det tilbake i stedet",
            "kohta on julkaistu: peru se sen sijaan",
            "the item is released: withdraw it instead",
        ),
    ),
    (
        "an unreleased item withdrawn",
        409,
        None,
        (
            "punkten är inte släppt: ta bort den i stället",
            "punktet er ikke frigivet: slet det i stedet",
            "punktet er ikke sluppet: slett det i stedet",
            "kohtaa ei ole julkaistu: poista se sen sijaan",
            "the item is not released: delete it instead",
        ),
    ),
    (
        "a withdrawn item answered",
        409,
        None,
        (
            "punkten har dragits tillbaka: den tar inte emot fler svar",
            "punktet er trukket tilbage: det modtager ikke flere svar",
            "punktet er trukket tilbake: det tar ikke imot flere svar",
            "kohta on peruttu: siihen ei voi enää vastata",
            "the item was withdrawn: it takes no more answers",
        ),
    ),
    (
        "a withdrawn item released",
        409,
        None,
        (
            "punkten har dragits tillbaka",
            "punktet er trukket tilbage",
            "punktet er trukket tilbake",
            "kohta on peruttu",
            "the item was withdrawn",
        ),
    ),
    (
        "a removed participant added as staff",
        409,
        "person_id",
        (
            "personen har varit deltagare i den här fokusgruppen",
            "personen har været deltager i denne fokusgruppe",
            "personen har vært deltaker i denne fokusgruppen",
            "henkilö on ollut tämän fokusryhmän osallistuja",
            "the person was a participant of this focus group",
        ),
    ),
    (
        "a stream's id that is none of its own",
        422,
        "Last-Event-ID",
        (
            "måste vara ett händelse-id i den här strömmen",
            "skal være et hændelses-id i denne strøm",
            "må være en hendelses-id i denne strømmen",
            "on oltava tämän virran tapahtuman tunniste",
            "must be an event id of this stream",
        ),
    ),
]


async def test_the_refusals_of_removing_and_withdrawing_read_in_the_five_languages(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await platform.tenants.update(
        town.slug, TenantChanges(languages=["sv", "da", "nb", "fi", "en"])
    )
    await platform.catch_up_projections()
    h = town.headers
    g = await focus_group(client, platform, town, participants=3)
    first, _, third = g.items
    moderator_id = await _person(platform, town, g.moderator)
    await _json(
        await client.post(f"{g.url}/items/{first}/release", json={}, headers=h(g.moderator))
    )
    await _json(await client.post(f"{g.url}/items/{first}/withdraw", headers=h(g.moderator)))
    for removed in (g.participant_ids[0], g.participant_ids[2]):
        await _json(await client.delete(f"{g.url}/members/{removed}", headers=h(g.moderator)))
    # the first has become staff since: they hold one role in the group, a participant's
    await _json(
        await client.put(
            f"/api/v1/people/{g.participant_ids[0]}/role",
            json={"role": "analyst"},
            headers=h(admin),
        )
    )
    calls: dict[str, tuple[str, str, str, dict[str, Any] | None, dict[str, str]]] = {
        "the last moderator": ("DELETE", f"{g.url}/members/{moderator_id}", g.moderator, None, {}),
        "a removed participant": ("GET", f"{g.url}/discussion", g.participants[2], None, {}),
        "a released item deleted": ("DELETE", f"{g.url}/items/{first}", g.moderator, None, {}),
        "an unreleased item withdrawn": (
            "POST",
            f"{g.url}/items/{third}/withdraw",
            g.moderator,
            None,
            {},
        ),
        "a withdrawn item answered": (
            "POST",
            f"{g.url}/items/{first}/answers",
            g.participants[1],
            {"text": "Sent"},
            {},
        ),
        "a withdrawn item released": (
            "POST",
            f"{g.url}/items/{first}/release",
            g.moderator,
            {},
            {},
        ),
        "a removed participant added as staff": (
            "POST",
            f"{g.url}/staff",
            g.moderator,
            {"person_id": g.participant_ids[0], "role": "observer"},
            {},
        ),
        "a stream's id that is none of its own": (
            "GET",
            f"{g.url}/events",
            g.participants[1],
            None,
            {"last-event-id": "12"},
        ),
    }
    head = await platform.reader.head()
    for what, status, field, reasons in REFUSALS:
        method, url, token, body, extra = calls[what]
        for language, reason in zip(("sv", "da", "nb", "fi", "en"), reasons, strict=True):
            refused = await client.request(
                method, url, json=body, headers={**h(token, language=language), **extra}
            )
            assert refused.status_code == status, (what, language, refused.text)
            assert refused.headers["content-language"] == language
            problem = refused.json()
            assert problem.get("field") == field, (what, problem)
            detail = reason if field is None or status != 422 else f"{field}: {reason}"
            assert problem["detail"] == detail, (what, language, problem)
    assert await platform.reader.head() == head
