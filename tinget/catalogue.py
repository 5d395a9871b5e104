"""Every bounded context's aggregates, registered in one catalogue."""

from __future__ import annotations

from events.catalogue import Catalogue
from services.dialogs.domain import Dialog, Invitation
from services.gamification.domain import (
    BadgeAward,
    GamificationRules,
    LeaderboardPreference,
    LevelAttainment,
)
from services.identity.domain import Person
from services.moderation.domain import Block, Flag, ModerationCase
from services.notifications.templates import NotificationTemplate
from services.participation.domain import Ballot, Post, Signature, Support
from tenants.domain import HostClaim, Tenant


def build_catalogue() -> Catalogue:
    catalogue = Catalogue()
    catalogue.register(Tenant, "tenants")
    catalogue.register(HostClaim, "tenants")
    catalogue.register(Person, "identity")
    catalogue.register(Dialog, "dialogs")
    catalogue.register(Invitation, "dialogs")
    for aggregate in (Post, Support, Signature, Ballot):
        catalogue.register(aggregate, "participation")
    for moderated in (Flag, ModerationCase, Block):
        catalogue.register(moderated, "moderation")
    for gamified in (GamificationRules, LeaderboardPreference, BadgeAward, LevelAttainment):
        catalogue.register(gamified, "gamification")
    catalogue.register(NotificationTemplate, "notifications")
    return catalogue
