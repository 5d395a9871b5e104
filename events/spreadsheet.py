"""What a spreadsheet opening an export must not run: a cell that starts like a formula."""

from __future__ import annotations

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """A text a spreadsheet shows as it is, never runs as a formula (a leading apostrophe)."""
    return "'" + text if text.startswith(_FORMULA) else text
