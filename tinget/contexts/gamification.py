"""Gamification: a tenant's rules, points, badges and levels."""

from __future__ import annotations

from projections.gamification import GamificationProgress
from services.gamification.domain import (
    BadgeAward,
    GamificationRules,
    LeaderboardPreference,
    LevelAttainment,
)
from services.gamification.policy import GamificationPolicy
from tinget.contexts.base import Context

GAMIFICATION = Context(
    "gamification",
    aggregates=(GamificationRules, LeaderboardPreference, BadgeAward, LevelAttainment),
    read_models=lambda app: [
        GamificationPolicy(app.codec, app.gamification.record_awards),
        GamificationProgress(app.codec),  # after the policy whose awards it shows
    ],
)
