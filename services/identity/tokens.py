"""Signed access tokens: tenant, subject, role and expiry, checked on every request.

A token from an identity provider's sign-in may carry, sealed, what the sign-in told about who
may vote (claim ``elg``, ``services.identity.eligibility``): the signature covers it, so no
client can add it or change it, and a refresh carries it forward unchanged.

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

from events.errors import Unauthenticated
from services.identity.access import PLATFORM_ROLES, TENANT_ROLES, Caller, Role, SignIn
from services.identity.keys import Keys

ISSUER = "tinget"
PLATFORM_AUDIENCE = "_platform"

# How long a token lives, by how it was earned: a citizen's token long enough to come back to
# a dialog (it is revoked by a role change, a block, an erasure or signing out); staff tokens
# are short, and staff keep working with a refresh token that is checked against the person's
# current role each time.
TOKEN_LIFETIME: dict[SignIn, int] = {
    SignIn.DEVICE: 30 * 24 * 3600,
    SignIn.EMAIL: 7 * 24 * 3600,
    SignIn.PIN: 30 * 24 * 3600,
    SignIn.OIDC: 7 * 24 * 3600,
    SignIn.PLATFORM: 8 * 3600,
}
STAFF_LIFETIME = 15 * 60
REFRESH_LIFETIME = 12 * 3600
ACCESS, REFRESH = "access", "refresh"  # what a token is for (its ``use`` claim)


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    person_id: UUID
    role: Role
    expires_at: datetime
    # staff only: trade it for a new token at POST /api/v1/sessions/refresh before it expires
    refresh_token: str | None = None


class Tokens:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def issue(
        self,
        tenant_id: str,
        person_id: UUID,
        role: Role,
        sign_in: SignIn,
        generation: int = 0,
        eligibility: str | None = None,
    ) -> IssuedToken:
        """A token for a person of ``tenant_id``, of the person's current token ``generation``;
        staff get a short one and a refresh token beside it. ``eligibility``: the sealed facts
        of an identity provider's sign-in, carried by both."""
        if role not in TENANT_ROLES:
            raise ValueError(f"{role} is not a tenant role")
        key = self.keys.token_key(tenant_id)
        if role is Role.PARTICIPANT:
            lifetime = TOKEN_LIFETIME[sign_in]
            return self._issue(
                tenant_id,
                key,
                person_id,
                role,
                sign_in,
                lifetime,
                "tenant",
                generation,
                eligibility=eligibility,
            )
        access = self._issue(
            tenant_id,
            key,
            person_id,
            role,
            sign_in,
            STAFF_LIFETIME,
            "tenant",
            generation,
            eligibility=eligibility,
        )
        refresh = self._issue(
            tenant_id,
            key,
            person_id,
            role,
            sign_in,
            REFRESH_LIFETIME,
            "tenant",
            generation,
            REFRESH,
            eligibility=eligibility,
        )
        return msgspec.structs.replace(access, refresh_token=refresh.token)

    def issue_platform(self, person_id: UUID, role: Role) -> IssuedToken:
        """A token for an operator's shell (``tinget platform-token``): eight hours, no
        refresh, signed with the platform key."""
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
            0,
        )

    def issue_platform_pair(self, person_id: UUID, role: Role, generation: int) -> IssuedToken:
        """A signed-in platform staff member's tokens: a short access token and a refresh
        token beside it, of the person's current token ``generation`` (sign-out and removal
        raise it, which takes both back at once)."""
        if role not in PLATFORM_ROLES:
            raise ValueError(f"{role} is not a platform role")
        key = self.keys.platform_token_key
        made = [
            self._issue(
                PLATFORM_AUDIENCE,
                key,
                person_id,
                role,
                SignIn.PLATFORM,
                lifetime,
                "platform",
                generation,
                use,
            )
            for lifetime, use in ((STAFF_LIFETIME, ACCESS), (REFRESH_LIFETIME, REFRESH))
        ]
        return msgspec.structs.replace(made[0], refresh_token=made[1].token)

    def verify_platform(self, token: str, use: str = ACCESS) -> Caller:
        """The platform staff member a token names: only a token signed with the platform key
        passes (a tenant's token, even its administrator's, is ``Unauthenticated``)."""
        caller = self.verify(token, PLATFORM_AUDIENCE, use)
        if caller.sign_in is not SignIn.PLATFORM:
            raise Unauthenticated("this needs a platform token: sign in at the platform console")
        return caller

    @staticmethod
    def _issue(
        audience: str,
        key: bytes,
        person_id: UUID,
        role: Role,
        sign_in: SignIn,
        lifetime: int,
        kid: str,
        generation: int,
        use: str = ACCESS,
        *,
        eligibility: str | None = None,
    ) -> IssuedToken:
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": audience,
            "sub": str(person_id),
            "role": role.value,
            "sin": sign_in.value,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "gen": generation,
        }
        if use != ACCESS:
            claims["use"] = use
        if eligibility is not None:
            claims["elg"] = eligibility
        token = jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})
        expires = datetime.fromtimestamp(now + lifetime, UTC)
        return IssuedToken(token=token, person_id=person_id, role=role, expires_at=expires)

    def verify(self, token: str, tenant_id: str, use: str = ACCESS) -> Caller:
        """The caller a token names, on ``tenant_id``'s host; ``Unauthenticated`` otherwise.
        A refresh token is no access token, and the other way round.

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
        if claims.use != use:
            raise Unauthenticated(f"this token is for {claims.use}, not for {use}")
        try:
            role = Role(claims.role)
            sign_in = SignIn(claims.sin)
        except ValueError:
            raise Unauthenticated("the access token's claims are not valid") from None
        allowed = PLATFORM_ROLES if platform else TENANT_ROLES
        if role not in allowed or (sign_in is SignIn.PLATFORM) != platform:
            raise Unauthenticated("the access token's role does not fit its issuer")
        return Caller(
            tenant_id=tenant_id,
            person_id=claims.sub,
            role=role,
            sign_in=sign_in,
            token_generation=claims.gen,
            eligibility=claims.elg,
        )


LEEWAY = 30  # seconds of clock skew tolerated between replicas


class _Header(msgspec.Struct):
    alg: str
    kid: str | None = None


class _Claims(msgspec.Struct):
    iss: str
    aud: str
    sub: UUID  # decoded by msgspec, faster than uuid.UUID(text)
    role: str
    sin: str
    iat: float
    exp: float
    nbf: float | None = None
    gen: int = 0
    use: str = ACCESS
    elg: str | None = None  # sealed eligibility facts (services.identity.eligibility)


_header_decoder = msgspec.json.Decoder(_Header)
_claims_decoder = msgspec.json.Decoder(_Claims)


def _unbase64(part: str) -> bytes:
    """Base64url without padding, strictly: any other character is an error."""
    return base64.b64decode(part + "=" * (-len(part) % 4), altchars=b"-_", validate=True)
