"""Sign-in with a municipality's own identity provider (OpenID Connect, authorization code flow).

A tenant's administrators configure one or more providers (``SignInProviders``, one aggregate a
tenant): who each signs in (``staff`` or ``citizens``), its issuer, client id and client
secret (sealed under a key derived from the deployment's secret, never answered), its scopes
and, for citizens, the claim that carries the national identity number.

The flow, with authlib's OAuth 2.0 protocol parts (the authorization request with PKCE, the
token request and the client's authentication) over httpx, and joserfc (authlib's JOSE):

1. ``start``: the provider's metadata (OpenID Connect discovery, cached an hour) gives its
   authorization endpoint; a new ``state``, ``nonce`` and PKCE verifier (S256) are made, and
   the state's row (``oidc_sign_ins``: a keyed hash of the state, the verifier and the nonce
   sealed under a key derived from the state itself, ten minutes to live) is written before
   the browser is sent to the provider. The redirect URI is the tenant's configured public URL
   (``/sign-in/oidc/callback``, a page of the municipality's site, as an e-mail link's
   ``/sign-in?code=`` is), never anything the request said.
2. ``finish``: the site's page hands ``code`` and ``state`` to the API. The state is used up in
   one UPDATE (unknown, used or expired: 401), the code traded at the token endpoint with the
   verifier and the client secret, and the ID token verified: signature against the
   provider's JWKS (fetched again once when the token names a key it does not hold, which is
   how a provider rotates keys), issuer, audience (the client id), expiry and issued-at with a
   minute's leeway, and the nonce. Only asymmetric algorithms are taken.
3. Who it is: staff by the provider's verified e-mail address, which must be a staff member's
   of the tenant already (no one is created; they keep their role); citizens by a keyed hash of
   their national identity number (``citizen_identities``), so one number is one person, and a
   first sign-in whose verified e-mail address is a participant's links to that participant.
   The answer is the usual token pair, as JSON (the site's page asked with ``fetch``, so the
   tokens never appear in a URL, a browser's history or a Referer header).
4. What a budget's eligibility needs, where the provider's settings ask for it: the date of
   birth (the ``birthdate`` claim, or the one a personnummer carries) and the residence claim's
   value, sealed inside the token pair and kept nowhere else (``services.identity.eligibility``).

Every address the server fetches (discovery, JWKS, token endpoint) goes through
``GuardedTransport``, which resolves the host and refuses private, loopback, link-local and
other non-public addresses (SSRF): an administrator cannot make the server call its own
network. Plain http is taken only for loopback addresses and only when the deployment allows
it (``TINGET_OIDC_ALLOW_HTTP_LOOPBACK=yes``: tests and local development).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import os
import re
import secrets
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
import httpx
import msgspec
import structlog
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from msgspec import Meta

from events.db import tenant_transaction
from events.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.identity import eligibility
from services.identity.access import Caller, Permission, Role, SignIn, event_metadata
from services.identity.domain import ProviderSettings, SignInProviders, sign_in_providers_id
from services.identity.eligibility import NATIONAL_NUMBERS, BirthDateSource
from services.identity.keys import Keys
from services.identity.service import IdentityService, email_address
from services.identity.tokens import IssuedToken
from tenants.directory import TenantEntry, link_base

log = structlog.get_logger(__name__)

ALLOW_HTTP_LOOPBACK_VARIABLE = "TINGET_OIDC_ALLOW_HTTP_LOOPBACK"
STATE_LIFETIME_SECONDS = 600
METADATA_LIFETIME = 3600.0  # seconds a provider's discovery document and keys are kept
LEEWAY = 60  # seconds of clock skew tolerated in an ID token's times
CALLBACK_PATH = "/sign-in/oidc/callback"
# Only asymmetric signatures: a symmetric one (HS256) would be keyed by the client secret,
# which the tenant's administrators know too, and ``none`` is no signature at all.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
MAX_DOCUMENT_BYTES = 512 * 1024

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
# a claim's name: a short name (municipality_code) or a URI (https://id.oidc.se/claim/...)
_CLAIM = re.compile(r"[A-Za-z0-9_.:/-]{1,100}")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# Host names that always name the local machine or network, refused without resolving them.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")

Audience = Literal["staff", "citizens"]


def loopback_allowed_by_environment() -> bool:
    """Whether plain http to loopback providers is allowed (tests, local development only)."""
    return os.environ.get(ALLOW_HTTP_LOOPBACK_VARIABLE, "").strip().lower() in ("yes", "true", "1")


class ProviderInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A provider's settings as an administrator sends them (the name is in the path)."""

    issuer: Annotated[str, Meta(min_length=1, max_length=2000)]
    client_id: Annotated[str, Meta(min_length=1, max_length=200)]
    signs_in: Audience
    # write-only; left out of a change, the one set before is kept
    client_secret: Annotated[str, Meta(min_length=1, max_length=500)] | None = None
    # default: openid and email (staff), openid (citizens)
    scopes: Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=20)] | None = None
    # citizens: the claim that carries the national identity number
    identity_claim: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    # for a budget's minimum age: where a date of birth comes from, tried in this order
    # ("birthdate": the standard claim; "personnummer", "cpr", "fodselsnummer",
    # "henkilotunnus": the Swedish, Danish, Norwegian or Finnish number in identity_claim)
    birth_date_from: Annotated[list[BirthDateSource], Meta(max_length=5)] = msgspec.field(
        default_factory=list
    )
    # for a budget's residence list: the claim whose value is where the person lives (or a
    # member of the standard address claim: "address.locality", "address.postal_code", ...)
    residence_claim: Annotated[str, Meta(min_length=1, max_length=100)] | None = None


class ProviderView(msgspec.Struct, kw_only=True):
    """A provider as administrators read it: never its client secret."""

    name: str
    issuer: str
    client_id: str
    signs_in: str
    scopes: list[str]
    identity_claim: str | None
    birth_date_from: list[str]
    residence_claim: str | None
    redirect_uri: str | None  # what to register at the provider


# -- checking addresses -----------------------------------------------------------------------


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def check_url(value: str, field_name: str, *, allow_http_loopback: bool) -> str:
    """``value`` if it is an https URL of a host that may be public (no credentials, no
    fragment, no literal private address, no name of the local network); plain http only for
    a loopback host when ``allow_http_loopback``. Host names are resolved again, and refused
    when private, whenever the server fetches them (``GuardedTransport``)."""
    if len(value) > 2000 or not _PRINTABLE.fullmatch(value):
        raise InvalidInput(field_name, "must be a URL of at most 2000 printable characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        raise InvalidInput(field_name, "is not a URL") from None
    host = (parts.hostname or "").lower().rstrip(".")  # "localhost." is localhost
    if not host:
        raise InvalidInput(field_name, "must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(field_name, "must not carry a user name or password")
    if parts.fragment:
        raise InvalidInput(field_name, "must not have a fragment")
    loopback = _is_loopback_name(host)
    if parts.scheme == "http":
        if not (allow_http_loopback and loopback):
            raise InvalidInput(field_name, "must be an https URL")
    elif parts.scheme != "https":
        raise InvalidInput(field_name, "must be an https URL")
    if loopback:
        if not allow_http_loopback:
            raise InvalidInput(field_name, "must not be a loopback address (this machine)")
        return value
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if "." not in host or host.endswith(_LOCAL_SUFFIXES):
            raise InvalidInput(field_name, "must be a public host name, not a local one") from None
        return value
    if not _public(address):
        raise InvalidInput(field_name, "must not be a private, loopback or reserved address")
    return value


def _is_loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def ensure_public(host: str, port: int, *, allow_loopback: bool) -> str:
    """Resolve ``host`` and refuse (``LookupError``) unless every address it has is public
    (or loopback, when ``allow_loopback``): a public-looking name of a private address too.
    Returns the first address, which the caller connects to (not the name, which could
    resolve to another address by then)."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise LookupError(f"{host} does not resolve: {error}") from None
    addresses = [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in found]
    if not addresses:
        raise LookupError(f"{host} does not resolve")
    for address in addresses:
        if not (_public(address) or (allow_loopback and address.is_loopback)):
            raise LookupError(f"refused: {host} has a non-public address")
    return str(addresses[0])


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An HTTP transport that refuses to connect to anything but public addresses (plain
    http and loopback only when allowed). The host is resolved once, here, and the
    connection goes to the address that was checked: the request keeps the name in its Host
    header and as the TLS server name (SNI and the certificate's check), so a name that
    resolves to a public address for the check and to a private one for the connection (DNS
    rebinding) still reaches only the address checked."""

    def __init__(self, *, allow_http_loopback: bool) -> None:
        super().__init__(retries=0)
        self.allow_http_loopback = allow_http_loopback

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        try:
            check_url(url, "url", allow_http_loopback=self.allow_http_loopback)
        except InvalidInput as error:
            raise httpx.ConnectError(f"refused: {error.reason}", request=request) from None
        host = request.url.host
        try:
            address = await ensure_public(
                host,
                request.url.port or (443 if request.url.scheme == "https" else 80),
                allow_loopback=self.allow_http_loopback,
            )
        except LookupError as error:
            raise httpx.ConnectError(str(error), request=request) from None
        if address != host:
            request.url = request.url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await super().handle_async_request(request)


async def read_capped(response: httpx.Response, what: str) -> bytes:
    """A streamed answer's body, refused (``Unavailable``) past ``MAX_DOCUMENT_BYTES`` without
    reading the rest: a provider cannot fill the server's memory."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_DOCUMENT_BYTES:
            raise Unavailable(
                f"the identity provider's {what} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )
    return bytes(body)


# -- the provider's metadata ------------------------------------------------------------------


class Discovery(msgspec.Struct, frozen=True):
    """The parts of an OpenID Provider's metadata the flow uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: list[str] = msgspec.field(
        default_factory=lambda: ["RS256"]
    )


@dataclass
class _Cached:
    discovery: Discovery
    fetched_at: float
    keys: KeySet | None = None
    keys_fetched_at: float = 0.0


@dataclass
class ProviderDirectory:
    """Providers' discovery documents and key sets, cached per issuer for an hour."""

    allow_http_loopback: bool
    timeout: float = 5.0
    _cache: dict[str, _Cached] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=GuardedTransport(allow_http_loopback=self.allow_http_loopback),
            timeout=self.timeout,
            follow_redirects=False,
            **kwargs,
        )

    async def discovery(self, issuer: str, *, again: bool = False) -> Discovery:
        """The provider's metadata (``again``: fetched anew, as when it is configured)."""
        cached = self._cache.get(issuer)
        fresh = cached is not None and time.monotonic() - cached.fetched_at < METADATA_LIFETIME
        if cached is not None and fresh and not again:
            return cached.discovery
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._fetch(url, "discovery document")
        try:
            found = msgspec.convert(document, Discovery)
        except msgspec.ValidationError as error:
            raise Unavailable(
                f"the identity provider's discovery document is not valid: {error}"
            ) from None
        if found.issuer != issuer:
            raise Unavailable("the identity provider's discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            try:
                check_url(getattr(found, name), name, allow_http_loopback=self.allow_http_loopback)
            except InvalidInput as error:
                raise Unavailable(f"the identity provider's {error}") from None
        self._cache[issuer] = _Cached(found, time.monotonic())
        return found

    async def keys(self, issuer: str, *, again: bool = False) -> KeySet:
        """The provider's signing keys; ``again`` fetches them anew (a key it rotated in)."""
        discovery = await self.discovery(issuer)
        cached = self._cache[issuer]
        fresh = time.monotonic() - cached.keys_fetched_at < METADATA_LIFETIME
        if cached.keys is not None and fresh and not again:
            return cached.keys
        document = await self._fetch(discovery.jwks_uri, "key set")
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise Unavailable("the identity provider's key set is not valid") from None
        cached.keys, cached.keys_fetched_at = keys, time.monotonic()
        return keys

    async def _fetch(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with (
                self.client() as client,
                client.stream("GET", url, headers={"accept": "application/json"}) as response,
            ):
                if response.status_code != 200:
                    raise Unavailable(
                        f"the identity provider's {what} answered {response.status_code}"
                    )
                content = await read_capped(response, what)
        except httpx.HTTPError as error:
            raise Unavailable(
                f"the identity provider's {what} could not be fetched: {error}"
            ) from None
        try:
            document = msgspec.json.decode(content)
        except msgspec.DecodeError:
            raise Unavailable(f"the identity provider's {what} is not JSON") from None
        if not isinstance(document, dict):
            raise Unavailable(f"the identity provider's {what} is not a JSON object")
        return document


# -- sign-in state ----------------------------------------------------------------------------


class _Pending(msgspec.Struct, frozen=True):
    verifier: str
    nonce: str


@dataclass(frozen=True)
class Started:
    """A sign-in begun: where to send the browser, and the cookie it is to carry back (only the
    browser that began a sign-in finishes it, so nobody can sign a victim in as themselves by
    handing them a code and state of their own: login CSRF)."""

    authorization_url: str
    cookie_name: str
    cookie_value: str


BROWSER_COOKIE_PREFIX = "tinget_oidc_"
BROWSER_COOKIE_PATH = "/api/v1/sign-in/oidc/callback"
PAGE_COOKIE_PATH = "/sign-in/oidc/callback"
"""The cookie goes to the API's callback (a tenant's own front end finishes there) and to the
municipality's page the provider sends the browser back to (which finishes without script)."""


def browser_cookie(state_hash: bytes) -> str:
    """The name of the cookie that binds one sign-in to its browser (one per sign-in, so two
    sign-ins begun in two tabs both finish)."""
    return BROWSER_COOKIE_PREFIX + state_hash[:8].hex()


class OidcSignIn:
    """Configuring a tenant's identity providers and signing people in with them."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        repository: Repository,
        keys: Keys,
        identity: IdentityService,
        *,
        allow_http_loopback: bool = False,
        timeout: float = 5.0,
    ) -> None:
        self.pool = pool
        self.repository = repository
        self.keys = keys
        self.identity = identity
        self.allow_http_loopback = allow_http_loopback
        self.directory = ProviderDirectory(allow_http_loopback, timeout)

    # -- configuration (administrators) -------------------------------------------------------

    async def providers(self, caller: Caller, tenant: TenantEntry) -> list[ProviderView]:
        caller.require(Permission.ADMINISTER)
        return await self.listed(caller.tenant_id, link_base(tenant))

    async def listed(self, tenant_id: str, base: str | None) -> list[ProviderView]:
        """The tenant's providers by name (``base``: the tenant's public URL, which their
        redirect URIs are on)."""
        found = await self._providers(tenant_id)
        return [_view(base, p) for p in sorted(found.values(), key=lambda p: p.name)]

    async def configure(
        self, caller: Caller, tenant: TenantEntry, name: str, data: ProviderInput
    ) -> ProviderView:
        """Add a provider or set every setting of one again; the client secret may be left out
        of a change (the one set before is kept). Each value is checked, naming its field."""
        caller.require(Permission.ADMINISTER)
        check_name(name)
        issuer = check_url(data.issuer, "issuer", allow_http_loopback=self.allow_http_loopback)
        client_id = data.client_id.strip()
        if not 1 <= len(client_id) <= 200 or not _PRINTABLE.fullmatch(client_id):
            raise InvalidInput("client_id", "must be 1 to 200 printable characters")
        scopes = _scopes(data.scopes, data.signs_in)
        claim = data.identity_claim
        if data.signs_in == "citizens":
            if claim is None or not _CLAIM.fullmatch(claim):
                raise InvalidInput(
                    "identity_claim",
                    "citizens are signed in by the claim that carries their national identity"
                    " number: name it (letters, digits, _ . : / -, at most 100)",
                )
        elif claim is not None:
            raise InvalidInput("identity_claim", "is only for providers that sign in citizens")
        birth_date_from = _birth_date_sources(data.birth_date_from, data.signs_in)
        residence_claim = data.residence_claim
        if residence_claim is not None and not _CLAIM.fullmatch(residence_claim):
            raise InvalidInput(
                "residence_claim",
                "must be a claim's name (letters, digits, _ . : / -, at most 100)",
            )
        secret = data.client_secret
        if secret is not None and (not 1 <= len(secret) <= 500 or not _PRINTABLE.fullmatch(secret)):
            raise InvalidInput("client_secret", "must be 1 to 500 printable characters")
        aggregate = await self._aggregate(caller.tenant_id)
        if secret is None and name not in aggregate.providers:
            raise InvalidInput("client_secret", "is required for a new provider")
        # A provider is taken only once Tinget could read its metadata: a typing error in the
        # issuer is answered now, naming the field, not at a citizen's sign-in.
        try:
            await self.directory.discovery(issuer, again=True)
        except Unavailable as error:
            raise InvalidInput(
                "issuer", f"has no OpenID Connect discovery document Tinget can use: {error}"
            ) from None
        for attempt in range(3):
            if attempt:
                aggregate = await self._aggregate(caller.tenant_id)
            known = aggregate.providers.get(name)
            if secret is not None:
                sealed = self._seal(caller.tenant_id, name, secret)
            elif known is not None:
                sealed = known.client_secret_sealed
            else:
                raise InvalidInput("client_secret", "is required for a new provider")
            settings = ProviderSettings(
                name=name,
                issuer=issuer,
                client_id=client_id,
                client_secret_sealed=sealed,
                signs_in=data.signs_in,
                scopes=tuple(scopes),
                identity_claim=claim,
                birth_date_from=birth_date_from,
                residence_claim=residence_claim,
            )
            aggregate.configure(settings)
            try:
                await self.repository.save(
                    caller.tenant_id, aggregate, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                continue
            log.info("sign-in provider configured", provider=name, signs_in=data.signs_in)
            return _view(link_base(tenant), settings)
        raise Conflict("the providers were changed meanwhile, again and again; try again")

    async def remove(self, caller: Caller, name: str) -> None:
        caller.require(Permission.ADMINISTER)
        aggregate = await self._aggregate(caller.tenant_id)
        aggregate.remove(name)
        try:
            await self.repository.save(caller.tenant_id, aggregate, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict("the providers were changed meanwhile; try again") from None

    # -- the flow -----------------------------------------------------------------------------

    async def start(self, tenant: TenantEntry, name: str, client: str) -> Started:
        """Begin signing in with the tenant's provider ``name``: where to send the browser."""
        await self.identity.count_sign_in(tenant.tenant_id, client)
        provider = (await self._providers(tenant.tenant_id)).get(name)
        if provider is None:
            raise NotFound(f"no sign-in provider {name!r} here")
        callback = redirect_uri(tenant)
        discovery = await self.directory.discovery(provider.issuer)
        state = secrets.token_urlsafe(32)
        state_hash = self.keys.oidc_state_hash(tenant.tenant_id, state)
        browser = secrets.token_urlsafe(32)
        pending = _Pending(verifier=secrets.token_urlsafe(64), nonce=secrets.token_urlsafe(32))
        async with tenant_transaction(self.pool, tenant.tenant_id) as conn:
            await conn.execute(
                "DELETE FROM oidc_sign_ins WHERE tenant_id = $1 AND expires_at <= now()",
                tenant.tenant_id,
            )
            await conn.execute(
                "INSERT INTO oidc_sign_ins"
                " (tenant_id, state_hash, browser_hash, provider, sealed, expires_at)"
                " VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
                tenant.tenant_id,
                state_hash,
                self._browser_hash(tenant.tenant_id, browser),
                name,
                self._seal_pending(tenant.tenant_id, state, pending),
                STATE_LIFETIME_SECONDS,
            )
        url = prepare_grant_uri(
            discovery.authorization_endpoint,
            provider.client_id,
            "code",
            redirect_uri=callback,
            scope=" ".join(provider.scopes),
            state=state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
        )
        return Started(
            authorization_url=url, cookie_name=browser_cookie(state_hash), cookie_value=browser
        )

    def _browser_hash(self, tenant_id: str, browser: str) -> bytes:
        return self.keys.oidc_state_hash(tenant_id, "browser:" + browser)

    async def finish(
        self,
        tenant: TenantEntry,
        code: str,
        state: str,
        client: str,
        cookies: Mapping[str, str],
    ) -> IssuedToken:
        """Finish a sign-in: use the state once (in the browser that began it: its cookie),
        trade the code, verify the ID token, and answer the token pair of the person it
        names."""
        tenant_id = tenant.tenant_id
        await self.identity.count_sign_in(tenant_id, client)
        name, pending = await self._use_state(tenant_id, state, cookies)
        provider = (await self._providers(tenant_id)).get(name)
        if provider is None:
            raise Unauthenticated("the sign-in provider was removed meanwhile; sign in again")
        discovery = await self.directory.discovery(provider.issuer)
        id_token = await self._exchange(tenant, provider, discovery, code, pending.verifier)
        claims = await self._verify(provider, discovery, id_token, pending.nonce)
        if provider.signs_in == "staff":
            person_id = await self._staff(tenant_id, claims)
        else:
            person_id = await self._citizen(tenant_id, provider, claims)
        # only what a budget's eligibility needs, and only into the tokens (never logged)
        facts = eligibility.derive(
            claims,
            provider.birth_date_from,
            provider.residence_claim,
            provider.identity_claim,
            datetime.now(UTC).date(),
        )
        sealed = None if facts is None else eligibility.seal(self.keys, tenant_id, person_id, facts)
        log.info("signed in with an identity provider", provider=name, signs_in=provider.signs_in)
        return await self.identity.token_for(tenant_id, person_id, SignIn.OIDC, sealed)

    async def _use_state(
        self, tenant_id: str, state: str, cookies: Mapping[str, str]
    ) -> tuple[str, _Pending]:
        state_hash = self.keys.oidc_state_hash(tenant_id, state)
        browser = self._browser_hash(tenant_id, cookies.get(browser_cookie(state_hash), ""))
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "UPDATE oidc_sign_ins SET used_at = now() WHERE tenant_id = $1"
                " AND state_hash = $2 AND browser_hash = $3 AND used_at IS NULL"
                " AND expires_at > now() RETURNING provider, sealed",
                tenant_id,
                state_hash,
                browser,
            )
            if row is None:
                known = await conn.fetchrow(
                    "SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired,"
                    " browser_hash = $3 AS same_browser FROM oidc_sign_ins"
                    " WHERE tenant_id = $1 AND state_hash = $2",
                    tenant_id,
                    state_hash,
                    browser,
                )
        if row is None:
            if known is None:
                raise Unauthenticated("state: this sign-in is not known here; sign in again")
            if known["used"]:
                raise Unauthenticated("state: this sign-in was finished already; each works once")
            if known["expired"]:
                raise Unauthenticated("state: this sign-in has expired; sign in again")
            raise Unauthenticated(
                "state: this sign-in was begun in another browser; sign in again here"
            )
        return str(row["provider"]), self._open_pending(tenant_id, state, bytes(row["sealed"]))

    async def _exchange(
        self,
        tenant: TenantEntry,
        provider: ProviderSettings,
        discovery: Discovery,
        code: str,
        verifier: str,
    ) -> str:
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri(tenant),
            code_verifier=verifier,
        )
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
        }
        auth = ClientAuth(provider.client_id, self._open(tenant.tenant_id, provider))
        url, headers, body = auth.prepare("POST", discovery.token_endpoint, headers, body)
        try:
            async with (
                self.directory.client() as client,
                client.stream("POST", url, content=body, headers=headers) as response,
            ):
                content = await read_capped(response, "token endpoint's answer")
        except httpx.HTTPError as error:
            raise Unavailable(f"the identity provider's token endpoint: {error}") from None
        try:
            token = msgspec.json.decode(content)
        except msgspec.DecodeError:
            token = None
        if not isinstance(token, dict):
            raise Unavailable(
                f"the identity provider's token endpoint answered {response.status_code}"
            )
        if response.status_code != 200:
            log.info(
                "identity provider refused a code", provider=provider.name, error=token.get("error")
            )
            raise Unauthenticated("code: the identity provider did not accept the sign-in code")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise Unauthenticated("the identity provider answered no ID token")
        return id_token

    async def _verify(
        self, provider: ProviderSettings, discovery: Discovery, id_token: str, nonce: str
    ) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated("the ID token is malformed") from None
        alg = header.get("alg")
        allowed = [a for a in ALGORITHMS if a in discovery.id_token_signing_alg_values_supported]
        if alg not in allowed:
            raise Unauthenticated(f"the ID token is signed with {alg!r}; only {allowed} are taken")
        kid = header.get("kid")
        keys = await self.directory.keys(provider.issuer)
        key = _key_of(keys, kid)
        if key is None:  # a key rotated in since the set was fetched: fetch it once more
            keys = await self.directory.keys(provider.issuer, again=True)
            key = _key_of(keys, kid)
        if key is None:
            raise Unauthenticated(
                "the ID token is signed by a key the identity provider does not publish"
            )
        try:
            token = jwt.decode(id_token, key, algorithms=[alg])
        except JoseError:
            raise Unauthenticated("the ID token's signature does not verify") from None
        claims = token.claims
        now = time.time()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != provider.issuer:
            raise Unauthenticated("the ID token was issued by another issuer")
        if provider.client_id not in audiences:
            raise Unauthenticated("the ID token was issued for another client")
        if len(audiences) > 1 and claims.get("azp") != provider.client_id:
            raise Unauthenticated("the ID token was issued for several clients, not for this one")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise Unauthenticated("the ID token has no expiry or issue time")
        if exp + LEEWAY < now:
            raise Unauthenticated("the ID token has expired")
        if iat - LEEWAY > now:
            raise Unauthenticated("the ID token was issued in the future")
        if iat + STATE_LIFETIME_SECONDS + LEEWAY < now:
            raise Unauthenticated("the ID token was issued too long ago")
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
            claims["nonce"], nonce
        ):
            raise Unauthenticated("the ID token's nonce is not this sign-in's")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthenticated("the ID token names no subject")
        return claims

    # -- who it is ----------------------------------------------------------------------------

    async def _staff(self, tenant_id: str, claims: dict[str, Any]) -> UUID:
        """The staff member the provider's verified e-mail address names; nobody is created."""
        email = _verified_email(claims)
        if email is None:
            raise Forbidden("the identity provider vouched for no e-mail address")
        person_id = await self.identity.people.find_email(tenant_id, email)
        role = None if person_id is None else await self.identity.role_of(tenant_id, person_id)
        if person_id is None or role in (None, Role.PARTICIPANT, Role.EXTERNAL_ANALYST):
            raise Forbidden("no staff member of this municipality has that e-mail address")
        return person_id

    async def _citizen(
        self, tenant_id: str, provider: ProviderSettings, claims: dict[str, Any]
    ) -> UUID:
        """One person per national identity number, found by its keyed hash; on a first
        sign-in, a participant whose address the provider verified, or a new person."""
        number = national_id(claims.get(provider.identity_claim or "sub"))
        if number is None:
            raise Unauthenticated(
                f"the identity provider's ID token carries no {provider.identity_claim!r}"
            )
        digest = self.keys.citizen_hash(tenant_id, number)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            known: UUID | None = await conn.fetchval(
                "SELECT person_id FROM citizen_identities WHERE tenant_id = $1"
                " AND identity_hash = $2",
                tenant_id,
                digest,
            )
        if known is not None:
            return known
        person_id: UUID | None = None
        email = _verified_email(claims)
        if email is not None:
            holder = await self.identity.people.find_email(tenant_id, email)
            if holder is not None:
                role = await self.identity.role_of(tenant_id, holder)
                if role in (None, Role.PARTICIPANT):
                    person_id = holder
        try:
            return await self._link(tenant_id, digest, person_id)
        except _Raced:  # the same number's first sign-in, in parallel: theirs counts
            async with tenant_transaction(self.pool, tenant_id) as conn:
                winner: UUID = await conn.fetchval(
                    "SELECT person_id FROM citizen_identities WHERE tenant_id = $1"
                    " AND identity_hash = $2",
                    tenant_id,
                    digest,
                )
            return winner

    async def _link(self, tenant_id: str, digest: bytes, person_id: UUID | None) -> UUID:
        """Record the number's keyed hash for ``person_id`` (a new person when None), in one
        transaction; ``_Raced`` (nothing written) when another sign-in recorded it first."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            if person_id is None:
                person_id = uuid.uuid4()
                await conn.execute(
                    "INSERT INTO people (tenant_id, person_id) VALUES ($1, $2)",
                    tenant_id,
                    person_id,
                )
            linked: UUID | None = await conn.fetchval(
                "INSERT INTO citizen_identities (tenant_id, identity_hash, person_id)"
                " VALUES ($1, $2, $3) ON CONFLICT (tenant_id, identity_hash) DO NOTHING"
                " RETURNING person_id",
                tenant_id,
                digest,
                person_id,
            )
            if linked is None:
                raise _Raced()
        return linked

    # -- helpers ------------------------------------------------------------------------------

    async def _aggregate(self, tenant_id: str) -> SignInProviders:
        try:
            return await self.repository.get(
                tenant_id, SignInProviders, sign_in_providers_id(tenant_id)
            )
        except AggregateNotFound:
            return SignInProviders(tenant_id=tenant_id)

    async def _providers(self, tenant_id: str) -> dict[str, ProviderSettings]:
        try:
            aggregate = await self.repository.get(
                tenant_id, SignInProviders, sign_in_providers_id(tenant_id)
            )
        except AggregateNotFound:
            return {}
        return aggregate.providers

    def _seal(self, tenant_id: str, name: str, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed: bytes = AESGCM(self.keys.provider_secret_key).encrypt(
            nonce, secret.encode(), f"{tenant_id}\n{name}".encode()
        )
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def _open(self, tenant_id: str, provider: ProviderSettings) -> str:
        blob = base64.urlsafe_b64decode(provider.client_secret_sealed)
        try:
            plain: bytes = AESGCM(self.keys.provider_secret_key).decrypt(
                blob[:12], blob[12:], f"{tenant_id}\n{provider.name}".encode()
            )
        except InvalidTag:
            raise Unavailable(
                "the provider's client secret was sealed under another deployment's secret;"
                " an administrator must set it again"
            ) from None
        return plain.decode()

    def _seal_pending(self, tenant_id: str, state: str, pending: _Pending) -> bytes:
        nonce = secrets.token_bytes(12)
        sealed: bytes = AESGCM(self.keys.oidc_state_seal_key(tenant_id, state)).encrypt(
            nonce, msgspec.json.encode(pending), tenant_id.encode()
        )
        return nonce + sealed

    def _open_pending(self, tenant_id: str, state: str, sealed: bytes) -> _Pending:
        try:
            plain = AESGCM(self.keys.oidc_state_seal_key(tenant_id, state)).decrypt(
                sealed[:12], sealed[12:], tenant_id.encode()
            )
        except InvalidTag:
            raise Unauthenticated("state: this sign-in is not known here; sign in again") from None
        return msgspec.json.decode(plain, type=_Pending)


def _view(base: str | None, settings: ProviderSettings) -> ProviderView:
    return ProviderView(
        name=settings.name,
        issuer=settings.issuer,
        client_id=settings.client_id,
        signs_in=settings.signs_in,
        scopes=list(settings.scopes),
        identity_claim=settings.identity_claim,
        birth_date_from=list(settings.birth_date_from),
        residence_claim=settings.residence_claim,
        redirect_uri=None if base is None else base + CALLBACK_PATH,
    )


class _Raced(Exception):
    """Two first sign-ins of one number at once; the caller looks the winner up."""


def redirect_uri(tenant: TenantEntry) -> str:
    """Where the provider sends the browser back: the tenant's configured public URL."""
    base = link_base(tenant)
    if base is None:
        raise Unavailable(f"{tenant.name} has no public address to come back to after sign-in")
    return base + CALLBACK_PATH


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name) or name == "callback":
        raise InvalidInput(
            "name",
            "must be 1 to 40 lower-case letters, digits and hyphens, starting with a letter or"
            " digit, and not 'callback'",
        )
    return name


def _scopes(scopes: list[str] | None, signs_in: str) -> list[str]:
    if scopes is None:
        return ["openid", "email"] if signs_in == "staff" else ["openid"]
    if len(scopes) > 20:
        raise InvalidInput("scopes", "must be at most 20")
    for index, scope in enumerate(scopes):
        if not _SCOPE.fullmatch(scope):
            raise InvalidInput(f"scopes[{index}]", "must be 1 to 100 characters, no spaces")
    if "openid" not in scopes:
        raise InvalidInput("scopes", "must include openid")
    if signs_in == "staff" and "email" not in scopes:
        raise InvalidInput("scopes", "must include email: staff are found by their address")
    return list(dict.fromkeys(scopes))


def _birth_date_sources(sources: Sequence[str], signs_in: str) -> tuple[str, ...]:
    """Where a date of birth comes from, in the order tried: each once; a national identity
    number only from a provider that signs in citizens by it."""
    for index, source in enumerate(sources):
        if source in sources[:index]:
            raise InvalidInput(f"birth_date_from[{index}]", "is listed twice")
        if source in NATIONAL_NUMBERS and signs_in != "citizens":
            raise InvalidInput(
                f"birth_date_from[{index}]",
                f"{source} is read from identity_claim: only for providers that sign in citizens",
            )
    return tuple(sources)


def national_id(value: object) -> str | None:
    """A national identity number as the provider sent it, without spaces and hyphens (a
    Swedish personnummer comes as 199001011234 or 19900101-1234); None when there is none."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = value.strip().replace(" ", "").replace("-", "")
    if not 1 <= len(cleaned) <= 64 or not _PRINTABLE.fullmatch(cleaned):
        return None
    return cleaned


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The e-mail address of the claims if the provider says it verified it."""
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        return None
    try:
        return email_address(email)
    except InvalidInput:
        return None


def _key_of(keys: KeySet, kid: object) -> Any:
    """The key of ``keys`` the token's ``kid`` names (the only key, when it names none)."""
    if isinstance(kid, str):
        for key in keys:
            if key.kid == kid:
                return key
        return None
    if kid is None and len(keys.keys) == 1:
        return keys.keys[0]
    return None
