"""Posts, comments, supports and signatures over HTTP; problem report status for staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from events.errors import InvalidInput, NotFound
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from gateway.views import Accepted, PostView, post_row_view, post_view
from services.dialogs.kinds import AnswerState
from services.dialogs.service import DialogService
from services.identity.access import Caller, Permission
from services.participation.commands import (
    AnswerPost,
    ChangeReportStatus,
    Comment,
    EditPost,
    RecordDecision,
    SubmitPost,
)
from services.participation.decisions import Decision
from services.participation.domain import Post
from services.participation.post_listing import UNANSWERED, PostQueries
from services.participation.service import ParticipationService
from tenants.directory import TenantEntry


def _moderator(viewer: Caller | None) -> bool:
    return viewer is not None and viewer.may(Permission.MODERATE)


async def _may_see(dialogs: DialogService, row: Any, viewer: Caller | None) -> bool:
    """A post in a dialog the viewer may not see does not exist for them; a post hidden by a
    moderator or waiting for approval is seen by its author and by moderators only."""
    try:
        await visible_dialog(dialogs, row["tenant_id"], row["dialog_id"], viewer)
    except NotFound:
        return False
    if row["status"] in ("published", "withdrawn", "merged"):
        return True
    return _moderator(viewer) or (viewer is not None and viewer.person_id == row["author_id"])


def _page(rows: list[Any], viewer: Caller | None, limit: int) -> Page[PostView]:
    """A page of the ``limit + 1`` rows read: the first ``limit``, and the cursor after them if
    there is more."""
    viewer_id = None if viewer is None else viewer.person_id
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(
        items=[post_row_view(r, viewer_id) for r in rows[:limit]],
        next_cursor=None if last is None else encode_cursor(last["created_at"], last["post_id"]),
    )


# A client's key for one post: a retry with the same key (the answer was lost, or a 503 came
# while the database went away mid-commit) gets the post the first request made, never a second.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any printable ASCII key, unique per post the client means to make",
    ),
]


async def _new_post_view(
    participation: ParticipationService, caller: Caller, created: Post
) -> PostView:
    view = post_view(created, caller.person_id)
    if await participation.held_for_review(caller, created):
        view.status = "pending"
    return view


ANSWER_FILTERS = (*(s.value for s in AnswerState), UNANSWERED)


def answer_filter(given: str | None) -> str | None:
    """The listing's ``answer`` filter: an answer's state or 'unanswered', else 422 naming it."""
    if given is None or given in ANSWER_FILTERS:
        return given
    raise InvalidInput("answer", f"must be one of {', '.join(ANSWER_FILTERS)}")


class PostController(Controller):
    path = "/api/v1"
    tags = ["participation"]

    @post(
        "/dialogs/{dialog_id:uuid}/posts",
        operation_id="submitPost",
        summary="Post to a dialog",
        responses=problems(409, 422, 429),
        status_code=201,
    )
    async def submit(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[SubmitPost],
        idempotency_key: IdempotencyKey = None,
    ) -> PostView:
        """Post a proposal, idea, petition, suggestion, topic or problem report. In a
        pre-moderated dialog it is 'pending' until a moderator approves it. Sent again with
        the same Idempotency-Key (after a timeout or a 503), it answers the same post."""
        created = await participation.submit(caller, dialog_id, data, idempotency_key)
        return await _new_post_view(participation, caller, created)

    @get(
        "/dialogs/{dialog_id:uuid}/posts",
        operation_id="listPosts",
        summary="List a dialog's posts",
        responses=problems(422),
    )
    async def list_posts(
        self,
        dialogs: Injected[DialogService],
        post_queries: Injected[PostQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        answer: Annotated[
            str | None,
            QueryParameter(
                max_length=40,
                description="Only the posts whose latest official answer is in this state"
                " ('unanswered': those with no answer yet); any other value is refused (422)",
                schema_extra={"enum": list(ANSWER_FILTERS)},
            ),
        ] = None,
    ) -> Page[PostView]:
        """A dialog's posts, newest first (comments are listed per post), optionally only
        those the municipality answered with a given state, or has not answered yet."""
        await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer)
        after = decode_cursor(cursor)
        rows = await post_queries.posts(
            tenant.tenant_id,
            dialog_id,
            after,
            limit + 1,
            answer_filter(answer),
        )
        return _page(rows, viewer, limit)

    @get(
        "/posts/{post_id:uuid}", operation_id="getPost", summary="Read a post", responses=problems()
    )
    async def get_post(
        self,
        dialogs: Injected[DialogService],
        post_queries: Injected[PostQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        post_id: FromPath[UUID],
    ) -> PostView:
        """One post with its counts. A hidden or pending post only for its author (with the
        moderator's reason) and for moderators."""
        row = await post_queries.row(tenant.tenant_id, post_id)
        if row is None or not await _may_see(dialogs, row, viewer):
            raise NotFound(f"no post {post_id}")
        viewer_id = None if viewer is None else viewer.person_id
        return post_row_view(row, viewer_id, moderator=_moderator(viewer))

    @patch(
        "/posts/{post_id:uuid}",
        operation_id="editPost",
        summary="Correct one's post",
        responses=problems(409, 422),
    )
    async def edit(
        self,
        participation: Injected[ParticipationService],
        post_queries: Injected[PostQueries],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[EditPost],
    ) -> PostView:
        """The author corrects a post, within minutes of sending it."""
        edited = await participation.edit(caller, post_id, data)
        return await self._view(post_queries, caller, edited, edited=True)

    @post(
        "/posts/{post_id:uuid}/withdraw",
        operation_id="withdrawPost",
        summary="Withdraw one's post",
        responses=problems(409),
        status_code=200,
    )
    async def withdraw(
        self,
        participation: Injected[ParticipationService],
        post_queries: Injected[PostQueries],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
    ) -> PostView:
        """The author withdraws a post; it leaves the listings."""
        withdrawn = await participation.withdraw(caller, post_id)
        return await self._view(post_queries, caller, withdrawn)

    @post(
        "/posts/{post_id:uuid}/comments",
        operation_id="commentOnPost",
        summary="Comment on a post",
        responses=problems(409, 422, 429),
        status_code=201,
    )
    async def comment(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[Comment],
        idempotency_key: IdempotencyKey = None,
    ) -> PostView:
        """Comment on a post, or reply to a comment (threads). Idempotent with an
        Idempotency-Key, as a new post is."""
        created = await participation.comment(caller, post_id, data, idempotency_key)
        return await _new_post_view(participation, caller, created)

    @get(
        "/posts/{post_id:uuid}/comments",
        operation_id="listComments",
        summary="List the comments under a post",
        responses=problems(422),
    )
    async def list_comments(
        self,
        dialogs: Injected[DialogService],
        post_queries: Injected[PostQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        post_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[PostView]:
        """The thread under a post, oldest first; each comment names its parent."""
        root = await post_queries.row(tenant.tenant_id, post_id)
        if root is None or not await _may_see(dialogs, root, viewer):
            raise NotFound(f"no post {post_id}")
        after = decode_cursor(cursor)
        rows = await post_queries.comments(tenant.tenant_id, post_id, after, limit + 1)
        return _page(rows, viewer, limit)

    @post(
        "/posts/{post_id:uuid}/supports",
        operation_id="supportPost",
        summary="Support a post",
        responses=problems(409),
        status_code=201,
    )
    async def support(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
    ) -> Accepted:
        """Support a post; one support per person."""
        await participation.support(caller, post_id)
        return Accepted(id=post_id)

    @post(
        "/posts/{post_id:uuid}/signatures",
        operation_id="signPetition",
        summary="Sign a petition",
        responses=problems(409),
        status_code=201,
    )
    async def sign(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
    ) -> Accepted:
        """Sign a petition; one signature per person."""
        await participation.sign(caller, post_id)
        return Accepted(id=post_id)

    @post(
        "/posts/{post_id:uuid}/status",
        operation_id="changeReportStatus",
        summary="Move a problem report along",
        responses=problems(409, 422),
        status_code=200,
    )
    async def change_status(
        self,
        participation: Injected[ParticipationService],
        post_queries: Injected[PostQueries],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[ChangeReportStatus],
    ) -> PostView:
        """Move a problem report along (received, in progress, fixed, rejected), with a message
        to the reporter (administrators)."""
        changed = await participation.change_report_status(caller, post_id, data)
        view = await self._view(post_queries, caller, changed)
        view.report_message = data.message
        return view

    @post(
        "/posts/{post_id:uuid}/answers",
        operation_id="answerPost",
        summary="Answer a proposal, idea, petition or suggestion officially",
        responses=problems(409, 422),
        status_code=201,
    )
    async def answer(
        self,
        participation: Injected[ParticipationService],
        post_queries: Injected[PostQueries],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[AnswerPost],
    ) -> PostView:
        """The municipality's official answer to a proposal, idea, petition or suggestion
        (administrators and committee members): a state (received, under-consideration,
        accepted, partly-accepted, rejected, implemented) and a text. A post can be answered
        again as things move on; each answer is kept, and its author, supporters, signers and
        commenters are told. Problem reports have their own statuses (changeReportStatus)."""
        answered = await participation.answer(caller, post_id, data)
        return await self._view(post_queries, caller, answered)

    @staticmethod
    async def _view(
        post_queries: PostQueries, caller: Caller, changed: Post, *, edited: bool = False
    ) -> PostView:
        row = await post_queries.row(caller.tenant_id, changed.id)
        view = post_view(
            changed, caller.person_id, row, edited_at=changed.modified_on if edited else None
        )
        if row is not None and row["status"] in ("pending", "hidden") and not changed.withdrawn:
            view.status = row["status"]  # moderation's word, which the post itself does not hold
            view.moderation_reason = row["moderation_reason"]
        return view


class DecisionView(msgspec.Struct, kw_only=True):
    """A committee's decision and what it answers."""

    id: UUID
    committee: str
    decided_on: date
    text: str
    reference: str | None
    dialog_ids: list[UUID]
    post_ids: list[UUID]
    recorded_at: datetime


def decision_view(decision: Decision) -> DecisionView:
    return DecisionView(
        id=decision.id,
        committee=decision.committee,
        decided_on=decision.decided_on,
        text=decision.text,
        reference=decision.reference,
        dialog_ids=list(decision.dialog_ids),
        post_ids=list(decision.post_ids),
        recorded_at=decision.created_on,
    )


class DecisionController(Controller):
    path = "/api/v1/decisions"
    tags = ["participation"]

    @post(
        "/",
        operation_id="recordDecision",
        summary="Record a committee's decision",
        responses=problems(422),
        status_code=201,
    )
    async def record(
        self,
        participation: Injected[ParticipationService],
        caller: NamedDependency[Caller],
        data: JSONBody[RecordDecision],
    ) -> DecisionView:
        """A committee's decision (administrators and committee members): the committee (one
        of the municipality's), the date, the text, a reference such as a minute number, and
        the dialogs and posts (proposals, ideas, petitions, suggestions) it answers. The
        authors, supporters, signers and commenters of those posts are told."""
        decision = await participation.record_decision(caller, data)
        return decision_view(decision)

    @get(
        "/{decision_id:uuid}",
        operation_id="getDecision",
        summary="Read a committee's decision",
        responses=problems(),
    )
    async def get_decision(
        self,
        participation: Injected[ParticipationService],
        tenant: NamedDependency[TenantEntry],
        decision_id: FromPath[UUID],
    ) -> DecisionView:
        """One recorded decision: a public record of the municipality."""
        return decision_view(await participation.decision(tenant.tenant_id, decision_id))
