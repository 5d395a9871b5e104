"""The committee report's charts as inline SVG: participation per day, themes by size and mean
significance, and the sizes of opinion groups.

Written by hand rather than with a charting library: the charts are three plain bar charts,
and what they must be is narrow. They go inline into an HTML page and through WeasyPrint's
SVG renderer into a PDF, so they carry no script, no stylesheet link, no web font and no
reference to anything outside themselves (pygal's SVG, for one, links its tooltip script from
a public URL by default and styles itself through CSS that WeasyPrint reads only in part).
Every text in them goes through ``markupsafe.escape``: theme headings are written by people.
Each chart is an ``<svg role="img">`` with a ``<title>`` naming it, and shows its numbers as
text beside the bars, so it reads without colour too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH = 640
LABEL_LENGTH = 38  # characters of a theme's heading shown beside its bars


@dataclass(frozen=True)
class Colours:
    primary: str  # #RRGGBB, checked by the caller
    secondary: str


def _short(text: str, length: int = LABEL_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _svg(height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        f' font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text in it is escaped


def _step(top: int) -> int:
    """A round step for about four gridlines up to ``top``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 4:
            return step
    return max(1, top // 4)


@dataclass(frozen=True)
class DayBars:
    day: date
    posts: int
    supports: int


def participation_chart(
    days: Sequence[DayBars], title: str, legend: tuple[str, str], colours: Colours
) -> Markup | None:
    """Posts and supports per day as paired bars (None when there are no days)."""
    if not days:
        return None
    height, left, right, top, bottom = 240, 40, 10, 30, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    highest = max(1, *(max(d.posts, d.supports) for d in days))
    step = _step(highest)
    ceiling = -(-highest // step) * step
    slot = plot_w / len(days)
    bar = max(1.0, min(24.0, slot * 0.4))
    body: list[str] = []
    for value in range(0, ceiling + 1, step):
        y = top + plot_h - plot_h * value / ceiling
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}"'
            f' stroke="#cccccc" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    label_every = max(1, -(-len(days) // 12))
    for i, d in enumerate(days):
        x = left + slot * i + slot / 2
        for offset, value, colour in (
            (-bar, d.posts, colours.primary),
            (0.0, d.supports, colours.secondary),
        ):
            h = plot_h * value / ceiling
            body.append(
                f'<rect x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}"'
                f' height="{h:.1f}" fill="{colour}"/>'
            )
        if i % label_every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{d.day.strftime('%m-%d')}</text>"
            )
    for i, (name, colour) in enumerate(
        zip(legend, (colours.primary, colours.secondary), strict=True)
    ):
        x = left + i * 160
        body.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="17">{escape(name)}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}"'
        ' stroke="#333333" stroke-width="1"/>'
    )
    return _svg(height, title, body)


@dataclass(frozen=True)
class ThemeBars:
    number: int
    heading: str
    size: int
    significance: float | None  # 1-10, None while unrated


def themes_chart(
    themes: Sequence[ThemeBars],
    title: str,
    captions: tuple[str, str],
    not_rated: str,
    colours: Colours,
    fmt: Callable[[float], str],
) -> Markup | None:
    """One row per theme: its number and heading, a bar of its size (posts in it) and a bar
    of its mean significance on the 1-10 scale (None when there are no themes)."""
    if not themes:
        return None
    row, top = 26, 34
    height = top + row * len(themes) + 8
    label_w, gap = 250, 20
    bar_w = (WIDTH - label_w - gap * 2) / 2
    size_x, sig_x = label_w + gap, label_w + gap * 2 + bar_w
    largest = max(1, *(t.size for t in themes))
    body = [
        f'<text x="{size_x}" y="14" font-weight="bold">{escape(captions[0])}</text>'
        f'<text x="{sig_x}" y="14" font-weight="bold">{escape(captions[1])}</text>'
    ]
    for i, t in enumerate(themes):
        y = top + row * i
        body.append(
            f'<text x="0" y="{y + 13}">{t.number}. {escape(_short(t.heading))}</text>'
            f'<rect x="{size_x}" y="{y + 2}" width="{(bar_w - 40) * t.size / largest:.1f}"'
            f' height="14" fill="{colours.primary}"/>'
            f'<text x="{size_x + (bar_w - 40) * t.size / largest + 4:.1f}" y="{y + 13}">'
            f"{t.size}</text>"
        )
        if t.significance is None:
            body.append(f'<text x="{sig_x}" y="{y + 13}" fill="#555555">{escape(not_rated)}</text>')
        else:
            w = (bar_w - 40) * t.significance / 10
            body.append(
                f'<rect x="{sig_x}" y="{y + 2}" width="{w:.1f}" height="14"'
                f' fill="{colours.secondary}"/>'
                f'<text x="{sig_x + w + 4:.1f}" y="{y + 13}">'
                f"{escape(fmt(t.significance))}</text>"
            )
    return _svg(height, title, body)


@dataclass(frozen=True)
class GroupBars:
    label: str
    size: int


def groups_chart(groups: Sequence[GroupBars], title: str, colours: Colours) -> Markup | None:
    """One bar per opinion group: the people in it (None when there are no groups)."""
    if not groups:
        return None
    row, top = 26, 8
    height = top + row * len(groups) + 8
    label_w = 250
    bar_w = WIDTH - label_w - 60
    largest = max(1, *(g.size for g in groups))
    body: list[str] = []
    for i, g in enumerate(groups):
        y = top + row * i
        w = bar_w * g.size / largest
        body.append(
            f'<text x="0" y="{y + 13}">{escape(_short(g.label))}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="14"'
            f' fill="{colours.primary}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">{g.size}</text>'
        )
    return _svg(height, title, body)
