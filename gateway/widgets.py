"""The embeddable widgets' scripts, served on a municipality's own host at
``/widgets/v1/<name>.js`` for its web site to load (docs/widgets.md).

Only the files the widgets' build wrote (``gateway/static/widgets``, listed in its
``manifest.json``) are served: a request names one of them exactly, or gets 404; no part of
the path is ever joined to a folder, so no spelling of ``..`` reaches another file.

Each answer is cacheable by browsers and shared caches for a day (``max-age``), then
revalidated by its ETag (the hash of the script's bytes) with a 304. A module a widget imports
itself (the problem report's map, ``map-<hash>.js``) is named by its hash, so it is cached for
a year, ``immutable``: a new build names a new file. A browser that accepts
brotli or gzip gets the build's precompressed bytes. A script holds no data of anyone's, so
any site may load it (``Access-Control-Allow-Origin: *``, which a module script from another
origin needs); what the widget then asks of the API is answered only to the origins the
municipality allowed (gateway/cors.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from gateway.problems import ProblemError
from tenants.directory import TenantEntry

FOLDER = Path(__file__).resolve().parent / "static" / "widgets"
CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"  # a module named by its hash
CONTENT_TYPE = "text/javascript"  # litestar adds "; charset=utf-8"
# The encodings the build writes, best first, with the suffix of their files.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@dataclass(frozen=True, slots=True)
class Script:
    """One built widget: its bytes plain and precompressed, and its ETag per encoding."""

    versions: dict[str, bytes]  # by content coding; "identity" for the plain bytes
    etags: dict[str, str]
    cache_control: str = CACHE_CONTROL


def _read(file: str, sha256: str, cache_control: str) -> Script:
    tag = sha256[:32]
    versions = {"identity": (FOLDER / file).read_bytes()}
    etags = {"identity": f'"{tag}"'}
    for coding, suffix in ENCODINGS:
        versions[coding] = (FOLDER / f"{file}{suffix}").read_bytes()
        etags[coding] = f'"{tag}-{coding}"'
    return Script(versions, etags, cache_control)


@cache
def scripts() -> dict[str, Script]:
    """The built widgets by file name (``vox-pop.js``), and the modules they import
    (``map-<hash>.js``), read once from the build's folder."""
    manifest = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
    found: dict[str, Script] = {}
    for name, built in manifest["widgets"].items():
        found[f"{name}.js"] = _read(f"{name}.js", str(built["sha256"]), CACHE_CONTROL)
    for built in manifest.get("chunks", {}).values():
        file = str(built["file"])
        found[file] = _read(file, str(built["sha256"]), CACHE_IMMUTABLE)
    return found


def accepted(header: str) -> set[str]:
    """The content codings an Accept-Encoding header takes (any with q=0 left out)."""
    taken: set[str] = set()
    for item in header.lower().split(","):
        coding, _, params = item.strip().partition(";")
        quality = params.strip().removeprefix("q=")
        if coding and not (params and quality.replace(".", "", 1).strip("0") == ""):
            taken.add(coding.strip())
    return taken


def _matches(if_none_match: str, script: Script) -> bool:
    given = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in given or not given.isdisjoint(script.etags.values())


class WidgetController(Controller):
    """The widgets' scripts (not API operations: left out of the API document)."""

    path = "/widgets/v1"
    include_in_schema = False

    @get("/{name:str}", sync_to_thread=False)
    def script(
        self,
        tenant: NamedDependency[TenantEntry],  # only on a municipality's host (404 elsewhere)
        request: Request[Any, Any, Any],
        name: FromPath[str],
    ) -> Response[bytes]:
        """A widget's module script, e.g. ``vox-pop.js``, or a module one imports."""
        script = scripts().get(name)
        if script is None:
            raise ProblemError(
                404, "No such widget", f"there is no widget {name!r}", kind="not-found"
            )
        taken = accepted(request.headers.get("accept-encoding", ""))
        coding = next((c for c, _ in ENCODINGS if c in taken), "identity")
        headers = {
            "Cache-Control": script.cache_control,
            "ETag": script.etags[coding],
            "Vary": "Accept-Encoding",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        }
        if coding != "identity":
            headers["Content-Encoding"] = coding
        if _matches(request.headers.get("if-none-match", ""), script):
            return Response(b"", status_code=304, headers=headers)
        return Response(script.versions[coding], media_type=CONTENT_TYPE, headers=headers)
