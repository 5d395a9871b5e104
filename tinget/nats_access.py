"""Who may do what on NATS: one user per part, each allowed the subjects its work needs.

- the relay alone publishes events (``<prefix>.>``) and looks after the event stream (info,
  create, and update to raise its replicas);
- the projection worker only consumes: it reads and creates (or, when its event types change,
  replaces) its own durable pull consumer, asks it for messages and acknowledges them;
- the gateway needs NATS for nothing (a write is committed to PostgreSQL, and the relay
  publishes it), so it gets no user at all.

Both users may ask ``$JS.API.INFO`` (the readiness check) and receive on their own inboxes.
Anything else (publishing an event as the projections, deleting the stream, reading another
consumer) is refused by the server as a permissions violation.

Embedded, the passwords are generated once into the data folder (0600, like ``signing.key``)
and the nats-server config is written from them. On Kubernetes the same rules are in
``infra/k8s/base/nats/config.yaml``, the passwords in a Secret.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from projections.runtime import PROJECTIONS_CONSUMER

RELAY_USER = "relay"
PROJECTIONS_USER = "projections"
USERS = (RELAY_USER, PROJECTIONS_USER)
INBOXES = "_INBOX.>"  # replies to requests, acks of publishes, pulled messages
_JS = "$JS.API"


@dataclass(frozen=True)
class Permissions:
    """The subjects a user may publish to and subscribe to (everything else is refused)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...] = (INBOXES,)


def relay_permissions(stream: str, prefix: str) -> Permissions:
    """Publish the event subjects; look after the event stream; nothing else."""
    return Permissions(
        publish=(
            f"{prefix}.>",
            f"{_JS}.INFO",
            f"{_JS}.STREAM.INFO.{stream}",
            f"{_JS}.STREAM.CREATE.{stream}",
            f"{_JS}.STREAM.UPDATE.{stream}",
        )
    )


def projections_permissions(stream: str, durable: str = PROJECTIONS_CONSUMER) -> Permissions:
    """Consume through the durable pull consumer ``durable`` of ``stream``; nothing else."""
    consumer = f"{stream}.{durable}"
    return Permissions(
        publish=(
            f"{_JS}.INFO",
            f"{_JS}.CONSUMER.INFO.{consumer}",
            f"{_JS}.CONSUMER.CREATE.{consumer}",
            f"{_JS}.CONSUMER.CREATE.{consumer}.>",
            f"{_JS}.CONSUMER.DURABLE.CREATE.{consumer}",
            f"{_JS}.CONSUMER.DELETE.{consumer}",
            f"{_JS}.CONSUMER.MSG.NEXT.{consumer}",
            f"$JS.ACK.{consumer}.>",
        )
    )


def part_permissions(stream: str, prefix: str) -> dict[str, Permissions]:
    return {
        RELAY_USER: relay_permissions(stream, prefix),
        PROJECTIONS_USER: projections_permissions(stream),
    }


def authorization(users: Mapping[str, tuple[str, Permissions | None]]) -> str:
    """A nats-server ``authorization`` block: per user its password and permissions (None:
    everything, for a test's own inspector). JSON strings, so ``$`` is never a variable."""
    entries = []
    for user, (password, permissions) in users.items():
        entry: dict[str, object] = {"user": user, "password": password}
        if permissions is not None:
            entry["permissions"] = {
                "publish": {"allow": list(permissions.publish)},
                "subscribe": {"allow": list(permissions.subscribe)},
            }
        entries.append(entry)
    return "authorization " + json.dumps({"users": entries}, indent=2) + "\n"


def load_passwords(folder: Path) -> dict[str, str]:
    """Each part's NATS password, generated once into ``folder/nats-users.json`` (0600)."""
    path = folder / "nats-users.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if set(USERS) <= set(stored):
            return stored
        path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    passwords = {user: secrets.token_hex(24) for user in USERS}  # URL-safe as they are
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(passwords, f)
    return passwords


def url_as(url: str, user: str, password: str) -> str:
    """``url`` with ``user:password@`` (replacing any user it had)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(user)}:{quote(password, safe='')}@{host}"))
