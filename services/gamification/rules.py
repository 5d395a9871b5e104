"""A tenant's gamification rules: points per action, badges with levels, levels of standing.

The rules are values carried whole by ``GamificationRulesChanged``, so the policy that reacts
to the stream applies the rules that were in force at each event's place in the log, live and
in a rebuild alike. Until an administrator changes them, ``DEFAULT_RULES`` apply.

The default rules' level names, welcomes and badge titles are English message ids of the
built-in catalogues (events/texts.py): an award is recorded with them in the tenant's
language (``default_text``), so a Swedish municipality's participants earn "Nykomling", not
"Newcomer". An administrator's own texts are kept as written.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from events import texts
from events.texts import N_
from services.dialogs.kinds import PostKind


class Tally(StrEnum):
    """What a badge counts, per person."""

    POSTS = "posts"  # proposals, ideas, petitions, suggestions, topics, problem reports
    COMMENTS = "comments"
    ENDORSEMENTS = "endorsements"  # supports given and petitions signed
    THRESHOLDS = "thresholds"  # the person's posts that reached their threshold or goal
    DIALOGS = "dialogs"  # dialogs the person took part in


# The post kinds that earn points, and the field of ``Points`` that says how many.
_POST_POINTS: dict[str, str] = {kind: kind.value.replace("-", "_") for kind in PostKind}


STATEMENT_POINTS = 2  # for a statement, where the rules do not say (they did not before them)


class Points(msgspec.Struct, frozen=True, kw_only=True):
    """Points per action. A ballot earns nothing: it names no voter, by design."""

    proposal: int
    idea: int
    petition: int
    suggestion: int
    topic: int
    problem_report: int
    comment: int
    support: int
    signature: int
    threshold_reached: int  # to the author, when the post reaches its threshold or goal
    # added with statements dialogs; rules recorded before them read as the default
    statement: int = STATEMENT_POINTS

    def for_post(self, kind: str) -> int:
        """The points for submitting a post of ``kind`` (0 for a kind without points)."""
        field = _POST_POINTS.get(kind)
        return 0 if field is None else int(getattr(self, field))


class BadgeLevel(msgspec.Struct, frozen=True, kw_only=True):
    at: int  # the count that earns this level
    title: str


class Badge(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    tally: Tally
    levels: tuple[BadgeLevel, ...]


class Level(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    min_points: int
    welcome: str


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    points: Points
    badges: tuple[Badge, ...]
    levels: tuple[Level, ...]

    def level_at(self, points: int) -> tuple[int, Level]:
        """The level (numbered from 1) that ``points`` reach; the first needs none."""
        number = 1
        for i, level in enumerate(self.levels, start=1):
            if points >= level.min_points:
                number = i
        return number, self.levels[number - 1]


def _badge(key: str, tally: Tally, *levels: tuple[int, str]) -> Badge:
    return Badge(key=key, tally=tally, levels=tuple(BadgeLevel(at=at, title=t) for at, t in levels))


DEFAULT_RULES = Rules(
    enabled=True,
    points=Points(
        proposal=10,
        idea=10,
        petition=10,
        suggestion=5,
        topic=5,
        problem_report=5,
        comment=2,
        support=1,
        signature=1,
        threshold_reached=25,
    ),
    badges=(
        _badge("first-proposal", Tally.POSTS, (1, N_("First proposal"))),
        _badge(
            "commenter",
            Tally.COMMENTS,
            (1, N_("First comment")),
            (10, N_("Commenter")),
            (50, N_("Voice of the debate")),
        ),
        _badge("threshold-reached", Tally.THRESHOLDS, (1, N_("Heard by the council"))),
        _badge(
            "supporter",
            Tally.ENDORSEMENTS,
            (1, N_("Supporter")),
            (10, N_("Backer")),
            (50, N_("Champion of good ideas")),
        ),
        _badge(
            "regular-participant",
            Tally.DIALOGS,
            (3, N_("Regular participant")),
            (10, N_("Pillar of the community")),
        ),
    ),
    levels=(
        Level(
            name=N_("Newcomer"), min_points=0, welcome=N_("Welcome! Every idea starts somewhere.")
        ),
        Level(
            name=N_("Participant"),
            min_points=50,
            welcome=N_("You are a participant now: thank you for taking part."),
        ),
        Level(
            name=N_("Contributor"),
            min_points=200,
            welcome=N_("You are a contributor: your voice shapes the municipality."),
        ),
        Level(
            name=N_("Community builder"),
            min_points=500,
            welcome=N_("You are a community builder: others follow where you lead."),
        ),
        Level(
            name=N_("Civic champion"),
            min_points=1000,
            welcome=N_("You are a civic champion: thank you for all you do."),
        ),
    ),
)


def _texts(rules: Rules) -> frozenset[str]:
    return frozenset(
        [level.name for level in rules.levels]
        + [level.welcome for level in rules.levels]
        + [level.title for badge in rules.badges for level in badge.levels]
    )


DEFAULT_TEXTS = _texts(DEFAULT_RULES)
"""The default rules' texts: the ones translated into a tenant's language when awarded."""


def default_text(text: str, language: str) -> str:
    """``text`` in ``language`` when it is one of the default rules' texts (an administrator
    who kept a default name gets it translated too); any other text as it was written."""
    return texts.gettext(language, text) if text in DEFAULT_TEXTS else text


def in_language(rules: Rules, language: str) -> Rules:
    """``rules`` with the default texts among them in ``language`` (as participants read
    them); an administrator's own texts as written."""
    return msgspec.structs.replace(
        rules,
        levels=tuple(
            msgspec.structs.replace(
                level,
                name=default_text(level.name, language),
                welcome=default_text(level.welcome, language),
            )
            for level in rules.levels
        ),
        badges=tuple(
            msgspec.structs.replace(
                badge,
                levels=tuple(
                    msgspec.structs.replace(at, title=default_text(at.title, language))
                    for at in badge.levels
                ),
            )
            for badge in rules.badges
        ),
    )


def badges_crossed(rules: Rules, tally: Tally, before: int, after: int) -> list[tuple[Badge, int]]:
    """The (badge, level number) pairs earned as ``tally`` went from ``before`` to ``after``."""
    return [
        (badge, number)
        for badge in rules.badges
        if badge.tally is tally
        for number, level in enumerate(badge.levels, start=1)
        if before < level.at <= after
    ]


def levels_crossed(rules: Rules, before: int, after: int) -> list[int]:
    """The level numbers reached as points went from ``before`` to ``after`` (the first level,
    at 0 points, is where everyone starts and is never "reached")."""
    return [
        number
        for number, level in enumerate(rules.levels, start=1)
        if before < level.min_points <= after
    ]
