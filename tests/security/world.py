"""A municipality with data of every kind, made over HTTP: the ground the security tests stand on.

Dialogs of every kind (open), one draft, posts, a threaded comment, supports, a signature, votes,
an uploaded image on a problem report with a status change, a flagged post, a hidden post with an
appeal, a blocked participant, a dialog closed with its results published (which notifies its
participants), and the audit trail the projections write for all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx

from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.images import png
from tests.notify import send_round
from tinget.bootstrap import Platform


@dataclass
class Someone:
    person_id: UUID
    token: str


@dataclass
class World:
    """One municipality's people, tokens and the ids of what they made."""

    town: Town
    admin: Someone
    moderator: Someone
    moderator2: Someone
    analyst: Someone
    participants: list[Someone]
    dialogs: dict[str, str] = field(default_factory=dict)  # kind (or "draft") -> id
    posts: dict[str, str] = field(default_factory=dict)  # role in the world -> id
    image: str = ""
    notifications: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every title and body written here

    def ids(self) -> set[str]:
        """Every id of this world that must never show up in another tenant's answers."""
        people = [self.admin, self.moderator, self.moderator2, self.analyst, *self.participants]
        return {
            *self.dialogs.values(),
            *self.posts.values(),
            *self.notifications,
            self.image,
            *(str(p.person_id) for p in people),
        }


async def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201)), response.text
    if not response.content:
        return {}
    body: dict[str, Any] = response.json()
    return body


async def _staff(platform: Platform, town: Town, email: str, role: Role) -> Someone:
    token = await staff_token(platform, town, email, role)
    person_id = platform.tokens.verify(token, town.slug).person_id
    return Someone(person_id, token)


async def _participant(client: httpx.AsyncClient, town: Town) -> Someone:
    token = await device_token(client, town)
    me = await _ok(await client.get("/api/v1/me", headers=town.headers(token)))
    return Someone(UUID(me["person_id"]), token)


async def build_world(client: httpx.AsyncClient, platform: Platform, name: str) -> World:
    """A municipality called ``name`` with data of every kind, its read models caught up."""
    town = await create_town(platform, name)
    world = World(
        town=town,
        admin=await _staff(platform, town, f"admin@{town.host}", Role.ADMINISTRATOR),
        moderator=await _staff(platform, town, f"mod@{town.host}", Role.MODERATOR),
        moderator2=await _staff(platform, town, f"mod2@{town.host}", Role.MODERATOR),
        analyst=await _staff(platform, town, f"analyst@{town.host}", Role.ANALYST),
        participants=[await _participant(client, town) for _ in range(3)],
    )
    admin = world.admin.token
    alice, bob, carl = world.participants
    kinds: dict[str, dict[str, Any]] = {
        "proposals": {"settings": {"support_threshold": 2}},
        "petition": {"settings": {"signature_goal": 10}},
        "poll": {"settings": {"question": "Which park?", "options": ["North", "South"]}},
        "vox-pop": {"settings": {"question": "A new bridge?"}},
        "problem-reports": {"settings": {"images": True}},
        "discussion": {},
        "suggestion-box": {},
    }
    for kind, changes in kinds.items():
        title = f"{name} {kind} dialog"
        opened = await open_dialog(client, town, admin, kind=kind, title=title, **changes)
        world.dialogs[kind] = opened["id"]
        world.texts.append(title)
    draft = await client.post(
        "/api/v1/dialogs",
        json={
            "kind": "discussion",
            "title": f"{name} draft dialog",
            "purpose": "Not yet published",
            "opens_at": "2030-01-01T00:00:00+00:00",
            "closes_at": "2030-02-01T00:00:00+00:00",
        },
        headers=town.headers(admin),
    )
    world.dialogs["draft"] = (await _ok(draft))["id"]
    world.texts.append(f"{name} draft dialog")

    async def send(path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``body`` to ``path`` as the holder of ``token``; it must succeed."""
        return await _ok(await client.post(path, json=body, headers=town.headers(token)))

    async def post(who: Someone, dialog: str, key: str, **body: Any) -> str:
        text = f"{name} {key} text"
        created = await send(
            f"/api/v1/dialogs/{world.dialogs[dialog]}/posts", who.token, {"body": text, **body}
        )
        world.posts[key] = created["id"]
        world.texts.append(text)
        return str(created["id"])

    proposal = await post(alice, "proposals", "proposal", kind="proposal", title=f"{name} idea")
    world.texts.append(f"{name} idea")
    petition = await post(alice, "petition", "petition", title=f"{name} petition title")
    world.texts.append(f"{name} petition title")
    await post(bob, "discussion", "topic", title=f"{name} topic title")
    await post(carl, "suggestion-box", "suggestion")
    await post(carl, "proposals", "hidden", kind="idea")

    comment_text = f"{name} comment text"
    comment = await send(f"/api/v1/posts/{proposal}/comments", bob.token, {"body": comment_text})
    world.posts["comment"] = comment["id"]
    world.texts.append(comment_text)
    for who in (bob, carl):
        await send(f"/api/v1/posts/{proposal}/supports", who.token)
    await send(f"/api/v1/posts/{petition}/signatures", bob.token)
    poll, vox = world.dialogs["poll"], world.dialogs["vox-pop"]
    await send(f"/api/v1/dialogs/{poll}/votes", alice.token, {"choices": ["North"]})
    await send(f"/api/v1/dialogs/{vox}/votes", bob.token, {"choices": ["yes"]})

    uploaded = await _ok(
        await client.post(
            "/api/v1/images",
            content=png(name),
            headers={**town.headers(alice.token), "content-type": "image/png"},
        )
    )
    world.image = uploaded["id"]
    place = {"latitude": 55.7, "longitude": 13.2, "address": f"{name} square 1"}
    report = await post(alice, "problem-reports", "report", image=world.image, place=place)
    world.texts.append(f"{name} square 1")
    status = {"status": "in-progress", "message": f"{name} crew on the way"}
    await send(f"/api/v1/posts/{report}/status", admin, status)
    world.texts.append(f"{name} crew on the way")

    # moderation: a flag, a hidden post with an appeal, a blocked participant
    hidden = world.posts["hidden"]
    moderator = world.moderator.token
    for path, token, what in (
        (f"/api/v1/posts/{proposal}/flags", carl.token, "flag"),
        (f"/api/v1/posts/{hidden}/hide", moderator, "hide"),
        (f"/api/v1/posts/{hidden}/appeal", carl.token, "appeal"),
        (f"/api/v1/people/{carl.person_id}/block", moderator, "block"),
    ):
        await send(path, token, {"reason": f"{name} {what} reason"})
        world.texts.append(f"{name} {what} reason")

    # the discussion closes and its results come out: its participants are notified
    discussion = world.dialogs["discussion"]
    for path, body in (("close", {"reason": "Done"}), ("results", {"summary": f"{name} results"})):
        await send(f"/api/v1/dialogs/{discussion}/{path}", admin, body)
    world.texts.append(f"{name} results")
    await send_round(platform)
    for who in world.participants:
        listed = await _ok(
            await client.get("/api/v1/me/notifications", headers=town.headers(who.token))
        )
        world.notifications += [item["id"] for item in listed["items"]]
    assert world.notifications, "the world's participants were notified of something"
    return world
