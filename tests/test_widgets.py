"""The embeddable widgets' scripts as the gateway serves them (gateway/widgets.py): only the
built files, on a municipality's host, cacheable with an ETag and 304, precompressed, loadable
from any site; the map module the problem report imports named by its hash and cached for good;
each under 30 KB compressed; every text of the widgets in the five languages; and the committed
build is the sources' build."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from gateway.widgets import CACHE_CONTROL, CACHE_IMMUTABLE, FOLDER
from tenants.service import TenantChanges
from tests.api import Town
from tests.widgets import ROOT, SOURCES, chunk_files, manifest, record, source_hash, widget_names
from tinget.bootstrap import Platform

LIMIT = 30 * 1024  # bytes, compressed


async def raw_get(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """A GET and its body's bytes as sent (not decoded from their content coding)."""
    async with client.stream("GET", path, headers=headers) as answer:
        body = b"".join([chunk async for chunk in answer.aiter_raw()])
    return answer, body


async def test_each_widget_is_served_as_a_cacheable_module_any_site_may_load(
    client: httpx.AsyncClient, town: Town
) -> None:
    names = widget_names()
    assert {"vox-pop", "suggestion-box", "quick-poll", "proposal-list", "petition"} <= set(names)
    for name in names:
        plain = (FOLDER / f"{name}.js").read_bytes()
        answer, body = await raw_get(
            client, f"/widgets/v1/{name}.js", {**town.headers(), "accept-encoding": "identity"}
        )
        assert answer.status_code == 200, answer.text
        assert body == plain
        assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
        assert answer.headers["cache-control"] == CACHE_CONTROL
        assert answer.headers["access-control-allow-origin"] == "*"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in answer.headers
        etag = answer.headers["etag"]
        assert etag == f'"{manifest()["widgets"][name]["sha256"][:32]}"'

        again = await client.get(
            f"/widgets/v1/{name}.js", headers={**town.headers(), "if-none-match": etag}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["cache-control"] == CACHE_CONTROL


async def test_the_map_module_is_named_by_its_hash_and_cached_for_good(
    client: httpx.AsyncClient, town: Town
) -> None:
    """The problem report imports the map (Leaflet) only when the municipality has one: a
    module of its own, beside the widgets, whose name changes with its bytes."""
    file = chunk_files()["map"]
    built = manifest()["chunks"]["map"]
    assert file == f"map-{built['sha256'][:16]}.js"
    assert f"./{file}".encode() in (FOLDER / "problem-report.js").read_bytes()
    for name in widget_names():
        if name != "problem-report":  # no other widget knows of a map
            assert b"map-" not in (FOLDER / f"{name}.js").read_bytes(), name
    plain = (FOLDER / file).read_bytes()
    assert plain.startswith(b"/*! Leaflet ")  # its licence goes with it
    assert b"BSD 2-Clause License" in plain[:2000]
    for accept, coding in (("identity", None), ("gzip, br", "br")):
        answer, body = await raw_get(
            client, f"/widgets/v1/{file}", {**town.headers(), "accept-encoding": accept}
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == CACHE_IMMUTABLE
        assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
        assert answer.headers["access-control-allow-origin"] == "*"
        assert answer.headers.get("content-encoding") == coding
        assert body == (plain if coding is None else (FOLDER / f"{file}.br").read_bytes())
    again = await client.get(
        f"/widgets/v1/{file}", headers={**town.headers(), "if-none-match": answer.headers["etag"]}
    )
    assert again.status_code == 304
    for stale in ("map.js", "map-0000000000000000.js"):
        assert (await client.get(f"/widgets/v1/{stale}", headers=town.headers())).status_code == 404


async def test_a_browser_that_takes_brotli_or_gzip_gets_the_precompressed_script(
    client: httpx.AsyncClient, town: Town
) -> None:
    plain = (FOLDER / "vox-pop.js").read_bytes()
    asked = {"gzip, deflate, br": "br", "gzip": "gzip", "br;q=0, gzip;q=0.5": "gzip"}
    for accept, coding in asked.items():
        answer, body = await raw_get(
            client, "/widgets/v1/vox-pop.js", {**town.headers(), "accept-encoding": accept}
        )
        assert answer.status_code == 200
        assert answer.headers["content-encoding"] == coding
        assert answer.headers["vary"] == "Accept-Encoding"
        suffix = ".br" if coding == "br" else ".gz"
        assert body == (FOLDER / f"vox-pop.js{suffix}").read_bytes()
        if coding == "gzip":
            assert gzip.decompress(body) == plain
        assert answer.headers["etag"].endswith(f'-{coding}"')
        revalidated = await client.get(
            "/widgets/v1/vox-pop.js",
            headers={
                **town.headers(),
                "accept-encoding": accept,
                "if-none-match": answer.headers["etag"],
            },
        )
        assert revalidated.status_code == 304


async def test_a_script_keeps_its_one_allow_origin_on_an_allowed_origin_too(
    platform: Platform, client: httpx.AsyncClient, town: Town
) -> None:
    """The CORS middleware adds its own Access-Control-Allow-Origin for a tenant's allowed
    origin; a second one would make the browser refuse the script."""
    allowed = "https://www.lund.example"
    await platform.tenants.update(town.slug, TenantChanges(allowed_origins=[allowed]))
    await platform.catch_up_projections()
    for origin in (allowed, "https://elsewhere.example"):
        served = await client.get(
            "/widgets/v1/suggestion-box.js", headers={**town.headers(), "origin": origin}
        )
        assert served.status_code == 200
        assert served.headers.get_list("access-control-allow-origin") == ["*"]
    api = await client.get("/api/v1/branding", headers={**town.headers(), "origin": allowed})
    assert api.headers.get_list("access-control-allow-origin") == [allowed]


async def test_only_the_built_widgets_are_served(client: httpx.AsyncClient, town: Town) -> None:
    for name in ("nothing.js", "manifest.json", "vox-pop.js.br", "vox-pop", "VOX-POP.JS"):
        answer = await client.get(f"/widgets/v1/{name}", headers=town.headers())
        assert answer.status_code == 404, name
        assert answer.headers["content-type"] == "application/problem+json"
    other = await client.get("/widgets/v1/vox-pop.js", headers={"host": "nobody.example"})
    assert other.status_code == 404
    assert other.json()["type"].endswith("/unknown-tenant")


TRAVERSALS = (
    "/widgets/v1/..%2fwidgets.py",
    "/widgets/v1/..%2F..%2Fgateway%2Fwidgets.py",
    "/widgets/v1/%2e%2e/%2e%2e/widgets.py",
    "/widgets/v1/..%5cwidgets.py",
    "/widgets/v1/../static/widgets/manifest.json",
    "/widgets/v1/.%2fvox-pop.js",
    "/widgets/v1/vox-pop.js%00",
    "/widgets/v1/%252e%252e%252fwidgets.py",
    "/widgets/v1//etc/passwd",
    "/widgets/v1/..%2f..%2f..%2f..%2fetc%2fpasswd",
)


async def test_no_spelling_of_a_path_reaches_another_file(live_server: str, town: Town) -> None:
    """Each sent byte for byte over a socket (a client would tidy the dots away first)."""
    address = urlsplit(live_server)
    assert address.hostname is not None
    assert address.port is not None

    async def fetch(path: str) -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {town.host}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=10)
        finally:
            writer.close()
        return int(answer.split(b" ", 2)[1]), answer

    status, answer = await fetch("/widgets/v1/vox-pop.js")  # the way itself works
    assert status == 200
    assert b"customElements" in answer
    for path in TRAVERSALS:
        status, answer = await fetch(path)
        assert status in (400, 404), (path, answer[:200])
        for secret in (b"root:", b"import ", b"source_sha256", b"customElements"):
            assert secret not in answer, path


def test_each_widget_is_under_30_kb_compressed() -> None:
    """Each widget, and the map module the problem report adds when a map is configured."""
    sizes = {}
    files = {name: f"{name}.js" for name in widget_names()}
    files.update({f"{name} module (problem-report)": file for name, file in chunk_files().items()})
    for name, file in files.items():
        plain = (FOLDER / file).read_bytes()
        gzipped = len(gzip.compress(plain, compresslevel=9, mtime=0))
        brotli = len((FOLDER / f"{file}.br").read_bytes())
        sizes[name] = {"bytes": len(plain), "gzip_9_bytes": gzipped, "brotli_bytes": brotli}
        print(f"{file}: {len(plain)} B, gzip -9 {gzipped} B, brotli {brotli} B")
        assert gzipped < LIMIT, name
        assert brotli < LIMIT, name
        record("sizes", name, sizes[name])


def test_the_built_files_are_the_build_of_the_sources_as_they_are() -> None:
    """widgets/build.mjs writes the hash of the sources it built into the manifest: a source
    changed and not built since fails here, with or without node."""
    assert manifest()["source_sha256"] == source_hash(), (
        "widgets/src changed since the last build: run `npm run build` in widgets/ and commit"
        " gateway/static/widgets"
    )
    built_files = {f"{name}.js": built for name, built in manifest()["widgets"].items()}
    built_files.update({built["file"]: built for built in manifest()["chunks"].values()})
    for file, built in built_files.items():
        plain = (FOLDER / file).read_bytes()
        assert gzip.decompress((FOLDER / f"{file}.gz").read_bytes()) == plain
        assert built["bytes"] == len(plain)
    # nothing else built lies about (an old map module)
    kept = {name for file in built_files for name in (file, f"{file}.gz", f"{file}.br")}
    assert {p.name for p in FOLDER.iterdir()} == kept | {"manifest.json"}


def test_a_fresh_build_writes_the_committed_scripts(tmp_path: Path) -> None:
    """The toolchain itself: esbuild (widgets/package-lock.json) builds the committed files
    again, byte for byte."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the widgets' build cannot run here")
    folder = ROOT / "widgets"
    manifest = json.loads((folder / "package.json").read_text())
    wanted = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    if any(not (folder / "node_modules" / name).exists() for name in wanted):
        # a first build here, or node_modules from before a package was added (leaflet)
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if installed.returncode != 0:
            pytest.skip(f"`npm ci` in widgets/ failed (no registry?): {installed.stderr[-300:]}")
    built = subprocess.run(
        [node, "build.mjs", "--out", str(tmp_path)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    for file in [f"{name}.js" for name in widget_names()] + list(chunk_files().values()):
        fresh = (tmp_path / file).read_bytes()
        assert fresh == (FOLDER / file).read_bytes(), (
            f"{file} differs from a fresh build: run `npm run build` in widgets/ and commit"
        )


def test_every_text_of_the_widgets_is_in_the_five_languages() -> None:
    """widgets/src/texts.js: the same keys in Swedish, Danish, Norwegian Bokmål, Finnish and
    English, none of them empty."""
    source = (SOURCES / "texts.js").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"^  (\w\w): \{\n(.*?)^  \},?$", source, re.MULTILINE | re.DOTALL))
    assert sorted(blocks) == sorted(["sv", "da", "nb", "fi", "en"])
    keys = {
        language: re.findall(r'^    (\w+):\s*(?:\n\s*)?"([^"]*)"', block, re.MULTILINE)
        for language, block in blocks.items()
    }
    english = [key for key, _ in keys["en"]]
    assert {"mapHelp", "placeChosen", "draftNote", "draftResumed"} <= set(english)
    for language, texts in keys.items():
        assert [key for key, _ in texts] == english, language
        assert all(text.strip() for _, text in texts), language
