"""Budgeting: participatory budgeting rounds (Medborgarbudget, Borgerbudget) of budget dialogs,
their projects, ballots and counted results, served over HTTP (gateway/budgeting.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from events.repository import Repository
    from services.budgeting.service import Positions
    from services.dialogs.service import DialogService
    from services.identity.keys import Keys
    from services.participation.service import ParticipationService


class Needs(Protocol):
    """What the context's read model and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    repository: Repository
    dialogs: DialogService
    participation: ParticipationService
    keys: Keys

    @property
    def positions(self) -> Positions: ...  # read-only: any object that waits as it does


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.budgeting.domain import BudgetBallot, BudgetProject, BudgetRound
    from services.budgeting.follows import ProjectFollow
    from services.budgeting.imports import ImportedBallots

    return (BudgetRound, BudgetProject, BudgetBallot, ProjectFollow, ImportedBallots)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.budgeting.listing import BudgetListing

    return [BudgetListing(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.budgeting.listing import BudgetQueries
    from services.budgeting.service import BudgetService

    queries = BudgetQueries(app.app_pool)
    return {
        "budgets": BudgetService(
            app.repository,
            app.dialogs,
            queries,
            app.keys,
            app.participation.blocked,
            app.participation.dialog,
            app.participation.image_exists,
            app.positions,
        ),
        "budget_queries": queries,
    }


BUDGETING = Context[Needs](
    "budgeting",
    package="services.budgeting",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=("gateway.budgeting:BudgetController",),
    provides=_provides,
)
