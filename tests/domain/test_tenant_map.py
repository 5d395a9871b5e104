"""The problem report widget's map as a municipality sets it (tenants/maps.py): its tile server's
URL template checked strictly (https, exactly {z} {x} {y} after the host, no user name or
password), its attribution plain text, its first view in range; recorded by the Tenant as
MapChanged and taken away with None. In memory, no database."""

from __future__ import annotations

import msgspec
import pytest

from events.errors import InvalidInput
from tenants import maps
from tenants.domain import Tenant
from tenants.maps import MapTiles

LUND = MapTiles(
    tile_url="https://tiles.lund.se/{z}/{x}/{y}.png",
    attribution="© Lunds kommun, © OpenStreetMap contributors",
    latitude=55.7047,
    longitude=13.191,
    zoom=14,
)


@pytest.mark.parametrize(
    "template",
    [
        "https://tiles.lund.se/{z}/{x}/{y}.png",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://kart.lund.se:8443/wmts/{z}/{y}/{x}?layer=bas&style=default",
        "https://tiles.lund.se/tiles?z={z}&x={x}&y={y}&key=public-browser-key",
    ],
)
def test_an_https_template_with_exactly_z_x_and_y_is_kept(template: str) -> None:
    assert maps.check_tile_url(template) == template


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("http://tiles.lund.se/{z}/{x}/{y}.png", "https"),
        ("ftp://tiles.lund.se/{z}/{x}/{y}.png", "https"),
        ("javascript:alert(1)//{z}/{x}/{y}", "https"),
        ("//tiles.lund.se/{z}/{x}/{y}.png", "https"),
        ("/tiles/{z}/{x}/{y}.png", "https"),
        ("https://user:secret@tiles.lund.se/{z}/{x}/{y}.png", "user name or password"),
        ("https://apikey@tiles.lund.se/{z}/{x}/{y}.png", "user name or password"),
        ("https://{s}.tiles.lund.se/{z}/{x}/{y}.png", "unknown placeholder {s}"),
        ("https://tiles.lund.se/{z}/{x}/{-y}.png", "unknown placeholder"),
        ("https://tiles.lund.se/{z}/{x}/{y}{r}.png", "unknown placeholder {r}"),
        ("https://tiles.lund.se/{z}/{x}/{y}.png?k={apikey}", "unknown placeholder {apikey}"),
        ("https://tiles.lund.se/{z}/{x}.png", "must contain {y}"),
        ("https://tiles.lund.se/static.png", "must contain {z}"),
        ("https://tiles.lund.se/{z}/{x}/{y}/{z}.png", "'{z}' is listed twice"),
        ("https://tiles.lund.se/{z:02}/{x}/{y}.png", "format or conversion"),
        ("https://tiles.lund.se/{z!r}/{x}/{y}.png", "format or conversion"),
        ("https://tiles.lund.se/{z}/{x}/{y.png", "brace"),
        ("https://tiles.lund.se/{z}}/{x}/{y}.png", "brace"),
        ("https://{z}.lund.se/{x}/{y}.png", "only follow the host"),
        ("https://tiles.lund.se{z}/{x}/{y}.png", "only follow the host"),
        ("https://tiles.lund.se:{z}/{x}/{y}.png", "only follow the host"),
        ("https://tiles.lund.se/{z}/\n{x}/{y}.png", "spaces"),
        ("https://tiles.lund.se/a b/{z}/{x}/{y}.png", "spaces"),
        ('https://tiles.lund.se/"/{z}/{x}/{y}.png', "spaces"),
        ("https://tiles.lund.se/" + "x" * 500 + "/{z}/{x}/{y}.png", "1 to 500"),
        ("", "1 to 500"),
        ("https://tiles_lund.se/{z}/{x}/{y}.png", "not a host name"),
    ],
)
def test_a_broken_or_hostile_template_is_refused_naming_the_field(
    template: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        maps.check(msgspec.structs.replace(LUND, tile_url=template))
    assert refused.value.field == "map.tile_url"
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("changed", "field", "reason"),
    [
        ({"attribution": "  "}, "map.attribution", "must not be empty"),
        ({"attribution": "x" * 301}, "map.attribution", "at most 300"),
        ({"attribution": "© Lund\x07"}, "map.attribution", "control characters"),
        ({"latitude": 90.5}, "map.latitude", "from -90 to 90"),
        ({"longitude": -181.0}, "map.longitude", "from -180 to 180"),
        ({"zoom": 20}, "map.zoom", "from 0 to 19"),
        ({"zoom": -1}, "map.zoom", "from 0 to 19"),
    ],
)
def test_the_attribution_and_the_first_view_are_checked(
    changed: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        maps.check(msgspec.convert({**msgspec.structs.asdict(LUND), **changed}, MapTiles))
    assert refused.value.field == field
    assert reason in refused.value.reason


def test_the_attribution_is_kept_as_plain_text_trimmed() -> None:
    given = msgspec.structs.replace(LUND, attribution="  <b>© Lund</b> & co  ")
    assert maps.check(given).attribution == "<b>© Lund</b> & co"  # shown escaped, as text


def test_the_tenant_records_its_map_and_its_taking_away() -> None:
    tenant = Tenant(slug="lund", name="Lund", default_language="sv")
    assert tenant.map_tiles is None  # no map unless the municipality chose one
    tenant.change_map(
        tile_url=LUND.tile_url,
        attribution=LUND.attribution,
        latitude=LUND.latitude,
        longitude=LUND.longitude,
        zoom=LUND.zoom,
    )
    assert tenant.map_tiles == LUND
    tenant.change_map(tile_url=None, attribution=None, latitude=None, longitude=None, zoom=None)
    assert tenant.map_tiles is None
    events = [type(e).__name__ for e in tenant.collect_events()]
    assert events == ["Created", "MapChanged", "MapChanged"]
