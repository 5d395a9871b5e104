"""Signed access tokens: tenant, subject, role and expiry, checked on every request.

HS256 JSON Web Tokens (PyJWT), signed with a key derived per tenant; platform staff get tokens
signed with the platform key, accepted on every tenant's host. Only HS256 is accepted, so
``alg=none`` and algorithm swaps are refused by construction.
"""

from __future__ import annotations

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
_ALGORITHMS = ["HS256"]
_REQUIRED = ["exp", "iat", "sub", "aud", "iss"]

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
        """The caller a token names, on ``tenant_id``'s host; ``Unauthenticated`` otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the access token is malformed") from None
        platform = header.get("kid") == "platform"
        key = self.keys.platform_token_key if platform else self.keys.token_key(tenant_id)
        audience = PLATFORM_AUDIENCE if platform else tenant_id
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=_ALGORITHMS,
                audience=audience,
                issuer=ISSUER,
                options={"require": _REQUIRED},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the access token has expired; sign in again") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated(
                "the access token was not issued by this municipality's Tinget"
            ) from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the access token is not valid: {error}") from None
        try:
            role = Role(str(claims.get("role")))
            sign_in = SignIn(str(claims.get("sin")))
            person_id = UUID(claims["sub"])
        except (ValueError, TypeError):
            raise Unauthenticated("the access token's claims are not valid") from None
        allowed = PLATFORM_ROLES if platform else TENANT_ROLES
        if role not in allowed or (sign_in is SignIn.PLATFORM) != platform:
            raise Unauthenticated("the access token's role does not fit its issuer")
        return Caller(tenant_id=tenant_id, person_id=person_id, role=role, sign_in=sign_in)
