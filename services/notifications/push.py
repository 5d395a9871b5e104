"""Web push: checking a browser's subscription, and sending to it with VAPID (pywebpush).

Push is on when the deployment has a VAPID key (``TINGET_VAPID_PRIVATE_KEY``, the raw or DER
private key in base64url, and ``TINGET_VAPID_SUBJECT``, a ``mailto:`` or ``https:`` contact);
without one it is off, and ``tinget status`` says so. A push service answering 404 or 410 has
forgotten the subscription, which is then removed. Endpoints identify a browser: no error or
log line here quotes one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

import aiohttp
import msgspec
from msgspec import Meta
from pywebpush import Vapid, WebPushException, webpush_async  # type: ignore[import-untyped]

from services.errors import InvalidInput

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class SubscriptionKeys(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    p256dh: Annotated[str, Meta(max_length=200)]
    auth: Annotated[str, Meta(max_length=100)]


class PushSubscriptionInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a browser's ``PushSubscription.toJSON()`` gives (``expirationTime`` is ignored)."""

    endpoint: Annotated[str, Meta(max_length=2048)]
    keys: SubscriptionKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


def _key(value: str, field: str, length: int) -> str:
    value = value.rstrip("=")
    try:
        if not _BASE64URL.fullmatch(value):
            raise ValueError(value)
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(field, "must be base64url, as the browser gives it") from None
    if len(raw) != length or (field.endswith("p256dh") and raw[0] != 4):
        what = "an uncompressed P-256 public key" if length == 65 else f"{length} bytes"
        raise InvalidInput(field, f"must be {what}")
    return value


def check_subscription(data: PushSubscriptionInput) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a valid subscription, or ``InvalidInput`` naming the field."""
    try:
        parts = urlsplit(data.endpoint)
        host = parts.hostname
    except ValueError:
        raise InvalidInput("endpoint", "is not a URL") from None
    local = host in _LOCAL_HOSTS
    if not host or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        raise InvalidInput("endpoint", "must be an https URL of a push service")
    return (
        data.endpoint,
        _key(data.keys.p256dh, "keys.p256dh", 65),
        _key(data.keys.auth, "keys.auth", 16),
    )


@dataclass(frozen=True)
class VapidConfig:
    private_key: str
    subject: str

    def __post_init__(self) -> None:
        if not self.subject.startswith(("mailto:", "https://")):
            raise ValueError("TINGET_VAPID_SUBJECT must be a mailto: or https:// contact")
        try:
            Vapid.from_string(self.private_key)
        except Exception:
            raise ValueError(
                "TINGET_VAPID_PRIVATE_KEY is not a P-256 private key (raw or DER, base64url)"
            ) from None


class PushOutcome(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"  # the push service forgot the subscription: remove it


class PushFailed(Exception):
    """The push service did not take the message; the reason names no endpoint."""


class PushSender:
    def __init__(self, vapid: VapidConfig | None, timeout: float = 10.0) -> None:
        self.vapid = vapid
        self.timeout = timeout
        self._key: Any = None if vapid is None else Vapid.from_string(vapid.private_key)

    @property
    def enabled(self) -> bool:
        return self.vapid is not None

    @property
    def status(self) -> str:
        if self.vapid is None:
            return "disabled: TINGET_VAPID_PRIVATE_KEY and TINGET_VAPID_SUBJECT are not set"
        return "enabled"

    async def send(self, endpoint: str, p256dh: str, auth: str, payload: bytes) -> PushOutcome:
        """Encrypt ``payload`` for the subscription and hand it to its push service."""
        assert self.vapid is not None, "push is disabled"
        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        service = urlsplit(endpoint).hostname
        try:
            await webpush_async(
                info,
                data=payload.decode(),
                vapid_private_key=self._key,
                vapid_claims={"sub": self.vapid.subject},
                ttl=24 * 3600,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        except WebPushException as error:
            status = error.response.status if error.response is not None else None
            if status in (404, 410):
                return PushOutcome.GONE
            raise PushFailed(f"the push service {service} answered {status}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise PushFailed(
                f"could not reach the push service {service} ({type(error).__name__})"
            ) from None
        return PushOutcome.DELIVERED
