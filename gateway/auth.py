"""The caller of a request, from its bearer token, checked against the tenant of its host."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from opentelemetry import trace

from events import tracing
from events.errors import Unauthenticated
from gateway.edge import Edge, edge_of
from services.identity.access import Caller
from services.request_context import bind_request
from tenants.directory import TenantEntry


async def resolve_tenant(request: Request[Any, Any, Any], state: State) -> TenantEntry:
    """The tenant of the request's host (404 unknown, 403 suspended), bound to its log lines."""
    return await tenant_of_host(state, request.headers.get("host"))


async def tenant_of_host(state: State, host: str | None) -> TenantEntry:
    """The tenant served at ``host`` (the Host header), bound to the request's log lines."""
    tenant = await edge_of(state).resolver.resolve(host)
    bind_request(tenant_id=tenant.tenant_id)
    if tracing.enabled():
        trace.get_current_span().set_attribute("tinget.tenant", tenant.tenant_id)
    return tenant


def _bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without the header."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The verified caller; 401 without a valid token for the tenant of the host.

    It finds the tenant itself (from the resolver's cache) rather than through the ``tenant``
    dependency, and reads the two headers from the scope in one pass.
    """
    host = authorization = None
    for name, value in request.scope["headers"]:
        if name == b"host":
            host = value.decode("latin-1")
        elif name == b"authorization":
            authorization = value.decode("latin-1")
    return await authenticate(request.app.state, host, authorization)


async def authenticate(state: State, host: str | None, authorization: str | None) -> Caller:
    """The caller of a request with these Host and Authorization headers, verified against
    the tenant of the host."""
    tenant = await tenant_of_host(state, host)
    token = _bearer(authorization)
    if token is None:
        raise Unauthenticated("this needs an access token: sign in first")
    return await verified(edge_of(state), token, tenant.tenant_id)


async def verified(edge: Edge, token: str, tenant_id: str) -> Caller:
    """The caller of a token: signed for this tenant, not taken back, naming a person here."""
    caller = edge.tokens.verify(token, tenant_id)
    await edge.sessions.check(caller, caller.token_generation)
    return caller


async def provide_viewer(
    request: Request[Any, Any, Any], state: State, tenant: NamedDependency[TenantEntry]
) -> Caller | None:
    """The caller if a token is given (it must then be valid), else None: for public reads."""
    token = _bearer(request.headers.get("authorization"))
    if token is None:
        return None
    caller = await verified(edge_of(state), token, tenant.tenant_id)
    bind_request(role=caller.role.value)
    return caller


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address for rate limits: the TCP peer, or, when the peer is one of
    ``TINGET_TRUSTED_PROXIES``, the address its forwarding headers give (gateway.forwarding)."""
    peer = request.client.host if request.client else None
    proxies = edge_of(request.app.state).trusted_proxies
    return proxies.client(peer, request.scope["headers"])
