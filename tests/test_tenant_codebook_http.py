"""A municipality's own codebook over HTTP: administrators add codes (nested one level) that
every analysis of the municipality may tag items with, next to its own codes; analysts list
them; a code of another analysis or of another municipality is refused naming the field,
with nothing written; the items filter by a shared code; the read model's code rows are the
same after a rebuild. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, staff_token
from tests.test_analysis_http import Setting, _code, _items, _start, make_setting
from tinget.bootstrap import Platform


async def _tenant_code(
    client: httpx.AsyncClient, town: Town, token: str, label: str, parent: str | None = None
) -> httpx.Response:
    return await client.post(
        "/api/v1/codes",
        json={"label": label, "description": f"Om {label.lower()}", "parent_id": parent},
        headers=town.headers(token),
    )


def _id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    code_id: str = response.json()["id"]
    return code_id


async def _tag(
    client: httpx.AsyncClient, s: Setting, analysis: str, item: str, codes: list[str]
) -> httpx.Response:
    return await client.put(
        f"/api/v1/analyses/{analysis}/items/{item}/codes",
        json={"codes": codes},
        headers=s.headers(s.analysts[0]),
    )


async def _events(platform: Platform, town: Town, event_type: str) -> int:
    async with platform.worker_pool.acquire() as conn:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND event_type = $2",
            town.slug,
            event_type,
        )
    return n


async def test_the_municipalitys_codes_are_shared_by_its_analyses(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    s = await make_setting(client, platform, town, admin)
    traffic = _id(await _tenant_code(client, town, admin, "Trafik"))
    bikes = _id(await _tenant_code(client, town, admin, "Cykel", traffic))
    listed = await client.get("/api/v1/codes", headers=s.headers(s.analysts[0]))
    assert listed.status_code == 200, listed.text
    assert [(c["id"], c["label"], c["parent_id"]) for c in listed.json()["items"]] == [
        (traffic, "Trafik", None),
        (bikes, "Cykel", traffic),
    ]

    first = (await _start(client, s))["id"]
    second = (await _start(client, s))["id"]
    own = await _code(client, s, first, "Belysning", None)
    tagged = await _tag(client, s, first, s.posts[0], [bikes, own])
    assert tagged.status_code == 200, tagged.text
    assert tagged.json()["codes"] == [bikes, own]
    assert (await _tag(client, s, second, s.posts[0], [traffic])).status_code == 200
    # the items filter by a shared code, or by a code nested under it
    assert [i["id"] for i in await _items(client, platform, s, first, code=traffic)] == [s.posts[0]]
    assert [i["id"] for i in await _items(client, platform, s, second, code=traffic)] == [
        s.posts[0]
    ]

    # another analysis's code, another municipality's: refused, nothing written
    coded = await _events(platform, town, "ItemCoded")
    refused = await _tag(client, s, second, s.posts[1], [traffic, own])
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "codes[1]"
    other_town = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other_town, "admin@malmo.example", Role.ADMINISTRATOR)
    foreign = _id(await _tenant_code(client, other_town, other_admin, "Trafik"))
    refused = await _tag(client, s, first, s.posts[1], [foreign])
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "codes[0]"
    filtered = await client.get(
        f"/api/v1/analyses/{first}/items", params={"code": foreign}, headers=s.headers(s.admin)
    )
    assert filtered.status_code == 422, filtered.text
    assert filtered.json()["field"] == "code"
    assert await _events(platform, town, "ItemCoded") == coded
    other_list = await client.get("/api/v1/codes", headers=other_town.headers(other_admin))
    assert [c["id"] for c in other_list.json()["items"]] == [foreign]

    # rebuild: the same code rows
    query = (
        "SELECT analysis_id, code_id, label, parent_id, added FROM analysis_codes"
        " WHERE tenant_id = $1 ORDER BY 1, 2"
    )
    live = await platform.worker_pool.fetch(query, town.slug)
    [runner] = [r for r in platform.projections if r.projection.name == "analysis_workspace"]
    await runner.rebuild(platform.reader)
    assert await platform.worker_pool.fetch(query, town.slug) == live
    assert len(live) == 3


async def test_only_administrators_add_codes_and_bad_codes_are_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    s = await make_setting(client, platform, town, admin)
    analysis = (await _start(client, s))["id"]
    own = await _code(client, s, analysis, "Belysning", None)
    top = _id(await _tenant_code(client, town, admin, "Trafik"))
    child = _id(await _tenant_code(client, town, admin, "Cykel", top))
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"label": "Barnvagn", "parent_id": child}, 422, "parent_id"),  # two levels deep
        ({"label": "Lampor", "parent_id": own}, 422, "parent_id"),  # an analysis's code
        ({"label": "trafik"}, 409, "label"),  # taken at the top
        ({"label": ""}, 400, "label"),
        ({"label": "   "}, 422, "label"),
    ]
    for body, status, field in cases:
        refused = await client.post("/api/v1/codes", json=body, headers=town.headers(admin))
        assert refused.status_code == status, (body, refused.text)
        body_fields = {str(refused.json().get("field"))} | {
            e["field"] for e in refused.json().get("errors") or []
        }
        assert field in body_fields, (body, refused.text)
    by_analyst = await _tenant_code(client, town, s.analysts[0], "Skola")
    assert by_analyst.status_code == 403, by_analyst.text
    citizen = await client.get("/api/v1/codes", headers=town.headers(s.outsider))
    assert citizen.status_code == 200  # an analyst of the municipality sees them
    participant = await device_token(client, town)
    assert (await client.get("/api/v1/codes", headers=town.headers(participant))).status_code == 403
    assert await _events(platform, town, "TenantCodeAdded") == 2
