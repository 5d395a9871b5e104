"""A budget round from what an administrator sent: the request bodies turned into the round's
values, and the round a new budget dialog is created with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from uuid import UUID

from services.budgeting.ballots import BallotRule
from services.budgeting.commands import BudgetSetup, DistrictInput, PhaseInput, RulesInput
from services.budgeting.domain import (
    BudgetRound,
    District,
    MinimumAge,
    Phase,
    PhaseTime,
    Residence,
    Rules,
    check_phases,
)
from services.identity.access import Caller


def districts_of(given: Sequence[DistrictInput]) -> tuple[District, ...]:
    return tuple(District(key=d.key, name=d.name, amount=d.amount) for d in given)


def rules_of(given: RulesInput) -> Rules:
    b = given.ballot
    return Rules(
        ballot=BallotRule(
            kind=b.kind,
            max_projects=b.max_projects,
            within_budget=b.within_budget,
            points=b.points,
        ),
        counting=given.counting,
        changeable=given.changeable,
        one_district=given.one_district,
        voters=given.voters,
        minimum_age=(
            None
            if given.minimum_age is None
            else MinimumAge(years=given.minimum_age.years, on=given.minimum_age.on)
        ),
        residence=(
            None
            if given.residence is None
            else Residence(area=given.residence.area, values=tuple(given.residence.values))
        ),
    )


def phases_of(given: Sequence[PhaseInput]) -> tuple[PhaseTime, ...]:
    """The phases in UTC, checked (each once, in order, none overlapping)."""
    return check_phases(
        [
            PhaseTime(
                phase=p.phase,
                opens_at=p.opens_at.astimezone(UTC),
                closes_at=None if p.closes_at is None else p.closes_at.astimezone(UTC),
            )
            for p in given
        ]
    )


def window(phases: Sequence[PhaseTime]) -> tuple[PhaseTime, PhaseTime]:
    """When a budget dialog is open to its participants: from proposal collection opening to
    voting closing (the first and the voting phase's times)."""
    return phases[0], phases[list(Phase).index(Phase.VOTING)]


def new_round(dialog_id: UUID, setup: BudgetSetup, by: Caller) -> BudgetRound:
    """The round a new budget dialog is created with (refused whole, every field named)."""
    return BudgetRound.set_up(
        dialog_id=dialog_id,
        districts=districts_of(setup.districts),
        rules=rules_of(setup.rules),
        phases=phases_of(setup.phases),
        by=by,
    )
