"""Moderation over HTTP: participants flag and appeal; moderators work the queue, hide, restore,
approve, decide appeals, block and unblock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from events.errors import InvalidInput
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from gateway.views import Accepted
from services.identity.access import Caller, Permission
from services.moderation.commands import DecideAppeal, Decision, FileAppeal, FlagPost
from services.moderation.domain import Block, ModerationCase
from services.moderation.queue import ModerationQueries
from services.moderation.service import ModerationService


class ModerationView(msgspec.Struct, kw_only=True):
    """Where a post stands with moderation after the step just taken."""

    post_id: UUID
    status: str  # pending | published | hidden
    reason: str | None
    appeal: str  # none | open | decided


class BlockView(msgspec.Struct, kw_only=True):
    person_id: UUID
    blocked: bool
    reason: str | None


class QueueState(StrEnum):
    OPEN = "open"  # something waits for a moderator: flags, an approval, an appeal
    DECIDED = "decided"


class QueueItem(msgspec.Struct, kw_only=True):
    post_id: UUID
    dialog_id: UUID
    kind: str | None
    title: str | None
    body: str | None
    author_id: UUID | None
    post_status: str | None  # pending | published | hidden | withdrawn
    state: str
    flags: int
    reasons: list[str]  # the latest flag reasons
    first_flagged_at: datetime | None
    pending: bool  # waits for approval (pre-moderation)
    appeal_open: bool
    appeal_reason: str | None
    decision: str | None  # approved | hidden | restored | hiding-upheld | restored-on-appeal
    decision_reason: str | None
    decided_at: datetime | None
    decided_by: UUID | None
    queued_at: datetime


def _case_view(case: ModerationCase) -> ModerationView:
    return ModerationView(
        post_id=case.post_id,
        status=case.visibility.value,
        reason=case.reason,
        appeal=case.appeal.value,
    )


def _block_view(record: Block) -> BlockView:
    return BlockView(person_id=record.person_id, blocked=record.blocked, reason=record.reason)


def _queue_state(given: str | None) -> QueueState | None:
    """The ``state`` filter, checked here: litestar would name the parameter by its Python
    name, and ``state`` is taken by the application state."""
    if given is None:
        return None
    try:
        return QueueState(given)
    except ValueError:
        raise InvalidInput("state", "must be 'open' or 'decided'") from None


def _queue_item(row: Any) -> QueueItem:
    fields = {f: row[f] for f in QueueItem.__struct_fields__}
    return QueueItem(**fields)


class ModerationController(Controller):
    path = "/api/v1"
    tags = ["moderation"]

    @post(
        "/posts/{post_id:uuid}/flags",
        operation_id="flagPost",
        summary="Flag a post for moderators",
        responses=problems(409, 422),
        status_code=201,
    )
    async def flag(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[FlagPost],
    ) -> Accepted:
        """Flag a post or comment for moderators, with the reason; once per person."""
        await moderation.flag(caller, post_id, data)
        return Accepted(id=post_id)

    @post(
        "/posts/{post_id:uuid}/hide",
        operation_id="hidePost",
        summary="Hide or reject a post",
        responses=problems(409, 422),
        status_code=200,
    )
    async def hide(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[Decision],
    ) -> ModerationView:
        """Hide a post from the listings, or reject one waiting for approval (moderators).
        The author sees the reason."""
        return _case_view(await moderation.hide(caller, post_id, data))

    @post(
        "/posts/{post_id:uuid}/restore",
        operation_id="restorePost",
        summary="Show a hidden post again",
        responses=problems(409, 422),
        status_code=200,
    )
    async def restore(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[Decision],
    ) -> ModerationView:
        """Show a hidden post again (moderators), with the reason the author sees."""
        return _case_view(await moderation.restore(caller, post_id, data))

    @post(
        "/posts/{post_id:uuid}/approve",
        operation_id="approvePost",
        summary="Approve a waiting post",
        responses=problems(409),
        status_code=200,
    )
    async def approve(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
    ) -> ModerationView:
        """Publish a post waiting in a pre-moderated dialog (moderators)."""
        return _case_view(await moderation.approve(caller, post_id))

    @post(
        "/posts/{post_id:uuid}/appeal",
        operation_id="appealHiding",
        summary="Appeal the hiding of one's post",
        responses=problems(409, 422),
        status_code=201,
    )
    async def appeal(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[FileAppeal],
    ) -> ModerationView:
        """The author appeals the hiding of their post, once; another moderator decides."""
        return _case_view(await moderation.appeal(caller, post_id, data))

    @post(
        "/posts/{post_id:uuid}/appeal/decision",
        operation_id="decideAppeal",
        summary="Decide an appeal",
        responses=problems(409, 422),
        status_code=200,
    )
    async def decide_appeal(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        post_id: FromPath[UUID],
        data: JSONBody[DecideAppeal],
    ) -> ModerationView:
        """Decide an appeal (a moderator other than the one who hid the post): upheld keeps
        the post hidden, not upheld restores it."""
        return _case_view(await moderation.decide_appeal(caller, post_id, data))

    @post(
        "/people/{person_id:uuid}/block",
        operation_id="blockPerson",
        summary="Block a participant",
        responses=problems(409, 422),
        status_code=200,
    )
    async def block(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        person_id: FromPath[UUID],
        data: JSONBody[Decision],
    ) -> BlockView:
        """Refuse a participant's writes, with the reason they are told (moderators)."""
        return _block_view(await moderation.block(caller, person_id, data))

    @post(
        "/people/{person_id:uuid}/unblock",
        operation_id="unblockPerson",
        summary="Unblock a participant",
        responses=problems(409, 422),
        status_code=200,
    )
    async def unblock(
        self,
        moderation: Injected[ModerationService],
        caller: NamedDependency[Caller],
        person_id: FromPath[UUID],
        data: JSONBody[Decision],
    ) -> BlockView:
        """Let a blocked participant take part again (moderators)."""
        return _block_view(await moderation.unblock(caller, person_id, data))

    @get(
        "/moderation/queue",
        operation_id="listModerationQueue",
        summary="List the moderation queue",
        responses=problems(422),
    )
    async def queue(
        self,
        moderation_queries: Injected[ModerationQueries],
        caller: NamedDependency[Caller],
        queue_state: Annotated[str | None, QueryParameter(name="state", max_length=20)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[QueueItem]:
        """Posts flagged, waiting for approval or appealed, the longest waiting first
        (moderators); ``state`` picks the open or the decided ones."""
        caller.require(Permission.MODERATE)
        wanted = _queue_state(queue_state)
        after = decode_cursor(cursor)
        rows = await moderation_queries.queue(
            caller.tenant_id, None if wanted is None else wanted.value, after, limit + 1
        )
        last = rows[limit - 1] if len(rows) > limit else None
        return Page(
            items=[_queue_item(r) for r in rows[:limit]],
            next_cursor=None if last is None else encode_cursor(last["queued_at"], last["post_id"]),
        )
