"""Two things of the citizens' pages over plain HTTP (no JavaScript): a browser asking for a
path no page has gets the 404 page in the municipality's branding and language (clients
that want JSON, and every path of the API, keep the JSON problem); and a dialog's page shows
its posts 20 at a time, newest first, with links to the older ones (``?before=``), refusing
a ``before`` it did not give out with a 400 page naming it."""

from __future__ import annotations

import asyncio
import base64
import html
import re

import httpx
import pytest

from events.texts import gettext
from services.identity.access import SignIn
from tenants.service import TenantChanges
from tests.api import Town, open_dialog
from tests.test_citizen_pages import (  # noqa: F401 (projecting: the fixture)
    HOST_CACHE,
    MAX_PAGE,
    projecting,
    sign_in,
    supports,
)
from tinget.bootstrap import Platform

# What Chromium sends when it navigates to a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
UNKNOWN = (
    "/nowhere",
    "/a/b/c",
    "/dialogs",
    "/dialogs/not-an-id/comments",
    "/dialogs/00000000-0000-0000-0000-000000000000/x/y",
    "/dialogs/00000000-0000-0000-0000-000000000000/posts",
    "/dialogs/00000000-0000-0000-0000-000000000000/posts/1",
    "/dialogs/00000000-0000-0000-0000-000000000000/posts/1/support/more",
    "/me/nowhere",
    "/sign-in/nowhere",
    "/apiary",
)


async def test_a_browser_asking_for_an_unknown_path_gets_the_municipalitys_404_page(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.tenants.update(town.slug, TenantChanges(primary_colour="#7a1f3d"))
    await platform.catch_up_projections()
    await asyncio.sleep(HOST_CACHE)  # the host's entry, read before the change, renews
    browser = {**town.headers(), "accept": BROWSER}
    for path in UNKNOWN:
        page = await client.get(path, headers=browser)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert page.headers["content-language"] == "sv", path
        assert '<html lang="sv">' in page.text, path
        assert "<h1>Sidan finns inte</h1>" in page.text, path
        assert '<a href="/">Gå till startsidan</a>' in page.text, path  # back to the front
        assert "<span>Lund</span>" in page.text, path  # the municipality's header
        assert "background: #7a1f3d" in page.text, path  # and its colour
        assert page.headers["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
        assert len(page.content) < MAX_PAGE

    finnish = await client.get("/nowhere", headers={**browser, "accept-language": "fi"})
    assert finnish.status_code == 404
    assert finnish.headers["content-language"] == "fi"
    assert '<html lang="fi">' in finnish.text
    asked = await client.get("/nowhere?lang=en", headers=browser)
    assert asked.headers["content-language"] == "en"
    assert "<h1>Page not found</h1>" in asked.text
    assert '<a href="/?lang=en">Go to the front page</a>' in asked.text  # keeps the language
    hostile = await client.get("/%3Cscript%3Ealert(1)%3C/script%3E", headers=browser)
    assert hostile.status_code == 404
    assert "<script>alert" not in hostile.text

    head = await client.head("/nowhere", headers=browser)
    assert head.status_code == 404
    assert head.headers["content-type"].startswith("text/html")
    assert head.content == b""

    # A known page is still itself.
    assert (await client.get("/", headers=browser)).status_code == 200
    assert (await client.get("/sign-in", headers=browser)).status_code == 200


async def test_json_clients_the_api_and_unknown_hosts_keep_the_json_problem(
    client: httpx.AsyncClient, town: Town
) -> None:
    api = await client.get("/api/v1/nowhere", headers={**town.headers(), "accept": BROWSER})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    problem = api.json()
    assert problem["status"] == 404
    for path in ("/api", "/api/v1/dialogs/not-there/nowhere"):
        answer = await client.get(path, headers={**town.headers(), "accept": BROWSER})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("application/problem+json"), path

    for accept in (None, "*/*", "application/json", "application/json, text/html"):
        headers = town.headers() if accept is None else {**town.headers(), "accept": accept}
        for path in UNKNOWN:
            answer = await client.get(path, headers=headers)
            assert answer.status_code == 404, (path, accept)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["type"] == problem["type"], (path, accept)
            assert answer.json()["title"] == problem["title"], (path, accept)

    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):  # not a 405: nothing is there
        answer = await client.request(
            method, "/nowhere", headers={**town.headers(), "accept": BROWSER}
        )
        assert answer.status_code == 404, method
        assert answer.headers["content-type"].startswith("application/problem+json"), method

    form = "/dialogs/00000000-0000-0000-0000-000000000000/votes"  # a form's own address
    opened = await client.get(form, headers={**town.headers(), "accept": BROWSER})
    assert opened.status_code == 303  # it is there, for its form's POST: on to its page
    assert opened.headers["location"] == "/dialogs/00000000-0000-0000-0000-000000000000"
    refused = await client.get(form, headers={**town.headers(), "accept": "application/json"})
    assert refused.status_code == 405
    assert "POST" in refused.headers["allow"]

    elsewhere = await client.get("/nowhere", headers={"host": "nowhere.example", "accept": BROWSER})
    assert elsewhere.status_code == 404  # an unknown host gets no municipality's page
    assert elsewhere.headers["content-type"].startswith("application/problem+json")
    assert "<html" not in elsewhere.text


async def post_many(
    client: httpx.AsyncClient, platform: Platform, town: Town, dialog_id: str, count: int
) -> list[str]:
    """``count`` proposals in the dialog, oldest first: their ids (titles "Förslag 0"...)."""
    ids = []
    for n in range(count):
        author = await platform.identity.people.by_email(town.slug, f"skribent-{n % 5}@example.se")
        token = (await platform.identity.token_for(town.slug, author, SignIn.EMAIL)).token
        posted = await client.post(
            f"/api/v1/dialogs/{dialog_id}/posts",
            json={"kind": "proposal", "title": f"Förslag {n}", "body": f"Text {n}"},
            headers=town.headers(token),
        )
        assert posted.status_code == 201, posted.text
        ids.append(posted.json()["id"])
    await platform.catch_up_projections()
    return ids


def encoded(cursor: str) -> str:
    """A cursor as the pages write one (URL-safe base64 of its JSON, unpadded)."""
    return base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=")


def shown_posts(page: httpx.Response) -> list[str]:
    return re.findall(r'<li class="card" id="post-([0-9a-f-]+)">', page.text)


def link(page: httpx.Response, name: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="{name}">', page.text)
    return None if found is None else html.unescape(found.group(1))


async def test_a_dialogs_page_leads_to_its_older_posts_twenty_at_a_time(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    ids = await post_many(client, platform, town, dialog["id"], 43)
    newest_first = list(reversed(ids))
    path = f"/dialogs/{dialog['id']}"

    first = await client.get(path, headers=town.headers())
    assert first.status_code == 200, first.text
    assert shown_posts(first) == newest_first[:20]
    assert "De 20 senaste av 43 inlägg." in first.text
    assert link(first, "newest-posts") is None
    older = link(first, "older-posts")
    assert older is not None
    assert older.startswith(f"{path}?before=")
    assert older.endswith("#posts")

    second = await client.get(older, headers=town.headers())
    assert second.status_code == 200, second.text
    assert shown_posts(second) == newest_first[20:40]
    assert "Äldre inlägg: 20 av 43 totalt." in second.text
    assert link(second, "newest-posts") == f"{path}#posts"
    assert len(second.content) < MAX_PAGE
    oldest_link = link(second, "older-posts")
    assert oldest_link is not None

    third = await client.get(oldest_link, headers=town.headers())
    assert shown_posts(third) == newest_first[40:]  # the three oldest
    assert link(third, "older-posts") is None  # the end
    assert link(third, "newest-posts") == f"{path}#posts"
    seen = shown_posts(first) + shown_posts(second) + shown_posts(third)
    assert sorted(seen) == sorted(ids)  # each post once, none left out

    # The language asked for stays with the links.
    english = await client.get(path, params={"lang": "en"}, headers=town.headers())
    older_en = link(english, "older-posts")
    assert older_en is not None
    assert "lang=en" in older_en
    second_en = await client.get(older_en, headers=town.headers())
    assert second_en.headers["content-language"] == "en"
    assert "Older posts: 20 of 43 in all." in second_en.text
    assert link(second_en, "newest-posts") == f"{path}?lang=en#posts"


async def test_a_before_the_page_did_not_give_out_is_a_400_page_naming_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    await post_many(client, platform, town, dialog["id"], 2)
    path = f"/dialogs/{dialog['id']}"
    swedish = gettext("sv", "is not a link to older posts that this site gave out")
    finnish = gettext("fi", "is not a link to older posts that this site gave out")
    assert swedish != finnish
    post = "00000000-0000-0000-0000-000000000000"
    made_up = [  # well-formed, but no time a page gives out
        encoded(f'["2026-01-01T00:00:00","{post}"]'),  # no time zone
        encoded(f'["0001-01-01T00:00:00+14:00","{post}"]'),  # before year 1 in UTC
        encoded(f'["9999-12-31T23:59:59-14:00","{post}"]'),  # after year 9999 in UTC
    ]
    for bad in ("garbage", "!!!", "W10", "eyJ4IjoxfQ", "a" * 201, "WyJ4IiwieSJd", *made_up):
        answer = await client.get(path, params={"before": bad}, headers=town.headers())
        assert answer.status_code == 400, bad
        assert answer.headers["content-type"].startswith("text/html"), bad
        assert f"before: {swedish}" in answer.text, bad
        assert "Safer cycling to school" in answer.text  # the dialog's page, with its newest
        assert len(shown_posts(answer)) == 2, bad
    in_finnish = await client.get(
        path, params={"before": "garbage"}, headers={**town.headers(), "accept-language": "fi"}
    )
    assert in_finnish.status_code == 400
    assert in_finnish.headers["content-language"] == "fi"
    assert f"before: {finnish}" in in_finnish.text
    empty = await client.get(path, params={"before": ""}, headers=town.headers())
    assert empty.status_code == 200  # no cursor: the newest posts


@pytest.mark.usefixtures("projecting")
async def test_a_support_on_a_page_of_older_posts_leads_back_to_that_page(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin)
    ids = await post_many(client, platform, town, dialog["id"], 22)
    path = f"/dialogs/{dialog['id']}"
    await sign_in(client, platform, town, "aldre@example.se")
    first = await client.get(path, headers=town.headers())
    older = link(first, "older-posts")
    assert older is not None
    before = older.removeprefix(f"{path}?").removesuffix("#posts")
    second = await client.get(older, headers=town.headers())
    oldest = ids[0]
    assert oldest in shown_posts(second)
    action = f"{path}/posts/{oldest}/support?{before}"
    assert f'action="{html.escape(action)}"' in second.text  # the form keeps the page

    supported = await client.post(action, headers=town.headers())
    assert supported.status_code == 303, supported.text
    location = supported.headers["location"]
    assert location.startswith(f"{path}?done=support&{before}")
    assert location.endswith(f"#post-{oldest}")
    shown = await client.get(location, headers=town.headers())
    assert oldest in shown_posts(shown)  # the same page of older posts, counted
    assert supports(shown, oldest) == "Stöd: 1"
    assert "Tack! Ditt stöd är räknat." in shown.text
