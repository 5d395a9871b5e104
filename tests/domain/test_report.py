"""The committee report's rendering, without a database: hostile texts come out escaped, the
labels follow the tenant's language, the charts are inline SVG, the opinion-groups section is
there only with an opinion map, and WeasyPrint fetches nothing but data: URLs (no network, no
local file) while the PDF it makes holds the texts and the charts as vector drawings."""

from __future__ import annotations

import http.server
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from PIL import Image
from pypdf import PdfReader

from services.analysis.report import (
    Branding,
    Day,
    Decision,
    Logo,
    NextStep,
    OpinionSection,
    Participation,
    Question,
    Quote,
    Report,
    ThemeSection,
    TopItem,
    excerpt,
    render_html,
    render_pdf,
)
from services.analysis.report_texts import labels, language_of, number
from tests.pdf import filled_rectangles, page_texts

SCRIPT = "<script>alert('x')</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PRIMARY = "#0A7B83"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _report(language: str = "en", **changes: object) -> Report:
    report = Report(
        analysis_id=uuid4(),
        title="Cycling to school " + SCRIPT,
        made_at=datetime(2026, 12, 1, tzinfo=UTC),
        branding=Branding(
            name="Lund <b>kommun</b>",
            language=language,
            primary_colour=PRIMARY,
            secondary_colour="#F2A900",
            logo=Logo("image/png", _png()),
        ),
        questions=(Question(uuid4(), "Safer routes", "Where do children need them?", "Transport"),),
        participation=Participation(
            participants=3,
            posts=4,
            comments=1,
            supports=5,
            days=(
                Day(date(2026, 11, 28), 2, 1, 2),
                Day(date(2026, 11, 29), 0, 0, 0),
                Day(date(2026, 11, 30), 2, 4, 3),
            ),
        ),
        themes=(
            ThemeSection(
                heading="Cycle paths " + BREAKOUT,
                summary="Paths along the school roads",
                size=3,
                significance=7.5,
                quotes=(
                    Quote("More paths", "Build them " + SCRIPT, "Anna Berg"),
                    Quote(None, "Hidden author " + BREAKOUT, None),
                ),
            ),
            ThemeSection("Lights in the parks", "", 1, None, ()),
        ),
        top_items=(TopItem(Quote("Trees", "Plant trees along the streets", None), 8.5, 2, 3),),
        next_steps=(NextStep("Safer routes", "Transport", None, date(2026, 12, 15), ()),),
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def test_every_hostile_text_comes_out_escaped() -> None:
    html = render_html(_report())
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # in the heading and chart
    assert "Lund &lt;b&gt;kommun&lt;/b&gt;" in html
    # the only image is the stored logo, embedded: nothing points outside the page
    assert re.findall(r'<img src="([^"]{0,22})', html) == ["data:image/png;base64,"]
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_the_report_holds_its_sections_and_svg_charts() -> None:
    html = render_html(_report())
    for text in (
        "The question asked",
        "Safer routes",
        "Participation per day",
        "Themes by size and mean significance",
        "1. Cycle paths",
        "2. Lights in the parks",
        "Anna Berg",
        "— a participant",
        "The highest-rated ideas",
        "mean rating 8.5 from 2 ratings",
        "What happens next",
        "The municipality reports back by December 15, 2026.",
        "The analysis group hands this report to Transport",
    ):
        assert text in html, text
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 2
    assert "Opinion groups" not in html  # no opinion map given
    assert f'fill="{PRIMARY.lower()}"' in html  # the tenant's colour


def test_a_decision_replaces_the_default_next_step() -> None:
    step = NextStep(
        "Safer routes",
        "Transport",
        "Most wanted paths",
        None,
        (Decision("Transport", date(2026, 12, 10), "Build two paths " + SCRIPT, "KS 2026/12"),),
    )
    html = render_html(_report(next_steps=(step,)))
    assert "Decision, Transport, December 10, 2026 (KS 2026/12):" in html
    assert "Build two paths &lt;script&gt;" in html
    assert "Most wanted paths" in html
    assert "hands this report" not in html


@pytest.mark.parametrize(
    ("language", "heading", "themes"),
    [
        ("sv", "Frågan som ställdes", "Teman"),
        ("da", "Spørgsmålet, der blev stillet", "Temaer"),
        ("nb", "Spørsmålet som ble stilt", "Temaer"),
        ("nn", "Spørsmålet som ble stilt", "Temaer"),
        ("fi", "Esitetty kysymys", "Teemat"),
        ("en", "The question asked", "Themes"),
        ("de", "The question asked", "Themes"),
    ],
)
def test_labels_follow_the_tenant_language(language: str, heading: str, themes: str) -> None:
    html = render_html(_report(language))
    assert f"<h2>{heading}</h2>" in html
    assert f"<h2>{themes}</h2>" in html
    assert f'<html lang="{language_of(language)}">' in html


def test_every_language_has_every_text() -> None:
    english = labels("en")
    for language in ("sv", "da", "nb", "fi"):
        texts = labels(language)
        assert texts.keys() == english.keys()
        changed = [k for k in texts if texts[k] != english[k]]
        assert len(changed) == len(texts), (language, set(texts) - set(changed))
    assert number(7.25, "sv", 2) == "7,25"
    assert number(7.25, "en", 2) == "7.25"


def test_long_quotes_are_cut_at_a_word() -> None:
    assert excerpt("short") == "short"
    cut = excerpt("word " * 200, 50)
    assert len(cut) <= 51
    assert cut.endswith("word…")


def test_opinion_groups_and_consensus_show_escaped_when_the_report_has_them() -> None:
    section = OpinionSection(
        groups=(("A", 12, ("More paths " + SCRIPT,)), ("B", 7, ())),
        consensus=("Safer crossings",),
    )
    html = render_html(_report(opinions=section))
    assert "<h2>Opinion groups</h2>" in html
    assert "<h3>Group A</h3>" in html
    assert "More paths &lt;script&gt;" in html
    assert "<h3>Statements most groups agree on</h3>" in html
    assert "Safer crossings" in html
    assert html.count('class="chart" role="img"') == 3


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine recording every path asked of it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_the_pdf_renderer_fetches_no_url_and_reads_no_file(
    local_server: tuple[str, list[str]], tmp_path: object
) -> None:
    base, asked = local_server
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/style.css">'
        f"<style>@import url('{base}/import.css'); body {{ background: url('{base}/bg.png') }}"
        f"</style></head><body><h1>Probe</h1><img src='{base}/img.png'>"
        "<img src='file:///etc/hostname'><img src='/etc/hostname'>"
        f"<svg width='10' height='10'><image href='{base}/svg.png' width='10' height='10'/>"
        "</svg></body></html>"
    )
    pdf = PdfReader(io.BytesIO(render_pdf(html)))
    assert asked == []
    assert "Probe" in page_texts(pdf)
    # no image made it in: nothing was read from the server or the disk
    assert all(not page.images for page in pdf.pages)


def test_the_pdf_holds_the_texts_the_charts_and_the_logo() -> None:
    pdf = PdfReader(io.BytesIO(render_pdf(render_html(_report()))))
    assert len(pdf.pages) >= 1
    text = page_texts(pdf)
    for heading in ("The question asked", "1. Cycle paths", "2. Lights in the parks"):
        assert heading in text
    assert "Participation per day" in text
    # the charts are vector drawings in the page: rectangles filled in the tenant's colour.
    # The same report without days or themes (so without charts) has the page's own few; the
    # charts add the participation chart's post bars (two days of three had posts) and its
    # legend, and the themes chart's two size bars.
    bare = render_html(_report(participation=Participation(0, 0, 0, 0, ()), themes=()))
    without = filled_rectangles(PdfReader(io.BytesIO(render_pdf(bare))), PRIMARY)
    assert filled_rectangles(pdf, PRIMARY) - without >= 2 + 1 + 2
    # the logo, the one image (WeasyPrint lists it in the resources every page shares)
    assert {image.name for page in pdf.pages for image in page.images} == {
        pdf.pages[0].images[0].name
    }
