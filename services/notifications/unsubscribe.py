"""One-click unsubscribe links (RFC 8058): a signed token naming tenant, person and kind.

The token is the link's whole authority: it works without sign-in, so it is an HMAC under a
per-tenant key and names exactly one person and one kind (or ``*``, every kind, for a digest).
It holds no personal data: the person is an opaque id.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from uuid import UUID

import msgspec

from events.errors import InvalidInput
from services.identity.keys import Keys

ALL_KINDS = "*"
_SIGNATURE_BYTES = 16


class Unsubscription(msgspec.Struct, frozen=True, array_like=True):
    tenant_id: str
    person_id: UUID
    kind: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(keys: Keys, tenant_id: str, person_id: UUID, kind: str) -> str:
    payload = msgspec.json.encode(Unsubscription(tenant_id, person_id, kind))
    signature = hmac.digest(keys.unsubscribe_key(tenant_id), payload, "sha256")
    return f"{_b64(payload)}.{_b64(signature[:_SIGNATURE_BYTES])}"


def verify(keys: Keys, token: str, tenant_id: str) -> Unsubscription:
    """What a token unsubscribes from, if it was issued by this deployment for this tenant."""
    invalid = InvalidInput("token", "is not an unsubscribe link this municipality sent")
    payload_part, dot, signature_part = token.partition(".")
    if not dot or len(token) > 500:
        raise invalid
    try:
        payload = _unb64(payload_part)
        signature = _unb64(signature_part)
        claim = msgspec.json.decode(payload, type=Unsubscription)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise invalid from None
    expected = hmac.digest(keys.unsubscribe_key(claim.tenant_id), payload, "sha256")
    if not hmac.compare_digest(signature, expected[:_SIGNATURE_BYTES]):
        raise invalid
    if claim.tenant_id != tenant_id:
        raise invalid
    return claim
