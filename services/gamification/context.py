"""Gamification: a tenant's rules, points, badges and levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from services.gamification.service import GamificationService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    gamification: GamificationService


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.gamification.domain import (
        BadgeAward,
        GamificationRules,
        LeaderboardPreference,
        LevelAttainment,
    )

    return (GamificationRules, LeaderboardPreference, BadgeAward, LevelAttainment)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.gamification.policy import GamificationPolicy
    from services.gamification.progress import GamificationProgress

    return [
        GamificationPolicy(app.codec.catalogue, app.gamification.record_awards),
        GamificationProgress(app.codec),  # after the policy whose awards it shows
    ]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.gamification.progress import GamificationQueries

    return {
        "gamification": app.gamification,
        "gamification_queries": GamificationQueries(app.app_pool),
    }


GAMIFICATION = Context[Needs](
    "gamification",
    package="services.gamification",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=("gateway.gamification:GamificationController",),
    provides=_provides,
)
