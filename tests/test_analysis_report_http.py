"""The committee report over HTTP and from the command line: an analysis over a proposals
dialog (one post hidden) and a pre-moderated dialog (one post waiting), with themes, ratings
and hostile texts, in a Swedish municipality with its own colour and logo. The HTML holds the
Swedish headings, the themes, quotes of published posts only (the author named only when the
post was not anonymous), SVG charts and every hostile text escaped; the PDF read back holds
the pages, the headings and the charts as vector drawings. A committee decision replaces the
default next step; an erased author is neither named nor quoted. Non-members get 404, a bad
format or Accept is refused naming its field, a PDF with every slot taken is 429. The command
writes the same report. Real PostgreSQL and NATS behind the app."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, create_town, open_dialog, staff_token
from tests.helpers import caught_up, cli
from tests.images import png
from tests.pdf import filled_rectangles, page_texts
from tests.test_analysis_http import POSTS, Setting, make_setting, problem_fields
from tests.test_gamification import person
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform

PRIMARY = "#0A7B83"
SCRIPT_POST = "<script>alert('inlägg')</script> Säkra korsningar vid skolan"
BREAKOUT_HEADING = '"><img src=x onerror=alert(1)> Trygghet'
ANONYMOUS_TEXT = "Jag vill inte synas men vill ha fler övergångsställen"
PENDING_TEXT = "Det här inlägget väntar på granskning"
HIDDEN_TEXT = POSTS[3][1]


class Report:
    """A setting with an analysis, its themes and ratings; what the tests read."""

    def __init__(self, s: Setting, analysis_id: str) -> None:
        self.s = s
        self.id = analysis_id
        self.url = f"/api/v1/analyses/{analysis_id}/report"
        self.anna = ""  # the token of the participant with a display name


async def _post(client: httpx.AsyncClient, town: Town, token: str, dialog: str, **body: Any) -> str:
    made = await client.post(
        f"/api/v1/dialogs/{dialog}/posts", json=body, headers=town.headers(token)
    )
    assert made.status_code == 201, made.text
    post_id: str = made.json()["id"]
    return post_id


async def _made(client: httpx.AsyncClient, platform: Platform, town: Town, admin: str) -> Report:
    # the branding first: the gateway keeps a host's tenant for a while
    await platform.tenants.update(town.slug, TenantChanges(primary_colour=PRIMARY))
    await platform.tenants.set_logo(town.slug, png("logo"))
    await platform.catch_up_projections()
    s = await make_setting(client, platform, town, admin)
    anna = await person(platform, town, "Anna Berg")
    await _post(client, town, anna, s.dialog["id"], title="Korsningar", body=SCRIPT_POST)
    await _post(
        client,
        town,
        anna,
        s.dialog["id"],
        title="Övergångar",
        body=ANONYMOUS_TEXT,
        anonymous=True,
    )
    moderated = await open_dialog(client, town, admin, settings={"premoderation": True})
    await _post(client, town, anna, moderated["id"], title="Väntar", body=PENDING_TEXT)
    started = await client.post(
        "/api/v1/analyses",
        json={
            "title": "Skolvägar",
            "dialog_ids": [s.dialog["id"], moderated["id"]],
            "members": s.analyst_ids,
        },
        headers=s.headers(admin),
    )
    assert started.status_code == 201, started.text
    made = Report(s, started.json()["id"])
    made.anna = anna
    return made


async def _themes(client: httpx.AsyncClient, r: Report, named: list[str], other: list[str]) -> None:
    for heading, items in (("Trafik", named), (BREAKOUT_HEADING, other)):
        made = await client.post(
            f"/api/v1/analyses/{r.id}/themes",
            json={"heading": heading, "summary": f"Om {heading}", "items": items},
            headers=r.s.headers(r.s.analysts[0]),
        )
        assert made.status_code == 201, made.text


async def _items(client: httpx.AsyncClient, platform: Platform, r: Report) -> dict[str, str]:
    """The analysis's item ids by their text, hidden and pending posts included (from the
    posts of its dialogs as the store has them)."""
    await caught_up(platform)
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT post_id::text, body FROM posts WHERE tenant_id = $1", r.s.town.slug
        )
    return {row["body"]: row["post_id"] for row in rows}


async def test_the_committee_report_as_html_and_pdf(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    r = await _made(client, platform, town, admin)
    s = r.s
    ids = await _items(client, platform, r)
    named, anonymous, pending = ids[SCRIPT_POST], ids[ANONYMOUS_TEXT], ids[PENDING_TEXT]
    hidden = ids[HIDDEN_TEXT]
    headers = s.headers(s.analysts[1])

    before = await client.get(r.url, params={"format": "pdf"}, headers=headers)
    assert before.status_code == 200, before.text

    await _themes(client, r, [named, anonymous, hidden, pending], [s.posts[1], s.posts[2]])
    for token, item, rating in ((s.analysts[0], s.posts[2], 9), (s.analysts[1], named, 7)):
        rated = await client.put(
            f"/api/v1/analyses/{r.id}/items/{item}/rating",
            json={"rating": rating},
            headers=s.headers(token),
        )
        assert rated.status_code == 200, rated.text
    await caught_up(platform)

    page = await client.get(r.url, headers=headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    # Swedish labels, the question, the figures
    for text in (
        '<html lang="sv">',
        "<h2>Frågan som ställdes</h2>",
        "<h3>Safer cycling to school</h3>",
        "<h2>Deltagande</h2>",
        "<h2>Teman</h2>",
        "Med deltagarnas ord",
        "<h2>De högst bedömda idéerna</h2>",
        "<h2>Vad händer nu</h2>",
        "1. Trafik",
        "Analysgruppen lämnar den här rapporten till Transport",
    ):
        assert text in html, text
    # hostile texts are escaped, nothing of them runs
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;inlägg&#39;)&lt;/script&gt; Säkra korsningar" in html
    assert "2. &#34;&gt;&lt;img src=x onerror=alert(1)&gt; Trygghet" in html
    # published posts only are quoted; the name only where the post was not anonymous
    assert HIDDEN_TEXT not in html
    assert PENDING_TEXT not in html
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", html, re.S)
    by_text = {q: re.search(r"<footer>— (.*?)</footer>", q).group(1) for q in quotes}  # type: ignore[union-attr]
    assert [a for q, a in by_text.items() if "Säkra korsningar" in q] == ["Anna Berg"]
    assert [a for q, a in by_text.items() if ANONYMOUS_TEXT in q] == ["en deltagare"]
    assert html.count("Anna Berg") == 2  # the quote and the top-rated list: the named post
    # the charts: inline SVG in the tenant's colour; the logo embedded
    assert html.count('class="chart" role="img"') == 2
    assert f'fill="{PRIMARY.lower()}"' in html
    assert '<img src="data:image/png;base64,' in html

    # a committee's decision on one of the posts is what happens next, instead of the default
    decided = await client.post(
        "/api/v1/decisions",
        json={
            "committee": "Transport",
            "decided_on": "2026-05-12",
            "text": "<b>Träd</b> planteras i vår",
            "reference": "§ 42",
            "dialog_ids": [],
            "post_ids": [s.posts[2]],
        },
        headers=s.headers(admin),
    )
    assert decided.status_code == 201, decided.text
    await caught_up(platform)
    after = (await client.get(r.url, headers=headers)).text
    assert "<strong>Beslut, Transport, 12 maj 2026 (§ 42):</strong>" in after
    assert "&lt;b&gt;Träd&lt;/b&gt; planteras i vår" in after
    assert "Analysgruppen lämnar" not in after

    by_accept = await client.get(r.url, headers={**headers, "accept": "application/pdf"})
    assert by_accept.status_code == 200, by_accept.text
    assert by_accept.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(by_accept.content))
    assert len(pdf.pages) >= 1
    text = page_texts(pdf)
    for heading in ("Frågan som ställdes", "1. Trafik", "Trygghet", "Inlägg i temat"):
        assert heading in text, heading
    assert "alert" in text  # the hostile texts are printed as text
    # the charts are drawn as vector graphics: the participation chart's bar and legend in
    # the tenant's colour before there were themes, and the themes chart's two size bars after
    baseline = filled_rectangles(PdfReader(io.BytesIO(before.content)), PRIMARY)
    assert baseline >= 2
    assert filled_rectangles(pdf, PRIMARY) - baseline >= 2
    assert len({i.name for p in pdf.pages for i in p.images}) == 1  # the logo
    assert PENDING_TEXT not in text
    assert HIDDEN_TEXT not in text

    # ?format= wins over Accept; Accept chooses by quality; bad ones are refused naming them
    html_anyway = await client.get(
        r.url, params={"format": "html"}, headers={**headers, "accept": "application/pdf"}
    )
    assert html_anyway.headers["content-type"].startswith("text/html")
    preferred = await client.get(
        r.url, headers={**headers, "accept": "text/html;q=0.5, application/pdf"}
    )
    assert preferred.headers["content-type"] == "application/pdf"
    bad = await client.get(r.url, params={"format": "docx"}, headers=headers)
    assert bad.status_code == 400, bad.text
    assert "format" in problem_fields(bad)
    unacceptable = await client.get(r.url, headers={**headers, "accept": "application/json"})
    assert unacceptable.status_code == 406, unacceptable.text
    assert problem_fields(unacceptable) >= {"accept"}

    # an erased author is neither named nor quoted any more
    me = await client.get("/api/v1/me", headers=town.headers(r.anna))
    assert me.status_code == 200, me.text
    erased = await client.post(
        f"/api/v1/people/{me.json()['person_id']}/erasure", headers=s.headers(admin)
    )
    assert erased.status_code in (200, 202), erased.text
    await caught_up(platform)
    forgotten = (await client.get(r.url, headers=headers)).text
    assert "Anna Berg" not in forgotten
    assert "Säkra korsningar" not in forgotten
    assert ANONYMOUS_TEXT not in forgotten
    assert "1. Trafik" in forgotten


async def test_only_members_see_the_report(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    r = await _made(client, platform, town, admin)
    s = r.s
    await caught_up(platform)
    other = await create_town(platform, "Malmö")
    stranger = await staff_token(platform, other, "admin@malmo.se", Role.ADMINISTRATOR)
    for headers in (s.headers(s.outsider), other.headers(stranger)):
        for params in ({"format": "html"}, {"format": "pdf"}):
            seen = await client.get(r.url, params=params, headers=headers)
            assert seen.status_code == 404, seen.text
    admin_sees = await client.get(r.url, headers=s.headers(admin))
    assert admin_sees.status_code == 200, admin_sees.text

    # PDFs are made a few at a time: with every slot of the process taken, one more is
    # refused at once with Retry-After (the HTML, cheap, is still answered)
    app = build_app(platform)
    app.state["report_export_slots"] = asyncio.Semaphore(0)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as busy:
        refused = await busy.get(r.url, params={"format": "pdf"}, headers=s.headers(admin))
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"] == "5"
        page = await busy.get(r.url, headers=s.headers(admin))
        assert page.status_code == 200, page.text
    # two at once are both made (the slots are two)
    both = await asyncio.gather(
        *(client.get(r.url, params={"format": "pdf"}, headers=s.headers(admin)) for _ in "ab")
    )
    assert [b.status_code for b in both] == [200, 200]


async def test_the_command_writes_the_report(
    client: httpx.AsyncClient,
    platform: Platform,
    town: Town,
    admin: str,
    addresses: Addresses,
    tmp_path: Path,
) -> None:
    r = await _made(client, platform, town, admin)
    await caught_up(platform)
    tinget = cli(addresses)
    out = tmp_path / "report.pdf"
    made = await asyncio.to_thread(
        tinget, "analysis", "report", r.id, "--tenant", town.slug, "--output", str(out)
    )
    assert made.returncode == 0, made.stderr
    pdf = PdfReader(out)
    assert "Frågan som ställdes" in page_texts(pdf)
    page = tmp_path / "report.html"
    made = await asyncio.to_thread(
        tinget,
        "analysis",
        "report",
        r.id,
        "--tenant",
        town.slug,
        "--format",
        "html",
        "--output",
        str(page),
    )
    assert made.returncode == 0, made.stderr
    assert "<h2>Teman</h2>" in page.read_text()
    unknown = await asyncio.to_thread(
        tinget,
        "analysis",
        "report",
        "00000000-0000-0000-0000-000000000000",
        "--tenant",
        town.slug,
        "--output",
        str(tmp_path / "none.pdf"),
    )
    assert unknown.returncode == 3, unknown.stderr
    assert not (tmp_path / "none.pdf").exists()
