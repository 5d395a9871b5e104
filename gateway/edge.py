"""What the gateway's own machinery needs on every request, app-wide: the tenant of a host,
the checks of a token, how far the read models are, the proxies whose forwarding headers
count, and readiness. Handlers get their services and queries as dependencies instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from gateway.forwarding import TrustedProxies
from gateway.tenancy import TenantResolver
from projections.positions import ReadModelPositions
from services.identity.sessions import Sessions
from services.identity.tokens import Tokens

T = TypeVar("T")

Injected: TypeAlias = NamedDependency[SkipValidation[T]]
"""A handler's parameter that the composition root provides by its name (a service, a query
class): missing, the app does not start. Not checked per request: it is the object given."""


@dataclass(frozen=True, slots=True)
class Edge:
    resolver: TenantResolver  # Host header to tenant, cached
    tokens: Tokens  # signed access tokens
    sessions: Sessions  # token generations and known people: revocation on every request
    positions: ReadModelPositions  # read-your-writes (gateway/consistency.py)
    read_wait: float  # seconds a read asking for its own write waits for the read models
    trusted_proxies: TrustedProxies  # whose forwarding headers name the client
    health: Callable[[], Awaitable[dict[str, str]]]  # "ok" or why not, per service


def edge_of(state: State) -> Edge:
    """The app's edge, which the composition root put in its state as ``edge``."""
    edge: Edge = state.edge
    return edge
