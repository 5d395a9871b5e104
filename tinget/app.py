"""The HTTP app of a platform: the composition root hands the gateway each context's
controllers (tinget/contexts.py), and its services and the queries beside its read models, once,
as dependencies named by the handlers' parameters."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from events.live import TallyHub
from events.live_feed import FeedHub
from gateway.app import create_app, provided
from gateway.edge import Edge
from gateway.tenancy import TenantResolver
from tenants.directory import TenantHosts
from tinget.bootstrap import AppPlatform
from tinget.contexts import CONTEXTS


def controllers() -> list[ControllerRouterHandler]:
    """Every context's HTTP controllers, in the contexts' order."""
    return [c for context in CONTEXTS for c in context.controllers()]


def build_app(platform: AppPlatform, *, debug: bool = False) -> Litestar:
    """The gateway of ``platform``: what a gateway process serves, and what tests drive."""
    pool = platform.app_pool
    addresses = platform.addresses
    edge = Edge(
        resolver=TenantResolver(TenantHosts(pool).entry_at),
        tokens=platform.tokens,
        sessions=platform.sessions,
        positions=platform.positions,
        read_wait=addresses.backpressure.read_wait,
        trusted_proxies=addresses.trusted_proxies,
        health=platform.health,
    )
    given = handed_over(platform)
    # the live hubs (poll tallies, opinion maps, chats) each hold a listening connection
    hubs: list[TallyHub[Any] | FeedHub[Any]] = [
        v for v in given.values() if isinstance(v, TallyHub | FeedHub)
    ]
    return create_app(
        edge,
        controllers(),
        {name: provided(value) for name, value in given.items()},
        max_requests=addresses.backpressure.max_concurrent_requests,
        max_streams=addresses.backpressure.max_sse_connections,
        on_shutdown=[hub.close for hub in hubs],
        debug=debug,
    )


def handed_over(platform: AppPlatform) -> dict[str, Any]:
    """What the gateway's handlers name, made once from the platform: each context's services
    and the queries beside its read models (tinget/contexts.py), on the request role's pool."""
    given: dict[str, Any] = {}
    for context in CONTEXTS:
        for name, value in context.provides(platform).items():
            if name in given:
                raise ValueError(f"{context.name} provides {name!r}, which another context does")
            given[name] = value
    return given
