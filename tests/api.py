"""Driving the HTTP API in tests: a client on the app, a municipality, people with tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.identity.access import Role, SignIn
from tenants.service import TenantChanges
from tests.helpers import unique_slug
from tests.smtp import Inbox
from tinget.bootstrap import Platform


@dataclass
class Town:
    slug: str
    host: str

    def headers(self, token: str | None = None, language: str | None = None) -> dict[str, str]:
        """The host, the token when given, and the language asked for (``Accept-Language``)
        when given: without one, the town answers in its default language."""
        headers = {"host": self.host}
        if language is not None:
            headers["accept-language"] = language
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        return headers


async def create_town(platform: Platform, name: str = "Lund") -> Town:
    slug = unique_slug()
    host = f"{slug}.example"
    await platform.tenants.create(slug, name, "sv", hosts=[host])
    await platform.tenants.update(slug, TenantChanges(committees=["Transport", "Education"]))
    await platform.catch_up_projections()
    return Town(slug, host)


async def staff_token(platform: Platform, town: Town, email: str, role: Role) -> str:
    """A staff member signed in the way an operator sets one up: recorded, then a token."""
    person_id = await platform.identity.add_staff(town.slug, email, role)
    return platform.identity.tokens.issue(town.slug, person_id, role, SignIn.EMAIL).token


async def device_token(client: httpx.AsyncClient, town: Town) -> str:
    response = await client.post("/api/v1/sessions/device", headers=town.headers())
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def link_code(inbox: Inbox) -> str:
    """The code of the last sign-in link e-mailed."""
    body = inbox.messages()[-1].get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"/sign-in\?code=([A-Za-z0-9_-]+)", body.get_content())
    assert found is not None
    return found.group(1)


def dialog_body(kind: str = "proposals", **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "kind": kind,
        "title": "Safer cycling to school",
        "purpose": "Find out where children need safer routes",
        "instructions": "Propose a change; support the ones you agree with",
        "committee": "Transport",
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
    }
    body.update(changes)
    return body


async def open_dialog(
    client: httpx.AsyncClient, town: Town, admin: str, **changes: Any
) -> dict[str, Any]:
    """A dialog created and published by an administrator, open now."""
    created = await client.post(
        "/api/v1/dialogs", json=dialog_body(**changes), headers=town.headers(admin)
    )
    assert created.status_code == 201, created.text
    published = await client.post(
        f"/api/v1/dialogs/{created.json()['id']}/publish", headers=town.headers(admin)
    )
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    return body
