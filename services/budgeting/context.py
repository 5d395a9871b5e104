"""Budgeting: participatory budgeting rounds (Medborgarbudget, Borgerbudget), their projects,
ballots and counted results.

Declared here, not yet listed in ``tinget/contexts.py``: the round's service, read models and
HTTP operations come with its ``budget`` dialog kind. Until then the declaration names only
its aggregates (the in-memory tests build the catalogue with them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate


class Needs(Protocol):
    """Nothing of the platform yet: the context has no read model or handler so far."""


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.budgeting.domain import BudgetBallot, BudgetProject, BudgetRound

    return (BudgetRound, BudgetProject, BudgetBallot)


BUDGETING = Context[Needs]("budgeting", package="services.budgeting", aggregates=_aggregates)
