"""Commands of gamification: administrators set the rules, participants choose whether they are
shown on leaderboards, and the policy records what people earned."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from events.errors import Conflict
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from events.texts import FALLBACK
from services.gamification.commands import SetRules, validated_rules
from services.gamification.domain import (
    GamificationRules,
    LeaderboardPreference,
    leaderboard_preference_id,
    rules_id,
)
from services.gamification.rules import DEFAULT_RULES, Rules, in_language
from services.gamification.scoring import Award
from services.identity.access import Caller, Permission, event_metadata
from tenants.domain import Tenant, tenant_stream_id

A = TypeVar("A", bound=Aggregate)
_ATTEMPTS = 3  # reads and tries again when another request changed the stream meanwhile


class GamificationService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    async def _find(self, tenant_id: str, cls: type[A], stream_id: UUID) -> A | None:
        try:
            return await self.repository.get(tenant_id, cls, stream_id)
        except AggregateNotFound:
            return None

    async def rules(self, tenant_id: str) -> Rules:
        """The rules in force: the administrator's, or the built-in defaults until then; the
        defaults' level names, welcomes and badge titles in the tenant's language (what its
        participants read, and what its administrators see to change)."""
        found = await self._find(tenant_id, GamificationRules, rules_id(tenant_id))
        rules = DEFAULT_RULES if found is None or found.rules is None else found.rules
        return in_language(rules, await self.language(tenant_id))

    async def get_rules(self, caller: Caller) -> Rules:
        caller.require(Permission.ADMINISTER)
        return await self.rules(caller.tenant_id)

    async def set_rules(self, caller: Caller, command: SetRules) -> Rules:
        """Replace the tenant's rules (administrators). They apply from the next event on."""
        caller.require(Permission.ADMINISTER)
        rules = validated_rules(command)
        tenant_id = caller.tenant_id
        for _ in range(_ATTEMPTS):
            aggregate = await self._find(tenant_id, GamificationRules, rules_id(tenant_id))
            if aggregate is None:
                aggregate = GamificationRules(tenant_id=tenant_id)
            if not aggregate.change(rules):
                return rules
            try:
                await self.repository.save(tenant_id, aggregate, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return rules
        raise Conflict("the rules were changed meanwhile; read them again and retry")

    async def switch(self, caller: Caller, enabled: bool) -> Rules:
        """Switch gamification on or off for the tenant (administrators), keeping its rules:
        while it is off the policy counts and awards nothing (services/gamification/policy.py)."""
        caller.require(Permission.ADMINISTER)
        tenant_id = caller.tenant_id
        for _ in range(_ATTEMPTS):
            aggregate = await self._find(tenant_id, GamificationRules, rules_id(tenant_id))
            if aggregate is None:
                aggregate = GamificationRules(tenant_id=tenant_id)
            current = DEFAULT_RULES if aggregate.rules is None else aggregate.rules
            rules = msgspec.structs.replace(current, enabled=enabled)
            if not aggregate.change(rules):
                return rules
            try:
                await self.repository.save(tenant_id, aggregate, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return rules
        raise Conflict("the rules were changed meanwhile; try again")

    async def opted_in(self, tenant_id: str, person_id: UUID) -> bool:
        found = await self._find(
            tenant_id, LeaderboardPreference, leaderboard_preference_id(person_id)
        )
        return found is not None and found.opted_in

    async def choose_leaderboard(self, caller: Caller, opt_in: bool) -> bool:
        """Show or hide the caller on leaderboards; choosing the current choice changes nothing."""
        stream_id = leaderboard_preference_id(caller.person_id)
        for _ in range(_ATTEMPTS):
            preference = await self._find(caller.tenant_id, LeaderboardPreference, stream_id)
            if preference is None:
                preference = LeaderboardPreference(person_id=caller.person_id)
            if not preference.choose(opt_in):
                return opt_in
            try:
                await self.repository.save(
                    caller.tenant_id, preference, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                continue
            return opt_in
        raise Conflict("your choice was changed meanwhile; try again")

    async def language(self, tenant_id: str) -> str:
        """The tenant's default language, the one its awards are written in (English for a
        tenant not found, which records nothing else either)."""
        tenant = await self._find(tenant_id, Tenant, tenant_stream_id(tenant_id))
        return FALLBACK if tenant is None else str(tenant.default_language)

    async def record_awards(self, tenant_id: str, awards: Sequence[Award]) -> int:
        """The policy's command: record each award, unless it was recorded before; return how
        many are new. Each is its own append, so one already taken does not hold back others.
        The default rules' names and titles are recorded in the tenant's default language."""

        async def record(award: Aggregate) -> int:
            try:
                await self.repository.save(tenant_id, award, metadata=event_metadata(None))
            except ConcurrencyConflict:
                return 0  # earned meanwhile, by a redelivery racing this one
            return 1

        # A replay or a rebuild meets every award again: one query finds those recorded
        # before, so only new ones are appended.
        recorded = await self.repository.store.present(tenant_id, [a.stream_id for a in awards])
        new = [a for a in awards if a.stream_id not in recorded]
        if not new:
            return 0
        language = await self.language(tenant_id)
        fresh = [a.aggregate(language) for a in new]
        return sum(await asyncio.gather(*(record(a) for a in fresh)))
