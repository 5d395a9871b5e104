"""One gateway app, pointed at another platform (tinget/app.py ``repoint``), as the tests do
between tests instead of building it again: afterwards it serves that platform only. Its
tenant cache, its raw vote route's service and its admission counts are the new platform's,
and nothing of the first one answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from gateway.admission import Admission
from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import module_platform
from tinget.app import build_app, repoint
from tinget.bootstrap import Platform


async def _poll(client: httpx.AsyncClient, platform: Platform, town: Town) -> dict[str, Any]:
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    return await open_dialog(
        client, town, admin, kind="vox-pop", settings={"question": "A new bridge?"}
    )


async def _vote(client: httpx.AsyncClient, town: Town, poll: dict[str, Any]) -> httpx.Response:
    voter = town.headers(await device_token(client, town), language="en")
    return await client.post(
        f"/api/v1/dialogs/{poll['id']}/votes", json={"choices": ["yes"]}, headers=voter
    )


async def test_a_repointed_app_serves_the_new_platform_and_nothing_of_the_old(
    pg_server: str, template_database: str, nats_url: str, tmp_path: Path
) -> None:
    async with (
        module_platform(pg_server, template_database, nats_url, tmp_path / "a") as first,
        module_platform(pg_server, template_database, nats_url, tmp_path / "b") as second,
    ):
        old_town = await create_town(first)
        new_town = await create_town(second, "Malmö")
        app = build_app(first)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            old_poll = await _poll(c, first, old_town)
            voted = await _vote(c, old_town, old_poll)  # the raw route keeps its service
            assert voted.status_code == 201, voted.text
            admission: Admission = app.state.admission
            admission.requests = 5  # as a request left unfinished would leave it

            repoint(app, second)

            assert admission.requests == 0
            gone = await c.get("/api/v1/dialogs", headers=old_town.headers(language="en"))
            assert gone.status_code == 404, gone.text  # the old tenant cache is not asked
            assert gone.json()["type"].endswith("/unknown-tenant"), gone.text
            new_poll = await _poll(c, second, new_town)
            voted = await _vote(c, new_town, new_poll)
            assert voted.status_code == 201, voted.text
            await second.catch_up_projections()
            tally = await c.get(
                f"/api/v1/dialogs/{new_poll['id']}/tally", headers=new_town.headers()
            )
            assert tally.status_code == 200, tally.text
            assert tally.json()["ballots"] == 1, tally.text
            listed = await c.get("/api/v1/dialogs", headers=new_town.headers())
            assert [d["id"] for d in listed.json()["items"]] == [new_poll["id"]], listed.text
