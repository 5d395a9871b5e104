"""The map a municipality's problem report widget shows to pick a place on: the tile server it
chose (a URL template and the attribution its tiles ask for) and where the map opens.

Tinget loads no map tiles from anyone unless the municipality configured a tile server: no
map is the default. The template is served to every visitor's browser (``GET
/api/v1/branding``) and only the widget fetches tiles from it, so it is checked strictly on
save, each refusal naming the field (``map.tile_url``):

- an absolute https URL of at most ``MAX_LENGTH`` characters, with no spaces, control
  characters or ``<>"\\^`|``;
- no user name or password (``https://user:secret@tiles...``): nothing secret in it;
- exactly the placeholders ``{z}``, ``{x}`` and ``{y}``, each once, none with a format or
  conversion, and only after the host (in the path or query), so a tile's coordinates can
  never send the request to another host.

The attribution is plain text (the widget shows it escaped, never as markup).
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

import msgspec

from events.errors import InvalidInput
from tenants import values

MAX_LENGTH = 500
MAX_ATTRIBUTION = 300
PLACEHOLDERS = ("z", "x", "y")
MAX_ZOOM = 19
"""The deepest zoom level the widget asks tiles for (OpenStreetMap's standard tiles' deepest)."""

_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`|]")


class MapTiles(msgspec.Struct, frozen=True, kw_only=True):
    """A tile server and the map's first view: its centre and zoom level."""

    tile_url: str  # https://tiles.lund.se/{z}/{x}/{y}.png
    attribution: str  # © Lunds kommun, © OpenStreetMap contributors
    latitude: float
    longitude: float
    zoom: int


def check_tile_url(template: str, field: str = "map.tile_url") -> str:
    """``template`` if it is an https tile URL template with exactly ``{z}``, ``{x}`` and
    ``{y}``, else ``InvalidInput`` naming ``field``."""
    if not template or len(template) > MAX_LENGTH:
        raise InvalidInput(field, f"must be a URL of 1 to {MAX_LENGTH} characters")
    if _UNSAFE.search(template):
        raise InvalidInput(field, 'must not contain spaces, control characters or <>"\\^`|')
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise InvalidInput(field, "has an unmatched brace") from None
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    seen: set[str] = set()
    for literal, name, spec, conversion in parsed:
        if "}" in literal or "{" in literal:
            raise InvalidInput(field, "has an unmatched brace")
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise InvalidInput(
                field, f"unknown placeholder {{{name}}}; a map-tile link knows {known}"
            )
        if spec or conversion:
            raise InvalidInput(field, f"the placeholder {{{name}}} takes no format or conversion")
        if name in seen:
            raise InvalidInput(field, f"'{{{name}}}' is listed twice")
        seen.add(name)
    for name in PLACEHOLDERS:
        if name not in seen:
            raise InvalidInput(field, f"must contain {{{name}}}: a map-tile link needs it")
    try:
        whole = urlsplit(template.format(z="0", x="0", y="0"))
        host = whole.hostname
        whole.port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        raise InvalidInput(field, "is not a URL") from None
    if whole.scheme != "https" or not host or not template.lower().startswith("https://"):
        raise InvalidInput(field, "must be an absolute https URL")
    if "@" in whole.netloc or whole.username is not None or whole.password is not None:
        raise InvalidInput(field, "must not carry a user name or password")
    origin = f"https://{whole.netloc}".lower()
    head = template[: template.find("{")].lower()
    if not (head.startswith(origin) and head[len(origin) : len(origin) + 1] in ("/", "?")):
        raise InvalidInput(
            field, "placeholders may only follow the host: in the path, query or fragment"
        )
    if ":" not in host:
        values.host(host, field)
    return template


def check(tiles: MapTiles, field: str = "map") -> MapTiles:
    """The map's settings, each value checked (its field ``map.<name>``), the texts trimmed."""
    tile_url = check_tile_url(tiles.tile_url.strip(), f"{field}.tile_url")
    attribution = values.text(tiles.attribution, f"{field}.attribution", max_length=MAX_ATTRIBUTION)
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(tiles, name)
        if isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(f"{field}.{name}", f"must be from {low} to {high}")
    if isinstance(tiles.zoom, bool) or tiles.zoom not in range(MAX_ZOOM + 1):
        raise InvalidInput(f"{field}.zoom", f"must be a whole number from 0 to {MAX_ZOOM}")
    return MapTiles(
        tile_url=tile_url,
        attribution=attribution,
        latitude=float(tiles.latitude),
        longitude=float(tiles.longitude),
        zoom=tiles.zoom,
    )


def map_tiles(
    tile_url: str | None,
    attribution: str | None,
    latitude: float | None,
    longitude: float | None,
    zoom: int | None,
) -> MapTiles | None:
    """The map as its event records it (``MapChanged``): None when it was taken away."""
    if tile_url is None or attribution is None or latitude is None or longitude is None:
        return None
    return MapTiles(
        tile_url=tile_url,
        attribution=attribution,
        latitude=latitude,
        longitude=longitude,
        zoom=zoom or 0,
    )
