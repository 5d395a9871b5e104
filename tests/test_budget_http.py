"""Participatory budgets over HTTP, on real PostgreSQL and NATS: a budget dialog made with its
round, projects proposed and reviewed, ballots cast and changed, results counted, published,
exported and recounted from the file; refusals name the field and the reason and leave
nothing written. Phases move on as an administrator moves them (tests/budget_api.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from services.identity.access import Role, SignIn
from tests.api import Town, create_town, device_token, dialog_body, staff_token
from tests.budget_api import (
    budget_dialog,
    budget_setup,
    next_phase,
    people,
    voters,
    voting_round,
)
from tests.notify import send_round
from tests.read_models import differences, rebuild_all, snapshot
from tinget.bootstrap import Platform


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def fields(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    return {e["field"]: e["reason"] for e in body.get("errors", [])} or {
        body.get("field", ""): body.get("detail", "")
    }


def refused(response: httpx.Response, status: int, field: str, words: str = "") -> None:
    assert response.status_code == status, response.text
    found = fields(response)
    assert field in found, found
    assert words in found[field], found


async def state_of(client: httpx.AsyncClient, town: Town, dialog_id: str, **headers: str) -> Any:
    return await ok(
        await client.get(
            f"/api/v1/dialogs/{dialog_id}/budget", headers={**town.headers(), **headers}
        )
    )


async def test_a_budget_dialog_is_made_with_its_round_and_refused_without_one(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await budget_dialog(client, town, admin)
    state = await state_of(client, town, dialog["id"])
    assert state["phase"] == "proposals"
    assert [d["key"] for d in state["districts"]] == ["north", "south"]
    assert state["rules"]["ballot"]["kind"] == "approval"
    assert (state["ballots"], state["counted"]) == ({}, False)
    # the dialog opens with proposal collection and closes with voting
    phases = {p["phase"]: p for p in state["phases"]}
    assert dialog["opens_at"][:19] == phases["proposals"]["opens_at"][:19]
    assert dialog["closes_at"][:19] == phases["voting"]["closes_at"][:19]

    post = client.post
    headers = town.headers(admin, language="en")
    refused(
        await post("/api/v1/dialogs", json=dialog_body("budget"), headers=headers), 422, "budget"
    )
    refused(
        await post("/api/v1/dialogs", json=dialog_body(budget=budget_setup()), headers=headers),
        422,
        "budget",
        "only a budget dialog",
    )
    setup = budget_setup()
    setup["phases"][1], setup["phases"][2] = setup["phases"][2], setup["phases"][1]
    refused(
        await post("/api/v1/dialogs", json=dialog_body("budget", budget=setup), headers=headers),
        422,
        "phases",
    )
    setup = budget_setup(districts=[("north", "Norr", 0)])
    refused(
        await post("/api/v1/dialogs", json=dialog_body("budget", budget=setup), headers=headers),
        400,  # what the schema says is refused before any rule: a 400 naming the field
        "budget.districts[0].amount",
    )
    setup = budget_setup(ballot={"kind": "ranked"})
    refused(
        await post("/api/v1/dialogs", json=dialog_body("budget", budget=setup), headers=headers),
        422,
        "ballot.max_projects",
    )
    # another kind's dialog has no round
    other = await ok(
        await post("/api/v1/dialogs", json=dialog_body("proposals"), headers=headers), 201
    )
    answer = await client.get(f"/api/v1/dialogs/{other['id']}/budget", headers=headers)
    assert answer.status_code == 409, answer.text


async def test_projects_are_proposed_by_the_signed_in_and_reviewed_with_public_reasons(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await budget_dialog(client, town, admin)
    url = f"/api/v1/dialogs/{dialog['id']}/budget"
    [(citizen_id, citizen)] = await people(platform, town, 1)
    project = {
        "district": "north",
        "title": "A playground in the park",
        "description": "Swings and a climbing frame by the pond",
        "estimated_cost": 40_000,
        "place": {"latitude": 59.33, "longitude": 18.06, "address": "Parkvägen 1"},
    }
    first = await ok(
        await client.post(f"{url}/projects", json=project, headers=town.headers(citizen)), 201
    )
    second = await ok(
        await client.post(
            f"{url}/projects",
            json={**project, "title": "A bridge to the island", "estimated_cost": 900_000},
            headers=town.headers(citizen),
        ),
        201,
    )
    # refusals: a device token, an unknown district, a cost of nothing, an image never uploaded
    device = await device_token(client, town)
    answer = await client.post(f"{url}/projects", json=project, headers=town.headers(device))
    assert answer.status_code == 403, answer.text
    refused(
        await client.post(
            f"{url}/projects", json={**project, "district": "east"}, headers=town.headers(citizen)
        ),
        422,
        "district",
        "east är inget område i den här omgången",  # the town's Swedish
    )
    refused(
        await client.post(
            f"{url}/projects", json={**project, "estimated_cost": 0}, headers=town.headers(citizen)
        ),
        400,
        "estimated_cost",
    )
    refused(
        await client.post(
            f"{url}/projects", json={**project, "image": "a" * 64}, headers=town.headers(citizen)
        ),
        422,
        "image",
    )
    # a review outside the review phase, or by a participant
    finding = {"feasible": True, "final_cost": 42_000}
    answer = await client.post(
        f"{url}/projects/{first['id']}/review", json=finding, headers=town.headers(admin)
    )
    refused(answer, 409, "phase", "projekt granskas bara under fasen granskning (från ")
    await next_phase(client, town, admin, dialog["id"])
    answer = await client.post(
        f"{url}/projects/{first['id']}/review", json=finding, headers=town.headers(citizen)
    )
    assert answer.status_code == 403, answer.text
    # proposals are over for participants
    answer = await client.post(f"{url}/projects", json=project, headers=town.headers(citizen))
    refused(answer, 409, "phase", "projekt föreslås bara under fasen förslag (från ")
    refused(
        await client.post(
            f"{url}/projects/{first['id']}/review",
            json={"feasible": True},
            headers=town.headers(admin),
        ),
        422,
        "final_cost",
    )
    refused(
        await client.post(
            f"{url}/projects/{second['id']}/review",
            json={"feasible": False},
            headers=town.headers(admin),
        ),
        422,
        "reason",
    )
    reviewed = await ok(
        await client.post(
            f"{url}/projects/{first['id']}/review", json=finding, headers=town.headers(admin)
        )
    )
    assert (reviewed["status"], reviewed["final_cost"]) == ("feasible", 42_000)
    rejected = await client.post(
        f"{url}/projects/{second['id']}/review",
        json={"feasible": False, "reason": "The island is a nature reserve"},
        headers=town.headers(admin),
    )
    assert rejected.status_code == 200, rejected.text
    await platform.catch_up_projections()
    listed = await ok(await client.get(f"{url}/projects?district=north", headers=town.headers()))
    by_title = {p["title"]: p for p in listed["items"]}
    playground = by_title["A playground in the park"]
    assert (playground["status"], playground["final_cost"]) == ("feasible", 42_000)
    assert playground["estimated_cost"] == 40_000
    assert playground["place"]["address"] == "Parkvägen 1"
    bridge = by_title["A bridge to the island"]
    assert (bridge["status"], bridge["reason"]) == (
        "not-feasible",
        "The island is a nature reserve",
    )
    assert "proposer_id" not in playground  # the listing never says who proposed
    # the proposer erased: their words and place are gone from the listing, the review stays
    erased = await client.post(f"/api/v1/people/{citizen_id}/erasure", headers=town.headers(admin))
    assert erased.status_code == 202, erased.text
    await platform.catch_up_projections()
    listed = await ok(await client.get(f"{url}/projects?district=north", headers=town.headers()))
    for item in listed["items"]:
        assert (item["title"], item["description"], item["place"]) == ("[erased]", "[erased]", None)
    assert {i["status"] for i in listed["items"]} == {"feasible", "not-feasible"}
    south = await ok(await client.get(f"{url}/projects?district=south", headers=town.headers()))
    assert south["items"] == []
    # an unknown project
    answer = await client.post(
        f"{url}/projects/{dialog['id']}/review", json=finding, headers=town.headers(admin)
    )
    assert answer.status_code == 404, answer.text


async def test_ballots_are_checked_named_and_one_per_voter_and_district(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, (a, b, c, d, gone) = await voting_round(
        client,
        town,
        admin,
        [
            ("north", 30_000, True),
            ("north", 50_000, True),
            ("north", 40_000, True),
            ("south", 20_000, True),
            ("north", 10_000, False),
        ],
        ballot={"kind": "approval", "max_projects": 2},
    )
    url = f"/api/v1/dialogs/{dialog_id}/budget/ballot"
    anna, bo = await voters(platform, town, 2)
    cast = await client.put(
        url, json={"district": "north", "projects": [a, b]}, headers=town.headers(anna)
    )
    assert cast.status_code == 201, cast.text
    assert cast.json()["outcome"] == "cast"
    again = await ok(
        await client.put(
            url, json={"district": "north", "projects": [a, b]}, headers=town.headers(anna)
        )
    )
    assert again["outcome"] == "unchanged"
    changed = await ok(
        await client.put(
            url, json={"district": "north", "projects": [c]}, headers=town.headers(anna)
        )
    )
    assert changed["outcome"] == "changed"
    # in the other district too: a ballot per district
    await ok(
        await client.put(
            url, json={"district": "south", "projects": [d]}, headers=town.headers(anna)
        ),
        201,
    )
    await platform.catch_up_projections()
    before = await state_of(client, town, dialog_id)

    async def bad(body: dict[str, Any], field: str, words: str) -> None:
        """Refused naming ``field`` (as it is), the reason in Finnish as the voter asked."""
        finnish = town.headers(bo, language="fi")
        refused(await client.put(url, json=body, headers=finnish), 422, field, words)

    await bad({"district": "north", "projects": [a, b, c]}, "projects", "liian monta: enintään 2")
    await bad(
        {"district": "north", "projects": [a, str(dialog_id)]},
        "projects[1]",
        "ei ole tämän kierroksen hanke",
    )
    await bad({"district": "north", "projects": [a, d]}, "projects[1]", "on alueen south hanke")
    await bad({"district": "north", "projects": [gone]}, "projects[0]", "toteuttamiskelvottomaksi")
    await bad({"district": "north", "projects": [a, a]}, "projects[1]", "on valittu kahdesti")
    await bad({"district": "north", "projects": []}, "projects", "valitse vähintään yksi hanke")
    await bad({"district": "east", "projects": [a]}, "district", "east ei ole tämän kierroksen")
    await bad(
        {"district": "north", "projects": [a], "points": [1]},
        "points",
        "tällä äänestyslipulla ei anneta pisteitä",
    )
    # a device token may not vote in a budget
    device = await device_token(client, town)
    answer = await client.put(
        url, json={"district": "north", "projects": [a]}, headers=town.headers(device)
    )
    assert answer.status_code == 403, answer.text
    # nothing half-written: bo has no ballot, anna's stand as they were
    last = await ok(
        await client.put(
            url, json={"district": "north", "projects": [c]}, headers=town.headers(anna)
        )
    )
    assert last["outcome"] == "unchanged"
    await platform.catch_up_projections()
    after = await state_of(client, town, dialog_id)
    assert after["ballots"] == before["ballots"] == {"north": 1, "south": 1}
    # proposing is over
    answer = await client.post(
        f"/api/v1/dialogs/{dialog_id}/budget/projects",
        json={"district": "north", "title": "Late", "description": "Too late", "estimated_cost": 5},
        headers=town.headers(admin),
    )
    refused(answer, 409, "phase", "projekt föreslås bara under fasen förslag (från ")


async def test_each_ballot_rule_refuses_what_breaks_it_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    projects = [("north", 60_000, True), ("north", 50_000, True), ("south", 20_000, True)]
    knapsack, (a, b, _) = await voting_round(
        client, town, admin, projects, ballot={"kind": "knapsack"}, changeable=False
    )
    points, (p, q, p_south) = await voting_round(
        client, town, admin, projects, ballot={"kind": "points", "points": 10}, one_district=True
    )
    ranked, (r, s, _) = await voting_round(
        client, town, admin, projects, ballot={"kind": "ranked", "max_projects": 2}
    )
    [voter] = await voters(platform, town, 1)
    h = town.headers(voter)

    def url(dialog_id: str) -> str:
        return f"/api/v1/dialogs/{dialog_id}/budget/ballot"

    # knapsack: over the district's budget of 100,000, in the town's Swedish, in Finnish or
    # Danish when asked for, the amounts as each writes them; the field as it is
    over = {"district": "north", "projects": [a, b]}
    for language, words in (
        (None, "över budget: de kostar 110\xa0000 tillsammans, budgeten är 100\xa0000"),
        ("fi", "budjetti ylittyy: ne maksavat yhteensä 110\xa0000, budjetti on 100\xa0000"),
        ("da", "over budget: de koster 110.000 tilsammen, budgettet er 100.000"),
        ("en", "over budget: they cost 110000 together, the budget is 100000"),
    ):
        asked = town.headers(voter, language=language)
        refused(await client.put(url(knapsack), json=over, headers=asked), 422, "projects", words)
    await ok(
        await client.put(url(knapsack), json={"district": "north", "projects": [a]}, headers=h), 201
    )
    # the same voter's ballots at once: one is cast, the others are second ballots (409 here,
    # where ballots are final)
    [racer] = await voters(platform, town, 1)
    raced = await asyncio.gather(
        *(
            client.put(
                url(knapsack),
                json={"district": "north", "projects": [a]},
                headers=town.headers(racer),
            )
            for _ in range(8)
        )
    )
    assert sorted(r.status_code for r in raced) == [201] + [409] * 7, [r.text for r in raced]
    # not changeable: a second ballot is a conflict
    answer = await client.put(url(knapsack), json={"district": "north", "projects": [b]}, headers=h)
    assert answer.status_code == 409, answer.text
    # points that do not add up, a point below 1
    refused(
        await client.put(
            url(points), json={"district": "north", "projects": [p, q], "points": [3, 4]}, headers=h
        ),
        422,
        "points",
        "går inte jämnt ut: 7, inte de 10 som ska fördelas",
    )
    refused(
        await client.put(
            url(points),
            json={"district": "north", "projects": [p, q], "points": [10, 0]},
            headers=h,
        ),
        422,
        "points[1]",
        "måste vara minst 1",
    )
    await ok(
        await client.put(
            url(points), json={"district": "north", "projects": [p, q], "points": [6, 4]}, headers=h
        ),
        201,
    )
    # one district only: a vote in a second district
    refused(
        await client.put(
            url(points),
            json={"district": "south", "projects": [p_south], "points": [10]},
            headers=h,
        ),
        422,
        "district",
        "du har röstat i north: en väljare röstar i ett område i den här budgeten",
    )
    # ranked: a rank repeated
    refused(
        await client.put(url(ranked), json={"district": "north", "projects": [r, s, r]}, headers=h),
        422,
        "projects[2]",
        "är rangordnat två gånger: en placering upprepas",
    )
    await ok(
        await client.put(url(ranked), json={"district": "north", "projects": [s, r]}, headers=h),
        201,
    )


async def test_results_are_counted_once_published_exported_and_recounted_from_the_file(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, (a, b, c, d, gone) = await voting_round(
        client,
        town,
        admin,
        [
            ("north", 60_000, True),
            ("north", 50_000, True),
            ("north", 30_000, True),
            ("south", 20_000, True),
            ("north", 10_000, False),
        ],
    )
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    people = await voters(platform, town, 4)
    finnish = await client.put(  # one voter reads Finnish; the others the town's Swedish
        "/api/v1/me/language", json={"language": "fi"}, headers=town.headers(people[1])
    )
    assert finnish.status_code == 200, finnish.text
    ballots = [[a, b], [a, c], [a], [b, c]]
    for token, chosen in zip(people, ballots, strict=True):
        await ok(
            await client.put(
                f"{url}/ballot",
                json={"district": "north", "projects": chosen},
                headers=town.headers(token),
            ),
            201,
        )
    refused(await client.post(f"{url}/results", headers=town.headers(admin)), 409, "phase")
    await next_phase(client, town, admin, dialog_id)
    late = {"district": "north", "projects": [c]}
    answer = await client.put(f"{url}/ballot", json=late, headers=town.headers(people[0]))
    refused(answer, 409, "phase", "röster lämnas bara under fasen omröstning (från ")
    assert answer.headers["content-language"] == "sv"
    assert "nu pågår fasen resultat" in answer.json()["detail"]
    answer = await client.put(
        f"{url}/ballot", json=late, headers=town.headers(people[0], language="fi")
    )
    refused(answer, 409, "phase", "ääniä annetaan vain vaiheessa ”äänestys” (")
    answer = await client.put(
        f"{url}/ballot", json=late, headers=town.headers(people[0], language="en")
    )
    refused(answer, 409, "phase", "ballots are cast only in the voting phase (from 20")
    answer = await client.post(f"{url}/results", headers=town.headers(people[0]))
    assert answer.status_code == 403, answer.text
    await platform.catch_up_projections()
    counted = await ok(await client.post(f"{url}/results", headers=town.headers(admin)))
    north, south = counted["districts"]
    # greedy, 100,000: a (3 votes, 60,000), then b and c (2 votes each): c is cheaper and
    # fits (30,000); b (50,000) no longer does
    assert north["result"]["funded"] == [a, c]
    outcomes = {o["project"]: o for o in north["result"]["outcomes"]}
    # the reason as a code for machines, and in words in the reader's language (Swedish here,
    # the town's), amounts as the language writes numbers
    assert (outcomes[b]["reason"], outcomes[b]["funded"]) == ("did-not-fit", False)
    assert counted["language"] == "sv"
    assert outcomes[b]["explanation"] == "kostar 50\xa0000, 10\xa0000 fanns kvar"
    assert outcomes[gone]["reason"] == "not-feasible"
    assert south["result"]["funded"] == []
    assert {o["project"]: o["reason"] for o in south["result"]["outcomes"]} == {d: "no-votes"}
    again = await client.post(f"{url}/results", headers=town.headers(admin))
    refused(again, 409, "results", "resultatet är redan registrerat")
    read = await ok(await client.get(f"{url}/results", headers=town.headers()))
    assert read["counted"] is True
    assert read["districts"] == counted["districts"]
    for language, words in (
        ("fi-FI,fi;q=0.9", "maksaa 50\xa0000, jäljellä oli 10\xa0000"),
        ("en", "costs 50,000, 10,000 was left"),
    ):
        read = await ok(await client.get(f"{url}/results", headers=town.headers(language=language)))
        explained = {o["project"]: o for o in read["districts"][0]["result"]["outcomes"]}
        assert (explained[b]["reason"], explained[b]["explanation"]) == ("did-not-fit", words)
        assert read["language"] == language[:2]
    # published through the dialog to everyone who took part: in Swedish, and beside it in
    # the town's other languages
    dialog = await ok(await client.get(f"/api/v1/dialogs/{dialog_id}", headers=town.headers()))
    assert dialog["status"] == "results-published"
    assert dialog["results_summary"].splitlines() == [
        "Medborgarbudgeten är räknad.",
        "Norr \N{EN DASH} får pengar: Project 0, Project 2 (90\xa0000 av 100\xa0000"
        " fördelat, räknat med flest röster först).",
        "Söder \N{EN DASH} får pengar: inget projekt (0 av 80\xa0000 fördelat, räknat med"
        " flest röster först).",
    ]
    assert set(dialog["results_translations"]) == {"da", "nb", "fi", "en"}
    assert (
        "Norr: Project 0, Project 2 funded (90,000 of 100,000 spent, counted by the most votes"
        " first)." in dialog["results_translations"]["en"]
    )
    # every voter is told, in their notifications (the mark of who voted is not the ballot),
    # each in their own language: the one who chose Finnish in Finnish
    await send_round(platform)
    for token in people:
        listed = await ok(await client.get("/api/v1/me/notifications", headers=town.headers(token)))
        told = [i for i in listed["items"] if i["kind"] == "dialog-results"]
        assert len(told) == 1, listed
        if token == people[1]:
            assert (
                "Norr \N{EN DASH} rahoitetaan: Project 0, Project 2 (90\xa0000/100\xa0000"
                in told[0]["body"]
            )
        else:
            assert (
                "Norr \N{EN DASH} får pengar: Project 0, Project 2 (90\xa0000 av" in told[0]["body"]
            )

    # the district as a Pabulib file: staff only
    answer = await client.get(f"{url}/districts/north/pabulib", headers=town.headers(people[0]))
    assert answer.status_code == 403, answer.text
    answer = await client.get(f"{url}/districts/east/pabulib", headers=town.headers(admin))
    assert answer.status_code == 404, answer.text
    exported = await client.get(f"{url}/districts/north/pabulib", headers=town.headers(admin))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/plain")
    text = exported.text
    assert "num_votes;4" in text
    assert gone not in text  # only what was on the ballot
    for token in people:
        assert token not in text
    # counted back from the file: the same result, by either rule
    recount = await ok(
        await client.post(
            f"{url}/pabulib",
            content=text.encode(),
            headers={**town.headers(admin), "content-type": "text/plain"},
        )
    )
    assert recount["funded"] == [a, c]
    by_shares = await ok(
        await client.post(
            f"{url}/pabulib?counting=equal-shares",
            content=text.encode(),
            headers={**town.headers(admin), "content-type": "text/plain"},
        )
    )
    assert by_shares["counting"] == "equal-shares"
    broken = text.replace("100000", "a lot", 1)
    refused(
        await client.post(
            f"{url}/pabulib",
            content=broken.encode(),
            headers={**town.headers(admin), "content-type": "text/plain"},
        ),
        422,
        "line 10: budget",
    )
    answer = await client.post(
        f"{url}/pabulib",
        content=text.encode(),
        headers={**town.headers(people[0]), "content-type": "text/plain"},
    )
    assert answer.status_code == 403, answer.text

    # implementation: funded projects only, in the implementation phase
    update = {"status": "in-progress", "note": "Digging has begun"}
    answer = await client.post(
        f"{url}/projects/{a}/implementation", json=update, headers=town.headers(admin)
    )
    refused(answer, 409, "phase", "genomförandet rapporteras bara under fasen genomförande")
    await next_phase(client, town, admin, dialog_id)
    answer = await client.post(
        f"{url}/projects/{b}/implementation", json=update, headers=town.headers(admin)
    )
    refused(answer, 409, "project", "projektet fick inga pengar")
    answer = await client.post(
        f"{url}/projects/{a}/implementation", json=update, headers=town.headers(people[1])
    )
    assert answer.status_code == 403, answer.text
    done = await ok(
        await client.post(
            f"{url}/projects/{a}/implementation", json=update, headers=town.headers(admin)
        )
    )
    assert (done["implementation"], done["implementation_note"]) == (
        "in-progress",
        "Digging has begun",
    )
    await platform.catch_up_projections()
    listed = await ok(await client.get(f"{url}/projects?district=north", headers=town.headers()))
    assert {p["id"]: p["implementation"] for p in listed["items"]}[a] == "in-progress"

    # the budget's read model rebuilt from the store alone is the live one
    live = await snapshot(platform)
    assert live["budget_ballots"]
    await rebuild_all(platform)
    assert differences(live, await snapshot(platform)) == {}


async def test_another_municipalitys_budget_is_not_found(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, (a,) = await voting_round(client, town, admin, [("north", 10_000, True)])
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@malmo.example", Role.ADMINISTRATOR)
    [other_voter] = await voters(platform, other, 1)
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    for method, path, token, body in (
        ("GET", "", other_admin, None),
        ("GET", "/projects", other_admin, None),
        ("GET", "/results", other_admin, None),
        (
            "PATCH",
            "",
            other_admin,
            {"rules": {"ballot": {"kind": "approval"}, "counting": "greedy"}},
        ),
        ("PUT", "/ballot", other_voter, {"district": "north", "projects": [a]}),
        ("POST", f"/projects/{a}/review", other_admin, {"feasible": True, "final_cost": 1}),
        ("POST", "/results", other_admin, None),
        ("GET", "/districts/north/pabulib", other_admin, None),
    ):
        answer = await client.request(
            method, f"{url}{path}", json=body, headers=other.headers(token)
        )
        assert answer.status_code == 404, (method, path, answer.text)
    # and the project of one municipality is no project in another's ballot
    mine, _ = await voting_round(client, other, other_admin, [("north", 10_000, True)])
    refused(
        await client.put(
            f"/api/v1/dialogs/{mine}/budget/ballot",
            json={"district": "north", "projects": [a]},
            headers=other.headers(other_voter),
        ),
        422,
        "projects[0]",
        "är inget projekt i den här omgången",
    )


async def test_a_budget_may_be_for_those_who_sign_in_with_the_identity_provider(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, (a,) = await voting_round(
        client, town, admin, [("north", 10_000, True)], voters="identity-provider"
    )
    state = await state_of(client, town, dialog_id)
    assert state["rules"]["voters"] == "identity-provider"
    [(_, mail_token), (by_id, _)] = await people(platform, town, 2)
    e_id = platform.identity.tokens.issue(town.slug, by_id, Role.PARTICIPANT, SignIn.OIDC).token
    url = f"/api/v1/dialogs/{dialog_id}/budget/ballot"
    body = {"district": "north", "projects": [a]}
    answer = await client.put(url, json=body, headers=town.headers(mail_token, language="da"))
    assert answer.status_code == 403, answer.text
    assert "der logger ind med kommunens identitetsudbyder" in answer.json()["detail"]
    assert answer.json()["type"].endswith("/identity-provider-sign-in-needed")
    await ok(await client.put(url, json=body, headers=town.headers(e_id)), 201)


async def test_a_voter_reads_back_their_own_ballot_and_nobody_elses(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog_id, (a, b) = await voting_round(
        client, town, admin, [("north", 10_000, True), ("north", 20_000, True)]
    )
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    anna, bo = await voters(platform, town, 2)
    mine = await ok(await client.get(f"{url}/my-ballot?district=north", headers=town.headers(anna)))
    assert mine["ballot"] is None
    body = {"district": "north", "projects": [b, a]}
    await ok(await client.put(f"{url}/ballot", json=body, headers=town.headers(anna)), 201)
    mine = await ok(await client.get(f"{url}/my-ballot?district=north", headers=town.headers(anna)))
    assert mine["ballot"] == {"district": "north", "projects": [b, a], "points": None}
    theirs = await ok(await client.get(f"{url}/my-ballot?district=north", headers=town.headers(bo)))
    assert theirs["ballot"] is None
    refused(
        await client.get(f"{url}/my-ballot?district=east", headers=town.headers(anna)),
        422,
        "district",
    )
    device = await device_token(client, town)
    answer = await client.get(f"{url}/my-ballot?district=north", headers=town.headers(device))
    assert answer.status_code == 403, answer.text
    answer = await client.get(f"{url}/my-ballot?district=north", headers=town.headers())
    assert answer.status_code == 401, answer.text
