"""Resolve a merge's conflicts in the message catalogues (``events/locale/*/tinget.po``).

Two branches that each add messages to a catalogue conflict wherever their additions meet,
though both are wanted. Run after a ``git merge`` that stopped on such conflicts:

    .venv/bin/python scripts/pomerge.py

For each conflicted ``.po`` file it reads our side and theirs from git's index (stages 2 and
3), keeps every message of both (ours where both have the same id and context), writes the
catalogue in Babel's layout and stages it. Other conflicted files are left to you.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def conflicted() -> list[str]:
    listed = subprocess.run(
        ["git", "diff", "--name-only", "--diff-filter=U"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if name.endswith(".po")]


def side(path: str, stage: int) -> Catalog:
    shown = subprocess.run(["git", "show", f":{stage}:{path}"], capture_output=True, check=True)
    return read_po(io.BytesIO(shown.stdout))


def union(ours: Catalog, theirs: Catalog) -> Catalog:
    """``ours`` with every message of ``theirs`` that ours lacks."""
    for message in theirs:
        if message.id and ours.get(message.id, context=message.context) is None:
            ours[message.id] = message
    return ours


def main() -> int:
    paths = conflicted()
    for path in paths:
        merged = union(side(path, 2), side(path, 3))
        out = io.BytesIO()
        write_po(out, merged, width=100)
        Path(path).write_bytes(out.getvalue())
        subprocess.run(["git", "add", path], check=True)
        print(f"{path}: {len(merged)} messages")
    if not paths:
        print("no conflicted catalogue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
