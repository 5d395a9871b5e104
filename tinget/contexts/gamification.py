"""Gamification: a tenant's rules, points, badges and levels."""

from __future__ import annotations

from collections.abc import Sequence

from projections.gamification import GamificationProgress, GamificationQueries
from services.gamification.domain import (
    BadgeAward,
    GamificationRules,
    LeaderboardPreference,
    LevelAttainment,
)
from services.gamification.policy import GamificationPolicy
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.gamification import GamificationController

    return [GamificationController]


GAMIFICATION = Context(
    "gamification",
    aggregates=(GamificationRules, LeaderboardPreference, BadgeAward, LevelAttainment),
    read_models=lambda app: [
        GamificationPolicy(app.codec.catalogue, app.gamification.record_awards),
        GamificationProgress(app.codec),  # after the policy whose awards it shows
    ],
    controllers=_controllers,
    provides=lambda app: {
        "gamification": app.gamification,
        "gamification_queries": GamificationQueries(app.app_pool),
    },
)
