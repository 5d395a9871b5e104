"""The HTTP app of a platform: the composition root hands the gateway each context's
controllers (tinget/contexts.py), and its services and the queries beside its read models, once,
as dependencies named by the handlers' parameters."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from events.live import TallyHub
from events.live_feed import FeedHub
from gateway.app import create_app, hand_over, provided
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
    addresses = platform.addresses
    providers = {name: provided(value) for name, value in handed_over(platform).items()}

    async def close_hubs() -> None:
        # the live hubs (poll tallies, opinion maps, chats) each hold a listening connection
        for provider in providers.values():
            if isinstance(provider.value, TallyHub | FeedHub):
                await provider.value.close()

    return create_app(
        edge_of_platform(platform),
        controllers(),
        providers,
        max_requests=addresses.backpressure.max_concurrent_requests,
        max_streams=addresses.backpressure.max_sse_connections,
        on_shutdown=[close_hubs],
        debug=debug,
    )


def repoint(app: Litestar, platform: AppPlatform) -> None:
    """Point an app that ``build_app`` made (for a platform with the same bounds) at
    ``platform``: the tests build the app once per process rather than once per test, which
    takes half a second. Whoever repoints closes the live hubs first (the app's shutdown)."""
    hand_over(app, edge_of_platform(platform), handed_over(platform))


def edge_of_platform(platform: AppPlatform) -> Edge:
    """What the gateway's middleware, hooks and own dependencies read of ``platform``."""
    addresses = platform.addresses
    return Edge(
        resolver=TenantResolver(TenantHosts(platform.app_pool).entry_at),
        tokens=platform.tokens,
        sessions=platform.sessions,
        positions=platform.positions,
        read_wait=addresses.backpressure.read_wait,
        trusted_proxies=addresses.trusted_proxies,
        health=platform.health,
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
