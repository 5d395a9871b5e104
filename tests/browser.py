"""A real browser for the tests of the pages the gateway serves: Debian's Chromium driven by
Playwright, with axe-core to check a page's accessibility.

Playwright's own browser builds are never downloaded (``playwright install`` is not run): it
drives the system's ``chromium`` (scripts/system.sh installs Debian's package for the tests).
The tests that use it are skipped, saying why, only when no Chromium is installed.

The browser sends a municipality's own Host: Chromium resolves every name to 127.0.0.1
(``--host-resolver-rules``), so ``http://lund-1.example:PORT/`` reaches the app served on
that port, with ``lund-1.example:PORT`` as its Host header.

axe-core (``axe.min.js``, about half a megabyte, MPL-2.0) is kept out of git: the first test
that needs it fetches the pinned version from the npm registry with ``npm pack`` (which checks
the package's integrity) into ``.tinget/browser/``, beside the other local state that git
ignores, and later runs reuse it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
AXE_VERSION = "4.14.1"
AXE_CACHE = ROOT / ".tinget" / "browser" / f"axe-core-{AXE_VERSION}"
ARTIFACTS = ROOT / "test-artifacts"
"""Screenshots of the pages the browser tests saw (git-ignored), to look at after a run."""


def system_chromium() -> str | None:
    """The installed Chromium's executable, or None without one."""
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(name="browser", scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium (the system's), mapping every host name to 127.0.0.1: the
    ``browser`` fixture of a test module that imports it, launched once for the module's
    tests (each test opens contexts of its own: no cookie or storage is shared)."""
    executable = system_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium installed: the page tests need Debian's chromium package"
            " (scripts/system.sh installs it for scripts/test.sh)"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            # every name to this machine; no sandbox, as the tests may run as root (CI does)
            args=["--host-resolver-rules=MAP * 127.0.0.1", "--no-sandbox"],
        )
        try:
            yield launched
        finally:
            await launched.close()


def axe_source() -> str:
    """axe-core's ``axe.min.js``: fetched once from the npm registry, then from the cache."""
    script = AXE_CACHE / "axe.min.js"
    if not script.exists():
        AXE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=AXE_CACHE.parent) as work:
            packed = subprocess.run(
                ["npm", "pack", f"axe-core@{AXE_VERSION}", "--json", "--pack-destination", work],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            tarball = Path(work) / json.loads(packed.stdout)[0]["filename"]
            staged = Path(work) / "staged"
            staged.mkdir()
            with tarfile.open(tarball) as archive:
                for name in ("axe.min.js", "LICENSE"):
                    member = archive.extractfile(f"package/{name}")
                    assert member is not None, f"axe-core's package has no {name}"
                    (staged / name).write_bytes(member.read())
            try:
                staged.rename(AXE_CACHE)  # whole or not at all, should two runs race
            except OSError:
                if not script.exists():
                    raise
    return script.read_text(encoding="utf-8")


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds on ``page`` whose impact is serious or
    critical (the page's context must bypass its Content-Security-Policy to run axe)."""
    await page.add_script_tag(content=axe_source())
    results: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    assert results["testEngine"]["name"] == "axe-core"
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


async def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under ``test-artifacts/``, named ``name``.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
