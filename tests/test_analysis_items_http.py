"""Comments and free text survey answers as analysis items, over HTTP: an analysis over a
proposals dialog with comments (one hidden), an anonymous survey (one text hidden by its
moderation) and a survey that names its respondents lists, searches and filters them by kind;
analysts tag, rate and group a comment and a survey answer into a theme; a survey answer names
nobody; hidden ones are absent and refused; another analysis's and another municipality's
ids are refused; an external analyst (who may not read survey answers) sees none; ideas take
posts only; suggestions include them; the committee report quotes a comment but no survey
answer; an erased respondent's answers leave, and the read models rebuild to the live rows.
Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.analysis.answers import answer_item_id
from services.identity.access import Role
from tests.api import create_town, device_token, open_dialog, staff_token
from tests.test_analysis_http import Setting, _person_id, make_setting, problem_fields
from tests.test_survey_exports import answered_survey, export_url, given
from tests.test_survey_results import form
from tests.test_surveys_http import Staff, ok, open_survey, person, respond, staff
from tinget.bootstrap import Platform

__all__ = ["staff"]  # the fixture, used by name

ANONYMOUS = 6  # respondents of the anonymous survey: wishes 4 and 5 are "fler bänkar 4/5"
NAMED_WISHES = ["Lekplatser med gungor för de minsta", "Fler lekplatser i centrum"]
QUESTION = "Vad önskar du?"  # the free text question "wish" of the test form


async def _comment(
    client: httpx.AsyncClient, s: Setting, post: str, body: str, token: str
) -> dict[str, Any]:
    made = await client.post(
        f"/api/v1/posts/{post}/comments", json={"body": body}, headers=s.headers(token)
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


async def _items(
    client: httpx.AsyncClient, platform: Platform, s: Setting, aid: str, token: str, **params: Any
) -> list[dict[str, Any]]:
    await platform.catch_up_projections()
    listed = await client.get(
        f"/api/v1/analyses/{aid}/items", params={"limit": 100, **params}, headers=s.headers(token)
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def _texts(client: httpx.AsyncClient, s: Setting, dialog: str) -> dict[str, str]:
    """The survey's free text answers to "wish": text to response id."""
    listed = await ok(
        await client.get(
            export_url(dialog, "texts"),
            params={"question": "wish", "limit": 100},
            headers=s.headers(s.admin),
        )
    )
    return {t["text"]: t["response"] for t in listed["items"]}


async def _named_survey(
    client: httpx.AsyncClient, platform: Platform, s: Setting, staff: Staff
) -> tuple[str, list[uuid.UUID]]:
    dialog = await open_survey(client, s.town, staff, form=form(), settings={"anonymous": False})
    people = []
    for i, wish in enumerate(NAMED_WISHES):
        person_id, token, _ = await person(platform, s.town, f"named{i}@{s.town.slug}.se")
        await ok(await respond(client, s.town, dialog, token, given(i) | {"wish": wish}), 201)
        people.append(person_id)
    return dialog, people


async def _put(
    client: httpx.AsyncClient, s: Setting, url: str, body: dict[str, Any], token: str
) -> httpx.Response:
    return await client.put(url, json=body, headers=s.headers(token))


async def test_comments_and_survey_answers_are_items_of_an_analysis(
    client: httpx.AsyncClient, platform: Platform, town: Any, admin: str, staff: Staff
) -> None:
    s = await make_setting(client, platform, town, admin)
    analyst, other_analyst = s.analysts
    citizen = await device_token(client, s.town)
    first = await _comment(client, s, s.posts[0], "Cykelbanorna behöver belysning", citizen)
    reply = await _comment(client, s, first["id"], "Håller med om lamporna", citizen)
    rude = await _comment(client, s, s.posts[1], "Ett olämpligt svar", citizen)
    hidden = await client.post(
        f"/api/v1/posts/{rude['id']}/hide", json={"reason": "olämpligt"}, headers=s.headers(admin)
    )
    assert hidden.status_code == 200, hidden.text
    anonymous, _ = await answered_survey(client, platform, s.town, staff, ANONYMOUS)
    named, named_people = await _named_survey(client, platform, s, staff)
    await platform.catch_up_projections()
    texts = await _texts(client, s, anonymous)
    hide = await _put(
        client,
        s,
        f"{export_url(anonymous, 'texts')}/wish/{texts['-minus']}",
        {"decision": "hide"},
        admin,
    )
    assert hide.status_code == 200, hide.text
    hidden_answer = str(answer_item_id(uuid.UUID(anonymous), texts["-minus"], "wish"))

    started = await client.post(
        "/api/v1/analyses",
        json={
            "title": "Parker, cykelvägar och enkäter",
            "dialog_ids": [s.dialog["id"], anonymous, named],
            "members": s.analyst_ids,
        },
        headers=s.headers(admin),
    )
    assert started.status_code == 201, started.text
    aid = started.json()["id"]
    url = f"/api/v1/analyses/{aid}"

    # -- listed: posts, the published comments, the answers not hidden ---------------------
    items = await _items(client, platform, s, aid, analyst)
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        kinds.setdefault(item["kind"], []).append(item)
    assert sorted(kinds) == ["comment", "proposal", "survey-answer"]
    assert len(kinds["proposal"]) == 3
    comments = {c["id"]: c for c in kinds["comment"]}
    assert set(comments) == {first["id"], reply["id"]}  # not the hidden one
    assert (comments[first["id"]]["parent_id"], comments[first["id"]]["root_id"]) == (
        s.posts[0],
        s.posts[0],
    )
    assert (comments[reply["id"]]["parent_id"], comments[reply["id"]]["root_id"]) == (
        first["id"],
        s.posts[0],
    )
    answers = kinds["survey-answer"]
    wishes = sorted(given(i)["wish"] for i in range(ANONYMOUS))
    assert sorted(a["text"] for a in answers) == sorted(
        [w for w in wishes if w != "-minus"] + NAMED_WISHES
    )
    assert hidden_answer not in {a["id"] for a in answers}
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for a in answers:  # titled by the question, naming nobody, dated by the day
        assert a["title"] == QUESTION
        assert (a["author_id"], a["author_name"], a["parent_id"], a["root_id"]) == (None,) * 4
        assert datetime.fromisoformat(a["created_at"]) == midnight
        assert a["dialog_id"] in (anonymous, named)
    by_text = {a["text"]: a for a in answers}
    assert {by_text[w]["dialog_id"] for w in NAMED_WISHES} == {named}
    expected = answer_item_id(uuid.UUID(anonymous), texts["fler bänkar 4"], "wish")
    assert by_text["fler bänkar 4"]["id"] == str(expected)  # uuid5 of (response, question)
    assert all(i["id"] != rude["id"] for i in items)

    # -- filtered by kind, searched -------------------------------------------------------
    only = await _items(client, platform, s, aid, analyst, kind="comment")
    assert {i["id"] for i in only} == {first["id"], reply["id"]}
    only = await _items(client, platform, s, aid, analyst, kind="survey-answer")
    assert len(only) == len(answers)
    only = await _items(client, platform, s, aid, analyst, kind="proposal")
    assert {i["id"] for i in only} == set(s.posts[:3])
    assert await _items(client, platform, s, aid, analyst, kind="petition") == []
    bad = await client.get(f"{url}/items", params={"kind": "tweet"}, headers=s.headers(analyst))
    assert bad.status_code == 422, bad.text
    assert "kind" in problem_fields(bad)
    found = await _items(client, platform, s, aid, analyst, q="bänk")  # Swedish stems
    assert sorted(i["text"] for i in found) == ["fler bänkar 4", "fler bänkar 5"]
    found = await _items(client, platform, s, aid, analyst, q="lekplatser")
    assert sorted(i["text"] for i in found) == sorted(NAMED_WISHES)
    found = await _items(client, platform, s, aid, analyst, q="lampa")
    assert {i["id"] for i in found} == {s.posts[1], reply["id"]}  # "lampor", "lamporna"
    found = await _items(client, platform, s, aid, analyst, q="olämpligt")
    assert found == []  # the hidden post and comment
    found = await _items(client, platform, s, aid, analyst, q="minus")
    assert found == []  # the hidden answer

    # -- coded, rated, grouped ------------------------------------------------------------
    code = (
        await ok(
            await client.post(
                f"{url}/codes", json={"label": "Belysning"}, headers=s.headers(analyst)
            ),
            201,
        )
    )["id"]
    answer = by_text["fler bänkar 4"]["id"]
    named_answer = by_text[NAMED_WISHES[0]]["id"]
    for item, rating in ((first["id"], 8), (answer, 6), (named_answer, 9)):
        tagged = await _put(client, s, f"{url}/items/{item}/codes", {"codes": [code]}, analyst)
        assert tagged.status_code == 200, tagged.text
        for token, given_rating in ((analyst, rating), (other_analyst, rating - 2)):
            rated = await _put(
                client, s, f"{url}/items/{item}/rating", {"rating": given_rating}, token
            )
            assert rated.status_code == 200, rated.text
    theme = await ok(
        await client.post(
            f"{url}/themes",
            json={"heading": "Ljus och bänkar", "summary": "", "items": [first["id"], answer]},
            headers=s.headers(analyst),
        ),
        201,
    )
    added = await client.post(
        f"{url}/themes/{theme['id']}/items",
        json={"item_id": named_answer},
        headers=s.headers(other_analyst),
    )
    assert added.status_code == 200, added.text
    coded = await _items(client, platform, s, aid, analyst, code=code, sort="rating")
    assert [i["id"] for i in coded] == [named_answer, first["id"], answer]
    assert [(i["rating_mean"], i["ratings"], i["my_rating"]) for i in coded] == [
        (8.0, 2, 9),
        (7.0, 2, 8),
        (5.0, 2, 6),
    ]
    grouped = await _items(client, platform, s, aid, analyst, theme=theme["id"])
    assert {i["id"] for i in grouped} == {first["id"], answer, named_answer}
    assert all(i["themes"] == [theme["id"]] for i in grouped)
    themes = await ok(await client.get(f"{url}/themes", headers=s.headers(analyst)))
    assert themes["items"][0]["items_count"] == 3
    assert themes["items"][0]["mean_significance"] == pytest.approx((8.0 + 7.0 + 5.0) / 3)

    # -- refused: hidden ones, and ids of another analysis or municipality --------------------
    rated = await _put(client, s, f"{url}/items/{hidden_answer}/rating", {"rating": 5}, analyst)
    assert rated.status_code == 404, rated.text
    refused = await client.post(
        f"{url}/themes/{theme['id']}/items",
        json={"item_id": hidden_answer},
        headers=s.headers(analyst),
    )
    assert refused.status_code == 422, refused.text
    assert "item_id" in problem_fields(refused)
    posts_only = await ok(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Bara förslag", "dialog_ids": [s.dialog["id"]]},
            headers=s.headers(admin),
        ),
        201,
    )
    other_url = f"/api/v1/analyses/{posts_only['id']}"
    rated = await _put(client, s, f"{other_url}/items/{answer}/rating", {"rating": 5}, admin)
    assert rated.status_code == 404, rated.text
    refused = await client.post(
        f"{other_url}/themes",
        json={"heading": "Fel", "summary": "", "items": [first["id"], answer]},
        headers=s.headers(admin),
    )
    assert refused.status_code == 422, refused.text
    assert "items[1]" in problem_fields(refused)
    assert {i["kind"] for i in await _items(client, platform, s, posts_only["id"], admin)} == {
        "proposal",
        "comment",
    }
    elsewhere = await create_town(platform, "Malmö")
    their_admin = await staff_token(platform, elsewhere, "admin@malmo.se", Role.ADMINISTRATOR)
    their_dialog = await open_dialog(client, elsewhere, their_admin)
    theirs = await client.post(
        "/api/v1/analyses",
        json={"title": "Deras", "dialog_ids": [their_dialog["id"]]},
        headers=elsewhere.headers(their_admin),
    )
    assert theirs.status_code == 201, theirs.text
    for item in (answer, first["id"]):
        rated = await client.put(
            f"/api/v1/analyses/{theirs.json()['id']}/items/{item}/rating",
            json={"rating": 5},
            headers=elsewhere.headers(their_admin),
        )
        assert rated.status_code == 404, rated.text

    # -- an external analyst may not read survey answers: none is an item for them ---------
    external = await staff_token(
        platform, s.town, f"extern@{s.town.slug}.se", Role.EXTERNAL_ANALYST
    )
    joined = await client.post(
        f"{url}/members",
        json={"person_id": await _person_id(client, s.town, external)},
        headers=s.headers(admin),
    )
    assert joined.status_code in (200, 201), joined.text
    theirs_listed = await _items(client, platform, s, aid, external)
    assert {i["kind"] for i in theirs_listed} == {"proposal", "comment"}
    assert await _items(client, platform, s, aid, external, kind="survey-answer") == []
    rated = await _put(client, s, f"{url}/items/{answer}/rating", {"rating": 5}, external)
    assert rated.status_code == 404, rated.text
    rated = await _put(client, s, f"{url}/items/{reply['id']}/rating", {"rating": 5}, external)
    assert rated.status_code == 200, rated.text

    # -- ideas are made of posts: a comment or a survey answer is refused, named -----------
    for item in (first["id"], answer):
        idea = await client.post(
            f"{url}/ideas",
            json={"title": "Idé", "items": [s.posts[0], item]},
            headers=s.headers(analyst),
        )
        assert idea.status_code == 422, idea.text
        assert "items[1]" in problem_fields(idea)

    # -- suggestions consider them ----------------------------------------------------------
    suggested = await ok(await client.get(f"{url}/suggestions", headers=s.headers(analyst)))
    assert suggested["items"] == len(items)
    shown = await ok(await client.get(f"{url}/suggestions", headers=s.headers(external)))
    assert shown["items"] == len(items) - len(answers)

    # -- the report quotes the comment, never a survey answer ---------------------------------
    report = await client.get(f"{url}/report", params={"format": "html"}, headers=s.headers(admin))
    assert report.status_code == 200, report.text
    assert "Cykelbanorna behöver belysning" in report.text
    assert "fler bänkar 4" not in report.text
    assert NAMED_WISHES[0] not in report.text

    # -- an erased respondent's answers leave; the rebuild agrees ------------------------------
    erased = await client.post(
        f"/api/v1/people/{named_people[0]}/erasure", headers=s.headers(admin)
    )
    assert erased.status_code == 202, erased.text
    after = await _items(client, platform, s, aid, analyst, kind="survey-answer")
    assert NAMED_WISHES[0] not in {a["text"] for a in after}
    assert NAMED_WISHES[1] in {a["text"] for a in after}
    assert len(after) == len(answers) - 1
    tables = ("analysis_answers", "analysis_survey_questions", "analysis_texts")
    live = {t: await _rows(platform, t) for t in tables}
    assert all(live.values())
    # every answer of the anonymous survey (the hidden one too), the named one not erased
    assert len(live["analysis_answers"]) == ANONYMOUS + len(NAMED_WISHES) - 1
    for runner in platform.projections:
        if runner.projection.name in ("analysis_workspace", "analysis_answers"):
            await runner.rebuild(platform.reader)
    assert {t: await _rows(platform, t) for t in tables} == live


async def _rows(platform: Platform, table: str) -> list[tuple[Any, ...]]:
    rows = await platform.worker_pool.fetch(f'SELECT * FROM "{table}"')
    return sorted((tuple(repr(v) for v in r.values()) for r in rows), key=repr)
