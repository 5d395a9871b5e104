"""Commands of a dialog's chat: set it up, post, approve, hide, pin and unpin.

Who may post is who may take part in the dialog (``ParticipationService.admit``: signed in or
a device token as the dialog allows, invited where it is invite-only, not blocked, while it is
open). Moderators configure the room, approve, hide and pin; their own messages are shown at
once and are not held to the slow mode.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from async_lru import alru_cache
from eventsourcing.domain import Aggregate

from events.errors import Conflict, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.chat.commands import ConfigureChat, HideMessage, PostMessage
from services.chat.domain import (
    MAX_MESSAGE,
    ChatMessage,
    ChatPace,
    ChatRoom,
    pace_id,
    room_id,
)
from services.dialogs.domain import Dialog, DialogKind
from services.dialogs.service import Clock, DialogService, utc_now
from services.identity.access import Caller, Permission, event_metadata
from services.participation.service import ParticipationService
from tenants import values

_RETRIES = 4  # a pace changed meanwhile by another of the person's messages: read it again
_ROOM_TTL = 1.0  # seconds a room's settings may be served from memory to a stream's check


class ChatService:
    def __init__(
        self,
        repository: Repository,
        dialogs: DialogService,
        participation: ParticipationService,
        clock: Clock = utc_now,
    ) -> None:
        self.repository = repository
        self.dialogs = dialogs
        self.participation = participation
        self.clock = clock
        # An audience arriving at once (a webcast starts) opens hundreds of streams: each
        # checks the room, read once a second for all of them; a change here forgets it.
        self._room = alru_cache(maxsize=10_000, ttl=_ROOM_TTL)(self.room)

    async def dialog(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        """The dialog from memory for up to a second (the participation service's cache)."""
        return await self.participation.dialog(tenant_id, dialog_id)

    async def cached_room(self, tenant_id: str, dialog_id: UUID) -> ChatRoom | None:
        """The room as a stream's check sees it: from memory for up to a second."""
        return await self._room(tenant_id, dialog_id)

    async def _save(self, caller: Caller, *aggregates: Aggregate) -> None:
        await self.repository.save(caller.tenant_id, *aggregates, metadata=event_metadata(caller))

    async def _discussion(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        dialog = await self.dialogs.get(tenant_id, dialog_id)
        if dialog.kind is not DialogKind.DISCUSSION:
            raise Conflict(f"a {dialog.kind.value} dialog has no chat; only a discussion has")
        return dialog

    async def room(self, tenant_id: str, dialog_id: UUID) -> ChatRoom | None:
        """The dialog's chat room, or None if it was never set up."""
        try:
            return await self.repository.get(tenant_id, ChatRoom, room_id(dialog_id))
        except AggregateNotFound:
            return None

    async def configure(self, caller: Caller, dialog_id: UUID, command: ConfigureChat) -> ChatRoom:
        """Set the dialog's chat up, or change it (moderators)."""
        caller.require(Permission.MODERATE)
        dialog = await self._discussion(caller.tenant_id, dialog_id)
        room = await self.room(caller.tenant_id, dialog.id)
        if room is None:
            room = ChatRoom.set_up(
                dialog.id, command.live, command.premoderation, command.slow_mode_seconds
            )
        elif not room.configure(command.live, command.premoderation, command.slow_mode_seconds):
            return room
        try:
            await self._save(caller, room)
        except ConcurrencyConflict:
            raise Conflict("the chat's settings were changed meanwhile; try again") from None
        finally:
            self._room.cache_invalidate(caller.tenant_id, dialog.id)
        return room

    async def _live_room(self, tenant_id: str, dialog_id: UUID) -> ChatRoom:
        room = await self.room(tenant_id, dialog_id)
        if room is None:
            raise Conflict("the dialog's chat is not live")
        room.ensure_live()
        return room

    async def post(self, caller: Caller, dialog_id: UUID, command: PostMessage) -> ChatMessage:
        """Post a message. In a pre-moderated room a participant's message waits for a
        moderator; with slow mode on, a participant's second message within its seconds is
        refused (429, Retry-After) and nothing is recorded."""
        body = values.text(command.body, "body", max_length=MAX_MESSAGE)
        dialog = await self._discussion(caller.tenant_id, dialog_id)
        await self.participation.admit(caller, dialog)
        moderator = caller.may(Permission.MODERATE)
        for _ in range(_RETRIES):
            room = await self._live_room(caller.tenant_id, dialog.id)
            message = ChatMessage(
                dialog_id=dialog.id,
                author_id=caller.person_id,
                anonymous=caller.anonymous,
                by_moderator=moderator,
                body=body,
                held=room.premoderation and not moderator,
                id=uuid4(),
            )
            paced: list[Aggregate] = []
            if room.slow_mode_seconds > 0 and not moderator:
                pace = await self._pace(caller, dialog.id)
                pace.take_turn(message.id, self.clock(), room.slow_mode_seconds)
                paced.append(pace)
            try:
                await self._save(caller, message, *paced)
            except ConcurrencyConflict:
                continue  # another message of theirs took the turn: read the pace again
            return message
        raise Conflict("your messages kept colliding; try again")

    async def _pace(self, caller: Caller, dialog_id: UUID) -> ChatPace:
        try:
            return await self.repository.get(
                caller.tenant_id, ChatPace, pace_id(dialog_id, caller.person_id)
            )
        except AggregateNotFound:
            return ChatPace(dialog_id=dialog_id, person_id=caller.person_id)

    async def message(self, tenant_id: str, dialog_id: UUID, message_id: UUID) -> ChatMessage:
        try:
            message = await self.repository.get(tenant_id, ChatMessage, message_id)
        except AggregateNotFound:
            message = None
        if message is None or message.dialog_id != dialog_id:
            raise NotFound(f"no message {message_id} in this dialog's chat")
        return message

    async def _moderate(self, caller: Caller, dialog_id: UUID, message_id: UUID) -> ChatMessage:
        caller.require(Permission.MODERATE)
        return await self.message(caller.tenant_id, dialog_id, message_id)

    async def _save_moderated(self, caller: Caller, message: ChatMessage) -> ChatMessage:
        try:
            await self._save(caller, message)
        except ConcurrencyConflict:
            raise Conflict("the message was moderated meanwhile; try again") from None
        return message

    async def approve(self, caller: Caller, dialog_id: UUID, message_id: UUID) -> ChatMessage:
        message = await self._moderate(caller, dialog_id, message_id)
        message.approve()
        return await self._save_moderated(caller, message)

    async def hide(
        self, caller: Caller, dialog_id: UUID, message_id: UUID, command: HideMessage
    ) -> ChatMessage:
        reason = values.text(command.reason, "reason", max_length=1000)
        message = await self._moderate(caller, dialog_id, message_id)
        message.hide(reason)
        return await self._save_moderated(caller, message)

    async def pin(self, caller: Caller, dialog_id: UUID, message_id: UUID) -> ChatMessage:
        message = await self._moderate(caller, dialog_id, message_id)
        message.pin()
        return await self._save_moderated(caller, message)

    async def unpin(self, caller: Caller, dialog_id: UUID, message_id: UUID) -> ChatMessage:
        message = await self._moderate(caller, dialog_id, message_id)
        message.unpin()
        return await self._save_moderated(caller, message)


__all__ = ["ChatService"]
