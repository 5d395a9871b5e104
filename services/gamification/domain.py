"""Gamification's aggregates: a tenant's rules, a person's leaderboard choice, and the awards.

An award is an aggregate of one event whose stream id follows from what was earned: (person,
badge, level) or (person, level). The store's unique (stream, version) key therefore lets each
be earned once, however often the policy sees the events that earned it (redelivery, replay,
a rebuild): a second award is a version conflict, and nothing is written.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.gamification.rules import Badge, Level, Points, Rules

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/gamification")


def rules_id(tenant_id: str) -> UUID:
    """The stream of a tenant's rules: one per tenant."""
    return uuid5(_NAMESPACE, f"rules:{tenant_id}")


def badge_award_id(person_id: UUID, badge: str, level: int) -> UUID:
    return uuid5(_NAMESPACE, f"badge:{person_id}:{badge}:{level}")


def level_award_id(person_id: UUID, level: int) -> UUID:
    return uuid5(_NAMESPACE, f"level:{person_id}:{level}")


def leaderboard_preference_id(person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"leaderboard:{person_id}")


class GamificationRules(Aggregate):
    """A tenant's rules, once an administrator has set them (the defaults apply until then).

    Created by ``GamificationRulesCreated`` (a bare marker: eventsourcing needs a creation
    event of its own), then every change, the first one included, is one
    ``GamificationRulesChanged`` carrying the rules whole.
    """

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return rules_id(tenant_id)

    @event("Created")
    def __init__(self, tenant_id: str) -> None:
        self.rules: Rules | None = None

    def change(self, rules: Rules) -> bool:
        """Record the new rules; False (nothing recorded) when they are the rules in force."""
        if rules == self.rules:
            return False
        self._changed(rules.enabled, rules.points, rules.badges, rules.levels)
        return True

    @event("GamificationRulesChanged")
    def _changed(
        self, enabled: bool, points: Points, badges: tuple[Badge, ...], levels: tuple[Level, ...]
    ) -> None:
        self.rules = Rules(enabled=enabled, points=points, badges=badges, levels=levels)


class LeaderboardPreference(Aggregate):
    """Whether a person is shown on leaderboards. Nobody is, until they opt in."""

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return leaderboard_preference_id(person_id)

    @event("Created")
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.opted_in = False

    def choose(self, opt_in: bool) -> bool:
        """Record the choice; False (nothing recorded) when it is the current one."""
        if opt_in == self.opted_in:
            return False
        if opt_in:
            self._opted_in(self.person_id)
        else:
            self._opted_out(self.person_id)
        return True

    @event("LeaderboardOptedIn")
    def _opted_in(self, person_id: UUID) -> None:
        self.opted_in = True

    @event("LeaderboardOptedOut")
    def _opted_out(self, person_id: UUID) -> None:
        self.opted_in = False


class BadgeAward(Aggregate):
    """A badge level earned by a person, once. ``dialog_id`` is where it was earned."""

    @staticmethod
    def create_id(
        person_id: UUID, dialog_id: UUID | None, badge: str, level: int, title: str
    ) -> UUID:
        return badge_award_id(person_id, badge, level)

    @event("BadgeAwarded")
    def __init__(
        self, person_id: UUID, dialog_id: UUID | None, badge: str, level: int, title: str
    ) -> None:
        self.person_id = person_id
        self.badge = badge
        self.level = level


class LevelAttainment(Aggregate):
    """A level of standing reached by a person, once."""

    @staticmethod
    def create_id(person_id: UUID, level: int, name: str, welcome: str) -> UUID:
        return level_award_id(person_id, level)

    @event("LevelReached")
    def __init__(self, person_id: UUID, level: int, name: str, welcome: str) -> None:
        self.person_id = person_id
        self.level = level
