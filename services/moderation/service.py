"""Commands of moderation: participants flag and appeal; moderators hide, restore, approve,
decide appeals, block and unblock. Each step is an event."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from events.errors import Conflict, Forbidden, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.identity.access import Caller, Permission, Role, event_metadata
from services.identity.domain import Person
from services.moderation.blocklist import BlockedPeople
from services.moderation.commands import DecideAppeal, Decision, FileAppeal, FlagPost
from services.moderation.domain import Block, Flag, ModerationCase, block_id, case_id, flag_id
from services.participation.domain import Post
from tenants import values

REASON_LENGTH = 1000


def _reason(given: str) -> str:
    return values.text(given, "reason", max_length=REASON_LENGTH)


class ModerationService:
    def __init__(self, repository: Repository, blocked: BlockedPeople) -> None:
        self.repository = repository
        self.blocked = blocked

    async def _post(self, tenant_id: str, post_id: UUID) -> Post:
        try:
            post = await self.repository.get(tenant_id, Post, post_id)
        except AggregateNotFound:
            raise NotFound(f"no post {post_id}") from None
        if post.withdrawn:
            raise Conflict("the post has been withdrawn by its author")
        return post

    async def case(self, tenant_id: str, post: Post) -> ModerationCase:
        """The post's moderation case; a new one (not saved yet) if nothing was decided."""
        try:
            return await self.repository.get(tenant_id, ModerationCase, case_id(post.id))
        except AggregateNotFound:
            return ModerationCase(
                post_id=post.id, dialog_id=post.dialog_id, author_id=post.author_id
            )

    async def _save(self, caller: Caller, aggregate: Aggregate, conflict: str) -> None:
        try:
            await self.repository.save(caller.tenant_id, aggregate, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict(conflict) from None

    async def _decide(self, caller: Caller, post_id: UUID) -> ModerationCase:
        caller.require(Permission.MODERATE)
        post = await self._post(caller.tenant_id, post_id)
        return await self.case(caller.tenant_id, post)

    async def flag(self, caller: Caller, post_id: UUID, command: FlagPost) -> None:
        """Any participant flags a post or comment once, with the reason."""
        caller.require(Permission.TAKE_PART)
        reason = _reason(command.reason)
        blocked = await self.blocked.reason(caller.tenant_id, caller.person_id)
        if blocked is not None:
            raise Forbidden(f"you are blocked from taking part: {blocked}")
        post = await self._post(caller.tenant_id, post_id)
        flag = Flag(
            id=flag_id(post.id, caller.person_id),
            post_id=post.id,
            dialog_id=post.dialog_id,
            reason=reason,
        )
        await self._save(caller, flag, "you have flagged this post already")

    async def hide(self, caller: Caller, post_id: UUID, command: Decision) -> ModerationCase:
        """Hide a post from the listings (or reject one waiting for approval)."""
        reason = _reason(command.reason)
        case = await self._decide(caller, post_id)
        case.hide(caller.person_id, reason)
        await self._save(caller, case, "the post's moderation changed meanwhile; try again")
        return case

    async def restore(self, caller: Caller, post_id: UUID, command: Decision) -> ModerationCase:
        reason = _reason(command.reason)
        case = await self._decide(caller, post_id)
        case.restore(caller.person_id, reason)
        await self._save(caller, case, "the post's moderation changed meanwhile; try again")
        return case

    async def approve(self, caller: Caller, post_id: UUID) -> ModerationCase:
        """Publish a post that waits in a pre-moderated dialog."""
        case = await self._decide(caller, post_id)
        case.approve(caller.person_id)
        await self._save(caller, case, "the post's moderation changed meanwhile; try again")
        return case

    async def appeal(self, caller: Caller, post_id: UUID, command: FileAppeal) -> ModerationCase:
        """The author appeals the hiding of their post, once."""
        reason = _reason(command.reason)
        post = await self._post(caller.tenant_id, post_id)
        case = await self.case(caller.tenant_id, post)
        case.file_appeal(caller.person_id, reason)
        await self._save(caller, case, "the post has been appealed already; an author appeals once")
        return case

    async def decide_appeal(
        self, caller: Caller, post_id: UUID, command: DecideAppeal
    ) -> ModerationCase:
        """Another moderator than the one who hid the post decides the appeal."""
        reason = _reason(command.reason)
        case = await self._decide(caller, post_id)
        case.decide_appeal(caller.person_id, command.upheld, reason)
        await self._save(caller, case, "the appeal was decided meanwhile")
        return case

    async def _block_record(self, caller: Caller, person_id: UUID, *, blocking: bool) -> Block:
        caller.require(Permission.MODERATE)
        if person_id == caller.person_id:
            raise Conflict("you cannot block or unblock yourself")
        try:
            person = await self.repository.get(caller.tenant_id, Person, person_id)
        except AggregateNotFound:
            raise NotFound(f"no person {person_id}") from None
        if blocking and Role(person.role) is not Role.PARTICIPANT:
            raise Forbidden(f"staff ({person.role}) are not blocked; change their role first")
        try:
            return await self.repository.get(caller.tenant_id, Block, block_id(person_id))
        except AggregateNotFound:
            return Block(person_id=person_id)

    async def block(self, caller: Caller, person_id: UUID, command: Decision) -> Block:
        """Refuse a participant's writes from now on, with the reason they are told."""
        reason = _reason(command.reason)
        record = await self._block_record(caller, person_id, blocking=True)
        record.block(reason)
        await self._save(caller, record, "the person's block changed meanwhile; try again")
        self.blocked.record(caller.tenant_id, person_id, record.version, reason)
        return record

    async def unblock(self, caller: Caller, person_id: UUID, command: Decision) -> Block:
        reason = _reason(command.reason)
        record = await self._block_record(caller, person_id, blocking=False)
        record.unblock(reason)
        await self._save(caller, record, "the person's block changed meanwhile; try again")
        self.blocked.record(caller.tenant_id, person_id, record.version, None)
        return record
