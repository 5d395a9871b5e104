"""Panel rounds over HTTP: administrators start a round (a drawn sample, a survey, a reminder
schedule); staff list a panel's rounds and read one with its response rate overall and per
stratum, small counts suppressed."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events.errors import Forbidden, NotFound
from gateway.edge import Injected
from gateway.problems import problems
from services.identity.access import Caller
from services.surveys.panel_service import PanelService
from services.surveys.round_listing import PanelRoundQueries, ResponseRate, RoundRow
from services.surveys.round_service import PanelRoundService, RoundStarted, StartRound
from tenants.directory import TenantEntry


class RoundList(msgspec.Struct, kw_only=True):
    items: list[RoundRow]


class RoundView(msgspec.Struct, kw_only=True):
    round: RoundRow
    response_rate: ResponseRate


def _staff(caller: Caller) -> None:
    if not caller.staff:
        raise Forbidden(f"the role {caller.role.value!r} may not see a panel's rounds")


class PanelRoundController(Controller):
    path = "/api/v1/panels/{panel_id:uuid}/rounds"
    tags = ["panels"]

    @post(
        "/",
        operation_id="startPanelRound",
        summary="Start a panel round",
        responses=problems(409, 422),
        status_code=201,
    )
    async def start(
        self,
        panel_rounds: Injected[PanelRoundService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        data: JSONBody[StartRound],
    ) -> RoundStarted:
        """Send a survey to a drawn sample of the panel (administrators), with reminders to
        those who have not answered, at the offsets given after the sending. The survey must
        be published with its questionnaire approved and scheduled (409 otherwise); the round
        goes out when it opens, at once if it is open. A sample has one round."""
        return await panel_rounds.start(caller, panel_id, data)

    @get("/", operation_id="listPanelRounds", summary="List a panel's rounds")
    async def list_rounds(
        self,
        panels: Injected[PanelService],
        panel_round_queries: Injected[PanelRoundQueries],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
    ) -> RoundList:
        """The panel's rounds, the latest started first, each with its state, schedule and
        how many it was sent to (staff)."""
        _staff(caller)
        await panels.get(caller.tenant_id, panel_id)
        return RoundList(items=await panel_round_queries.rounds(caller.tenant_id, panel_id))

    @get("/{round_id:uuid}", operation_id="getPanelRound", summary="Read a panel round")
    async def get_round(
        self,
        panels: Injected[PanelService],
        panel_round_queries: Injected[PanelRoundQueries],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        panel_id: FromPath[UUID],
        round_id: FromPath[UUID],
    ) -> RoundView:
        """A round with its reminders and its response rate (staff): how many it was sent to
        and how many answered, overall and per answer to the sample's background question.
        A count of answers below the municipality's minimum group size (5 unless set
        otherwise) is null with ``suppressed: true``, as are as many more as it takes that
        none is the total less the others."""
        _staff(caller)
        panel = await panels.get(caller.tenant_id, panel_id)
        found = await panel_round_queries.round(caller.tenant_id, panel_id, round_id)
        if found is None:
            raise NotFound(f"no round {round_id} of panel {panel_id}")
        question = None if found.question_id is None else panel.details.question(found.question_id)
        options = () if question is None else question.option_ids()
        rate = await panel_round_queries.rate(
            caller.tenant_id, found, found.question_id, options, tenant.min_group_size
        )
        return RoundView(round=found, response_rate=rate)
