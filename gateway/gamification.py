"""Gamification over HTTP: a participant's progress, leaderboards, and the tenant's rules."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from events.errors import InvalidInput, NotFound
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, Page
from gateway.problems import problems
from services.dialogs.service import DialogService
from services.gamification.commands import LeaderboardChoice, SetRules
from services.gamification.progress import GamificationQueries
from services.gamification.rules import Rules, Tally
from services.gamification.service import GamificationService
from services.identity.access import Caller
from tenants.directory import TenantEntry


class LevelView(msgspec.Struct, kw_only=True):
    number: int  # 1 for the first level
    name: str
    min_points: int
    welcome: str


class BadgeView(msgspec.Struct, kw_only=True):
    badge: str
    level: int
    title: str
    dialog_id: UUID | None  # where it was earned
    awarded_at: datetime


class Progress(msgspec.Struct, kw_only=True):
    enabled: bool  # False while the municipality has gamification off
    points: int
    level: LevelView
    next_level: LevelView | None
    tallies: dict[str, int]  # posts, comments, endorsements, thresholds, dialogs
    badges: list[BadgeView]
    leaderboard_opt_in: bool


class LeaderboardEntry(msgspec.Struct, kw_only=True):
    rank: int
    person_id: UUID  # opaque
    display_name: str | None
    points: int


class _Cursor(msgspec.Struct, array_like=True):
    points: int
    person_id: UUID


def _encode_cursor(points: int, person_id: UUID) -> str:
    raw = msgspec.json.encode(_Cursor(points, person_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> _Cursor | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInput("cursor", "is not a cursor this API gave out") from None


def _level(rules: Rules, number: int) -> LevelView:
    level = rules.levels[number - 1]
    return LevelView(
        number=number, name=level.name, min_points=level.min_points, welcome=level.welcome
    )


class GamificationController(Controller):
    path = "/api/v1"
    tags = ["gamification"]

    @get(
        "/me/progress",
        operation_id="getMyProgress",
        summary="Read one's points, level and badges",
        responses=problems(),
    )
    async def progress(
        self,
        gamification: Injected[GamificationService],
        gamification_queries: Injected[GamificationQueries],
        caller: NamedDependency[Caller],
    ) -> Progress:
        """The caller's points, level, tallies and badges in this municipality."""
        rules = await gamification.rules(caller.tenant_id)
        row, badges = await gamification_queries.progress(caller.tenant_id, caller.person_id)
        points = 0 if row is None else int(row["points"])
        number, _ = rules.level_at(points)
        return Progress(
            enabled=rules.enabled,
            points=points,
            level=_level(rules, number),
            next_level=_level(rules, number + 1) if number < len(rules.levels) else None,
            tallies={t.value: 0 if row is None else int(row[t.value]) for t in Tally},
            badges=[BadgeView(**dict(b)) for b in badges],
            leaderboard_opt_in=await gamification.opted_in(caller.tenant_id, caller.person_id),
        )

    @put(
        "/me/leaderboard",
        operation_id="setLeaderboardOptIn",
        summary="Choose whether to be on leaderboards",
        responses=problems(409),
    )
    async def choose_leaderboard(
        self,
        gamification: Injected[GamificationService],
        caller: NamedDependency[Caller],
        data: JSONBody[LeaderboardChoice],
    ) -> LeaderboardChoice:
        """Be shown on the leaderboards of the dialogs one takes part in, or not (the default)."""
        chosen = await gamification.choose_leaderboard(caller, data.opt_in)
        return LeaderboardChoice(opt_in=chosen)

    @get(
        "/dialogs/{dialog_id:uuid}/leaderboard",
        operation_id="getLeaderboard",
        summary="Read a dialog's leaderboard",
        responses=problems(422),
    )
    async def leaderboard(
        self,
        dialogs: Injected[DialogService],
        gamification: Injected[GamificationService],
        gamification_queries: Injected[GamificationQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[LeaderboardEntry]:
        """Points earned in a dialog, highest first, of the participants who chose to be shown.
        People appear by opaque id and the display name they gave, if any."""
        await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer)
        if not (await gamification.rules(tenant.tenant_id)).enabled:
            raise NotFound("no leaderboard: gamification is off in this municipality")
        after = _decode_cursor(cursor)
        rows = await gamification_queries.leaderboard(
            tenant.tenant_id,
            dialog_id,
            None if after is None else (after.points, after.person_id),
            limit + 1,
        )
        last = rows[limit - 1] if len(rows) > limit else None
        return Page(
            items=[LeaderboardEntry(**dict(r)) for r in rows[:limit]],
            next_cursor=None if last is None else _encode_cursor(last["points"], last["person_id"]),
        )

    @get(
        "/gamification/rules",
        operation_id="getGamificationRules",
        summary="Read the gamification rules",
        responses=problems(),
    )
    async def get_rules(
        self, gamification: Injected[GamificationService], caller: NamedDependency[Caller]
    ) -> Rules:
        """The points, badges and levels in force (administrators)."""
        return await gamification.get_rules(caller)

    @put(
        "/gamification/rules",
        operation_id="setGamificationRules",
        summary="Replace the gamification rules",
        responses=problems(409, 422),
    )
    async def set_rules(
        self,
        gamification: Injected[GamificationService],
        caller: NamedDependency[Caller],
        data: JSONBody[SetRules],
    ) -> Rules:
        """Replace the rules whole (administrators); ``enabled: false`` switches gamification
        off. They apply to what happens from then on; nothing earned is taken back."""
        return await gamification.set_rules(caller, data)
