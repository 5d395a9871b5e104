"""Free text answers moderated before publication, over HTTP: staff list a question's texts,
approve or hide each (an event per decision, naming who), and results show only the approved
texts and how many answered; nothing pending or hidden. Refusals by role, tenant and input.
Real PostgreSQL and NATS behind the gateway."""

from __future__ import annotations

import json
from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, staff_token
from tests.test_erasure import owner_fetch
from tests.test_survey_exports import answered_survey, export_url, given
from tests.test_surveys_http import Staff, ok, staff
from tinget.bootstrap import Platform

__all__ = ["staff"]  # the fixture, used by name

RESPONDENTS = 7


async def listed(
    client: httpx.AsyncClient, town: Town, dialog: str, token: str, **params: Any
) -> dict[str, Any]:
    answer = await client.get(
        export_url(dialog, "texts"),
        params={"question": "wish", **params},
        headers=town.headers(token),
    )
    return await ok(answer)  # type: ignore[no-any-return]


async def decide(
    client: httpx.AsyncClient, town: Town, dialog: str, token: str, response: str, decision: str
) -> httpx.Response:
    return await client.put(
        f"{export_url(dialog, 'texts')}/wish/{response}",
        json={"decision": decision},
        headers=town.headers(token),
    )


async def results(client: httpx.AsyncClient, town: Town, dialog: str, token: str) -> dict[str, Any]:
    answer = await client.get(
        f"/api/v1/dialogs/{dialog}/results/survey", headers=town.headers(token)
    )
    return await ok(answer)  # type: ignore[no-any-return]


async def test_only_approved_texts_are_published_in_results(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff, RESPONDENTS)
    analyst = await staff_token(platform, town, "analyst@town.example", Role.ANALYST)
    wishes = sorted(given(i)["wish"] for i in range(RESPONDENTS))

    pending = await listed(client, town, dialog, analyst)
    shown = await results(client, town, dialog, analyst)

    assert sorted(t["text"] for t in pending["items"]) == wishes  # staff read them as given
    assert {t["status"] for t in pending["items"]} == {"pending"}
    assert shown["texts"] == [
        {"id": "wish", "type": "text", "answered": RESPONDENTS, "suppressed": False, "approved": []}
    ]
    texts = {t["text"]: t["response"] for t in pending["items"]}
    fine, rude, later = "fler bänkar 4", "-minus", "fler bänkar 5"

    for text, decision in ((fine, "approve"), (rude, "hide"), (later, "approve")):
        decided = await ok(await decide(client, town, dialog, analyst, texts[text], decision))
        assert decided["status"] == ("approved" if decision == "approve" else "hidden")
    again = await ok(await decide(client, town, dialog, analyst, texts[fine], "approve"))
    await ok(await decide(client, town, dialog, admin, texts[later], "hide"))  # changed mind
    await platform.catch_up_projections()

    shown = await results(client, town, dialog, analyst)
    (wish,) = shown["texts"]
    assert wish["approved"] == [fine]  # not the hidden, not the pending, not the withdrawn
    assert wish["answered"] == RESPONDENTS
    for text in set(wishes) - {fine}:
        assert text not in json.dumps(shown, ensure_ascii=False)
    assert again["status"] == "approved"
    statuses = {t["text"]: t for t in (await listed(client, town, dialog, analyst))["items"]}
    assert statuses[fine]["status"] == "approved"
    assert statuses[rude]["status"] == "hidden"
    assert statuses[later]["status"] == "hidden"
    assert [
        t["text"] for t in (await listed(client, town, dialog, analyst, status="hidden"))["items"]
    ] == sorted([rude, later], key=lambda t: texts[t])
    assert len((await listed(client, town, dialog, analyst, status="pending"))["items"]) == 4
    me = await ok(await client.get("/api/v1/me", headers=town.headers(analyst)))
    assert statuses[fine]["decided_by"] == me["person_id"]
    assert statuses[fine]["decided_at"] is not None
    events = await owner_fetch(
        platform,
        "SELECT event_type, data::text AS data, metadata::text AS metadata FROM events"
        " WHERE tenant_id = $1 AND event_type LIKE 'SurveyText%' ORDER BY position",
        town.slug,
    )
    decisions = [e for e in events if e["event_type"] != "SurveyTextReviewOpened"]
    # one event per decision; approving the approved text again recorded nothing
    assert [e["event_type"] for e in decisions] == [
        "SurveyTextApproved", "SurveyTextHidden", "SurveyTextApproved", "SurveyTextHidden",
    ]  # fmt: skip
    assert json.loads(decisions[0]["data"])["by"] == me["person_id"]
    assert json.loads(decisions[0]["metadata"])["actor"] == me["person_id"]


async def test_texts_are_listed_a_page_at_a_time(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff, 5)
    seen: list[str] = []
    cursor = None
    while True:
        page = await listed(
            client, town, dialog, admin, limit=2, **({"cursor": cursor} if cursor else {})
        )
        seen += [t["response"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen == sorted(set(seen))


async def test_texts_are_for_administrators_and_analysts_of_the_tenant_and_bad_input_is_named(
    client: httpx.AsyncClient, platform: Platform, town: Town, staff: Staff, admin: str
) -> None:
    dialog, _ = await answered_survey(client, platform, town, staff, 1)
    (text,) = (await listed(client, town, dialog, admin))["items"]
    participant = await device_token(client, town)
    moderator = await staff_token(platform, town, "moderator@town.example", Role.MODERATOR)
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@other.example", Role.ADMINISTRATOR)
    url = export_url(dialog, "texts")

    for token in (participant, moderator):
        refused = await client.get(url, params={"question": "wish"}, headers=town.headers(token))
        assert refused.status_code == 403, refused.text
        refused = await decide(client, town, dialog, token, text["response"], "approve")
        assert refused.status_code == 403, refused.text
    elsewhere = await client.get(
        url, params={"question": "wish"}, headers=other.headers(other_admin)
    )
    assert elsewhere.status_code == 404, elsewhere.text
    elsewhere = await client.put(
        f"{url}/wish/{text['response']}",
        json={"decision": "approve"},
        headers=other.headers(other_admin),
    )
    assert elsewhere.status_code == 404, elsewhere.text

    not_text = await client.get(url, params={"question": "visit"}, headers=town.headers(admin))
    assert not_text.status_code == 422, not_text.text
    assert not_text.json()["field"] == "question"
    for params in ({"question": "wish' OR 1=1 --"}, {"question": "wish", "cursor": "' OR 1=1"}):
        hostile = await client.get(url, params=params, headers=town.headers(admin))
        assert hostile.status_code == 400, hostile.text
        assert hostile.json()["field"] in params
    traversal = await client.put(
        f"{url}/wish/..%2F..%2Fexport", json={"decision": "approve"}, headers=town.headers(admin)
    )
    assert traversal.status_code in (400, 404), traversal.text
    unknown = await decide(client, town, dialog, admin, "0123456789abcdef", "approve")

    assert unknown.status_code == 404, unknown.text
    bad = await decide(client, town, dialog, admin, text["response"], "publish")
    assert bad.status_code == 400, bad.text
    assert bad.json()["field"] == "decision"
    choice = await client.put(
        f"{url}/visit/{text['response']}", json={"decision": "approve"}, headers=town.headers(admin)
    )
    assert choice.status_code == 404, choice.text
    events = await owner_fetch(
        platform,
        "SELECT 1 FROM events WHERE tenant_id = $1 AND event_type LIKE 'SurveyText%'",
        town.slug,
    )
    assert events == []  # nothing written by any refusal
    shown = await results(client, town, dialog, admin)
    assert shown["texts"] == [
        {"id": "wish", "type": "text", "answered": None, "suppressed": True, "approved": []}
    ]  # one answer: its count is suppressed
