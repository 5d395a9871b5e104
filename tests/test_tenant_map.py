"""A municipality's map for the problem report widget over HTTP: none by default (the branding
every widget reads names no tile server), set by an administrator through the settings
(recorded as MapChanged, read back by anyone through the branding), a broken or hostile tile
URL template refused with a 422 naming ``map.tile_url`` in the caller's language and nothing
recorded, and ``null`` taking the map away. Tinget's own pages load no tiles: their
Content-Security-Policy still allows images from the municipality's host alone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from services.identity.access import Role
from tests.api import Town, staff_token
from tinget.bootstrap import Platform

MAP = {
    "tile_url": "https://tiles.lund.se/{z}/{x}/{y}.png",
    "attribution": "© Lunds kommun, © OpenStreetMap contributors",
    "latitude": 55.7047,
    "longitude": 13.191,
    "zoom": 14,
}


async def changes(platform: Platform, town: Town) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND event_type = 'MapChanged'",
            town.slug,
        )
    return count


async def branded_map(
    client: httpx.AsyncClient, platform: Platform, town: Town, expected: Any
) -> Any:
    """The branding's map once the directory (and the host cache, 2 s) shows ``expected``."""
    await platform.catch_up_projections()
    async with asyncio.timeout(10):
        while True:
            branding = await client.get("/api/v1/branding", headers=town.headers())
            assert branding.status_code == 200, branding.text
            if branding.json()["map"] == expected:
                return branding.json()["map"]
            await asyncio.sleep(0.2)


async def test_an_administrator_sets_the_map_and_every_widget_reads_it_from_the_branding(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    first = await client.get("/api/v1/branding", headers=town.headers())
    assert first.json()["map"] is None  # no map, no tiles from anyone, unless chosen
    assert (await client.get("/api/v1/settings", headers=town.headers(admin))).json()["map"] is None

    participant = await staff_token(platform, town, "eva@example.se", Role.PARTICIPANT)
    forbidden = await client.put(
        "/api/v1/settings", json={"map": MAP}, headers=town.headers(participant)
    )
    assert forbidden.status_code == 403

    saved = await client.put("/api/v1/settings", json={"map": MAP}, headers=town.headers(admin))
    assert saved.status_code == 200, saved.text
    assert saved.json()["map"] == MAP
    again = await client.put("/api/v1/settings", json={"map": MAP}, headers=town.headers(admin))
    assert again.status_code == 200
    assert await changes(platform, town) == 1  # the same map again records nothing
    assert await branded_map(client, platform, town, MAP) == MAP

    # Tinget's own pages embed no widget: their images stay the municipality's host's own
    page = await client.get("/sign-in", headers=town.headers())
    policy = {
        directive.split(" ", 1)[0]: directive
        for directive in page.headers["content-security-policy"].split("; ")
    }
    assert policy["img-src"] == "img-src 'self'"
    assert "tiles.lund.se" not in page.headers["content-security-policy"]

    cleared = await client.put("/api/v1/settings", json={"map": None}, headers=town.headers(admin))
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["map"] is None
    assert await branded_map(client, platform, town, None) is None
    assert await changes(platform, town) == 2


async def test_a_broken_tile_server_is_refused_in_the_callers_language_and_nothing_changes(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    refusals: list[tuple[dict[str, Any], str, str]] = [
        (
            {"tile_url": "http://tiles.lund.se/{z}/{x}/{y}.png"},
            "map.tile_url",
            "map.tile_url: måste vara en fullständig https-adress",
        ),
        (
            {"tile_url": "https://kartan:hemligt@tiles.lund.se/{z}/{x}/{y}.png"},
            "map.tile_url",
            "map.tile_url: får inte innehålla användarnamn eller lösenord",
        ),
        (
            {"tile_url": "https://{s}.tiles.lund.se/{z}/{x}/{y}.png"},
            "map.tile_url",
            "map.tile_url: okänd platshållare {s}; en länk till kartplattor känner till"
            " {z}, {x}, {y}",
        ),
        (
            {"tile_url": "https://tiles.lund.se/{z}/{x}.png"},
            "map.tile_url",
            "map.tile_url: måste innehålla {y}: en länk till kartplattor behöver den",
        ),
        ({"attribution": " "}, "map.attribution", "map.attribution: får inte vara tomt"),
        # out of range: refused as the body is read (400), as every such number is
        ({"latitude": 91}, "map.latitude", "map.latitude: får vara högst 90.0"),
    ]
    for changed, field, detail in refusals:
        body = {"committees": ["Trafik"], "map": {**MAP, **changed}}
        refused = await client.put(
            "/api/v1/settings", json=body, headers=town.headers(admin, language="sv")
        )
        assert refused.status_code == (400 if field == "map.latitude" else 422), refused.text
        problem = refused.json()
        assert problem["field"] == field
        assert problem["detail"] == detail
        assert refused.headers["content-language"] == "sv"
    settings = await client.get("/api/v1/settings", headers=town.headers(admin))
    assert settings.json()["map"] is None
    assert "Trafik" not in settings.json()["committees"]  # all or nothing
    assert await changes(platform, town) == 0
