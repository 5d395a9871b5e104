"""Gamification: a tenant's rules, points, badges and levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.gamification.domain import (
        BadgeAward,
        GamificationRules,
        LeaderboardPreference,
        LevelAttainment,
    )

    return (GamificationRules, LeaderboardPreference, BadgeAward, LevelAttainment)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.gamification import GamificationProgress
    from services.gamification.policy import GamificationPolicy

    return [
        GamificationPolicy(app.codec.catalogue, app.gamification.record_awards),
        GamificationProgress(app.codec),  # after the policy whose awards it shows
    ]


def _controllers() -> Sequence[type]:
    from gateway.gamification import GamificationController

    return [GamificationController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.gamification import GamificationQueries

    return {
        "gamification": app.gamification,
        "gamification_queries": GamificationQueries(app.app_pool),
    }


GAMIFICATION = Context(
    "gamification",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
