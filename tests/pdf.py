"""Reading a PDF back in tests: its text, and the rectangles filled in a colour (how a chart
drawn as vector graphics shows in a page's content stream)."""

from __future__ import annotations

from pypdf import PdfReader
from pypdf.generic import ContentStream

_PAINT_FILLED = frozenset({b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"})
_PAINT_ONLY = frozenset({b"n", b"S", b"s"})


def page_texts(pdf: PdfReader) -> str:
    """The text of every page, one page after another."""
    return "\n".join(page.extract_text() for page in pdf.pages)


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def filled_rectangles(pdf: PdfReader, colour: str) -> int:
    """How many rectangles (``re``) the pages fill while the fill colour is ``colour``
    (#RRGGBB, set with ``rg``), following the graphics state's saves and restores."""
    wanted = _rgb(colour)
    count = 0
    for page in pdf.pages:
        contents = page.get_contents()
        if contents is None:
            continue
        fill: tuple[float, ...] = (0.0, 0.0, 0.0)
        saved: list[tuple[float, ...]] = []
        pending = 0
        for operands, operator in ContentStream(contents, pdf).operations:
            if operator == b"q":
                saved.append(fill)
            elif operator == b"Q":
                fill = saved.pop() if saved else fill
            elif operator == b"rg":
                fill = tuple(float(x) for x in operands)
            elif operator == b"re":
                pending += all(abs(a - b) < 0.003 for a, b in zip(fill, wanted, strict=True))
            elif operator in _PAINT_FILLED:
                count += pending
                pending = 0
            elif operator in _PAINT_ONLY:
                pending = 0
    return count
