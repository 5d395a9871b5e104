"""What administrators and participants send. The tenant and the person come from the caller.

``SetRules`` is the whole rules document, as ``GET /gamification/rules`` returns it: an
administrator reads the rules, changes what they want and puts them back. Shapes and ranges
are checked by msgspec (400 naming the field); rules across items (unique keys, increasing
levels) by ``validated_rules`` (422 naming the field).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from events.errors import InvalidInput
from services.gamification.rules import (
    STATEMENT_POINTS,
    Badge,
    BadgeLevel,
    Level,
    Points,
    Rules,
    Tally,
)
from tenants import values

PointsValue = Annotated[int, Meta(ge=0, le=10_000)]
Title = Annotated[str, Meta(min_length=1, max_length=100)]


class PointsInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    proposal: PointsValue
    idea: PointsValue
    petition: PointsValue
    suggestion: PointsValue
    topic: PointsValue
    problem_report: PointsValue
    comment: PointsValue
    support: PointsValue
    signature: PointsValue
    threshold_reached: PointsValue
    statement: PointsValue = STATEMENT_POINTS  # optional: rules written before statements


class BadgeLevelInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    at: Annotated[int, Meta(ge=1, le=1_000_000)]
    title: Title


class BadgeInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: Annotated[str, Meta(pattern="^[a-z][a-z0-9-]{0,39}$")]
    tally: Tally
    levels: Annotated[list[BadgeLevelInput], Meta(min_length=1, max_length=10)]


class LevelInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=60)]
    min_points: Annotated[int, Meta(ge=0, le=100_000_000)]
    welcome: Annotated[str, Meta(max_length=500)] = ""


class SetRules(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: bool
    points: PointsInput
    badges: Annotated[list[BadgeInput], Meta(max_length=50)]
    levels: Annotated[list[LevelInput], Meta(min_length=1, max_length=30)]


class LeaderboardChoice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    opt_in: bool


def _badge(i: int, given: BadgeInput) -> Badge:
    levels: list[BadgeLevel] = []
    for j, level in enumerate(given.levels):
        field = f"badges[{i}].levels[{j}]"
        if levels and level.at <= levels[-1].at:
            raise InvalidInput(f"{field}.at", "must be more than the level before")
        title = values.text(level.title, f"{field}.title", max_length=100)
        levels.append(BadgeLevel(at=level.at, title=title))
    return Badge(key=given.key, tally=given.tally, levels=tuple(levels))


def _levels(given: list[LevelInput]) -> tuple[Level, ...]:
    levels: list[Level] = []
    for i, level in enumerate(given):
        field = f"levels[{i}]"
        if i == 0 and level.min_points != 0:
            raise InvalidInput(f"{field}.min_points", "the first level starts at 0 points")
        if levels and level.min_points <= levels[-1].min_points:
            raise InvalidInput(f"{field}.min_points", "must be more than the level before")
        name = values.text(level.name, f"{field}.name", max_length=60)
        if any(name.casefold() == other.name.casefold() for other in levels):
            raise InvalidInput(f"{field}.name", f"{name!r} names another level already")
        welcome = values.text(level.welcome, f"{field}.welcome", max_length=500, required=False)
        levels.append(Level(name=name, min_points=level.min_points, welcome=welcome))
    return tuple(levels)


def validated_rules(command: SetRules) -> Rules:
    """The rules the command describes, or ``InvalidInput`` naming the first field at fault."""
    badges: list[Badge] = []
    for i, given in enumerate(command.badges):
        if any(b.key == given.key for b in badges):
            raise InvalidInput(f"badges[{i}].key", f"{given.key!r} is the key of another badge")
        badges.append(_badge(i, given))
    return Rules(
        enabled=command.enabled,
        points=msgspec.convert(msgspec.structs.asdict(command.points), Points),
        badges=tuple(badges),
        levels=_levels(command.levels),
    )
