"""The platform API, for Tinget's own staff: consultants onboard and look after municipalities
(create, hosts, suspension), operations read them (the tenants and their health).

It is served under ``/api/v1/platform/`` on every host, and what it does never depends on the
host: no tenant is resolved from the Host header, and only a platform token (signed with the
platform key, for the audience ``_platform``) is taken. A municipality's own token, even its
administrator's, is refused (401) on its own host as on any other, so a tenant's staff cannot act
on the platform. Platform staff sign in here by an e-mail link that points at the configured
platform console (``TINGET_PLATFORM_URL``), never at the host the request came to. A deployment
that wants the console on one host only can route ``/api/v1/platform/`` there at its ingress.

Every change is recorded with who made it (the staff member's id and role, the request id), so
the audit trail of the tenant (its own events) and of the platform (host claims and releases,
under ``_platform``) say who did what; ``tinget audit verify`` checks both chains.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from msgspec import Meta

from events.errors import Forbidden, NotFound, Unauthenticated
from gateway.auth import _bearer, client_address
from gateway.edge import Injected, edge_of
from gateway.identity import EmailSignIn, RedeemLink, RefreshSession
from gateway.openapi import REQUIRED
from gateway.problems import problems
from services.dashboards.health import HealthQueries, TenantHealth
from services.identity.access import Caller, Permission, event_metadata
from services.identity.platform_staff import PlatformStaff
from services.identity.tokens import IssuedToken
from services.request_context import bind_request
from tenants.directory import TenantHosts
from tenants.domain import Tenant
from tenants.service import TenantService
from tenants.values import OFFERED_LANGUAGES

BEARER = REQUIRED  # a platform token, as the document's bearer scheme describes

Language = Annotated[str, Meta(min_length=2, max_length=10, description="sv, da, nb, fi or en")]
Slug = Annotated[str, Meta(min_length=1, max_length=40)]
HostName = Annotated[str, Meta(min_length=1, max_length=253)]


async def provide_platform_caller(request: Request[Any, Any, Any]) -> Caller:
    """The platform staff member of the request's bearer token: only a platform token that was
    not taken back (sign-out, removal) passes, whatever the host."""
    token = _bearer(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated("this needs a platform token: sign in at the platform console")
    edge = edge_of(request.app.state)
    caller = edge.tokens.verify_platform(token)
    await edge.sessions.check(caller, caller.token_generation)
    bind_request(role=caller.role.value)
    return caller


def _reads(caller: Caller) -> None:
    """Consultants and operations read the platform's tenants."""
    if not (caller.may(Permission.ADMINISTER) or caller.may(Permission.OPERATE)):
        raise Forbidden(f"the role {caller.role.value!r} may not read the platform's tenants")


def _changes(caller: Caller) -> None:
    """Only consultants change tenants; operations read."""
    if not caller.may(Permission.ADMINISTER):
        raise Forbidden(f"the role {caller.role.value!r} may only read the platform's tenants")


class NewTenant(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    default_language: Language = "sv"
    public_url: Annotated[str, Meta(min_length=1, max_length=500)] | None = None
    hosts: Annotated[list[HostName], Meta(max_length=20)] = msgspec.field(default_factory=list)


class NewHost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    host: HostName


class Suspension(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class PlatformAccepted(msgspec.Struct, kw_only=True):
    status: str
    detail: str


class PlatformTenant(msgspec.Struct, kw_only=True):
    """A municipality as the platform sees it."""

    slug: str
    name: str
    default_language: str
    hosts: list[str]
    public_url: str | None
    status: Literal["active", "suspended"]
    suspension_reason: str | None
    version: int


class TenantSummary(msgspec.Struct, kw_only=True):
    """A municipality in the platform's list, with its health."""

    slug: str
    name: str
    status: str
    hosts: list[str]
    public_url: str | None
    created_at: datetime
    health: TenantHealth


class TenantList(msgspec.Struct, kw_only=True):
    tenants: list[TenantSummary]
    languages: list[str]  # the default languages a tenant may have


def _tenant(tenant: Tenant) -> PlatformTenant:
    return PlatformTenant(
        slug=tenant.slug,
        name=tenant.name,
        default_language=tenant.default_language,
        hosts=list(tenant.hosts),
        public_url=tenant.link_base,
        status="suspended" if tenant.suspended else "active",
        suspension_reason=tenant.suspension_reason,
        version=tenant.version,
    )


class PlatformController(Controller):
    path = "/api/v1/platform"
    tags = ["platform"]
    dependencies = {"platform_caller": Provide(provide_platform_caller)}

    @post(
        "/sign-in/email",
        operation_id="requestPlatformSignInLink",
        summary="E-mail a platform staff member a sign-in link",
        responses=problems(404, 422, 429),
        status_code=202,
    )
    async def request_link(
        self,
        platform_staff: Injected[PlatformStaff],
        request: Request[Any, Any, Any],
        data: JSONBody[EmailSignIn],
    ) -> PlatformAccepted:
        """E-mail a one-time link to the platform console (its configured address, never this
        request's host) to a consultant or operations staff member. The answer does not say
        whether the address belongs to one. 404 where no platform console is configured."""
        if platform_staff.console_url is None:
            raise NotFound("no platform console is configured on this deployment")
        await platform_staff.send_sign_in_link(data.email, client_address(request))
        return PlatformAccepted(
            status="sent", detail="if the address belongs to platform staff, a link is on its way"
        )

    @post(
        "/sign-in/email/redeem",
        operation_id="redeemPlatformSignInLink",
        summary="Sign in to the platform with an e-mailed link",
        responses=problems(401, 429),
        status_code=200,
    )
    async def redeem_link(
        self,
        platform_staff: Injected[PlatformStaff],
        request: Request[Any, Any, Any],
        data: JSONBody[RedeemLink],
    ) -> IssuedToken:
        """Trade the code of a platform sign-in link for a platform token pair: an access token
        for 15 minutes and a refresh token. Each link works once."""
        return await platform_staff.redeem_link(data.code, client_address(request))

    @post(
        "/sessions/refresh",
        operation_id="refreshPlatformSession",
        summary="Refresh a platform staff member's tokens",
        responses=problems(401),
        status_code=200,
    )
    async def refresh(
        self, platform_staff: Injected[PlatformStaff], data: JSONBody[RefreshSession]
    ) -> IssuedToken:
        """A new platform token pair in the role the person holds now; a refresh token taken
        back by a sign-out or a removal is refused."""
        return await platform_staff.refresh(data.refresh_token)

    @post(
        "/sign-out",
        operation_id="platformSignOut",
        summary="Sign a platform staff member out everywhere",
        responses=problems(401),
        status_code=200,
        security=BEARER,
    )
    async def sign_out(
        self,
        platform_staff: Injected[PlatformStaff],
        platform_caller: NamedDependency[Caller],
    ) -> PlatformAccepted:
        """Take back every platform token the caller holds, on every host, at once."""
        await platform_staff.sign_out(platform_caller)
        return PlatformAccepted(
            status="signed-out", detail="every platform token of yours is revoked"
        )

    @post(
        "/tenants",
        operation_id="createTenant",
        summary="Create a municipality",
        responses=problems(401, 403, 409, 422),
        status_code=201,
        security=BEARER,
    )
    async def create_tenant(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        data: JSONBody[NewTenant],
    ) -> PlatformTenant:
        """Create a municipality with its hosts and public URL (consultants). A slug or host
        taken is 409 naming it (``slug``, ``hosts[i]``), a bad one 422; the tenant and its
        host claims are written together or not at all."""
        _changes(platform_caller)
        tenant = await tenants.create(
            data.slug,
            data.name,
            data.default_language,
            data.hosts,
            metadata=event_metadata(platform_caller),
            public_url=data.public_url,
        )
        return _tenant(tenant)

    @get(
        "/tenants",
        operation_id="listTenants",
        summary="List the municipalities with their health",
        # 400 and 404: a Tinget-Min-Position that is no position, or asked of a host that
        # serves no municipality (the wait is for the read models of the host's tenant)
        responses=problems(400, 401, 403, 404),
        security=BEARER,
    )
    async def list_tenants(
        self,
        tenant_hosts: Injected[TenantHosts],
        tenant_health: Injected[HealthQueries],
        platform_caller: NamedDependency[Caller],
    ) -> TenantList:
        """Every municipality (from the tenant directory) with its health: events today,
        open dialogs, last activity, and the read models that have not yet applied its latest
        events (consultants and operations)."""
        _reads(platform_caller)
        entries = await tenant_hosts.entries()
        return TenantList(
            tenants=[
                TenantSummary(
                    slug=e.tenant_id,
                    name=e.name,
                    status=e.status,
                    hosts=e.hosts,
                    public_url=e.public_url,
                    created_at=e.created_at,
                    health=await tenant_health.of(e.tenant_id),
                )
                for e in entries
            ],
            languages=list(OFFERED_LANGUAGES),
        )

    @get(
        "/tenants/{slug:str}",
        operation_id="getTenant",
        summary="Read one municipality",
        responses=problems(401, 403, 404),
        security=BEARER,
    )
    async def get_tenant(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        slug: FromPath[str],
    ) -> PlatformTenant:
        """One municipality as it stands now (consultants and operations)."""
        _reads(platform_caller)
        return _tenant(await tenants.get(slug))

    @post(
        "/tenants/{slug:str}/hosts",
        operation_id="addTenantHost",
        summary="Add a host to a municipality",
        responses=problems(401, 403, 404, 409, 422),
        status_code=201,
        security=BEARER,
    )
    async def add_host(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        slug: FromPath[str],
        data: JSONBody[NewHost],
    ) -> PlatformTenant:
        """Serve the municipality at another host too (consultants); a host another tenant
        holds is 409."""
        _changes(platform_caller)
        tenant = await tenants.add_host(slug, data.host, metadata=event_metadata(platform_caller))
        return _tenant(tenant)

    @delete(
        "/tenants/{slug:str}/hosts/{host:str}",
        operation_id="removeTenantHost",
        summary="Remove a host from a municipality",
        responses=problems(401, 403, 404, 409, 422),
        status_code=200,
        security=BEARER,
    )
    async def remove_host(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        slug: FromPath[str],
        host: FromPath[str],
    ) -> Response[PlatformTenant]:
        """Stop serving the municipality at a host and free the host for any tenant
        (consultants). A tenant keeps at least one host (409)."""
        _changes(platform_caller)
        tenant = await tenants.remove_host(slug, host, metadata=event_metadata(platform_caller))
        return Response(_tenant(tenant), status_code=200)

    @post(
        "/tenants/{slug:str}/suspension",
        operation_id="suspendTenant",
        summary="Suspend a municipality",
        responses=problems(401, 403, 404, 409, 422),
        status_code=200,
        security=BEARER,
    )
    async def suspend(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        slug: FromPath[str],
        data: JSONBody[Suspension],
    ) -> PlatformTenant:
        """Suspend a municipality (consultants): its hosts answer 403 with the reason until it
        is resumed. Suspending a suspended one is 409."""
        _changes(platform_caller)
        tenant = await tenants.suspend(slug, data.reason, metadata=event_metadata(platform_caller))
        return _tenant(tenant)

    @delete(
        "/tenants/{slug:str}/suspension",
        operation_id="resumeTenant",
        summary="Resume a suspended municipality",
        responses=problems(401, 403, 404, 409),
        status_code=200,
        security=BEARER,
    )
    async def resume(
        self,
        tenants: Injected[TenantService],
        platform_caller: NamedDependency[Caller],
        slug: FromPath[str],
    ) -> Response[PlatformTenant]:
        """Resume a suspended municipality (consultants); one that is not suspended is 409."""
        _changes(platform_caller)
        tenant = await tenants.resume(slug, metadata=event_metadata(platform_caller))
        return Response(_tenant(tenant), status_code=200)
