"""A discussion's live chat over HTTP: its settings, messages, moderation, and the live stream
of what watchers see as server-sent events (each event's id a log position, so a client
reconnecting with ``Last-Event-ID`` gets exactly what it missed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from events.errors import Conflict, InvalidInput
from events.live_feed import FeedHub, Subscription
from gateway.admission import ADMISSION, STREAM
from gateway.content import EVENT_STREAM, alternative_answers_operation
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.live import feed_events
from gateway.pagination import DEFAULT_LIMIT
from gateway.problems import problems
from services.chat.commands import ConfigureChat, HideMessage, PostMessage
from services.chat.domain import ChatMessage, ChatRoom
from services.chat.feed import ChatMessageView, ChatQueries, FeedEntry, message_view
from services.chat.service import ChatService
from services.dialogs.domain import Dialog, DialogKind
from services.dialogs.service import DialogService
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry

_MAX_DIGITS = 18
MAX_POSITION = 2**63 - 1  # a log position is a bigint: a larger one is no position of ours


class ChatRoomView(msgspec.Struct, kw_only=True):
    """A discussion's chat: live or not, pre-moderated or not, its slow mode, its pinned
    messages, and the id of its live stream's last event (a stream started with it as
    ``Last-Event-ID`` continues from here)."""

    dialog_id: UUID
    live: bool
    premoderation: bool
    slow_mode_seconds: int
    pinned: list[ChatMessageView]
    last_event_id: int


class ChatSettings(msgspec.Struct, kw_only=True):
    """A discussion's chat settings as they are now."""

    dialog_id: UUID
    live: bool
    premoderation: bool
    slow_mode_seconds: int


class ChatMessageRecorded(msgspec.Struct, kw_only=True):
    """A message as the command left it; watchers see it on the live stream within moments."""

    id: UUID
    dialog_id: UUID
    status: str  # pending (waiting for a moderator), shown or hidden
    pinned: bool


class ChatPage(msgspec.Struct, kw_only=True):
    """A page of messages, newest first; ``next_before`` asks for the page after it (null:
    none), and ``last_event_id`` is the live stream's id this page was read at."""

    items: list[ChatMessageView]
    next_before: int | None
    last_event_id: int


def _recorded(message: ChatMessage) -> ChatMessageRecorded:
    return ChatMessageRecorded(
        id=message.id,
        dialog_id=message.dialog_id,
        status=message.status.value,
        pinned=message.pinned,
    )


def _moderator(viewer: Caller | None) -> bool:
    return viewer is not None and viewer.may(Permission.MODERATE)


LastEventIdHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        max_length=40,
        description="The id of the last event the client received: the stream sends what came"
        " after it first (EventSource sends it when it reconnects)",
    ),
]
LastEventIdQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        description="As the Last-Event-ID header, for clients that cannot send headers; the"
        " header wins when both are given",
    ),
]


def _after(header: str | None, query: str | None) -> int | None:
    """The position a stream continues after: the header's, else the query's; 422 naming
    the one given when it is no event id of ours."""
    for name, given in (("Last-Event-ID", header), ("last_event_id", query)):
        if given is None:
            continue
        text = given.strip()
        if not text.isdigit() or len(text) > _MAX_DIGITS:
            raise InvalidInput(name, "must be an event id of this stream: a whole number")
        return int(text)
    return None


class _ChatFollower:
    """A watcher of a chat: each entry's frame for participants, or for moderators; the id
    of an event is its log position."""

    ended = False

    def __init__(self, position: int, *, moderator: bool) -> None:
        self.position = position
        self.moderator = moderator

    @property
    def last_event_id(self) -> int:
        return self.position

    def patience(self, most: float) -> float:
        return most

    def take(self, entries: Sequence[FeedEntry]) -> bytes:
        frames = []
        for entry in entries:
            if entry.position <= self.position:
                continue
            self.position = entry.position
            sent = entry.moderators if self.moderator else entry.public
            if sent is not None:
                frames.append(sent)
        return b"".join(frames)


def chat_events(
    hub: FeedHub[FeedEntry],
    queries: ChatQueries,
    tenant_id: str,
    dialog_id: UUID,
    after: int | None,
    *,
    moderator: bool,
) -> Stream:
    """The dialog's chat as server-sent events: the backlog after ``after`` (none without
    one), then live ones, each once, in order, with the log position as its id. Participants'
    streams leave out what only moderators see. Each event's frame was encoded once for all
    watchers (``FeedEntry``); a watcher sends those bytes as they are."""

    async def follow(subscription: Subscription[FeedEntry]) -> _ChatFollower:
        # joined first: what is committed from now on reaches the queue, what was before
        # is in the backlog read now; what is in both is dropped by its position
        start = subscription.joined_at if after is None else after
        return _ChatFollower(start, moderator=moderator)

    async def backlog(last: int, limit: int) -> list[FeedEntry]:
        return await queries.feed(tenant_id, dialog_id, last, limit)

    return feed_events(hub, backlog, tenant_id, dialog_id, follow, replay=after is not None)


class ChatController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}/chat"
    tags = ["chat"]

    @staticmethod
    async def _discussion(
        dialogs: DialogService,
        tenant: TenantEntry,
        dialog_id: UUID,
        viewer: Caller | None,
        chat: ChatService | None = None,
    ) -> Dialog:
        """The discussion, if the viewer may see it; a stream's check reads it from memory
        for up to a second (``chat.dialog``), as an audience arriving at once would read it
        hundreds of times."""
        load = None if chat is None else chat.dialog
        dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer, load)
        if dialog.kind is not DialogKind.DISCUSSION:
            raise Conflict(f"a {dialog.kind.value} dialog has no chat; only a discussion has")
        return dialog

    @get(
        "/",
        operation_id="getChat",
        summary="Read a discussion's chat settings and pins",
        responses=problems(409),
    )
    async def room(
        self,
        chat: Injected[ChatService],
        chat_queries: Injected[ChatQueries],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> ChatRoomView:
        """Whether the chat is live, pre-moderated and slowed, its pinned messages, and the
        id its live stream has reached."""
        dialog = await self._discussion(dialogs, tenant, dialog_id, viewer)
        room = await chat.room(tenant.tenant_id, dialog.id)
        pinned = await chat_queries.pinned(tenant.tenant_id, dialog.id)
        moderator = _moderator(viewer)
        return ChatRoomView(
            dialog_id=dialog.id,
            live=room is not None and room.live,
            premoderation=room is not None and room.premoderation,
            slow_mode_seconds=0 if room is None else room.slow_mode_seconds,
            pinned=[message_view(r, moderator=moderator) for r in pinned],
            last_event_id=await chat_queries.head(tenant.tenant_id, dialog.id),
        )

    @put(
        "/",
        operation_id="configureChat",
        summary="Make a discussion live, or change its chat",
        responses=problems(409, 422),
    )
    async def configure(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[ConfigureChat],
    ) -> ChatSettings:
        """Moderators turn the chat on or off, pre-moderation on or off (a live blog beside a
        webcast shows only what a moderator approved) and set the slow mode: the seconds a
        participant waits between two messages, 0 (off) to 3600."""
        room = await chat.configure(caller, dialog_id, data)
        return _room_view(room)

    @post(
        "/messages",
        operation_id="postChatMessage",
        summary="Post to a live chat",
        responses=problems(409, 422, 429),
        status_code=201,
    )
    async def post_message(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[PostMessage],
    ) -> ChatMessageRecorded:
        """Post a message (1 to 2,000 characters). In a pre-moderated chat it is 'pending'
        until a moderator approves it; with slow mode on, a second message within its seconds
        is refused with 429 and Retry-After, and nothing is recorded."""
        return _recorded(await chat.post(caller, dialog_id, data))

    @get(
        "/messages",
        operation_id="listChatMessages",
        summary="Read a chat's messages",
        responses=problems(409, 422),
    )
    async def messages(
        self,
        chat_queries: Injected[ChatQueries],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        before: Annotated[
            int | None,
            QueryParameter(
                ge=1,
                le=MAX_POSITION,
                description="Only messages before this one's page position",
            ),
        ] = None,
        status: Annotated[
            str,
            QueryParameter(
                max_length=20,
                description="Which messages: shown (everyone), pending or hidden (moderators)",
                schema_extra={"enum": ["shown", "pending", "hidden"]},
            ),
        ] = "shown",
    ) -> ChatPage:
        """The chat's messages, newest first, a page at a time; moderators may ask for those
        waiting for approval or hidden."""
        if status not in ("shown", "pending", "hidden"):
            raise InvalidInput("status", "must be one of shown, pending, hidden")
        moderator = _moderator(viewer)
        if status != "shown" and not moderator:
            raise InvalidInput("status", f"only moderators see {status} messages")
        dialog = await self._discussion(dialogs, tenant, dialog_id, viewer)
        rows, head = await chat_queries.messages(
            tenant.tenant_id, dialog.id, [status], before, limit + 1
        )
        more = len(rows) > limit
        return ChatPage(
            items=[message_view(r, moderator=moderator) for r in rows[:limit]],
            next_before=int(rows[limit - 1]["position"]) if more else None,
            last_event_id=head,
        )

    @post(
        "/messages/{message_id:uuid}/approve",
        operation_id="approveChatMessage",
        summary="Show a message waiting for approval",
        responses=problems(409),
        status_code=200,
    )
    async def approve(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        message_id: FromPath[UUID],
    ) -> ChatMessageRecorded:
        """A moderator shows a message of a pre-moderated chat to everyone."""
        return _recorded(await chat.approve(caller, dialog_id, message_id))

    @post(
        "/messages/{message_id:uuid}/hide",
        operation_id="hideChatMessage",
        summary="Hide a message, or turn one down",
        responses=problems(409, 422),
        status_code=200,
    )
    async def hide(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        message_id: FromPath[UUID],
        data: JSONBody[HideMessage],
    ) -> ChatMessageRecorded:
        """A moderator hides a shown message (watchers are told to take it away) or turns
        down one waiting for approval, with the reason."""
        return _recorded(await chat.hide(caller, dialog_id, message_id, data))

    @post(
        "/messages/{message_id:uuid}/pin",
        operation_id="pinChatMessage",
        summary="Pin a message",
        responses=problems(409),
        status_code=200,
    )
    async def pin(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        message_id: FromPath[UUID],
    ) -> ChatMessageRecorded:
        """A moderator pins a shown message above the chat."""
        return _recorded(await chat.pin(caller, dialog_id, message_id))

    @post(
        "/messages/{message_id:uuid}/unpin",
        operation_id="unpinChatMessage",
        summary="Unpin a message",
        responses=problems(409),
        status_code=200,
    )
    async def unpin(
        self,
        chat: Injected[ChatService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        message_id: FromPath[UUID],
    ) -> ChatMessageRecorded:
        """A moderator takes a message's pin away."""
        return _recorded(await chat.unpin(caller, dialog_id, message_id))

    @get(
        "/events",
        operation_id="watchChat",
        summary="Follow a live chat",
        responses=problems(409, 422),
        operation_class=alternative_answers_operation("200", EVENT_STREAM),
        opt={ADMISSION: STREAM},
    )
    async def events(
        self,
        chat: Injected[ChatService],
        chat_queries: Injected[ChatQueries],
        chat_hub: Injected[FeedHub[FeedEntry]],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        last_event_id_header: LastEventIdHeader = None,
        last_event_id: LastEventIdQuery = None,
    ) -> Stream:
        """The chat as server-sent events: ``message`` (a message shown: posted, or
        approved), ``hidden``, ``pinned`` and ``unpinned``, each with the message as JSON and
        its id. With ``Last-Event-ID`` (or ``last_event_id``) it first sends what came after
        that id, then live events, none twice; without, live events from now."""
        after = _after(last_event_id_header, last_event_id)
        dialog = await self._discussion(dialogs, tenant, dialog_id, viewer, chat)
        room = await chat.cached_room(tenant.tenant_id, dialog.id)
        if room is None or not room.live:
            raise Conflict("the dialog's chat is not live")
        return chat_events(
            chat_hub, chat_queries, tenant.tenant_id, dialog.id, after, moderator=False
        )

    @get(
        "/moderation-events",
        operation_id="watchChatModeration",
        summary="Follow a live chat as a moderator",
        responses=problems(409, 422),
        operation_class=alternative_answers_operation("200", EVENT_STREAM),
        opt={ADMISSION: STREAM},
    )
    async def moderation_events(
        self,
        chat: Injected[ChatService],
        chat_queries: Injected[ChatQueries],
        chat_hub: Injected[FeedHub[FeedEntry]],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        last_event_id_header: LastEventIdHeader = None,
        last_event_id: LastEventIdQuery = None,
    ) -> Stream:
        """As the chat's stream, with what moderators see too: ``pending`` (a message waiting
        for approval) and the turning down of one (``hidden``), and each message's author
        and moderation reason."""
        caller.require(Permission.MODERATE)
        after = _after(last_event_id_header, last_event_id)
        dialog = await self._discussion(dialogs, tenant, dialog_id, caller, chat)
        return chat_events(
            chat_hub, chat_queries, tenant.tenant_id, dialog.id, after, moderator=True
        )


def _room_view(room: ChatRoom) -> ChatSettings:
    return ChatSettings(
        dialog_id=room.dialog_id,
        live=room.live,
        premoderation=room.premoderation,
        slow_mode_seconds=room.slow_mode_seconds,
    )
