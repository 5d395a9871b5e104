"""Scoring in memory: a person's points and tallies change, and what that earns.

The policy loads the rows a batch touches into a ``Scoreboard``, folds the batch's events over
it in log order and writes the rows back; what the fold earned comes out as awards, each made
into its aggregate only when it is recorded.
Nothing here touches a database, so it is the same fold live and in a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.gamification.domain import (
    BadgeAward,
    LevelAttainment,
    badge_award_id,
    level_award_id,
)
from services.gamification.rules import (
    Badge,
    Rules,
    Tally,
    badges_crossed,
    default_text,
    levels_crossed,
)

Row = dict[str, Any]
PersonKey = tuple[str, UUID]  # (tenant, person)
DialogKey = tuple[str, UUID, UUID]  # (tenant, dialog, person)

TALLIES = tuple(t.value for t in Tally)
_TEXTS = frozenset({"name", "welcome", "title"})  # an award's fields a participant reads


def person_row(tenant_id: str, person_id: UUID) -> Row:
    return {"tenant_id": tenant_id, "person_id": person_id, "points": 0} | dict.fromkeys(TALLIES, 0)


def dialog_row(tenant_id: str, dialog_id: UUID, person_id: UUID) -> Row:
    return {"tenant_id": tenant_id, "dialog_id": dialog_id, "person_id": person_id, "points": 0}


@dataclass(frozen=True)
class Award:
    """Something earned: the stream its award is recorded on (which follows from what was
    earned) and the aggregate that records it, made only if it is recorded. A replay or a
    rebuild earns every award again, and finds nearly all of them recorded already."""

    stream_id: UUID
    kind: type[Aggregate]
    fields: dict[str, Any]

    def aggregate(self, language: str = "en") -> Aggregate:
        """The award's aggregate, its level name, welcome or badge title in ``language`` when
        they are the default rules' texts (the tenant's language: what its e-mails speak)."""
        fields = {
            name: default_text(value, language) if name in _TEXTS else value
            for name, value in self.fields.items()
        }
        return self.kind(**fields)


@dataclass
class Scoreboard:
    """The rows of one batch: people's totals and their points per dialog."""

    people: dict[PersonKey, Row]
    dialogs: dict[DialogKey, Row]
    awards: dict[str, list[Award]] = field(default_factory=dict)
    # per rules in force and tally: the badge levels each count earns (``badges_crossed``
    # over one step), worked out once a batch rather than at every count
    _steps: dict[tuple[int, Tally], tuple[Rules, dict[int, list[tuple[Badge, int]]]]] = field(
        default_factory=dict, repr=False
    )

    def credit(
        self,
        rules: Rules,
        tenant_id: str,
        person_id: UUID,
        dialog_id: UUID,
        tally: Tally,
        points: int,
    ) -> None:
        """Count one ``tally`` for the person in the dialog, add ``points``, and note what that
        earns (a first action in a dialog also counts the dialog)."""
        person = self.people.setdefault((tenant_id, person_id), person_row(tenant_id, person_id))
        key = (tenant_id, dialog_id, person_id)
        if key not in self.dialogs:
            self.dialogs[key] = dialog_row(tenant_id, dialog_id, person_id)
            self._count(rules, person, dialog_id, Tally.DIALOGS)
        self._count(rules, person, dialog_id, tally)
        self.add_points(rules, tenant_id, person_id, dialog_id, points)

    def take_back(
        self,
        rules: Rules,
        tenant_id: str,
        person_id: UUID,
        dialog_id: UUID,
        tally: Tally,
        points: int,
    ) -> None:
        """Undo one ``credit`` (a withdrawn post). What it earned stays earned."""
        person = self.people.get((tenant_id, person_id))
        if person is not None:
            person[tally.value] = max(0, person[tally.value] - 1)
        self.add_points(rules, tenant_id, person_id, dialog_id, -points)

    def add_points(
        self, rules: Rules, tenant_id: str, person_id: UUID, dialog_id: UUID, points: int
    ) -> None:
        """Add (or, for a withdrawn post, take back) points; levels are earned on the way up."""
        person = self.people.setdefault((tenant_id, person_id), person_row(tenant_id, person_id))
        before = person["points"]
        person["points"] = max(0, before + points)
        row = self.dialogs.setdefault(
            (tenant_id, dialog_id, person_id), dialog_row(tenant_id, dialog_id, person_id)
        )
        row["points"] = max(0, row["points"] + points)
        for number in levels_crossed(rules, before, person["points"]):
            level = rules.levels[number - 1]
            self._award(
                tenant_id,
                Award(
                    level_award_id(person_id, number),
                    LevelAttainment,
                    {
                        "person_id": person_id,
                        "level": number,
                        "name": level.name,
                        "welcome": level.welcome,
                    },
                ),
            )

    def _count(self, rules: Rules, person: Row, dialog_id: UUID, tally: Tally) -> None:
        before = person[tally.value]
        person[tally.value] = before + 1
        for badge, number in self._earned_at(rules, tally).get(before + 1, ()):
            person_id = person["person_id"]
            self._award(
                person["tenant_id"],
                Award(
                    badge_award_id(person_id, badge.key, number),
                    BadgeAward,
                    {
                        "person_id": person_id,
                        "dialog_id": dialog_id,
                        "badge": badge.key,
                        "level": number,
                        "title": badge.levels[number - 1].title,
                    },
                ),
            )

    def _earned_at(self, rules: Rules, tally: Tally) -> dict[int, list[tuple[Badge, int]]]:
        """The badge levels earned as ``tally`` reaches each count, by count."""
        known = self._steps.get((id(rules), tally))
        if known is not None and known[0] is rules:
            return known[1]
        counts = {level.at for badge in rules.badges for level in badge.levels}
        earned = {at: found for at in counts if (found := badges_crossed(rules, tally, at - 1, at))}
        self._steps[(id(rules), tally)] = (rules, earned)  # the rules kept: their id stays theirs
        return earned

    def _award(self, tenant_id: str, award: Award) -> None:
        self.awards.setdefault(tenant_id, []).append(award)
