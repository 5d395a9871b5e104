"""The HTTP app of a platform: the composition root hands the gateway its services and the
queries beside their read models, once, as dependencies named by the handlers' parameters."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from gateway.app import create_app, provided
from gateway.edge import Edge
from gateway.tenancy import TenantResolver
from projections.audit import AuditQueries
from projections.dashboards import DashboardQueries
from projections.dialogs import DialogQueries
from projections.gamification import GamificationQueries
from projections.live import TallyHub
from projections.moderation import ModerationQueries
from projections.polls import TallyCounts, TallyQueries
from projections.posts import PostQueries
from services.media.visibility import ImageShowings
from tenants.directory import TenantHosts
from tinget.bootstrap import AppPlatform


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
    tallies: TallyHub[TallyCounts] = given["tallies"]
    return create_app(
        edge,
        {name: provided(value) for name, value in given.items()},
        max_requests=addresses.backpressure.max_concurrent_requests,
        max_streams=addresses.backpressure.max_sse_connections,
        on_shutdown=[tallies.close],
        debug=debug,
    )


def handed_over(platform: AppPlatform) -> dict[str, Any]:
    """What the gateway's handlers name, made once: the services, and the queries beside the
    read models, on the request role's pool."""
    pool = platform.app_pool
    tally_queries = TallyQueries(pool)
    return {
        # services: the write side, and its records
        "dialogs": platform.dialogs,
        "participation": platform.participation,
        "moderation": platform.moderation,
        "gamification": platform.gamification,
        "notifications": platform.notifications,
        "identity": platform.identity,
        "tenants": platform.tenants,
        "assets": platform.assets,
        "uploads": platform.uploads,
        "images": platform.images,
        "image_showings": ImageShowings(pool),
        # the read models' queries, and the live tallies
        "dialog_queries": DialogQueries(pool),
        "post_queries": PostQueries(pool),
        "tally_queries": tally_queries,
        "tallies": TallyHub[TallyCounts](pool, tally_queries.counts),
        "moderation_queries": ModerationQueries(pool),
        "gamification_queries": GamificationQueries(pool),
        "dashboard_queries": DashboardQueries(pool),
        "audit_queries": AuditQueries(pool, platform.codec.catalogue),
    }
