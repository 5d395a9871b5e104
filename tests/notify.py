"""Driving notifications in tests: people with addresses, posts, sending rounds, mail by kind,
and a real web push service (an HTTP server on a free local port) that records what it gets."""

from __future__ import annotations

import asyncio
import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import http_ece  # type: ignore[import-untyped]
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.identity.access import Role, SignIn
from services.notifications.sender import Report
from tests.api import Town
from tests.smtp import Inbox
from tinget.bootstrap import Platform

PLACE = {"latitude": 55.7, "longitude": 13.2, "address": "Stortorget 1"}


@dataclass
class Person:
    person_id: UUID
    token: str
    email: str | None


async def person_with_address(platform: Platform, town: Town, email: str) -> Person:
    """A participant who signed in by e-mail link: the people table holds the address."""
    person_id = await platform.identity.add_staff(town.slug, email, Role.PARTICIPANT)
    token = platform.tokens.issue(town.slug, person_id, Role.PARTICIPANT, SignIn.EMAIL).token
    return Person(person_id, token, email)


async def device_person(client: httpx.AsyncClient, town: Town) -> Person:
    """An anonymous participant: no address, so in-app items only."""
    response = await client.post("/api/v1/sessions/device", headers=town.headers())
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    me = await client.get("/api/v1/me", headers=town.headers(token))
    return Person(UUID(me.json()["person_id"]), token, None)


async def submit(
    client: httpx.AsyncClient, town: Town, who: Person, dialog_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/dialogs/{dialog_id}/posts",
        json={"body": "Please fix it", **body},
        headers=town.headers(who.token),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def settle(platform: Platform) -> None:
    """Catch every read model up until the log stops growing: policies append events (awards,
    thresholds) while catching up, which the notifier must see too."""
    for _ in range(10):
        head = await platform.reader.head()
        await platform.catch_up_projections()
        if await platform.reader.head() == head:
            return


async def send_round(platform: Platform, now: datetime | None = None) -> Report:
    """Bring the notifier up to the store, then one round of the sender."""
    await settle(platform)
    return await platform.sender.send_due(now)


def mails(inbox: Inbox, kind: str | None = None, to: str | None = None) -> list[EmailMessage]:
    """What the SMTP server received, of one kind (the X-Tinget-Notification header) and to
    one address when given."""
    return [
        m
        for m in inbox.messages()
        if (kind is None or m["X-Tinget-Notification"] == kind) and (to is None or m["To"] == to)
    ]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def vapid_private_key() -> str:
    """A fresh VAPID key as TINGET_VAPID_PRIVATE_KEY takes it: the raw P-256 scalar, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


@dataclass
class Browser:
    """A browser's push subscription keys, able to decrypt what is pushed to it."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def keys(self) -> dict[str, str]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return plain


@dataclass
class Pushed:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """A push service on 127.0.0.1: records each POST; answers 410 for paths in ``gone``."""

    port: int = 0
    received: list[Pushed] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    def endpoint(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Pushed(path, headers, body))
            status = "410 Gone" if path in self.gone else "201 Created"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()
