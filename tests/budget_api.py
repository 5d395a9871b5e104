"""Driving a participatory budget over HTTP in tests: a budget dialog with its round, signed-in
voters made in bulk, and moving the round on to its next phase as an administrator would (the
phase under way closing a moment from now, the next opening then)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.identity.access import Role, SignIn
from services.identity.domain import Person
from tests.api import Town, dialog_body
from tinget.bootstrap import Platform

HOUR = timedelta(hours=1)
PHASES = ("proposals", "review", "voting", "results", "implementation")
STEP = 1.0  # seconds from a reschedule to the next phase's opening


def phases_from(start: datetime, *, under_way: int = 0) -> list[dict[str, Any]]:
    """The five phases an hour each (implementation without end), the ``under_way``-th one
    (0: proposals) running now."""
    first = start - HOUR / 2 - under_way * HOUR
    out: list[dict[str, Any]] = []
    for i, phase in enumerate(PHASES):
        opens = first + i * HOUR
        closes = None if phase == "implementation" else (opens + HOUR).isoformat()
        out.append({"phase": phase, "opens_at": opens.isoformat(), "closes_at": closes})
    return out


def budget_setup(
    *,
    districts: list[tuple[str, str, int]] | None = None,
    ballot: dict[str, Any] | None = None,
    counting: str = "greedy",
    changeable: bool = True,
    one_district: bool = False,
    voters: str = "signed-in",
    under_way: int = 0,
    minimum_age: dict[str, Any] | None = None,
    residence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "ballot": ballot or {"kind": "approval"},
        "counting": counting,
        "changeable": changeable,
        "one_district": one_district,
        "voters": voters,
    }
    if minimum_age is not None:
        rules["minimum_age"] = minimum_age
    if residence is not None:
        rules["residence"] = residence
    return {
        "districts": [
            {"key": k, "name": n, "amount": a}
            for k, n, a in (districts or [("north", "Norr", 100_000), ("south", "Söder", 80_000)])
        ],
        "rules": rules,
        "phases": phases_from(datetime.now(UTC), under_way=under_way),
    }


async def budget_dialog(
    client: httpx.AsyncClient, town: Town, admin: str, **setup: Any
) -> dict[str, Any]:
    """A published budget dialog (proposal collection under way unless ``under_way`` says
    another phase)."""
    created = await client.post(
        "/api/v1/dialogs",
        json=dialog_body("budget", budget=budget_setup(**setup)),
        headers=town.headers(admin),
    )
    assert created.status_code == 201, created.text
    dialog: dict[str, Any] = created.json()
    published = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/publish", headers=town.headers(admin)
    )
    assert published.status_code == 200, published.text
    return dialog


async def voters(platform: Platform, town: Town, count: int) -> list[str]:
    """``count`` signed-in participants (recorded as people, one append), their tokens."""
    return [token for _, token in await people(platform, town, count)]


async def people(platform: Platform, town: Town, count: int) -> list[tuple[uuid.UUID, str]]:
    """``count`` signed-in participants (recorded as people, one append): ids and tokens."""
    people = [uuid.uuid4() for _ in range(count)]
    await platform.repository.save_across(
        [
            (town.slug, Person(person_id=p, role=Role.PARTICIPANT.value, sign_in="email"))
            for p in people
        ]
    )
    issue = platform.identity.tokens.issue
    return [(p, issue(town.slug, p, Role.PARTICIPANT, SignIn.EMAIL).token) for p in people]


async def next_phase(
    client: httpx.AsyncClient, town: Town, admin: str, dialog_id: str, step: float = STEP
) -> str:
    """Close the phase under way a moment (``step`` seconds) from now and open the next then
    (as an administrator reschedules); answers once the next is under way."""
    url = f"/api/v1/dialogs/{dialog_id}/budget"
    state = (await client.get(url, headers=town.headers(admin))).json()
    now = state["phase"]
    i = PHASES.index(now)
    at = datetime.now(UTC) + timedelta(seconds=step)
    phases = state["phases"]
    phases[i]["closes_at"] = at.isoformat()
    phases[i + 1]["opens_at"] = at.isoformat()
    changed = await client.patch(url, json={"phases": phases}, headers=town.headers(admin))
    assert changed.status_code == 200, changed.text
    await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.05)
    after = (await client.get(url, headers=town.headers(admin))).json()["phase"]
    assert after == PHASES[i + 1], after
    return str(after)


async def voting_round(
    client: httpx.AsyncClient,
    town: Town,
    admin: str,
    projects: list[tuple[str, int, bool]],
    **setup: Any,
) -> tuple[str, list[str]]:
    """A budget in its voting phase with ``projects`` (district, final cost, feasible),
    proposed and reviewed by the administrator during the review: the dialog's id and the
    projects' ids, in the order given."""
    dialog = await budget_dialog(client, town, admin, under_way=1, **setup)
    url = f"/api/v1/dialogs/{dialog['id']}/budget"
    ids: list[str] = []
    for i, (district, cost, feasible) in enumerate(projects):
        proposed = await client.post(
            f"{url}/projects",
            json={
                "district": district,
                "title": f"Project {i}",
                "description": f"What project {i} would build",
                "estimated_cost": cost,
            },
            headers=town.headers(admin),
        )
        assert proposed.status_code == 201, proposed.text
        ids.append(proposed.json()["id"])
        finding = (
            {"feasible": True, "final_cost": cost}
            if feasible
            else {"feasible": False, "reason": "The land is not the municipality's"}
        )
        reviewed = await client.post(
            f"{url}/projects/{ids[-1]}/review", json=finding, headers=town.headers(admin)
        )
        assert reviewed.status_code == 200, reviewed.text
    await next_phase(client, town, admin, dialog["id"])
    return dialog["id"], ids
