"""Votes in polls and vox pops, their results, and the results live over server-sent events."""

from __future__ import annotations

from typing import cast
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import ServerSentEvent
from litestar.types import Receive, Scope, Send

from events.errors import Conflict
from events.live import TallyHub
from gateway.admission import ADMISSION, STREAM
from gateway.content import EVENT_STREAM, alternative_answers_operation
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.live import live_events
from gateway.openapi import REQUIRED
from gateway.problems import problems
from gateway.raw import RawOperation, answer, caller_of, dependency, raw
from gateway.views import ChoiceTally, PollResults, VoteRecorded
from services.dialogs.domain import Dialog
from services.dialogs.service import DialogService, utc_now
from services.identity.access import Caller
from services.participation.commands import CastVote
from services.participation.service import ParticipationService
from services.participation.tallies import TallyCounts, TallyQueries
from tenants.directory import TenantEntry

CAST_VOTE = RawOperation(
    method="POST",
    operation_id="castVote",
    summary="Vote in a poll or vox pop",
    description="Cast your one ballot; a second is refused with 409. The ballot names no voter.",
    tags=("polls",),
    body=CastVote,
    answer=(201, VoteRecorded, "The ballot is recorded"),
    # the tenant of the host (400, 403, 404), the caller (401), the body (400, 413, 415), a
    # request slot (503), and the vote's own: a closed poll or a second ballot (409), a choice
    # that is not an option (422)
    problems=frozenset({400, 401, 403, 404, 409, 413, 415, 422, 503}),
    security=REQUIRED,
)
_encode = msgspec.json.Encoder().encode


def results_of(dialog: Dialog, counts: TallyCounts, language: str) -> PollResults:
    """A poll's results, each option with its label in ``language``."""
    settings = dialog.details.settings
    label = dialog.policy.option_label
    return PollResults(
        dialog_id=dialog.id,
        question=settings.question,
        status=dialog.status_at(utc_now()).value,
        ballots=counts.ballots,
        anonymous_ballots=counts.ballots - counts.signed_in,
        signed_in_ballots=counts.signed_in,
        results=[
            ChoiceTally(choice=o, label=label(o, language), votes=counts.votes.get(o, 0))
            for o in settings.options
        ],
    )


async def poll_results(tallies: TallyQueries, tenant: TenantEntry, dialog: Dialog) -> PollResults:
    """A poll's results in the municipality's language."""
    counts = await tallies.counts(tenant.tenant_id, dialog.id)
    return results_of(dialog, counts, tenant.default_language)


class PollController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}"
    tags = ["polls"]

    @raw("/votes", CAST_VOTE)
    async def vote(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Cast your one ballot; a second is refused with 409. The ballot names no voter."""
        command: CastVote = await CAST_VOTE.read(scope, receive)
        caller = await caller_of(scope)
        dialog_id = cast(UUID, scope["path_params"]["dialog_id"])  # parsed by the router
        participation: ParticipationService = dependency(scope, "participation")
        await participation.vote(caller, dialog_id, command)
        await answer(send, 201, _encode(VoteRecorded(dialog_id=dialog_id)))

    @get(
        "/tally",
        operation_id="getPollResults",
        summary="Read a poll's results",
        responses=problems(409),
    )
    async def results(
        self,
        dialogs: Injected[DialogService],
        tally_queries: Injected[TallyQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> PollResults:
        """Votes per option so far, and how many ballots came from anonymous device tokens
        and how many from signed-in people (a ballot never says who cast it)."""
        dialog = await self._poll(dialogs, tenant, dialog_id, viewer)
        return await poll_results(tally_queries, tenant, dialog)

    @get(
        "/tally/live",
        operation_id="watchPollResults",
        summary="Follow a poll's results live",
        responses=problems(409),
        operation_class=alternative_answers_operation("200", EVENT_STREAM),
        opt={ADMISSION: STREAM},  # counted against TINGET_MAX_SSE_CONNECTIONS, not requests
    )
    async def live(
        self,
        dialogs: Injected[DialogService],
        tallies: Injected[TallyHub[TallyCounts]],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> ServerSentEvent:
        """The results as server-sent events: one ``tally`` event now and one on every change."""
        dialog = await self._poll(dialogs, tenant, dialog_id, viewer)  # the viewer may see it

        language = tenant.default_language
        return live_events(
            tallies,
            tenant.tenant_id,
            dialog_id,
            "tally",
            lambda counts: results_of(dialog, counts, language),
        )

    @staticmethod
    async def _poll(
        dialogs: DialogService, tenant: TenantEntry, dialog_id: UUID, viewer: Caller | None
    ) -> Dialog:
        dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer)
        if not dialog.policy.ballots:
            raise Conflict(f"a {dialog.kind.value} dialog has no poll results")
        return dialog
