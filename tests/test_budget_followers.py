"""Following a budget project over HTTP, on real PostgreSQL, NATS and an SMTP server: the
proposer follows from the start, signed-in participants follow and unfollow (each an event, the
same again recording nothing), the listing shows a count and never who; an implementation update
reaches those who follow it then, in their own language, by e-mail and in the app, and nobody
else (not who unfollowed, not a voter, not an erased follower, not the administrator who
reported it); a rebuild gives the same rows and sends nothing twice. Refusals record nothing."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import httpx
import pytest

from events.personal import ERASED
from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, create_town, device_token, staff_token
from tests.budget_api import budget_dialog, next_phase, people
from tests.images import png
from tests.notify import mails, person_with_address, send_round, settle
from tests.notify import text_of as text
from tests.read_models import differences, rebuild_all, snapshot
from tests.smtp import SmtpServer
from tests.test_erasure import owner_fetch
from tinget.bootstrap import Addresses, Platform

QUICK = 0.3  # seconds from a reschedule to the next phase's opening
TITLE = "Benches by the pond"


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def items(client: httpx.AsyncClient, town: Town, token: str, kind: str) -> list[Any]:
    listed = await ok(await client.get("/api/v1/me/notifications", headers=town.headers(token)))
    return [i for i in listed["items"] if i["kind"] == kind]


async def propose(client: httpx.AsyncClient, town: Town, token: str, dialog_id: str) -> str:
    proposed = await ok(
        await client.post(
            f"/api/v1/dialogs/{dialog_id}/budget/projects",
            json={
                "district": "north",
                "title": TITLE,
                "description": "Five benches facing the water",
                "estimated_cost": 40_000,
            },
            headers=town.headers(token),
        ),
        201,
    )
    return str(proposed["id"])


async def test_an_implementation_update_reaches_those_who_follow_the_project_in_their_language(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(languages=["sv", "en"]))
    ada = await person_with_address(platform, town, "ada@example.org")  # proposes; Swedish
    bo = await person_with_address(platform, town, "bo@example.org")  # follows; English
    cy = await person_with_address(platform, town, "cy@example.org")  # follows, then not
    dag = await person_with_address(platform, town, "dag@example.org")  # votes for it only
    eve = await person_with_address(platform, town, "eve@example.org")  # follows; erased
    await ok(
        await client.put(
            "/api/v1/me/language", json={"language": "en"}, headers=town.headers(bo.token)
        )
    )
    dialog = await budget_dialog(client, town, admin)
    url = f"/api/v1/dialogs/{dialog['id']}/budget"
    project = await propose(client, town, ada.token, dialog["id"])
    follow = f"{url}/projects/{project}/follow"

    for who in (bo.token, cy.token, eve.token, admin):
        followed = await ok(await client.put(follow, headers=town.headers(who)))
        assert followed == {"project_id": project, "dialog_id": dialog["id"], "following": True}
    head = await platform.reader.head()
    assert (await ok(await client.put(follow, headers=town.headers(bo.token))))["following"]
    assert (await ok(await client.put(follow, headers=town.headers(ada.token))))["following"]
    assert await platform.reader.head() == head  # following again records nothing
    unfollowed = await ok(await client.delete(follow, headers=town.headers(cy.token)))
    assert unfollowed["following"] is False
    head = await platform.reader.head()
    assert not (await ok(await client.delete(follow, headers=town.headers(cy.token))))["following"]
    assert not (await ok(await client.delete(follow, headers=town.headers(dag.token))))["following"]
    assert await platform.reader.head() == head  # nor does unfollowing what one does not follow
    await ok(
        await client.post(f"/api/v1/people/{eve.person_id}/erasure", headers=town.headers(admin)),
        202,
    )
    await platform.catch_up_projections()
    # the listing: a count (Ada, Bo and the administrator) and whether the reader follows
    listed = await client.get(f"{url}/projects", headers=town.headers(bo.token))
    [row] = (await ok(listed))["items"]
    assert (row["followers"], row["following"]) == (3, True)
    for person in (ada, bo, cy, eve):
        assert str(person.person_id) not in listed.text
    [row] = (await ok(await client.get(f"{url}/projects", headers=town.headers(cy.token))))["items"]
    assert row["following"] is False

    # reviewed, voted for by Dag (which makes nobody a follower), counted, funded
    await next_phase(client, town, admin, dialog["id"], QUICK)
    finding = {"feasible": True, "final_cost": 40_000}
    await ok(
        await client.post(
            f"{url}/projects/{project}/review", json=finding, headers=town.headers(admin)
        )
    )
    await next_phase(client, town, admin, dialog["id"], QUICK)
    ballot = {"district": "north", "projects": [project]}
    await ok(await client.put(f"{url}/ballot", json=ballot, headers=town.headers(dag.token)), 201)
    await next_phase(client, town, admin, dialog["id"], QUICK)
    await platform.catch_up_projections()
    counted = await ok(await client.post(f"{url}/results", headers=town.headers(admin)))
    assert counted["districts"][0]["result"]["funded"] == [project]
    await next_phase(client, town, admin, dialog["id"], QUICK)
    photo = await ok(
        await client.post(
            "/api/v1/images",
            content=png("benches"),
            headers={**town.headers(admin), "content-type": "image/png"},
        ),
        201,
    )
    update = {"status": "in-progress", "note": "Digging has begun", "image": photo["id"]}
    reported = await ok(
        await client.post(
            f"{url}/projects/{project}/implementation", json=update, headers=town.headers(admin)
        )
    )
    assert reported["implementation_image"] == photo["id"]
    await send_round(platform)

    told = mails(smtp.inbox, "project-updated")
    assert sorted(str(m["To"]) for m in told) == ["ada@example.org", "bo@example.org"]
    page = f"https://{town.host}/dialogs/{dialog['id']}"
    [to_ada] = mails(smtp.inbox, "project-updated", to="ada@example.org")
    assert to_ada["Subject"] == f"Nytt om «{TITLE}»: påbörjat"
    assert "ett projekt du följer: det är nu påbörjat" in text(to_ada)
    [to_bo] = mails(smtp.inbox, "project-updated", to="bo@example.org")
    assert to_bo["Subject"] == f"News of «{TITLE}»: in progress"
    assert "a project you follow: it is now in progress" in text(to_bo)
    photo_link = f"https://{town.host}/api/v1/images/{photo['id']}"
    assert f"Foto: {photo_link}" in text(to_ada)  # the photo, in each one's language
    assert f"Photo: {photo_link}" in text(to_bo)
    for message in (to_ada, to_bo):
        assert "Digging has begun" in text(message)
        assert page in text(message)
    anonymous = await client.get(f"/api/v1/images/{photo['id']}", headers=town.headers())
    assert anonymous.status_code == 200  # the e-mail's link opens without signing in
    [item] = await items(client, town, bo.token, "project-updated")
    assert (item["title"], item["link"]) == (f"News of «{TITLE}»: in progress", page)
    assert await items(client, town, ada.token, "project-updated")
    for token in (cy.token, dag.token, admin):
        assert not await items(client, town, token, "project-updated")
    assert await items(client, town, dag.token, "dialog-results")  # told of what took part in
    to_eve = await owner_fetch(
        platform,
        "SELECT count(*) AS n FROM notifications WHERE tenant_id = $1 AND person_id = $2",
        town.slug,
        eve.person_id,
    )
    assert to_eve[0]["n"] == 0

    # the read models rebuilt from the store alone are the live ones; nothing is sent twice
    live = await snapshot(platform)
    assert live["budget_project_followers"]
    assert live["notification_project_followers"]
    await rebuild_all(platform)
    assert differences(live, await snapshot(platform)) == {}
    await send_round(platform)
    assert len(mails(smtp.inbox, "project-updated")) == 2

    # the proposer erased: their project's title leaves the note already made
    await ok(
        await client.post(f"/api/v1/people/{ada.person_id}/erasure", headers=town.headers(admin)),
        202,
    )
    await settle(platform)
    [item] = await items(client, town, bo.token, "project-updated")
    assert item["title"] == f"News of «{ERASED}»: in progress"


async def test_only_the_signed_in_follow_a_project_of_their_own_municipality(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await budget_dialog(client, town, admin)
    project = await propose(client, town, admin, dialog["id"])
    url = f"/api/v1/dialogs/{dialog['id']}/budget/projects"
    [(_, citizen)] = await people(platform, town, 1)
    device = await device_token(client, town)
    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, "admin@malmo.example", Role.ADMINISTRATOR)
    [(_, elsewhere)] = await people(platform, other, 1)
    theirs = await budget_dialog(client, other, other_admin)
    their_project = await propose(client, other, other_admin, theirs["id"])
    await platform.catch_up_projections()
    head = await platform.reader.head()

    for method in ("PUT", "DELETE"):
        refused = await client.request(
            method, f"{url}/{project}/follow", headers=town.headers(device, language="en")
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/sign-in-needed")  # a widget offers sign-in
        assert "sign in to follow" in refused.json()["detail"]
        for path, token, host in (
            (f"{url}/{project}/follow", elsewhere, other),  # another municipality's budget
            (f"{url}/{their_project}/follow", citizen, town),  # its project in ours
            (f"{url}/{uuid.uuid4()}/follow", citizen, town),  # no project at all
        ):
            answer = await client.request(method, path, headers=host.headers(token))
            assert answer.status_code == 404, (method, path, answer.text)
    assert await platform.reader.head() == head  # nothing recorded
    [row] = (await ok(await client.get(url, headers=town.headers(citizen))))["items"]
    assert (row["followers"], row["following"]) == (1, False)  # the proposer (administrator)
