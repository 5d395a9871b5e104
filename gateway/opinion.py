"""Statements dialogs over HTTP: votes on statements, and the opinion map, read and live.

Statements themselves are posts (``POST /api/v1/dialogs/{id}/posts``), moderated like posts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import ServerSentEvent

from events.live import TallyHub
from gateway.admission import ADMISSION, STREAM
from gateway.content import EVENT_STREAM, alternative_answers_operation
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.live import live_events
from gateway.problems import problems
from services.analysis.opinion import ConsensusStatement, OpinionGroup
from services.analysis.opinion_maps import OpinionMapView, OpinionQueries
from services.dialogs.domain import Dialog
from services.dialogs.service import DialogService
from services.identity.access import Caller
from services.participation.commands import VoteOnStatement
from services.participation.service import ParticipationService
from tenants.directory import TenantEntry


class StatementVoteRecorded(msgspec.Struct, kw_only=True):
    """The caller's vote on a statement as it stands now."""

    statement_id: UUID
    vote: str  # agree, disagree or pass
    changed: bool  # false: the same vote was there already, nothing was recorded


class OpinionMapAnswer(msgspec.Struct, kw_only=True):
    """A statements dialog's latest opinion map (see docs/analysis.md, "Opinion maps")."""

    dialog_id: UUID
    computed_at: datetime | None  # null until the first computation
    my_group: int | None  # the group the caller was placed in, if any
    voters: int
    placed: int
    statements: int
    votes: int
    silhouette: float | None
    groups: list[OpinionGroup]
    consensus: list[ConsensusStatement]
    texts: dict[str, str]


def _answer(view: OpinionMapView, my_group: int | None) -> OpinionMapAnswer:
    return OpinionMapAnswer(
        dialog_id=view.dialog_id,
        computed_at=view.computed_at,
        my_group=my_group,
        voters=view.voters,
        placed=view.placed,
        statements=view.statements,
        votes=view.votes,
        silhouette=view.silhouette,
        groups=view.groups,
        consensus=view.consensus,
        texts=view.texts,
    )


class OpinionController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}"
    tags = ["statements"]

    @post(
        "/statement-votes",
        operation_id="voteOnStatement",
        summary="Vote on a statement",
        responses=problems(409, 422),
        status_code=200,
    )
    async def vote(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[VoteOnStatement],
    ) -> StatementVoteRecorded:
        """Agree, disagree or pass on a published statement of a statements dialog (not one's
        own: it counts as its author's agreement). One vote per person per statement; voting
        again changes it (an event per change), the same vote again records nothing. A
        statement of another dialog, or none, is 422 naming ``statement_id``; a hidden,
        pending or withdrawn statement, or a dialog of another kind, is 409."""
        vote, changed = await participation.vote_on_statement(caller, dialog_id, data)
        return StatementVoteRecorded(
            statement_id=vote.statement_id, vote=vote.opinion.value, changed=changed
        )

    @get(
        "/opinion-map",
        operation_id="getOpinionMap",
        summary="Read a statements dialog's opinion map",
        responses=problems(409),
    )
    async def read(
        self,
        dialogs: Injected[DialogService],
        opinion_queries: Injected[OpinionQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> OpinionMapAnswer:
        """The opinion groups, each with its representative statements, and the consensus
        statements, as last computed (at most a few seconds behind the votes), with the texts
        of the statements named and the group the caller was placed in. Everyone who may see
        the dialog may read it; it shows nobody's votes."""
        await self._statements_dialog(dialogs, tenant, dialog_id, viewer)
        view = await opinion_queries.view(tenant.tenant_id, dialog_id)
        mine = (
            None
            if viewer is None
            else await opinion_queries.group_of(tenant.tenant_id, dialog_id, viewer.person_id)
        )
        return _answer(view, mine)

    @get(
        "/opinion-map/live",
        operation_id="watchOpinionMap",
        summary="Follow a statements dialog's opinion map live",
        responses=problems(409),
        operation_class=alternative_answers_operation("200", EVENT_STREAM),
        opt={ADMISSION: STREAM},  # counted against TINGET_MAX_SSE_CONNECTIONS, not requests
    )
    async def live(
        self,
        dialogs: Injected[DialogService],
        opinion_maps: Injected[TallyHub[OpinionMapView]],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> ServerSentEvent:
        """The map as server-sent events: one ``opinion-map`` event now and one each time it
        is recomputed with a different result (``my_group`` is null here: read the map for
        yours)."""
        await self._statements_dialog(dialogs, tenant, dialog_id, viewer)

        return live_events(
            opinion_maps,
            tenant.tenant_id,
            dialog_id,
            "opinion-map",
            lambda view: _answer(view, None),
        )

    @staticmethod
    async def _statements_dialog(
        dialogs: DialogService, tenant: TenantEntry, dialog_id: UUID, viewer: Caller | None
    ) -> Dialog:
        dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer)
        dialog.policy.ensure_opinions()
        return dialog
