"""Commands on focus groups and the views of them: moderators lead, observers watch and write
notes, participants answer. Every rule that depends on the group's state reads the group's
own stream, never a read model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.errors import Conflict, InvalidInput, NotFound, Unavailable
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.focus_groups.commands import (
    AddItem,
    AddStaffMember,
    ChangeFocusGroup,
    CreateFocusGroup,
    GiveAnswer,
    InviteParticipants,
    MarkAnswer,
    ReleaseItem,
    SendFollowUp,
    WriteNote,
)
from services.focus_groups.domain import (
    MAX_MEMBERS,
    FocusGroup,
    FocusGroupAnswer,
    Mark,
    MemberRole,
    ObserverNote,
    check_item,
)
from services.identity.access import PERMISSIONS, Caller, Permission, Role, event_metadata
from services.identity.service import IdentityService, email_address
from tenants import values
from tenants.directory import TenantEntry

ImageExists = Callable[[str, str], Awaitable[bool]]
T = TypeVar("T")
_ATTEMPTS = 8  # saves of a group that other moderators change at the same moment
_STAFF_PERMISSIONS = frozenset(
    {Permission.MODERATE, Permission.ANALYSE, Permission.ADMINISTER, Permission.ANSWER}
)


def _now() -> datetime:
    return datetime.now(UTC)


class FocusGroupService:
    def __init__(
        self,
        repository: Repository,
        identity: IdentityService,
        image_exists: ImageExists,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.repository = repository
        self.identity = identity
        self.image_exists = image_exists
        self.clock = clock

    # -- reading -------------------------------------------------------------------------------

    async def get(self, tenant_id: str, group_id: UUID) -> FocusGroup:
        try:
            return await self.repository.get(tenant_id, FocusGroup, group_id)
        except AggregateNotFound:
            raise NotFound(f"no focus group {group_id}") from None

    # -- the group -----------------------------------------------------------------------------

    async def create(
        self, caller: Caller, command: CreateFocusGroup, language: str = "en"
    ) -> FocusGroup:
        """A new group, its pseudonyms in ``language`` (the municipality's)."""
        group = FocusGroup.create(
            caller,
            command.title,
            command.description,
            command.answers_visible_before_answering,
            language,
        )
        await self._save(caller, group)
        return group

    async def change(self, caller: Caller, group_id: UUID, command: ChangeFocusGroup) -> FocusGroup:
        group, _ = await self._update(
            caller,
            group_id,
            lambda g: g.change(
                caller,
                command.title,
                command.description,
                command.answers_visible_before_answering,
            ),
        )
        return group

    # -- members -------------------------------------------------------------------------------

    async def invite(
        self,
        caller: Caller,
        tenant: TenantEntry,
        group_id: UUID,
        command: InviteParticipants,
    ) -> list[tuple[UUID, str, str]]:
        """Invite participants: each becomes a person with a one-time PIN (e-mailed when an
        address is given; answered once either way). Every invitee is checked before anybody
        is recorded. Returns (person, PIN, pseudonym) of each."""
        group = await self.get(caller.tenant_id, group_id)
        group.require_moderator(caller)
        problems: list[tuple[str, str]] = []
        names: list[str | None] = []
        for i, invitee in enumerate(command.invitees):
            name: str | None = None
            try:
                if invitee.name is not None:
                    name = values.text(invitee.name, f"invitees[{i}].name", max_length=200)
                if invitee.email is not None:
                    address = email_address(invitee.email, f"invitees[{i}].email")
                    held = await self.identity.people.find_email(caller.tenant_id, address)
                    role = (
                        None
                        if held is None
                        else await self.identity.role_of(caller.tenant_id, held)
                    )
                    if role is not None and role is not Role.PARTICIPANT:
                        raise InvalidInput(
                            f"invitees[{i}].email",
                            f"the address belongs to a {role.value} of the municipality: add"
                            " staff as a moderator or observer",
                        )
                    if held is not None and group.members.get(held) not in (
                        None,
                        MemberRole.PARTICIPANT,
                    ):
                        raise InvalidInput(
                            f"invitees[{i}].email", "the person is staff of this focus group"
                        )
            except InvalidInput as error:
                problems.append((error.field, error.reason))
            names.append(name)
        if len(group.members) + len(command.invitees) > MAX_MEMBERS:
            problems.append(("invitees", f"a focus group has at most {MAX_MEMBERS} members"))
        if problems:
            raise InvalidInput.of(problems)
        issued: list[tuple[UUID, str]] = []

        def add_all(g: FocusGroup) -> None:
            for i, (person_id, _) in enumerate(issued):
                g.add_member(caller, person_id, MemberRole.PARTICIPANT, f"invitees[{i}]")

        for i, invitee in enumerate(command.invitees):
            try:
                person_id, pin = await self.identity.invite(
                    tenant, group_id, group.title, invitee.email, names[i]
                )
            except Unavailable as error:  # the e-mail could not be sent
                if issued:  # those invited before it are members: inviting them again is harmless
                    await self._update(caller, group_id, add_all, group)
                raise Unavailable(
                    f"invitees[{i}]: {error}; the {len(issued)} before it were invited"
                ) from None
            issued.append((person_id, pin))
        # The people and their PINs exist now: their membership is recorded even when another
        # moderator changed the group meanwhile (the group is read again and they are added).
        group, _ = await self._update(caller, group_id, add_all, group)
        return [(p, pin, group.pseudonym(p) or "") for p, pin in issued]

    async def add_staff(
        self, caller: Caller, group_id: UUID, command: AddStaffMember
    ) -> FocusGroup:
        """A member of the municipality's staff as a moderator (their role may moderate) or an
        observer (any staff role)."""
        group = await self.get(caller.tenant_id, group_id)
        group.require_moderator(caller)
        role = await self.identity.role_of(caller.tenant_id, command.person_id)
        wanted = MemberRole(command.role)
        if role is None or not PERMISSIONS[role] & _STAFF_PERMISSIONS:
            raise InvalidInput("person_id", "is no member of the municipality's staff")
        if wanted is MemberRole.MODERATOR and Permission.MODERATE not in PERMISSIONS[role]:
            raise InvalidInput("role", f"a {role.value} may not moderate: add them as an observer")
        group, _ = await self._update(
            caller,
            group_id,
            lambda g: g.add_member(caller, command.person_id, wanted, "person_id"),
        )
        return group

    async def remove_member(self, caller: Caller, group_id: UUID, person_id: UUID) -> FocusGroup:
        """Remove a participant, moderator or observer (moderators): from now on the group
        refuses them (403). Removing someone removed already records nothing."""
        group, _ = await self._update(
            caller, group_id, lambda g: g.remove_member(caller, person_id)
        )
        return group

    # -- the guide -----------------------------------------------------------------------------

    async def add_item(self, caller: Caller, group_id: UUID, command: AddItem) -> UUID:
        group = await self.get(caller.tenant_id, group_id)
        group.require_moderator(caller)
        _, image_id, _ = check_item(command.kind, command.text, command.image_id, command.video_url)
        if image_id is not None and not await self.image_exists(caller.tenant_id, image_id):
            raise InvalidInput("image_id", "no uploaded image has this id; upload it first")
        _, item_id = await self._update(
            caller,
            group_id,
            lambda g: g.add_item(
                caller, command.kind, command.text, command.image_id, command.video_url
            ),
            group,
        )
        return item_id

    async def release(
        self, caller: Caller, group_id: UUID, item_id: UUID, command: ReleaseItem
    ) -> datetime:
        _, at = await self._update(
            caller, group_id, lambda g: g.release(caller, item_id, command.at, self.clock())
        )
        return at

    async def delete_item(self, caller: Caller, group_id: UUID, item_id: UUID) -> FocusGroup:
        """Delete an item nobody saw yet (not released, or scheduled for later)."""
        group, _ = await self._update(
            caller, group_id, lambda g: g.delete_item(caller, item_id, self.clock())
        )
        return group

    async def withdraw(self, caller: Caller, group_id: UUID, item_id: UUID) -> FocusGroup:
        """Withdraw a released item from the participants; withdrawing it again records
        nothing."""
        group, _ = await self._update(
            caller, group_id, lambda g: g.withdraw(caller, item_id, self.clock())
        )
        return group

    async def follow_up(self, caller: Caller, group_id: UUID, command: SendFollowUp) -> UUID:
        _, follow_up_id = await self._update(
            caller,
            group_id,
            lambda g: g.follow_up(caller, command.text, command.to, command.item_id, self.clock()),
        )
        return follow_up_id

    # -- answers -------------------------------------------------------------------------------

    async def answer(
        self, caller: Caller, group_id: UUID, item_id: UUID, command: GiveAnswer
    ) -> FocusGroupAnswer:
        """A participant answers a released item or a follow-up to them (or to all)."""
        group = await self.get(caller.tenant_id, group_id)
        group.require_participant(caller)
        group.answerable(caller.person_id, item_id, self.clock())
        answer = FocusGroupAnswer.give(group_id, item_id, caller.person_id, command.text)
        await self._save(caller, answer)
        return answer

    async def mark(
        self, caller: Caller, group_id: UUID, answer_id: UUID, command: MarkAnswer
    ) -> FocusGroupAnswer:
        group = await self.get(caller.tenant_id, group_id)
        group.require_moderator(caller)
        answer = await self._answer(caller.tenant_id, group_id, answer_id)
        marks = {
            mark: on
            for mark, on in (
                (Mark.PINNED, command.pinned),
                (Mark.HIDDEN, command.hidden),
                (Mark.HIGHLIGHTED, command.highlighted),
            )
            if on is not None
        }
        if answer.mark(marks):
            await self._save(caller, answer)
        return answer

    async def _answer(self, tenant_id: str, group_id: UUID, answer_id: UUID) -> FocusGroupAnswer:
        try:
            answer = await self.repository.get(tenant_id, FocusGroupAnswer, answer_id)
        except AggregateNotFound:
            answer = None
        if answer is None or answer.group_id != group_id:
            raise NotFound(f"no answer {answer_id} in this focus group")
        return answer

    # -- notes ---------------------------------------------------------------------------------

    async def note(self, caller: Caller, group_id: UUID, command: WriteNote) -> ObserverNote:
        """A note of a moderator or observer, on the group, one of its items or answers."""
        group = await self.get(caller.tenant_id, group_id)
        group.require_staff(caller)
        problems: list[tuple[str, str]] = []
        if command.item_id is not None and command.item_id not in group.targets():
            problems.append(("item_id", "is no item or follow-up of this focus group"))
        if command.answer_id is not None:
            try:
                await self._answer(caller.tenant_id, group_id, command.answer_id)
            except NotFound:
                problems.append(("answer_id", "is no answer in this focus group"))
        try:
            note = ObserverNote.write(
                group_id, caller.person_id, command.text, command.item_id, command.answer_id
            )
        except InvalidInput as error:
            problems.insert(0, (error.field, error.reason))
        if problems:
            raise InvalidInput.of(problems)
        await self._save(caller, note)
        return note

    async def _update(
        self,
        caller: Caller,
        group_id: UUID,
        step: Callable[[FocusGroup], T],
        group: FocusGroup | None = None,
    ) -> tuple[FocusGroup, T]:
        """Apply ``step`` to the group and save what it recorded. When another moderator
        changed the group meanwhile, the group is read again and ``step`` applied again (up
        to eight times): its rules decide on the group as it is then. A refusal is final."""
        for attempt in range(_ATTEMPTS):
            if group is None or attempt:
                group = await self.get(caller.tenant_id, group_id)
            result = step(group)
            if not group.pending_events:
                return group, result
            try:
                await self.repository.save(caller.tenant_id, group, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return group, result
        raise Conflict("the focus group was changed meanwhile; try again")

    async def _save(self, caller: Caller, *aggregates: Aggregate) -> None:
        try:
            await self.repository.save(
                caller.tenant_id, *aggregates, metadata=event_metadata(caller)
            )
        except ConcurrencyConflict:
            raise Conflict("the focus group was changed meanwhile; try again") from None


__all__ = ["FocusGroupService", "ImageExists"]
