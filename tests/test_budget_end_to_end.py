"""A participatory budget end to end over HTTP, on real PostgreSQL and NATS, twice: counted by
greedy and by equal shares. 40 proposals in two districts from signed-in citizens, a review
with public reasons, 500 voters each casting an approval ballot in one of the districts, the
results equal to pabutools' own computed here on the same input, each district exported as a
Pabulib file that pabutools parses and that counts back (over HTTP) to the same result; and a
knapsack ballot over budget refused naming the field."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

from tests.api import Town
from tests.budget_api import budget_dialog, next_phase, voters, voting_round
from tinget.bootstrap import Platform

DISTRICTS = {"north": 400_000, "south": 300_000}
PROPOSALS = 40
VOTERS = 500
BATCH = 50  # ballots sent together
# pabutools' tie-breaking written out here: the cheaper project first, then by id
TIES = TieBreakingRule(lambda instance, profile, project: (project.cost, project.name))


def pabutools_result(
    counting: str, budget: int, costs: dict[str, int], ballots: list[list[str]]
) -> list[str]:
    """The projects pabutools funds, built straight from the input: greedy by votes
    (``greedy_utilitarian_welfare``, cost satisfaction) or equal shares completed as pabutools
    recommends (shares raised, then greedy)."""
    projects = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile(
        [ApprovalBallot(projects[p] for p in b) for b in ballots], instance=instance
    )
    if counting == "greedy":
        outcome = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, tie_breaking=TIES
        )
    else:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": Cost_Sat, "tie_breaking": TIES},
                },
                {"sat_class": Cost_Sat, "tie_breaking": TIES},
            ],
        )
    return sorted(p.name for p in outcome)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def run_budget(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    counting: str,
    seed: int,
) -> None:
    r = random.Random(seed)
    dialog = await budget_dialog(
        client,
        town,
        admin,
        districts=[(k, k.title(), a) for k, a in DISTRICTS.items()],
        ballot={"kind": "approval", "max_projects": 8},
        counting=counting,
    )
    dialog_id = dialog["id"]
    url = f"/api/v1/dialogs/{dialog_id}/budget"

    # 40 proposals by 10 citizens, half in each district
    citizens = await voters(platform, town, 10)
    proposed: dict[str, tuple[str, int]] = {}  # id: (district, estimated cost)
    for i in range(PROPOSALS):
        district = "north" if i % 2 == 0 else "south"
        cost = r.randrange(10_000, 120_000, 1_000)
        answer = await ok(
            await client.post(
                f"{url}/projects",
                json={
                    "district": district,
                    "title": f"Project {i}",
                    "description": f"What project {i} would build in the {district}",
                    "estimated_cost": cost,
                    "place": {"latitude": 59.0 + i / 100, "longitude": 18.0},
                },
                headers=town.headers(citizens[i % 10]),
            ),
            201,
        )
        proposed[answer["id"]] = (district, cost)

    # the review: most feasible at a final cost, some not, each with its public reason
    await next_phase(client, town, admin, dialog_id)
    final: dict[str, int] = {}
    reasons: dict[str, str] = {}
    for n, (project_id, (_, cost)) in enumerate(proposed.items()):
        if n % 9 == 4:
            finding: dict[str, Any] = {
                "feasible": False,
                "reason": f"Project {n} needs land the municipality does not own",
            }
            reasons[project_id] = finding["reason"]
        else:
            final[project_id] = cost + r.randrange(-5, 6) * 1_000
            finding = {"feasible": True, "final_cost": final[project_id], "reason": "Checked"}
        await ok(
            await client.post(
                f"{url}/projects/{project_id}/review", json=finding, headers=town.headers(admin)
            )
        )
    await platform.catch_up_projections()
    listed = await ok(await client.get(f"{url}/projects", headers=town.headers()))
    assert len(listed["items"]) == PROPOSALS
    for item in listed["items"]:
        if item["id"] in reasons:
            assert (item["status"], item["reason"]) == ("not-feasible", reasons[item["id"]])
        else:
            assert (item["status"], item["final_cost"]) == ("feasible", final[item["id"]])

    # 500 voters, each an approval ballot of 1 to 8 feasible projects of one district
    await next_phase(client, town, admin, dialog_id)
    on_ballot = {d: sorted(p for p in final if proposed[p][0] == d) for d in DISTRICTS}
    tokens = await voters(platform, town, VOTERS)
    cast: dict[str, list[list[str]]] = {d: [] for d in DISTRICTS}
    bodies = []
    for i, _ in enumerate(tokens):
        district = "north" if i % 2 == 0 else "south"
        # the first voters of a district mark every project once between them
        first = on_ballot[district][(i // 2) % len(on_ballot[district])]
        chosen = [first, *r.sample(on_ballot[district], r.randint(0, 7))]
        chosen = list(dict.fromkeys(chosen))[:8]
        cast[district].append(chosen)
        bodies.append({"district": district, "projects": chosen})
    began = time.perf_counter()
    for start in range(0, VOTERS, BATCH):
        answers = await asyncio.gather(
            *(
                client.put(f"{url}/ballot", json=body, headers=town.headers(token))
                for body, token in zip(
                    bodies[start : start + BATCH], tokens[start : start + BATCH], strict=True
                )
            )
        )
        for answer in answers:
            assert answer.status_code == 201, answer.text
    print(f"{VOTERS} ballots in {time.perf_counter() - began:.1f} s")
    await platform.catch_up_projections()
    state = await ok(await client.get(url, headers=town.headers()))
    assert state["ballots"] == {"north": VOTERS // 2, "south": VOTERS // 2}

    # the count, in the results phase
    await next_phase(client, town, admin, dialog_id)
    await platform.catch_up_projections()  # a worker's work, done here: the count waits for it
    counted = await ok(await client.post(f"{url}/results", headers=town.headers(admin)))
    for entry in counted["districts"]:
        district = entry["district"]
        result = entry["result"]
        costs = {p: final[p] for p in on_ballot[district]}
        expected = pabutools_result(counting, DISTRICTS[district], costs, cast[district])
        assert sorted(result["funded"]) == expected, (counting, district)
        assert result["spent"] == sum(costs[p] for p in expected) <= DISTRICTS[district]
        outcomes = {o["project"]: o for o in result["outcomes"]}
        assert set(outcomes) == {p for p, (d, _) in proposed.items() if d == district}
        for project_id, outcome in outcomes.items():
            assert outcome["explanation"]
            if project_id in reasons:
                assert outcome["reason"] == "not-feasible"
            elif project_id in expected:
                assert (outcome["reason"], outcome["funded"]) == ("funded", True)
            else:
                assert outcome["reason"] in ("did-not-fit", "shares-ran-out")

        # exported as Pabulib: pabutools parses it to the same result, and counted back
        exported = await client.get(
            f"{url}/districts/{district}/pabulib", headers=town.headers(admin)
        )
        assert exported.status_code == 200, exported.text
        instance, profile = parse_pabulib_from_string(exported.text)
        assert {p.name: int(p.cost) for p in instance} == costs
        assert profile.num_ballots() == VOTERS // 2
        assert {p.name for p in instance if p.name in result["funded"]} == set(result["funded"])
        recount = await ok(
            await client.post(
                f"{url}/pabulib",
                content=exported.content,
                headers={**town.headers(admin), "content-type": "text/plain"},
            )
        )
        assert recount["funded"] == result["funded"]
        assert recount["outcomes"] == [
            o for o in result["outcomes"] if o["reason"] != "not-feasible"
        ]
    dialog_now = await ok(await client.get(f"/api/v1/dialogs/{dialog_id}", headers=town.headers()))
    assert dialog_now["status"] == "results-published"


async def test_a_budget_end_to_end_by_greedy_and_by_equal_shares(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    await run_budget(client, platform, town, admin, "greedy", seed=17)
    await run_budget(client, platform, town, admin, "equal-shares", seed=18)

    # a knapsack ballot over budget is refused naming the field, and nothing is written
    dialog_id, (a, b) = await voting_round(
        client,
        town,
        admin,
        [("north", 60_000, True), ("north", 50_000, True)],
        districts=[("north", "North", 100_000)],
        ballot={"kind": "knapsack"},
    )
    [voter] = await voters(platform, town, 1)
    answer = await client.put(
        f"/api/v1/dialogs/{dialog_id}/budget/ballot",
        json={"district": "north", "projects": [a, b]},
        headers=town.headers(voter, language="en"),
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [
        {
            "field": "projects",
            "reason": "over budget: they cost 110000 together, the budget is 100000",
        }
    ]
    await platform.catch_up_projections()
    state = await ok(
        await client.get(f"/api/v1/dialogs/{dialog_id}/budget", headers=town.headers())
    )
    assert state["ballots"] == {}
