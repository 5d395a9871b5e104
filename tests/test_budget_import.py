"""A Pabulib `.pb` file imported into a budget round over HTTP, on real PostgreSQL and NATS:
its district and budget, its projects on the ballot and its votes as ballots that name
nobody, so that counting the round gives what pabutools gives counting the file (greedy and
equal shares; points, ranked and approval files, written as Pabulib writes them, with the
voters' ages and sexes beside their votes); a round's own export imported into a new round
counts the same (the proof); and every refusal (a bad line, a file too big, a second import,
an import once voting has opened, a participant) leaves nothing recorded."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from pabutools.election import (
    AbstractProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
    OrdinalProfile,
)
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare

from services.budgeting.counting import TIE_BREAKING, ScoreTimesCost, pabutools_equal_shares
from tests.api import Town
from tests.budget_api import budget_dialog, next_phase, voters, voting_round
from tests.notify import person_with_address, send_round
from tests.read_models import differences, rebuild_all, snapshot
from tinget.bootstrap import Platform

DISTRICT = "Praga-Północ"  # as Pabulib names Warsaw's districts: the key is praga-polnoc
KEY = "praga-polnoc"
TYPES = {"points": "cumulative", "ranked": "ordinal", "approval": "approval"}
IMPORT_EVENTS = {"BudgetFileImported", "BudgetProjectImported", "BudgetBallotsImported"}


def pabulib_file(seed: int, kind: str, voters: int = 300) -> str:
    """A district as Pabulib publishes one: META with its ``subunit``, projects with their
    category, and each vote with the voter's id, age, sex and how they voted beside it
    (``points`` on a cumulative ballot of 10 points; an ordinal ballot's top 4 in order;
    approvals of up to 5)."""
    r = random.Random(seed)
    projects = [(f"{101 + i}", r.randrange(20_000, 400_000, 1_000)) for i in range(14)]
    weights = [0.05 + r.random() ** 2 for _ in projects]
    budget = sum(c for _, c in projects) // 3
    rows = []
    for n in range(voters):
        size = r.randint(1, 4 if kind == "ranked" else 5)
        chosen = list(dict.fromkeys(p for p, _ in r.choices(projects, weights, k=size)))
        voter = f"K{r.getrandbits(40):010X}{n}"
        cells = [voter, str(r.randint(16, 90)), r.choice("MF"), r.choice(["internet", "paper"])]
        cells.append(",".join(chosen))
        if kind == "points":
            cuts = sorted(r.sample(range(1, 10), len(chosen) - 1))
            cells.append(",".join(str(b - a) for a, b in zip([0, *cuts], [*cuts, 10], strict=True)))
        rows.append(";".join(cells))
    meta = [
        "description;Budżet obywatelski 2026",
        "country;Poland",
        "unit;Warszawa",
        f"subunit;{DISTRICT}",
        "instance;2026",
        f"num_projects;{len(projects)}",
        f"num_votes;{voters}",
        f"budget;{budget}",
        f"vote_type;{TYPES[kind]}",
        "rule;greedy",
        "date_begin;01.06.2026",
    ]
    if kind == "points":
        meta += ["min_sum_points;10", "max_sum_points;10"]
    elif kind == "ranked":
        meta += ["max_length;4"]
    else:
        meta += ["max_length;5"]
    header = "voter_id;age;sex;voting_method;vote" + (";points" if kind == "points" else "")
    return "\n".join(
        [
            "META",
            "key;value",
            *meta,
            "PROJECTS",
            "project_id;cost;votes;name;category",
            *(f"{p};{c};0;Park nr {p}: ławki i zieleń;zieleń" for p, c in projects),
            "VOTES",
            header,
            *rows,
        ]
    )


def pabutools_count(text: str, counting: str) -> list[str]:
    """What pabutools funds counting the file itself, in its order: the projects somebody
    voted for, with cost satisfaction (score times cost for points, and for a ranked ballot
    its Borda score as Tinget counts a ranked ballot: 4 for the first of a top 4, ...)."""
    instance, profile = parse_pabulib_from_string(text)
    if isinstance(profile, OrdinalProfile):
        top = int(instance.meta["max_length"])
        profile = CardinalProfile(
            [CardinalBallot({p: top - rank for rank, p in enumerate(b)}) for b in profile],
            instance=instance,
        )
    voted = {p for b in profile for p in b}
    for p in [p for p in instance if p not in voted]:
        instance.remove(p)
    sat = Cost_Sat if instance.meta["vote_type"] == "approval" else ScoreTimesCost
    return _names(instance, profile, sat, counting)


def _names(instance: Instance, profile: AbstractProfile, sat: Any, counting: str) -> list[str]:
    if counting == "greedy":
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=sat, tie_breaking=TIE_BREAKING
        )
    else:
        outcome = pabutools_equal_shares(instance, profile, sat)
    return [p.name for p in outcome]


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def pb(town: Town, token: str, language: str | None = None) -> dict[str, str]:
    return {**town.headers(token, language), "content-type": "text/plain"}


async def events_of(platform: Platform, town: Town, after: int = 0) -> list[tuple[str, str]]:
    """The town's events after ``after``: type and payload."""
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_type, data::text FROM events WHERE tenant_id = $1 AND position > $2"
            " ORDER BY position",
            town.slug,
            after,
        )
    return [(r["event_type"], r["data"]) for r in rows]


async def head(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT coalesce(max(position), 0) FROM events WHERE tenant_id = $1", town.slug
        )
    return found


async def waiting_marks(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM took_part_pending WHERE tenant_id = $1", town.slug
        )
    return found


async def count_round(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, dialog_id: str
) -> dict[str, Any]:
    """Move the round from before voting to its results and count it: each district's
    result by its key."""
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    while (await ok(await client.get(url, headers=town.headers(admin))))["phase"] != "results":
        await next_phase(client, town, admin, dialog_id)
    await platform.catch_up_projections()
    counted = await ok(await client.post(f"{url}/results", headers=town.headers(admin)))
    return {d["district"]: d["result"] for d in counted["districts"]}


@pytest.mark.parametrize(
    ("seed", "kind", "counting"),
    [
        (1, "points", "equal-shares"),
        (2, "points", "greedy"),
        (3, "ranked", "equal-shares"),
        (4, "approval", "equal-shares"),
    ],
)
async def test_a_pabulib_file_imported_into_a_round_counts_as_the_file(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    seed: int,
    kind: str,
    counting: str,
) -> None:
    text = pabulib_file(seed, kind)
    dialog = await budget_dialog(
        client,
        town,
        admin,
        districts=[("north", "Norr", 100_000)],
        ballot={"kind": "approval"},
        counting=counting,
    )
    url = f"/api/v1/dialogs/{dialog['id']}/budget"
    before = await head(platform, town)
    imported = await ok(
        await client.post(f"{url}/pabulib/import", content=text.encode(), headers=pb(town, admin)),
        201,
    )
    instance, profile = parse_pabulib_from_string(text)
    assert imported["district"] == {
        "key": KEY,
        "name": DISTRICT,
        "amount": int(instance.budget_limit),
    }
    assert imported["ballots"] == profile.num_ballots() == 300
    assert imported["rule"]["kind"] == kind
    by_source = {p["source_id"]: p for p in imported["projects"]}
    assert {s: p["cost"] for s, p in by_source.items()} == {p.name: int(p.cost) for p in instance}
    source_of = {p["id"]: s for s, p in by_source.items()}

    # one append: the round's import, a project each, the ballots in batches; nobody made a
    # person, nobody marked as having taken part, no voter's id, age or sex recorded
    recorded = await events_of(platform, town, before)
    assert {t for t, _ in recorded} == IMPORT_EVENTS
    assert sum(t == "BudgetProjectImported" for t, _ in recorded) == 14
    everything = " ".join(data for _, data in recorded)
    for line in text.split("VOTES")[1].splitlines()[2:]:
        assert line.split(";")[0] not in everything  # the voter's id
    assert '"age"' not in everything
    assert "internet" not in everything
    assert await waiting_marks(platform, town) == 0

    # the round now has the file's district, rule, projects and ballots
    await platform.catch_up_projections()
    state = await ok(await client.get(url, headers=town.headers()))
    assert [(d["key"], d["amount"]) for d in state["districts"]] == [
        ("north", 100_000),
        (KEY, int(instance.budget_limit)),
    ]
    assert state["rules"]["ballot"]["kind"] == kind
    assert state["ballots"] == {KEY: 300}
    listed = await ok(await client.get(f"{url}/projects?district={KEY}", headers=town.headers()))
    assert {(source_of[p["id"]], p["status"], p["final_cost"]) for p in listed["items"]} == {
        (p.name, "feasible", int(p.cost)) for p in instance
    }
    assert {p["title"] for p in listed["items"]} == {
        f"Park nr {p.name}: ławki i zieleń" for p in instance
    }
    if seed == 1:  # the read models rebuilt from the store alone are the live ones
        live = await snapshot(platform)
        await rebuild_all(platform)
        assert differences(live, await snapshot(platform)) == {}

    # counted: what pabutools gives counting the file, in its order; as the file counts here
    results = await count_round(client, platform, town, admin, dialog["id"])
    funded = [source_of[p] for p in results[KEY]["funded"]]
    assert funded == pabutools_count(text, counting)
    assert results["north"]["funded"] == []
    file_count = await ok(
        await client.post(
            f"{url}/pabulib?counting={counting}", content=text.encode(), headers=pb(town, admin)
        )
    )
    assert file_count["funded"] == funded
    assert {o["project"]: (o["reason"], o["votes"]) for o in file_count["outcomes"]} == {
        source_of[o["project"]]: (o["reason"], o["votes"]) for o in results[KEY]["outcomes"]
    }


async def test_a_rounds_export_imported_into_a_new_round_counts_the_same(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    """The proof: a round voted on here (points ballots, equal shares), exported as Pabulib,
    imported into a new round, counts to the same result."""
    r = random.Random(3)
    costs = [r.randrange(10_000, 60_000, 1_000) for _ in range(8)]
    rules = {"ballot": {"kind": "points", "points": 10}, "counting": "equal-shares"}
    first, ids = await voting_round(
        client,
        town,
        admin,
        [("north", c, True) for c in costs] + [("north", 5_000, False)],
        districts=[("north", "Norr", 150_000)],
        **rules,
    )
    url = f"/api/v1/dialogs/{first}/budget"
    for token in await voters(platform, town, 40):
        chosen = r.sample(ids[:8], r.randint(1, 4))
        cuts = sorted(r.sample(range(1, 10), len(chosen) - 1))
        points = [b - a for a, b in zip([0, *cuts], [*cuts, 10], strict=True)]
        body = {"district": "north", "projects": chosen, "points": points}
        await ok(await client.put(f"{url}/ballot", json=body, headers=town.headers(token)), 201)
    counted = await count_round(client, platform, town, admin, first)
    exported = await client.get(f"{url}/districts/north/pabulib", headers=town.headers(admin))
    assert exported.status_code == 200, exported.text

    second = await budget_dialog(
        client,
        town,
        admin,
        districts=[("north", "Norr", 1)],
        ballot={"kind": "approval"},
        counting="equal-shares",
    )
    again = f"/api/v1/dialogs/{second['id']}/budget"
    imported = await ok(
        await client.post(
            f"{again}/pabulib/import", content=exported.content, headers=pb(town, admin)
        ),
        201,
    )
    assert imported["district"] == {"key": "north", "name": "Norr", "amount": 150_000}
    assert imported["rule"] == {
        "kind": "points",
        "max_projects": None,
        "within_budget": False,
        "points": 10,
    }
    assert sorted(p["source_id"] for p in imported["projects"]) == sorted(ids[:8])
    source_of = {p["id"]: p["source_id"] for p in imported["projects"]}
    recounted = await count_round(client, platform, town, admin, second["id"])
    assert [source_of[p] for p in recounted["north"]["funded"]] == counted["north"]["funded"]
    assert recounted["north"]["spent"] == counted["north"]["spent"]
    assert [
        (source_of[o["project"]], o["reason"], o["votes"]) for o in recounted["north"]["outcomes"]
    ] == [
        (o["project"], o["reason"], o["votes"])
        for o in counted["north"]["outcomes"]
        if o["reason"] != "not-feasible"
    ]


async def test_an_import_is_refused_whole_naming_the_line_and_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await budget_dialog(client, town, admin, districts=[("north", "Norr", 100_000)])
    url = f"/api/v1/dialogs/{dialog['id']}/budget/pabulib/import"
    good = pabulib_file(5, "points", voters=40)
    lines = good.splitlines()
    project = lines.index("PROJECTS") + 2  # the first project's line, 0-based
    vote = lines.index("VOTES") + 5
    [citizen] = await voters(platform, town, 1)
    before = await head(platform, town)

    async def refused(text: str, field: str, words: str) -> None:
        answer = await client.post(url, content=text.encode(), headers=pb(town, admin, "en"))
        assert answer.status_code == 422, answer.text
        found = {e["field"]: e["reason"] for e in answer.json()["errors"]}
        assert field in found, found
        assert words in found[field], found

    def changed(number: int, line: str) -> str:
        return "\n".join([*lines[:number], line, *lines[number + 1 :]])

    # a bad line anywhere: 422 naming it, the good lines before it recorded no more than after
    first = f"line {project + 1}"
    await refused(changed(project, "101;lots;0;Park;zieleń"), f"{first}: cost", "'lots'")
    await refused(changed(project, f"101;5000;0;{'Park ' * 50};zieleń"), f"{first}: name", "200")
    await refused(changed(project, "101;5000000000000;0;Park;zieleń"), f"{first}: cost", "10")
    cells = lines[vote].split(";")
    cells[-2], cells[-1] = "101,999", "5,5"
    await refused(changed(vote, ";".join(cells)), f"line {vote + 1}: vote", "'999'")
    ranked = pabulib_file(5, "ranked", voters=40).replace("max_length;4", "max_length;900")
    at = ranked.splitlines().index("max_length;900") + 1
    await refused(ranked, f"line {at}: max_length", "500")
    # a file too big, a wrong type, a participant: nothing either
    answer = await client.post(url, content=b"x" * (20 * 1024 * 1024 + 1), headers=pb(town, admin))
    assert answer.status_code == 413, answer.text
    answer = await client.post(url, content=good.encode(), headers=pb(town, citizen))
    assert answer.status_code == 403, answer.text
    answer = await client.post(
        url, content=good.encode(), headers={**town.headers(admin), "content-type": "text/csv"}
    )
    assert answer.status_code == 415, answer.text
    assert await head(platform, town) == before

    # in Swedish, the line and field as they are
    answer = await client.post(
        url, content=changed(vote, ";".join(cells)).encode(), headers=pb(town, admin, "sv")
    )
    assert answer.json()["errors"] == [
        {"field": f"line {vote + 1}: vote", "reason": "999 är inget projekt i filen"}
    ]

    # one import per round: the second is a 409 naming the file, recording nothing
    await ok(await client.post(url, content=good.encode(), headers=pb(town, admin)), 201)
    after = await head(platform, town)
    answer = await client.post(url, content=good.encode(), headers=pb(town, admin))
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "file"
    assert await head(platform, town) == after

    # once voting has opened: a 409 naming the phase, in the caller's language
    voting, _ = await voting_round(client, town, admin, [("north", 10_000, True)])
    answer = await client.post(
        f"/api/v1/dialogs/{voting}/budget/pabulib/import",
        content=good.encode(),
        headers=pb(town, admin, "sv"),
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["field"] == "phase"
    detail = answer.json()["detail"]
    assert detail.startswith("en Pabulib-fil importeras bara innan omröstningen öppnar ("), detail
    assert detail.endswith("); nu pågår fasen omröstning"), detail


async def test_those_who_follow_an_imported_project_hear_of_its_implementation(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    text = "\n".join(
        [
            "META",
            "key;value",
            "budget;100000",
            "vote_type;approval",
            "PROJECTS",
            "project_id;cost;name",
            "1;60000;Bänkar vid dammen",
            "2;30000;Lekplatsen",
            "VOTES",
            "voter_id;vote",
            "a;1,2",
            "b;1",
        ]
    )
    dialog = await budget_dialog(client, town, admin, districts=[("all", "Hela staden", 1)])
    url = f"/api/v1/dialogs/{dialog['id']}/budget"
    imported = await ok(
        await client.post(f"{url}/pabulib/import", content=text.encode(), headers=pb(town, admin)),
        201,
    )
    benches = next(p["id"] for p in imported["projects"] if p["source_id"] == "1")
    bo = await person_with_address(platform, town, "bo@example.org")
    follow = f"{url}/projects/{benches}/follow"
    assert (await ok(await client.put(follow, headers=town.headers(bo.token))))["following"]
    results = await count_round(client, platform, town, admin, dialog["id"])
    assert benches in results["all"]["funded"]
    await next_phase(client, town, admin, dialog["id"])
    update = {"status": "in-progress", "note": "Grävningen har börjat"}
    await ok(
        await client.post(
            f"{url}/projects/{benches}/implementation", json=update, headers=town.headers(admin)
        )
    )
    await send_round(platform)
    listed = await ok(await client.get("/api/v1/me/notifications", headers=town.headers(bo.token)))
    [item] = [i for i in listed["items"] if i["kind"] == "project-updated"]
    assert item["title"] == "Nytt om «Bänkar vid dammen»: påbörjat"
    assert item["link"] == f"https://{town.host}/dialogs/{dialog['id']}"
