"""A dialog's story, the public page of the feedback loop: the question asked, what people
said, and what was decided about it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.polls import poll_results
from gateway.posts import DecisionView
from gateway.problems import problems
from gateway.views import DialogView, PollResults, PostView, dialog_view, post_row_view
from services.dialogs.domain import DialogKind
from services.dialogs.listing import DialogQueries
from services.dialogs.service import DialogService, utc_now
from services.identity.access import Caller
from services.participation.decision_listing import DecisionQueries
from services.participation.post_listing import PostQueries
from services.participation.tallies import TallyQueries
from services.surveys.results import SurveyResultQueries
from tenants.directory import TenantEntry

MOST_BACKED = 5  # the posts a story shows: the most supported and signed


class WhatWasSaid(msgspec.Struct, kw_only=True):
    """What people said: published posts, per state of their latest official answer
    (``unanswered``: none yet), the most backed of them, a poll's results, a survey's number
    of responses (its results are for staff)."""

    posts: int
    posts_by_answer: dict[str, int]
    most_backed: list[PostView]
    poll: PollResults | None = None
    responses: int | None = None


class DialogStory(msgspec.Struct, kw_only=True):
    """The chain from question to decision."""

    dialog: DialogView
    said: WhatWasSaid
    results_summary: str | None
    decisions: list[DecisionView]


def decision_row_view(row: Any) -> DecisionView:
    return DecisionView(
        id=row["decision_id"],
        committee=row["committee"],
        decided_on=row["decided_on"],
        text=row["text"],
        reference=row["reference"],
        dialog_ids=list(row["dialog_ids"]),
        post_ids=list(row["post_ids"]),
        recorded_at=row["recorded_at"],
    )


class StoryController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}/story"
    tags = ["participation"]

    @get(
        "/",
        operation_id="getDialogStory",
        summary="Read a dialog's story: question, what people said, what was decided",
        responses=problems(),
    )
    async def story(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        post_queries: Injected[PostQueries],
        tally_queries: Injected[TallyQueries],
        survey_results: Injected[SurveyResultQueries],
        decision_queries: Injected[DecisionQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> DialogStory:
        """The public page of a dialog (for whoever may see the dialog): the question asked
        (title, purpose, instructions, committee, times), what people said (published posts
        per official answer state and the most supported of them with their answers, a poll's
        results, a survey's number of responses), the results the municipality published, and
        every committee decision that answers the dialog or one of its posts, the latest
        first."""
        tenant_id = tenant.tenant_id
        dialog = await visible_dialog(dialogs, tenant_id, dialog_id, viewer)
        by_answer, rows = await post_queries.summary(tenant_id, dialog_id, MOST_BACKED)
        reader = None if viewer is None else viewer.person_id
        said = WhatWasSaid(
            posts=sum(by_answer.values()),
            posts_by_answer=by_answer,
            most_backed=[post_row_view(r, reader) for r in rows],
        )
        if dialog.policy.ballots:
            said.poll = await poll_results(tally_queries, tenant, dialog)
        if dialog.kind is DialogKind.SURVEY:
            said.responses = await survey_results.responses(tenant_id, dialog_id)
        decisions = await decision_queries.answering(tenant_id, dialog_id)
        return DialogStory(
            dialog=dialog_view(
                dialog, utc_now(), await dialog_queries.counts(tenant_id, dialog_id)
            ),
            said=said,
            results_summary=dialog.results_summary,
            decisions=[decision_row_view(r) for r in decisions],
        )
