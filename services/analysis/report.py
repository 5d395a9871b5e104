"""The committee report of an analysis: what it holds, and its rendering as HTML and PDF.

The report is gathered from the read models (services/analysis/report_queries.py) into a
``Report``; this module only renders one, with no database: HTML from a Jinja2 template with
autoescaping on (every citizen's and analyst's text is escaped; the charts are SVG made in
services/analysis/report_charts.py with every text escaped), in the tenant's colours, logo and
language; and a PDF of that HTML by WeasyPrint.

WeasyPrint fetches nothing: its URL fetcher takes ``data:`` URLs only (the logo is embedded
as one, from the tenant's stored bytes), so no text in a report can make the server fetch a
URL of the network or read a local file.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from events.texts import format_date
from services.analysis.report_charts import (
    Colours,
    DayBars,
    GroupBars,
    ThemeBars,
    groups_chart,
    participation_chart,
    themes_chart,
)
from services.analysis.report_texts import labels, language_of, mean_rating, number

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

DEFAULT_PRIMARY = "#1F4E79"
DEFAULT_SECONDARY = "#D9822B"
LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
QUOTES_PER_THEME = 3
TOP_ITEMS = 10
QUOTE_LENGTH = 600  # characters of a post's text quoted; a longer one ends in an ellipsis
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Logo:
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Branding:
    """The tenant's name, language, colours (#RRGGBB) and logo, as its directory holds them."""

    name: str
    language: str
    primary_colour: str | None = None
    secondary_colour: str | None = None
    logo: Logo | None = None


@dataclass(frozen=True)
class Question:
    """A dialog the analysis covers: the question asked is its title and purpose."""

    dialog_id: UUID
    title: str
    purpose: str
    committee: str | None


@dataclass(frozen=True)
class Day:
    day: date  # UTC
    posts: int  # published posts that came that day
    supports: int  # supports and signatures given that day
    participants: int  # distinct people who posted, commented, supported or signed that day


@dataclass(frozen=True)
class Participation:
    participants: int
    posts: int
    comments: int
    supports: int
    days: tuple[Day, ...]


@dataclass(frozen=True)
class Quote:
    """A published post quoted: the author's name only when the post was not anonymous and
    the author has a display name (and is not erased)."""

    title: str | None
    text: str
    author: str | None


@dataclass(frozen=True)
class ThemeSection:
    heading: str
    summary: str
    size: int
    significance: float | None
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class TopItem:
    quote: Quote
    mean: float
    ratings: int
    supports: int


@dataclass(frozen=True)
class Decision:
    committee: str
    decided_on: date
    text: str
    reference: str | None


@dataclass(frozen=True)
class NextStep:
    """What the municipality has said of one dialog's next step."""

    dialog_title: str
    committee: str | None
    results_summary: str | None
    report_back_by: date | None
    decisions: tuple[Decision, ...]


# -- opinion groups ---------------------------------------------------------------------


@dataclass(frozen=True)
class OpinionSection:
    """The opinion maps of the analysis's statements dialogs, as the report shows them."""

    groups: tuple[tuple[str, int, tuple[str, ...]], ...]  # label, size, statements agreed on
    consensus: tuple[str, ...] = ()  # statements most groups agree on


@dataclass(frozen=True)
class Report:
    analysis_id: UUID
    title: str
    made_at: datetime
    branding: Branding
    questions: tuple[Question, ...]
    participation: Participation
    themes: tuple[ThemeSection, ...]
    top_items: tuple[TopItem, ...]
    next_steps: tuple[NextStep, ...]
    opinions: OpinionSection | None = field(default=None)


# -- rendering ----------------------------------------------------------------------------


def _colour(value: str | None, default: str) -> str:
    return value.lower() if value is not None and _COLOUR.fullmatch(value) else default.lower()


def _logo_uri(logo: Logo | None) -> str | None:
    if logo is None or logo.content_type not in LOGO_TYPES:
        return None
    return f"data:{logo.content_type};base64,{base64.b64encode(logo.content).decode()}"


def excerpt(text: str, length: int = QUOTE_LENGTH) -> str:
    """``text`` cut at a word boundary to at most ``length`` characters, with an ellipsis."""
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(None, 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,.;:") + "…"


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("services.analysis", "templates"),
        autoescape=True,  # every template, whatever its name: citizen texts are hostile
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no script; the logo as a data URL)."""
    b = report.branding
    language = language_of(b.language)
    texts = labels(language)
    colours = Colours(
        _colour(b.primary_colour, DEFAULT_PRIMARY), _colour(b.secondary_colour, DEFAULT_SECONDARY)
    )

    def fmt(value: float) -> str:
        return number(value, language)

    def day(value: date) -> str:
        return format_date(value, language)

    charts: dict[str, Markup | None] = {
        "participation": participation_chart(
            [DayBars(d.day, d.posts, d.supports) for d in report.participation.days],
            texts["over_time"],
            (texts["posts"], texts["supports"]),
            colours,
        ),
        "themes": themes_chart(
            [
                ThemeBars(i, t.heading, t.size, t.significance)
                for i, t in enumerate(report.themes, 1)
            ],
            texts["themes_chart"],
            (texts["size"], texts["significance"]),
            texts["not_rated"],
            colours,
            fmt,
        ),
        "opinions": None
        if report.opinions is None
        else groups_chart(
            [GroupBars(label, size) for label, size, _ in report.opinions.groups],
            texts["opinion_groups"],
            colours,
        ),
    }
    committees = sorted({q.committee for q in report.questions if q.committee})
    default_next = texts["default_next"].format(
        committee=", ".join(committees) if committees else texts["the_committee"]
    )
    context: dict[str, Any] = {
        "r": report,
        "t": texts,
        "lang": language,
        "colours": colours,
        "logo": _logo_uri(b.logo),
        "charts": charts,
        "fmt": fmt,
        "day": day,
        "rating": lambda mean, ratings: mean_rating(language, mean, ratings),
        "excerpt": excerpt,
        "default_next": default_next,
        # the default text when the municipality has said nothing yet of what follows
        "has_next": any(s.decisions or s.results_summary for s in report.next_steps),
    }
    return _environment().get_template("report.html").render(context)


def _weasyprint() -> None:
    """Import WeasyPrint, undoing what its import does to the whole process: it sets Pillow's
    ``ImageFile.LOAD_TRUNCATED_IMAGES``, under which a cut-off upload would decode (as grey
    pixels) where the image cleaning must refuse it. A report embeds only the tenant's logo,
    cleaned when it was stored, so it needs no such leniency."""
    from PIL import ImageFile

    with _IMPORT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        import weasyprint  # noqa: F401  (its import sets the flag)

        ImageFile.LOAD_TRUNCATED_IMAGES = before


_IMPORT = threading.Lock()


def _fetcher() -> URLFetcher:
    """WeasyPrint's URL fetcher for reports: ``data:`` URLs only (the embedded logo); any
    other (http, https, ftp, file, ...) is refused, so nothing is fetched or read."""
    _weasyprint()
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=frozenset({"data"}), allow_redirects=False, timeout=1)


def render_pdf(html: str) -> bytes:
    """The PDF of a report's HTML (CPU-bound, about a tenth of a second a page: call it in a
    worker thread). Fetches nothing but ``data:`` URLs."""
    _weasyprint()
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()
    return pdf
