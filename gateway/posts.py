"""Posts, comments, supports and signatures over HTTP; problem report status for staff."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from events.db import tenant_transaction
from events.errors import NotFound
from gateway.auth import platform_of
from gateway.dialogs import visible_dialog
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from gateway.views import Accepted, PostView, post_row_view, post_view
from services.identity.access import Caller, Permission
from services.participation.commands import ChangeReportStatus, Comment, EditPost, SubmitPost
from services.participation.domain import Post
from services.participation.service import ParticipationService
from tenants.directory import TenantEntry
from tinget.bootstrap import AppPlatform

# A post's comments are counted as participants see them: published ones, not those hidden or
# waiting for approval (nor withdrawn).
_SELECT = (
    "SELECT p.*, pe.display_name, (SELECT count(*) FROM posts c WHERE c.tenant_id = p.tenant_id"
    " AND c.root_id = p.post_id AND c.status = 'published')::int AS published_comments"
    " FROM posts p"
    " LEFT JOIN people pe ON pe.tenant_id = p.tenant_id AND pe.person_id = p.author_id"
    " AND pe.erased_at IS NULL"
)


async def _row(platform: AppPlatform, tenant_id: str, post_id: FromPath[UUID]) -> Any:
    async with tenant_transaction(platform.app_pool, tenant_id) as conn:
        return await conn.fetchrow(
            f"{_SELECT} WHERE p.tenant_id = $1 AND p.post_id = $2", tenant_id, post_id
        )


def _moderator(viewer: Caller | None) -> bool:
    return viewer is not None and viewer.may(Permission.MODERATE)


async def _may_see(platform: AppPlatform, row: Any, viewer: Caller | None) -> bool:
    """A post in a dialog the viewer may not see does not exist for them; a post hidden by a
    moderator or waiting for approval is seen by its author and by moderators only."""
    try:
        await visible_dialog(platform, row["tenant_id"], row["dialog_id"], viewer)
    except NotFound:
        return False
    if row["status"] in ("published", "withdrawn"):
        return True
    return _moderator(viewer) or (viewer is not None and viewer.person_id == row["author_id"])


async def _page(
    platform: AppPlatform,
    tenant_id: str,
    where: str,
    parent: UUID,
    viewer: Caller | None,
    limit: int,
    cursor: str | None,
    newest_first: bool,
) -> Page[PostView]:
    after = decode_cursor(cursor)
    order, compare = ("DESC", "<") if newest_first else ("ASC", ">")
    async with tenant_transaction(platform.app_pool, tenant_id) as conn:
        rows = await conn.fetch(
            f"{_SELECT} WHERE p.tenant_id = $1 AND {where} = $2 AND p.status = 'published'"
            f" AND ($3::timestamptz IS NULL OR (p.created_at, p.post_id) {compare} ($3, $4::uuid))"
            f" ORDER BY p.created_at {order}, p.post_id {order} LIMIT $5",
            tenant_id,
            parent,
            None if after is None else after[0],
            None if after is None else after[1],
            limit + 1,
        )
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
        state: State,
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[SubmitPost],
        idempotency_key: IdempotencyKey = None,
    ) -> PostView:
        """Post a proposal, idea, petition, suggestion, topic or problem report. In a
        pre-moderated dialog it is 'pending' until a moderator approves it. Sent again with
        the same Idempotency-Key (after a timeout or a 503), it answers the same post."""
        participation = platform_of(state).participation
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
        state: State,
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[PostView]:
        """A dialog's posts, newest first (comments are listed per post)."""
        platform = platform_of(state)
        await visible_dialog(platform, tenant.tenant_id, dialog_id, viewer)
        return await _page(
            platform,
            tenant.tenant_id,
            "p.root_id IS NULL AND p.dialog_id",
            dialog_id,
            viewer,
            limit,
            cursor,
            newest_first=True,
        )

    @get(
        "/posts/{post_id:uuid}", operation_id="getPost", summary="Read a post", responses=problems()
    )
    async def get_post(
        self,
        state: State,
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        post_id: FromPath[UUID],
    ) -> PostView:
        """One post with its counts. A hidden or pending post only for its author (with the
        moderator's reason) and for moderators."""
        platform = platform_of(state)
        row = await _row(platform, tenant.tenant_id, post_id)
        if row is None or not await _may_see(platform, row, viewer):
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
        state: State,
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[EditPost],
    ) -> PostView:
        """The author corrects a post, within minutes of sending it."""
        platform = platform_of(state)
        edited = await platform.participation.edit(caller, post_id, data)
        return await self._view(platform, caller, edited, edited=True)

    @post(
        "/posts/{post_id:uuid}/withdraw",
        operation_id="withdrawPost",
        summary="Withdraw one's post",
        responses=problems(409),
        status_code=200,
    )
    async def withdraw(
        self, state: State, caller: NamedDependency[Caller], post_id: FromPath[UUID]
    ) -> PostView:
        """The author withdraws a post; it leaves the listings."""
        platform = platform_of(state)
        withdrawn = await platform.participation.withdraw(caller, post_id)
        return await self._view(platform, caller, withdrawn)

    @post(
        "/posts/{post_id:uuid}/comments",
        operation_id="commentOnPost",
        summary="Comment on a post",
        responses=problems(409, 422, 429),
        status_code=201,
    )
    async def comment(
        self,
        state: State,
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[Comment],
        idempotency_key: IdempotencyKey = None,
    ) -> PostView:
        """Comment on a post, or reply to a comment (threads). Idempotent with an
        Idempotency-Key, as a new post is."""
        participation = platform_of(state).participation
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
        state: State,
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        post_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[PostView]:
        """The thread under a post, oldest first; each comment names its parent."""
        platform = platform_of(state)
        root = await _row(platform, tenant.tenant_id, post_id)
        if root is None or not await _may_see(platform, root, viewer):
            raise NotFound(f"no post {post_id}")
        return await _page(
            platform,
            tenant.tenant_id,
            "p.root_id",
            post_id,
            viewer,
            limit,
            cursor,
            newest_first=False,
        )

    @post(
        "/posts/{post_id:uuid}/supports",
        operation_id="supportPost",
        summary="Support a post",
        responses=problems(409),
        status_code=201,
    )
    async def support(
        self, state: State, caller: NamedDependency[Caller], post_id: FromPath[UUID]
    ) -> Accepted:
        """Support a post; one support per person."""
        await platform_of(state).participation.support(caller, post_id)
        return Accepted(id=post_id)

    @post(
        "/posts/{post_id:uuid}/signatures",
        operation_id="signPetition",
        summary="Sign a petition",
        responses=problems(409),
        status_code=201,
    )
    async def sign(
        self, state: State, caller: NamedDependency[Caller], post_id: FromPath[UUID]
    ) -> Accepted:
        """Sign a petition; one signature per person."""
        await platform_of(state).participation.sign(caller, post_id)
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
        state: State,
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[ChangeReportStatus],
    ) -> PostView:
        """Move a problem report along (received, in progress, fixed, rejected), with a message
        to the reporter (administrators)."""
        platform = platform_of(state)
        changed = await platform.participation.change_report_status(caller, post_id, data)
        view = await self._view(platform, caller, changed)
        view.report_message = data.message
        return view

    @staticmethod
    async def _view(
        platform: AppPlatform, caller: Caller, changed: Post, *, edited: bool = False
    ) -> PostView:
        row = await _row(platform, caller.tenant_id, changed.id)
        view = post_view(
            changed, caller.person_id, row, edited_at=changed.modified_on if edited else None
        )
        if row is not None and row["status"] in ("pending", "hidden") and not changed.withdrawn:
            view.status = row["status"]  # moderation's word, which the post itself does not hold
            view.moderation_reason = row["moderation_reason"]
        return view
