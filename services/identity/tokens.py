"""Signed access tokens: tenant, subject, role and expiry, checked on every request.

HS256 JSON Web Tokens, issued with PyJWT and signed with a key derived per tenant; platform staff
get tokens signed with the platform key, accepted on every tenant's host. Only HS256 is
accepted, so ``alg=none`` and algorithm swaps are refused by construction.
"""

from __future__ import annotations

import base64
import hmac
import time
import uuid
from datetime import UTC, datetime
from uuid import UUID

import jwt
import msgspec

from services.errors import Unauthenticated
from services.identity.access import PLATFORM_ROLES, TENANT_ROLES, Caller, Role, SignIn
from services.identity.keys import Keys

ISSUER = "tinget"
PLATFORM_AUDIENCE = "_platform"

# How long a token lives, by how it was earned: staff tokens are short, a citizen's device
# token long enough to come back to a dialog.
TOKEN_LIFETIME: dict[SignIn, int] = {
    SignIn.DEVICE: 30 * 24 * 3600,
    SignIn.EMAIL: 7 * 24 * 3600,
    SignIn.PIN: 30 * 24 * 3600,
    SignIn.PLATFORM: 8 * 3600,
}
STAFF_LIFETIME = 8 * 3600


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    person_id: UUID
    role: Role
    expires_at: datetime


class Tokens:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def issue(self, tenant_id: str, person_id: UUID, role: Role, sign_in: SignIn) -> IssuedToken:
        if role not in TENANT_ROLES:
            raise ValueError(f"{role} is not a tenant role")
        lifetime = TOKEN_LIFETIME[sign_in] if role is Role.PARTICIPANT else STAFF_LIFETIME
        return self._issue(
            tenant_id, self.keys.token_key(tenant_id), person_id, role, sign_in, lifetime, "tenant"
        )

    def issue_platform(self, person_id: UUID, role: Role) -> IssuedToken:
        if role not in PLATFORM_ROLES:
            raise ValueError(f"{role} is not a platform role")
        return self._issue(
            PLATFORM_AUDIENCE,
            self.keys.platform_token_key,
            person_id,
            role,
            SignIn.PLATFORM,
            TOKEN_LIFETIME[SignIn.PLATFORM],
            "platform",
        )

    @staticmethod
    def _issue(
        audience: str,
        key: bytes,
        person_id: UUID,
        role: Role,
        sign_in: SignIn,
        lifetime: int,
        kid: str,
    ) -> IssuedToken:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": str(person_id),
            "role": role.value,
            "sin": sign_in.value,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})
        expires = datetime.fromtimestamp(now + lifetime, UTC)
        return IssuedToken(token=token, person_id=person_id, role=role, expires_at=expires)

    def verify(self, token: str, tenant_id: str) -> Caller:
        """The caller a token names, on ``tenant_id``'s host; ``Unauthenticated`` otherwise.

        Checked on every request, so it is done here with ``hmac`` and msgspec (about a sixth
        of PyJWT's time): HS256 only, signature first, then issuer, audience and times.
        """
        parts = token.split(".")
        if len(parts) != 3:
            raise Unauthenticated("the access token is malformed")
        try:
            header = _header_decoder.decode(_unbase64(parts[0]))
        except (ValueError, msgspec.DecodeError):
            raise Unauthenticated("the access token is malformed") from None
        if header.alg != "HS256":
            raise Unauthenticated("the access token must be signed with HS256")
        platform = header.kid == "platform"
        key = self.keys.platform_token_key if platform else self.keys.token_key(tenant_id)
        signed = f"{parts[0]}.{parts[1]}".encode()
        try:
            signature = _unbase64(parts[2])
        except ValueError:
            raise Unauthenticated("the access token is malformed") from None
        if not hmac.compare_digest(hmac.digest(key, signed, "sha256"), signature):
            raise Unauthenticated("the access token was not issued by this municipality's Tinget")
        try:
            claims = _claims_decoder.decode(_unbase64(parts[1]))
        except (ValueError, msgspec.DecodeError):
            raise Unauthenticated("the access token's claims are not valid") from None
        now = time.time()
        if claims.iss != ISSUER:
            raise Unauthenticated("the access token has another issuer")
        if claims.aud != (PLATFORM_AUDIENCE if platform else tenant_id):
            raise Unauthenticated("the access token was issued for another municipality")
        if claims.exp + LEEWAY < now:
            raise Unauthenticated("the access token has expired; sign in again")
        if claims.iat - LEEWAY > now or (claims.nbf is not None and claims.nbf - LEEWAY > now):
            raise Unauthenticated("the access token is not valid yet")
        try:
            role = Role(claims.role)
            sign_in = SignIn(claims.sin)
            person_id = UUID(claims.sub)
        except ValueError:
            raise Unauthenticated("the access token's claims are not valid") from None
        allowed = PLATFORM_ROLES if platform else TENANT_ROLES
        if role not in allowed or (sign_in is SignIn.PLATFORM) != platform:
            raise Unauthenticated("the access token's role does not fit its issuer")
        return Caller(tenant_id=tenant_id, person_id=person_id, role=role, sign_in=sign_in)


LEEWAY = 30  # seconds of clock skew tolerated between replicas


class _Header(msgspec.Struct):
    alg: str
    kid: str | None = None


class _Claims(msgspec.Struct):
    iss: str
    aud: str
    sub: str
    role: str
    sin: str
    iat: float
    exp: float
    nbf: float | None = None


_header_decoder = msgspec.json.Decoder(_Header)
_claims_decoder = msgspec.json.Decoder(_Claims)


def _unbase64(part: str) -> bytes:
    """Base64url without padding, strictly: any other character is an error."""
    return base64.b64decode(part + "=" * (-len(part) % 4), altchars=b"-_", validate=True)
