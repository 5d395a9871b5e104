"""Idea development over HTTP: analysts make an idea of two proposals, give it an owner and
notes, answer the municipality's questions (the Swedish defaults) and take it through the
stages; an administrator records the committee's decision, which reaches the proposals'
author, supporter and commenter by e-mail (real SMTP) and no one else; the list shows the
idea as it stands, and a rebuild of the read model gives the same rows. The municipality
changes its questions without breaking an idea in progress. Every bad input is refused
naming its field with nothing written, and an analyst who is no member gets 404. Real
PostgreSQL, NATS and an SMTP server behind the gateway app."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, create_town, open_dialog, staff_token
from tests.helpers import caught_up
from tests.notify import Person, mails, person_with_address, send_round, settle, submit
from tests.notify import text_of as text
from tests.smtp import SmtpServer
from tests.test_analysis_http import problem_fields
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


@dataclasses.dataclass
class Bench:
    town: Town
    admin: str
    analyst: str  # a member of the analysis
    analyst_id: str
    outsider: str  # an analyst who is no member
    outsider_id: str
    anna: Person  # wrote the first proposal
    bo: Person  # supports it
    cia: Person  # comments on the second
    dan: Person  # wrote and supports a third proposal, which the idea does not come from
    dialog: dict[str, Any]
    posts: list[str]  # anna's, bo's and dan's proposals
    analysis: str

    def headers(self, token: str) -> dict[str, str]:
        return self.town.headers(token)


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _person_id(client: httpx.AsyncClient, town: Town, token: str) -> str:
    me = await _ok(await client.get("/api/v1/me", headers=town.headers(token)))
    person_id: str = me["person_id"]
    return person_id


@pytest.fixture
async def bench(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Bench:
    analyst = await staff_token(platform, town, f"analytiker@{town.slug}.se", Role.ANALYST)
    outsider = await staff_token(platform, town, f"utanfor@{town.slug}.se", Role.ANALYST)
    anna = await person_with_address(platform, town, "anna@example.org")
    bo = await person_with_address(platform, town, "bo@example.org")
    cia = await person_with_address(platform, town, "cia@example.org")
    dan = await person_with_address(platform, town, "dan@example.org")
    dialog = await open_dialog(client, town, admin)
    first = await submit(client, town, anna, dialog["id"], title="Bänkar vid dammen")
    second = await submit(client, town, bo, dialog["id"], title="Bord i parken")
    third = await submit(client, town, dan, dialog["id"], title="En ny väg")
    await _ok(
        await client.post(f"/api/v1/posts/{first['id']}/supports", headers=town.headers(bo.token)),
        201,
    )
    await _ok(
        await client.post(
            f"/api/v1/posts/{second['id']}/comments",
            json={"body": "Ja, och en soptunna"},
            headers=town.headers(cia.token),
        ),
        201,
    )
    await _ok(
        await client.post(f"/api/v1/posts/{third['id']}/supports", headers=town.headers(dan.token)),
        201,
    )
    analyst_id = await _person_id(client, town, analyst)
    started = await _ok(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Parker", "dialog_ids": [dialog["id"]], "members": [analyst_id]},
            headers=town.headers(admin),
        ),
        201,
    )
    return Bench(
        town=town,
        admin=admin,
        analyst=analyst,
        analyst_id=analyst_id,
        outsider=outsider,
        outsider_id=await _person_id(client, town, outsider),
        anna=anna,
        bo=bo,
        cia=cia,
        dan=dan,
        dialog=dialog,
        posts=[first["id"], second["id"], third["id"]],
        analysis=started["id"],
    )


async def _idea(client: httpx.AsyncClient, b: Bench, items: list[str]) -> dict[str, Any]:
    return await _ok(
        await client.post(
            f"/api/v1/analyses/{b.analysis}/ideas",
            json={"title": "Sittplatser i parken", "items": items},
            headers=b.headers(b.analyst),
        ),
        201,
    )


def _url(b: Bench, idea: dict[str, Any], what: str = "") -> str:
    return f"/api/v1/analyses/{b.analysis}/ideas/{idea['id']}{what}"


async def _answer(
    client: httpx.AsyncClient, b: Bench, idea: dict[str, Any], **answers: str
) -> dict[str, Any]:
    return await _ok(
        await client.put(
            _url(b, idea, "/answers"), json={"answers": answers}, headers=b.headers(b.analyst)
        )
    )


async def _advance(
    client: httpx.AsyncClient, b: Bench, idea: dict[str, Any], stage: str
) -> httpx.Response:
    return await client.post(
        _url(b, idea, "/stage"), json={"stage": stage}, headers=b.headers(b.analyst)
    )


DECISION = {
    "outcome": "adopted",
    "committee": "Transport",
    "decided_on": "2026-05-12",
    "text": "Tio bänkar och två bord i parken",
    "reference": "§ 42",
}


async def _ideas(
    client: httpx.AsyncClient, platform: Platform, b: Bench, **params: str
) -> list[dict[str, Any]]:
    await caught_up(platform)
    listed = await _ok(
        await client.get(
            f"/api/v1/analyses/{b.analysis}/ideas", params=params, headers=b.headers(b.analyst)
        )
    )
    items: list[dict[str, Any]] = listed["items"]
    return items


async def test_an_idea_is_taken_through_the_stages_to_a_decision_that_reaches_its_supporters(
    client: httpx.AsyncClient, platform: Platform, bench: Bench, smtp: SmtpServer
) -> None:
    b = bench
    first, second, _ = b.posts
    idea = await _idea(client, b, [first, second])
    assert (idea["stage"], idea["items"], idea["owner_id"], idea["notes"]) == (
        "raw",
        [first, second],
        None,
        [],
    )
    [raw] = idea["stages"]
    assert [(q["key"], q["text"], q["answer"]) for q in raw["questions"]] == [
        ("need", "Vilket behov eller problem svarar idén på?", None),
        ("feasibility", "Är den genomförbar, och vad står i vägen?", None),
    ]  # the municipality's language
    assert idea["missing"] == ["need", "feasibility"]

    owned = await _ok(
        await client.put(
            _url(b, idea, "/owner"), json={"owner_id": b.analyst_id}, headers=b.headers(b.admin)
        )
    )
    assert owned["owner_id"] == b.analyst_id
    noted = await _ok(
        await client.post(
            _url(b, idea, "/notes"),
            json={"text": "Fråga parkenheten om kostnaden"},
            headers=b.headers(b.analyst),
        ),
        201,
    )
    [note] = noted["notes"]
    assert (note["text"], note["author_id"], note["stage"]) == (
        "Fråga parkenheten om kostnaden",
        b.analyst_id,
        "raw",
    )

    # it moves on only once the raw stage's questions are answered
    await _answer(client, b, idea, need="Det finns för få sittplatser")
    refused = await _advance(client, b, idea, "assessed")
    assert refused.status_code == 409, refused.text
    assert problem_fields(refused) >= {"answers.feasibility"}
    assert "feasibility" in refused.json()["detail"]
    await _answer(client, b, idea, feasibility="Ja, parkenheten kan ställa ut dem")
    moved = await _ok(await _advance(client, b, idea, "assessed"))
    assert (moved["stage"], moved["missing"]) == ("assessed", ["cost", "responsible"])
    await _answer(client, b, idea, cost="Ungefär 80 000 kronor", responsible="Parkenheten")
    await _ok(await _advance(client, b, idea, "developed"))
    await _answer(client, b, idea, recommendation="Bifall")
    ready = await _ok(await _advance(client, b, idea, "ready-for-decision"))
    assert (ready["stage"], ready["missing"]) == ("ready-for-decision", [])
    assert [s["stage"] for s in ready["stages"]] == [
        "raw",
        "assessed",
        "developed",
        "ready-for-decision",
    ]
    assert ready["stages"][1]["questions"][0] == {
        "key": "cost",
        "text": "Vad skulle den kosta, ungefär?",
        "answer": "Ungefär 80 000 kronor",
    }

    # the decision is the municipality's word: an analyst may not record it
    analyst_decides = await client.post(
        _url(b, idea, "/decision"), json=DECISION, headers=b.headers(b.analyst)
    )
    assert analyst_decides.status_code == 403, analyst_decides.text
    decided = await _ok(
        await client.post(_url(b, idea, "/decision"), json=DECISION, headers=b.headers(b.admin)),
        201,
    )
    assert decided["stage"] == "decided"
    decision = decided["decision"]
    assert (decision["outcome"], decision["committee"], decision["decided_on"]) == (
        "adopted",
        "Transport",
        "2026-05-12",
    )
    recorded = await _ok(
        await client.get(f"/api/v1/decisions/{decision['decision_id']}", headers=b.town.headers())
    )
    assert (recorded["post_ids"], recorded["text"], recorded["reference"]) == (
        [first, second],
        "Tio bänkar och två bord i parken",
        "§ 42",
    )

    # the decision reaches the items' author, supporter and commenter, through the loop
    await send_round(platform)
    told = mails(smtp.inbox, "decision-recorded")
    assert sorted(m["To"] for m in told) == [
        "anna@example.org",  # wrote the first proposal
        "bo@example.org",  # supports it and wrote the second
        "cia@example.org",  # commented on the second
    ]  # not Dan, who wrote and backed a proposal the idea did not come from
    for message in told:
        assert message["Subject"] == "Transport har fattat beslut"
        assert "Tio bänkar och två bord i parken" in text(message)
        assert f"https://{b.town.host}/decisions/{decision['decision_id']}" in text(message)
    for who in (b.anna, b.cia):
        items = await _ok(
            await client.get("/api/v1/me/notifications", headers=b.headers(who.token))
        )
        assert [i for i in items["items"] if i["kind"] == "decision-recorded"]
    dan_items = await _ok(
        await client.get("/api/v1/me/notifications", headers=b.headers(b.dan.token))
    )
    assert not [i for i in dan_items["items"] if i["kind"] == "decision-recorded"]

    # the list (the read model) shows the idea as it stands, as reading it does
    [listed] = await _ideas(client, platform, b)
    read = await _ok(await client.get(_url(b, idea), headers=b.headers(b.analyst)))
    assert listed == read == decided
    assert await _ideas(client, platform, b, stage="decided") == [listed]
    assert await _ideas(client, platform, b, stage="raw") == []

    # a decided idea takes no more changes
    late = await client.post(
        _url(b, idea, "/notes"), json={"text": "För sent"}, headers=b.headers(b.analyst)
    )
    assert late.status_code == 409, late.text
    again = await client.post(_url(b, idea, "/decision"), json=DECISION, headers=b.headers(b.admin))
    assert again.status_code == 409, again.text

    # a rebuild gives the same rows
    query = "SELECT * FROM analysis_ideas ORDER BY tenant_id, analysis_id, idea_id"
    live = await platform.worker_pool.fetch(query)
    [runner] = [r for r in platform.projections if r.projection.name == "analysis_ideas"]
    await runner.rebuild(platform.reader)
    rebuilt = await platform.worker_pool.fetch(query)
    assert [tuple(r) for r in rebuilt] == [tuple(r) for r in live]
    assert [str(r["idea_id"]) for r in live if r["tenant_id"] == b.town.slug] == [decided["id"]]
    await send_round(platform)
    assert len(mails(smtp.inbox, "decision-recorded")) == 3  # nothing told twice


async def test_changed_questions_apply_to_the_stages_ideas_enter_after(
    client: httpx.AsyncClient, platform: Platform, bench: Bench
) -> None:
    b = bench
    participant = await client.get("/api/v1/idea-questions", headers=b.headers(b.anna.token))
    assert participant.status_code == 403, participant.text
    defaults = await _ok(await client.get("/api/v1/idea-questions", headers=b.headers(b.analyst)))
    assert [q["key"] for q in defaults["stages"]["assessed"]] == ["cost", "responsible"]
    assert defaults["stages"]["ready-for-decision"] == []
    early = await _idea(client, b, [b.posts[0]])

    mine = {
        "raw": [{"key": "impact", "text": "Hur många berörs?"}],
        "assessed": [{"key": "budget", "text": "Vilken budgetpost?"}],
    }
    analyst_sets = await client.put(
        "/api/v1/idea-questions", json={"stages": mine}, headers=b.headers(b.analyst)
    )
    assert analyst_sets.status_code == 403, analyst_sets.text
    set_ = await _ok(
        await client.put(
            "/api/v1/idea-questions", json={"stages": mine}, headers=b.headers(b.admin)
        )
    )
    assert set_["stages"] == {**mine, "developed": [], "ready-for-decision": []}
    read = await _ok(await client.get("/api/v1/idea-questions", headers=b.headers(b.admin)))
    assert read == set_

    # the idea made before keeps the raw questions it was made with...
    kept = await _ok(await client.get(_url(b, early), headers=b.headers(b.analyst)))
    assert kept["missing"] == ["need", "feasibility"]
    await _answer(client, b, early, need="Sittplatser", feasibility="Ja")
    # ...and enters the assessed stage with the municipality's questions as they are now
    moved = await _ok(await _advance(client, b, early, "assessed"))
    assert moved["missing"] == ["budget"]
    late = await _idea(client, b, [b.posts[1]])
    assert late["missing"] == ["impact"]
    assert [i["id"] for i in await _ideas(client, platform, b)] == [early["id"], late["id"]]


async def test_bad_idea_input_is_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, platform: Platform, bench: Bench
) -> None:
    b = bench
    first, second, _ = b.posts
    idea = await _idea(client, b, [first])
    elsewhere = await open_dialog(client, b.town, b.admin)  # a dialog the analysis lacks
    stray = await submit(client, b.town, b.dan, elsewhere["id"], title="Någon annanstans")
    comment = await _ok(
        await client.post(
            f"/api/v1/posts/{first}/comments",
            json={"body": "En kommentar"},
            headers=b.headers(b.cia.token),
        ),
        201,
    )
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, f"admin@{other.slug}.se", Role.ADMINISTRATOR)
    other_dialog = await open_dialog(client, other, other_admin)
    foreign = await submit(
        client, other, await person_with_address(platform, other, "e@x.se"), other_dialog["id"]
    )
    await settle(platform)
    head = await platform.reader.head()
    analyst = b.headers(b.analyst)
    ideas_url = f"/api/v1/analyses/{b.analysis}/ideas"
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        # (method, path, body, status, field)
        ("POST", ideas_url, {"title": "x", "items": [stray["id"]]}, 422, "items[0]"),
        ("POST", ideas_url, {"title": "x", "items": [second, foreign["id"]]}, 422, "items[1]"),
        ("POST", ideas_url, {"title": "x", "items": [comment["id"]]}, 422, "items[0]"),
        ("POST", ideas_url, {"title": "x", "items": [first, first]}, 422, "items[1]"),
        ("POST", ideas_url, {"title": "x", "items": []}, 400, "items"),
        ("POST", ideas_url, {"title": " ", "items": [first]}, 422, "title"),
        ("PUT", _url(b, idea, "/owner"), {"owner_id": b.outsider_id}, 422, "owner_id"),
        ("PUT", _url(b, idea, "/owner"), {"owner_id": str(b.anna.person_id)}, 422, "owner_id"),
        ("POST", _url(b, idea, "/notes"), {"text": ""}, 400, "text"),
        ("POST", _url(b, idea, "/notes"), {"text": "  "}, 422, "text"),
        ("PUT", _url(b, idea, "/answers"), {"answers": {"cost": "dyrt"}}, 422, "answers.cost"),
        ("PUT", _url(b, idea, "/answers"), {"answers": {"need": " "}}, 422, "answers.need"),
        ("PUT", _url(b, idea, "/answers"), {"answers": {}}, 422, "answers"),
        ("POST", _url(b, idea, "/stage"), {"stage": "finished"}, 422, "stage"),
        ("POST", _url(b, idea, "/stage"), {"stage": "developed"}, 409, "stage"),
        ("POST", _url(b, idea, "/stage"), {"stage": "assessed"}, 409, "answers"),
        ("POST", _url(b, idea, "/decision"), DECISION, 409, "stage"),
        ("POST", _url(b, idea, "/decision"), {**DECISION, "outcome": "maybe"}, 400, "outcome"),
        ("PUT", "/api/v1/idea-questions", {"stages": {"decided": []}}, 422, "stages.decided"),
        (
            "PUT",
            "/api/v1/idea-questions",
            {"stages": {"raw": [{"key": "a", "text": "A?"}, {"key": "a", "text": "B?"}]}},
            422,
            "stages.raw[1].key",
        ),
    ]
    for method, path, body, status, field in cases:
        token = b.admin if path.endswith(("/decision", "idea-questions")) else b.analyst
        response = await client.request(method, path, json=body, headers=b.headers(token))
        assert response.status_code == status, (path, body, response.text)
        assert field in problem_fields(response), (path, body, response.text)
    assert await platform.reader.head() == head  # nothing written
    listed = await client.get(f"{ideas_url}?stage=finished", headers=analyst)
    assert listed.status_code == 400, listed.text
    assert "stage" in problem_fields(listed)

    # an idea ready for decision with an unknown committee: 422 naming it, nothing written
    await _answer(client, b, idea, need="a", feasibility="b")
    for stage, answers in (
        ("assessed", {"cost": "c", "responsible": "d"}),
        ("developed", {"recommendation": "e"}),
        ("ready-for-decision", {}),
    ):
        await _ok(await _advance(client, b, idea, stage))
        if answers:
            await _answer(client, b, idea, **answers)
    await settle(platform)
    head = await platform.reader.head()
    unknown = await client.post(
        _url(b, idea, "/decision"),
        json={**DECISION, "committee": "Kultur"},
        headers=b.headers(b.admin),
    )
    assert unknown.status_code == 422, unknown.text
    assert problem_fields(unknown) >= {"committee"}
    assert await platform.reader.head() == head  # neither the decision nor the idea written
    read = await _ok(await client.get(_url(b, idea), headers=analyst))
    assert (read["stage"], read["decision"]) == ("ready-for-decision", None)


async def test_an_analyst_who_is_no_member_gets_404_for_every_idea_operation(
    client: httpx.AsyncClient, platform: Platform, bench: Bench
) -> None:
    b = bench
    idea = await _idea(client, b, [b.posts[0]])
    await settle(platform)
    head = await platform.reader.head()
    outsider = b.headers(b.outsider)
    for method, path, body in (
        ("GET", f"/api/v1/analyses/{b.analysis}/ideas", None),
        ("POST", f"/api/v1/analyses/{b.analysis}/ideas", {"title": "x", "items": [b.posts[0]]}),
        ("GET", _url(b, idea), None),
        ("PUT", _url(b, idea, "/title"), {"title": "Nytt"}),
        ("PUT", _url(b, idea, "/owner"), {"owner_id": b.outsider_id}),
        ("POST", _url(b, idea, "/notes"), {"text": "Hej"}),
        ("PUT", _url(b, idea, "/answers"), {"answers": {"need": "x"}}),
        ("POST", _url(b, idea, "/stage"), {"stage": "assessed"}),
        ("POST", _url(b, idea, "/decision"), DECISION),
    ):
        response = await client.request(method, path, json=body, headers=outsider)
        assert response.status_code == 404, (method, path, response.text)
    assert await platform.reader.head() == head
    # an idea of another analysis is no idea of this one
    other = await _ok(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Annat", "dialog_ids": [b.dialog["id"]], "members": [b.outsider_id]},
            headers=b.headers(b.admin),
        ),
        201,
    )
    wrong = await client.get(
        f"/api/v1/analyses/{other['id']}/ideas/{idea['id']}", headers=b.headers(b.admin)
    )
    assert wrong.status_code == 404, wrong.text
    retitled = await _ok(
        await client.put(
            _url(b, idea, "/title"), json={"title": "Nytt"}, headers=b.headers(b.analyst)
        )
    )
    assert retitled["title"] == "Nytt"


async def test_members_adding_notes_at_the_same_moment_each_keep_theirs(
    client: httpx.AsyncClient, platform: Platform, bench: Bench
) -> None:
    b = bench
    idea = await _idea(client, b, [b.posts[0]])
    texts = [f"Anteckning {n}" for n in range(4)]
    answers = await asyncio.gather(
        *(
            client.post(
                _url(b, idea, "/notes"),
                json={"text": text},
                headers=b.headers(b.analyst if n % 2 else b.admin),
            )
            for n, text in enumerate(texts)
        )
    )
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    read = await _ok(await client.get(_url(b, idea), headers=b.headers(b.analyst)))
    assert sorted(n["text"] for n in read["notes"]) == texts
    [listed] = await _ideas(client, platform, b)
    assert listed == read
