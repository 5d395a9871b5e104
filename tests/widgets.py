"""The embeddable widgets in tests: their build, and the report of their sizes and
accessibility checks that the tests write to ``test-artifacts/widgets.json``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from gateway.widgets import FOLDER

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "widgets" / "src"
REPORT = ROOT / "test-artifacts" / "widgets.json"


def manifest() -> dict[str, Any]:
    """The build's manifest: the sources' hash and each widget's sizes."""
    found: dict[str, Any] = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
    return found


def widget_names() -> list[str]:
    return list(manifest()["widgets"])


def chunk_files() -> dict[str, str]:
    """The modules the widgets import themselves, by name: ``{"map": "map-<hash>.js"}``."""
    return {name: str(built["file"]) for name, built in manifest()["chunks"].items()}


def source_hash(folder: Path = SOURCES) -> str:
    """The hash widgets/build.mjs writes into the manifest: each source file's name and
    bytes, in name order."""
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def record(section: str, key: str, value: Any) -> None:
    """Adds ``value`` under ``section``/``key`` of the widgets' test report."""
    REPORT.parent.mkdir(exist_ok=True)
    report: dict[str, Any] = {}
    if REPORT.exists():
        try:
            report = json.loads(REPORT.read_text(encoding="utf-8"))
        except ValueError:
            report = {}
    report.setdefault(section, {})[key] = value
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
