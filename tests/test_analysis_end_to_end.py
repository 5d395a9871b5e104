"""The analysis group's work end to end over HTTP, as issue 14 asks it to be proved: a Swedish
municipality's proposals dialog gets 300 posts from 30 citizens (questions about building from
a public Swedish FAQ, some of them asked twice in shorter words); three analysts code, rate
and group them; a machine suggestion becomes a theme; a near-duplicate is merged into the
post it repeats (its supporter counts there, and both authors are told); an idea from the
best-rated post is taken through every stage to a committee's decision that reaches the
people behind it; and the committee's report comes as HTML and as a PDF, read back for its
pages, its headings and its charts. Real PostgreSQL, NATS and SMTP behind the gateway app."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from services.identity.access import Role
from tenants.service import TenantChanges
from tests.api import Town, open_dialog, staff_token
from tests.helpers import caught_up
from tests.notify import Person, mails, person_with_address, send_round, text_of
from tests.pdf import filled_rectangles, page_texts
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

CORPUS = Path(__file__).parent / "data" / "construction_faq.json"
PRIMARY = "#1f5c99"
POSTS = 300
CITIZENS = 30  # ten posts each, under the limit of twenty a minute


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


def _texts() -> list[tuple[str, str]]:
    """300 (title, body) in Swedish: each of the corpus's Swedish questions with its answer,
    then the first ones asked again as the question alone (near-duplicates of the first)."""
    items = json.loads(CORPUS.read_text(encoding="utf-8"))["items"]
    swedish = [i["text"] for i in items if i["language"] == "sv" and "?" in i["text"]]
    full = [(text.split("?")[0][:120] + "?", text) for text in swedish]
    again = [(title, title) for title, _ in full]
    return (full + again)[:POSTS]


async def _deliver_all(platform: Platform) -> None:
    """Rounds of the sender until one sends nothing (a round sends at most a batch, and every
    post's author is told it was published)."""
    for _ in range(20):
        report = await send_round(platform)
        if not sum(report.counts.values()):
            return
    raise AssertionError("the outbox did not empty")


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_three_analysts_take_300_swedish_posts_to_a_decision_and_a_report(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(primary_colour=PRIMARY))
    analysts = [
        await staff_token(platform, town, f"analytiker{n}@{town.slug}.se", Role.ANALYST)
        for n in range(3)
    ]
    analyst_ids = [
        (await _ok(await client.get("/api/v1/me", headers=town.headers(t))))["person_id"]
        for t in analysts
    ]
    citizens: list[Person] = [
        await person_with_address(platform, town, f"medborgare{n}@example.se")
        for n in range(CITIZENS)
    ]
    dialog = await open_dialog(client, town, admin, title="Bygga i kommunen")
    texts = _texts()
    posts: list[str] = []
    for n, (title, body) in enumerate(texts):
        author = citizens[n % CITIZENS]
        made = await _ok(
            await client.post(
                f"/api/v1/dialogs/{dialog['id']}/posts",
                json={"title": title, "body": body},
                headers=town.headers(author.token),
            ),
            201,
        )
        posts.append(made["id"])
    assert len(posts) == POSTS
    original, repeat = posts[0], posts[texts.index((texts[0][0], texts[0][0]))]
    author_of = {p: citizens[n % CITIZENS] for n, p in enumerate(posts)}
    supporter = citizens[7]  # supports the repeat only: the merge carries the support over
    await _ok(
        await client.post(
            f"/api/v1/posts/{repeat}/supports", headers=town.headers(supporter.token)
        ),
        201,
    )

    analysis = await _ok(
        await client.post(
            "/api/v1/analyses",
            json={"title": "Byggfrågor", "dialog_ids": [dialog["id"]], "members": analyst_ids},
            headers=town.headers(admin),
        ),
        201,
    )
    url = f"/api/v1/analyses/{analysis['id']}"
    await caught_up(platform)
    page = await _ok(await client.get(f"{url}/items?limit=100", headers=town.headers(analysts[0])))
    assert len(page["items"]) == 100

    # a codebook nested one level; each analyst tags and rates the first 30 posts
    permits = await _ok(
        await client.post(
            f"{url}/codes", json={"label": "Bygglov"}, headers=town.headers(analysts[0])
        ),
        201,
    )
    roofs = await _ok(
        await client.post(
            f"{url}/codes",
            json={"label": "Tak", "parent_id": permits["id"]},
            headers=town.headers(analysts[1]),
        ),
        201,
    )
    for n, post_id in enumerate(posts[:30]):
        code = permits["id"] if n % 2 else roofs["id"]
        await _ok(
            await client.put(
                f"{url}/items/{post_id}/codes",
                json={"codes": [code]},
                headers=town.headers(analysts[n % 3]),
            )
        )
        for a, token in enumerate(analysts):
            rating = 10 if post_id == original else max(1, min(10, (n % 9) + 1 + (a - 1)))
            await _ok(
                await client.put(
                    f"{url}/items/{post_id}/rating",
                    json={"rating": rating},
                    headers=town.headers(token),
                )
            )
    await caught_up(platform)  # the agreement is computed over the read model's ratings
    read = await _ok(await client.get(url, headers=town.headers(admin)))
    assert read["agreement"] is not None
    assert read["agreement"] > 0.5  # they mostly agree
    theme = await _ok(
        await client.post(
            f"{url}/themes",
            json={"heading": "Bygglov och tak", "summary": "Frågor om lov.", "items": posts[:10]},
            headers=town.headers(analysts[2]),
        ),
        201,
    )

    # a machine suggestion accepted as a theme
    await caught_up(platform)
    suggested = await _ok(await client.get(f"{url}/suggestions", headers=town.headers(analysts[0])))
    assert suggested["items"] == POSTS
    assert len(suggested["groups"]) >= 2
    pairs = {frozenset((d["first"], d["second"])) for d in suggested["duplicates"]}
    accepted = await _ok(
        await client.post(
            f"{url}/suggestions/{suggested['digest']}/groups/0/theme",
            json={},
            headers=town.headers(analysts[1]),
        ),
        201,
    )
    assert accepted["items"] == suggested["groups"][0]["item_ids"]

    # the repeat merged into the post it repeats: its support counts there, both told
    assert pairs, "near-duplicates are suggested"
    before = await _ok(await client.get(f"/api/v1/posts/{original}", headers=town.headers()))
    await _ok(
        await client.post(
            f"{url}/merges",
            json={"duplicate_id": repeat, "into_id": original},
            headers=town.headers(analysts[0]),
        ),
        201,
    )
    await caught_up(platform)
    after = await _ok(await client.get(f"/api/v1/posts/{original}", headers=town.headers()))
    assert after["supports"] == before["supports"] + 1
    merged = await _ok(await client.get(f"/api/v1/posts/{repeat}", headers=town.headers()))
    assert (merged["status"], merged["merged_into"]) == ("merged", original)
    await _deliver_all(platform)
    told = {m["To"] for m in mails(smtp.inbox, "post-merged")}
    assert {author_of[original].email, author_of[repeat].email} <= told

    # the best-rated post becomes an idea, taken through every stage to a decision
    ranked = await _ok(
        await client.get(f"{url}/items?sort=rating&limit=1", headers=town.headers(analysts[0]))
    )
    assert [i["id"] for i in ranked["items"]] == [original]
    idea = await _ok(
        await client.post(
            f"{url}/ideas",
            json={"title": "Tydligare besked om bygglov", "items": [original]},
            headers=town.headers(analysts[0]),
        ),
        201,
    )
    idea_url = f"{url}/ideas/{idea['id']}"
    for stage, answers in (
        ("assessed", {"need": "Många frågar", "feasibility": "Ja"}),
        ("developed", {"cost": "Liten", "responsible": "Bygglovsenheten"}),
        ("ready-for-decision", {"recommendation": "Genomför"}),
    ):
        await _ok(
            await client.put(
                f"{idea_url}/answers", json={"answers": answers}, headers=town.headers(analysts[2])
            )
        )
        await _ok(
            await client.post(
                f"{idea_url}/stage", json={"stage": stage}, headers=town.headers(analysts[2])
            )
        )
    decided = await _ok(
        await client.post(
            f"{idea_url}/decision",
            json={
                "outcome": "adopted",
                "committee": "Transport",
                "decided_on": "2026-12-01",
                "text": "Kommunen skriver en vägledning om bygglov.",
            },
            headers=town.headers(admin),
        ),
        201,
    )
    assert decided["stage"] == "decided"
    await _deliver_all(platform)
    reached = {m["To"] for m in mails(smtp.inbox, "decision-recorded")}
    # the post's author, and its supporter through the merged repeat
    assert {author_of[original].email, supporter.email} <= reached
    assert any("vägledning" in text_of(m) for m in mails(smtp.inbox, "decision-recorded"))

    # the committee's report, as HTML and as a PDF read back
    html = await client.get(f"{url}/report", headers=town.headers(analysts[1]))
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    for heading in (theme["heading"], accepted["heading"], "Bygga i kommunen", "<svg"):
        assert heading in html.text, heading
    pdf_answer = await client.get(f"{url}/report?format=pdf", headers=town.headers(analysts[1]))
    assert pdf_answer.status_code == 200, pdf_answer.text
    pdf = PdfReader(io.BytesIO(pdf_answer.content))
    assert len(pdf.pages) >= 2
    text = page_texts(pdf)
    assert theme["heading"] in text
    assert "Bygga i kommunen" in text
    assert filled_rectangles(pdf, PRIMARY) >= 4  # the participation and themes charts' bars
