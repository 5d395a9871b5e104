"""An analysis's machine suggestions over HTTP: the groups of its published items with
headings and evidence, the near-duplicate pair among them, the same answer again until the
items change; 404 for an analyst who is no member, another municipality's administrator and
an unknown analysis. Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from services.identity.access import Role
from tests.api import create_town, device_token, staff_token
from tests.helpers import caught_up
from tests.test_analysis_http import Setting, _start
from tests.test_analysis_http import setting as setting  # the fixture
from tinget.bootstrap import Platform

CYCLING = [
    ("Cykelbana till skolan", "Fler cykelbanor behövs längs vägen till skolan."),
    ("Säker cykelbana", "Bygg en säker cykelbana till skolan, barnen cyklar i trafiken."),
    ("Smala cykelbanor", "Cykelbanorna i centrum är för smala, bredda cykelbanan."),
    ("Cykelbana saknas", "Cykelbana saknas mellan stationen och skolan."),
    ("Måla cykelbanorna", "Måla cykelbanorna så att bilister ser cyklisterna."),
]
LIGHTS = [
    ("Mörka parker", "Parkerna är mörka på kvällen, sätt upp lampor i parken."),
    ("Belysning i parken", "Belysning i parken behövs, det är otryggt när det är mörkt."),
    ("Lampor längs gångvägen", "Fler lampor längs gångvägen genom parken."),
    ("Tänd belysningen", "Tänd belysningen i parken hela natten, den är för mörk."),
    ("Trasiga lampor", "Parkens lampor är trasiga och det är mörkt."),
]
COPY = ("Cykelbana till skolan!", "Fler cykelbanor behövs längs vägen till skolan!")


async def _post(client: httpx.AsyncClient, s: Setting, token: str, title: str, body: str) -> str:
    made = await client.post(
        f"/api/v1/dialogs/{s.dialog['id']}/posts",
        json={"title": title, "body": body},
        headers=s.headers(token),
    )
    assert made.status_code == 201, made.text
    post_id: str = made.json()["id"]
    return post_id


async def _suggestions(
    client: httpx.AsyncClient, platform: Platform, s: Setting, aid: str, token: str
) -> dict[str, Any]:
    await caught_up(platform)
    answer = await client.get(f"/api/v1/analyses/{aid}/suggestions", headers=s.headers(token))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_members_see_suggested_groups_and_near_duplicates_of_the_items(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    aid = (await _start(client, s))["id"]
    cycling: list[str] = []
    lights: list[str] = []
    tokens = [await device_token(client, s.town) for _ in range(3)]
    for n, ((ct, cb), (lt, lb)) in enumerate(zip(CYCLING, LIGHTS, strict=True)):
        token = tokens[n // 2]
        cycling.append(await _post(client, s, token, ct, cb))
        lights.append(await _post(client, s, token, lt, lb))
    copy = await _post(client, s, await device_token(client, s.town), *COPY)
    published = {*s.posts[:3], *cycling, *lights, copy}

    found = await _suggestions(client, platform, s, aid, s.analysts[1])
    assert found["analysis_id"] == aid
    assert found["items"] == len(published) == 14
    assert found["truncated"] is False
    assert found["method"] == "tfidf"
    assert 0 < found["silhouette"] <= 1
    groups = found["groups"]
    assert len(groups) >= 2
    # every published item in one group, the hidden post in none
    placed = [i for g in groups for i in g["item_ids"]]
    assert sorted(placed) == sorted(published)
    assert s.posts[3] not in placed
    for group in groups:
        assert group["heading"]
        assert group["terms"]
        assert group["closest"] == group["item_ids"][:3]
    # the cycle paths and the park lights are not put together
    for group in groups:
        assert not (set(group["item_ids"]) & set(cycling) and set(group["item_ids"]) & set(lights))
    biggest_cycling = max(groups, key=lambda g: len(set(g["item_ids"]) & set(cycling)))
    assert any(t.startswith("cykelban") for t in biggest_cycling["terms"])

    # the copy of the first cycling post is its near-duplicate
    pairs = {frozenset((d["first"], d["second"])): d["similarity"] for d in found["duplicates"]}
    assert pairs[frozenset((cycling[0], copy))] >= 0.95
    assert all(0.8 <= v <= 1 for v in pairs.values())

    # the same items give the same suggestions; a new item makes them again
    again = await _suggestions(client, platform, s, aid, s.admin)
    assert again == found
    await _post(client, s, await device_token(client, s.town), "Träd", "Plantera fler träd.")
    changed = await _suggestions(client, platform, s, aid, s.analysts[0])
    assert changed["digest"] != found["digest"]
    assert changed["items"] == 15


async def test_only_members_see_the_suggestions(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    s = setting
    aid = (await _start(client, s))["id"]
    await caught_up(platform)
    few = await _suggestions(client, platform, s, aid, s.analysts[0])
    assert few["items"] == 3
    assert few["groups"] == []  # too few items to group
    assert few["silhouette"] is None

    other = await create_town(platform, "Malmö")
    other_admin = await staff_token(platform, other, f"admin@{other.slug}.se", Role.ADMINISTRATOR)
    for headers in (s.headers(s.outsider), other.headers(other_admin)):
        answer = await client.get(f"/api/v1/analyses/{aid}/suggestions", headers=headers)
        assert answer.status_code == 404, answer.text
    unknown = await client.get(
        "/api/v1/analyses/00000000-0000-4000-8000-000000000000/suggestions",
        headers=s.headers(s.admin),
    )
    assert unknown.status_code == 404, unknown.text
    citizen = await device_token(client, s.town)
    answer = await client.get(f"/api/v1/analyses/{aid}/suggestions", headers=s.headers(citizen))
    assert answer.status_code in (403, 404), answer.text


async def test_an_accepted_suggestion_becomes_a_theme_with_its_evidence_recorded(
    client: httpx.AsyncClient, platform: Platform, setting: Setting
) -> None:
    """A member accepts a suggested group: a theme with its items and the suggested heading,
    and ``ThemeSuggestionAccepted`` naming the digest, the group and its terms. Suggestions of
    items that changed since (409 naming ``digest``), a group they do not have (422 naming
    ``group``) and a caller who is no member (404) make no theme."""
    s = setting
    aid = (await _start(client, s))["id"]
    tokens = [await device_token(client, s.town) for _ in range(3)]
    for n, ((ct, cb), (lt, lb)) in enumerate(zip(CYCLING, LIGHTS, strict=True)):
        await _post(client, s, tokens[n // 2], ct, cb)
        await _post(client, s, tokens[n // 2], lt, lb)
    found = await _suggestions(client, platform, s, aid, s.analysts[0])
    digest, chosen = found["digest"], found["groups"][0]
    base = f"/api/v1/analyses/{aid}/suggestions"
    member = s.headers(s.analysts[0])

    refused = [
        await client.post(
            f"{base}/{digest}/groups/{len(found['groups'])}/theme", json={}, headers=member
        ),
        await client.post(f"{base}/{digest}/groups/-1/theme", json={}, headers=member),
        await client.post(f"{base}/{'0' * 32}/groups/0/theme", json={}, headers=member),
        await client.post(
            f"{base}/{digest}/groups/0/theme", json={}, headers=s.headers(s.outsider)
        ),
        await client.post(f"{base}/{digest}/groups/0/theme", json={"heading": ""}, headers=member),
    ]
    assert [r.status_code for r in refused] == [422, 422, 409, 404, 400], [r.text for r in refused]
    assert refused[0].json()["field"] == "group"
    assert refused[2].json()["field"] == "digest"
    await caught_up(platform)
    listed = await client.get(f"/api/v1/analyses/{aid}/themes", headers=member)
    assert listed.json()["items"] == []  # nothing was made

    made = await client.post(f"{base}/{digest}/groups/0/theme", json={}, headers=member)
    assert made.status_code == 201, made.text
    theme = made.json()
    assert theme["heading"] == chosen["heading"]
    assert theme["items"] == chosen["item_ids"]
    recorded = await platform.store.read_stream(s.town.slug, theme["id"])
    assert [r.event_type for r in recorded] == ["ThemeCreated", "ThemeSuggestionAccepted"]
    evidence = msgspec.json.decode(recorded[1].data)
    assert evidence["digest"] == digest
    assert evidence["group"] == 0
    assert evidence["terms"] == chosen["terms"]

    named = await client.post(
        f"{base}/{digest}/groups/1/theme",
        json={"heading": "Ljus i parken", "summary": "Lampor och belysning"},
        headers=member,
    )
    assert named.status_code == 201, named.text
    assert named.json()["heading"] == "Ljus i parken"

    await _post(client, s, await device_token(client, s.town), "Träd", "Plantera fler träd.")
    await caught_up(platform)
    stale = await client.post(f"{base}/{digest}/groups/0/theme", json={}, headers=member)
    assert stale.status_code == 409
    assert stale.json()["field"] == "digest"
