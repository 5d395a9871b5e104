"""Web push: checking a browser's subscription, and sending to it with VAPID (pywebpush).

Push is on when the deployment has a VAPID key (``TINGET_VAPID_PRIVATE_KEY``, the raw or DER
private key in base64url, and ``TINGET_VAPID_SUBJECT``, a ``mailto:`` or ``https:`` contact);
without one it is off, and ``tinget status`` says so. A push service answering 404 or 410 has
forgotten the subscription, which is then removed. Endpoints identify a browser: no error or
log line here quotes one.

Where push may go is the ``PushPolicy`` (``push_policy``): checked when a browser registers and
again when sending, where the connection goes only to the host's checked addresses. Each attempt
has a total timeout, and a push service host that keeps failing is skipped for a while
(``breaker``), so a slow or broken one cannot hold the sender's slots.
"""

from __future__ import annotations

import asyncio
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

from events.errors import InvalidInput
from services.notifications.breaker import Breaker
from services.notifications.push_policy import PushPolicy, UnsafeEndpoint, VettedResolver

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


def check_subscription(data: PushSubscriptionInput, policy: PushPolicy) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) of a valid subscription, or ``InvalidInput`` naming the field."""
    return (
        policy.check_endpoint(data.endpoint),
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
    """The push service did not take the message (try again later); the reason names no
    endpoint. ``host_failing``: whether it counts against the host's breaker."""

    def __init__(self, reason: str, *, host_failing: bool = True) -> None:
        super().__init__(reason)
        self.host_failing = host_failing


class PushRefused(PushFailed):
    """The endpoint leads where push must not go: trying again is pointless."""


class PushDeferred(PushFailed):
    """The push service's host is failing (its breaker is open): try again in ``wait`` s."""

    def __init__(self, reason: str, wait: float) -> None:
        super().__init__(reason, host_failing=False)
        self.wait = wait


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class PushSender:
    def __init__(
        self,
        vapid: VapidConfig | None,
        policy: PushPolicy | None = None,
        *,
        timeout: float = 10.0,
        breaker: Breaker | None = None,
    ) -> None:
        self.vapid = vapid
        self.policy = policy or PushPolicy()
        self.timeout = timeout  # seconds for one attempt, from resolving to the answer
        self.breaker = breaker or Breaker()
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
        """Encrypt ``payload`` for the subscription and hand it to its push service.

        Raises ``PushRefused`` when the endpoint or its addresses are not allowed (nothing was
        connected to), ``PushDeferred`` while its host's breaker is open, ``PushFailed`` else.
        """
        assert self.vapid is not None, "push is disabled"
        try:
            self.policy.check_endpoint(endpoint)
        except InvalidInput as error:
            raise PushRefused(f"the endpoint {error.reason}") from None
        service = urlsplit(endpoint).hostname or ""
        wait = self.breaker.wait(service)
        if wait > 0:
            raise PushDeferred(
                f"the push service {service} kept failing; paused for {wait:.0f} s", wait
            )
        try:
            outcome = await self._post(endpoint, p256dh, auth, payload, service)
        except PushRefused:
            raise
        except PushFailed as error:
            if error.host_failing:
                self.breaker.failed(service)
            else:
                self.breaker.succeeded(service)
            raise
        self.breaker.succeeded(service)
        return outcome

    async def _post(
        self, endpoint: str, p256dh: str, auth: str, payload: bytes, service: str
    ) -> PushOutcome:
        assert self.vapid is not None
        info = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        try:
            async with (
                asyncio.timeout(self.timeout),
                self._session() as session,
            ):
                await webpush_async(
                    info,
                    data=payload.decode(),
                    vapid_private_key=self._key,
                    vapid_claims={"sub": self.vapid.subject},
                    ttl=24 * 3600,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                    aiohttp_session=session,
                )
        except UnsafeEndpoint as error:
            raise PushRefused(str(error)) from None
        except WebPushException as error:
            status = error.response.status if error.response is not None else None
            if status in (404, 410):
                return PushOutcome.GONE
            if status is not None and 400 <= status < 500 and status != 429:
                # about this message or subscription: the host itself works
                raise PushFailed(
                    f"the push service {service} answered {status}", host_failing=False
                ) from None
            raise PushFailed(f"the push service {service} answered {status}") from None
        except TimeoutError:
            raise PushFailed(
                f"the push service {service} did not answer within {self.timeout:g} s"
            ) from None
        except (aiohttp.ClientError, OSError) as error:
            raise PushFailed(
                f"could not reach the push service {service} ({type(error).__name__})"
            ) from None
        return PushOutcome.DELIVERED

    def _session(self) -> aiohttp.ClientSession:
        """A session that connects only to the checked addresses of a push service, follows
        no redirect, and reads no proxy settings from the environment."""

        async def no_redirects(
            request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
        ) -> aiohttp.ClientResponse:
            response = await handler(request)
            if response.status in _REDIRECTS:
                response.close()
                raise PushFailed(f"the push service {request.url.host} answered a redirect")
            return response

        connector = aiohttp.TCPConnector(resolver=VettedResolver(self.policy), use_dns_cache=False)
        return aiohttp.ClientSession(connector=connector, middlewares=(no_redirects,))
