"""Imports point downward only: ``events/`` (infrastructure, database helpers) at the bottom,
then ``tenants/``, ``services/``, ``projections/``, ``gateway/``, and ``tinget/`` (the
composition root) on top. A module may import its own folder and the folders below it.

``KNOWN`` lists the upward imports that remain to be taken apart (issue 12, item 3); the test
fails on any other upward import, and on a listed one that is gone (strike it off), so the list
only shrinks. Runs without PostgreSQL or NATS.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("events", "tenants", "services", "projections", "gateway", "tinget")
RANK = {name: rank for rank, name in enumerate(LAYERS)}

KNOWN = {
    # routes reach the platform through its type; dependency injection will hand them services
    ("gateway/app.py", "tinget.bootstrap"),
    ("gateway/auth.py", "tinget.bootstrap"),
    ("gateway/branding.py", "tinget.bootstrap"),
    ("gateway/dialogs.py", "tinget.bootstrap"),
    ("gateway/images.py", "tinget.bootstrap"),
    ("gateway/polls.py", "tinget.bootstrap"),
    ("gateway/posts.py", "tinget.bootstrap"),
}


def imported(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, wherever in the module (also under
    ``TYPE_CHECKING`` and inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def upward_imports() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            for name in imported(path):
                head = name.split(".")[0]
                if head in RANK and RANK[head] > RANK[layer]:
                    found.add((path.relative_to(ROOT).as_posix(), _module(name)))
    return found


def _module(name: str) -> str:
    """``events.errors.Conflict`` -> ``events.errors``: the module, not the name in it."""
    parts = name.split(".")
    while len(parts) > 1 and not _exists(parts):
        parts.pop()
    return ".".join(parts)


def _exists(parts: list[str]) -> bool:
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def test_no_folder_imports_a_folder_above_it() -> None:
    found = upward_imports()

    new = sorted(found - KNOWN)
    gone = sorted(KNOWN - found)
    assert not new, f"upward imports (import downward only; see this module's doc): {new}"
    assert not gone, f"taken apart, strike them off KNOWN: {gone}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tinget.bootstrap import X\n"
        "def f() -> None:\n    import gateway.app\n",
        encoding="utf-8",
    )

    assert {"tinget.bootstrap", "tinget.bootstrap.X", "gateway.app"} <= imported(module)
