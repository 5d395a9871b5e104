"""Focus groups: an invite-only conversation a moderator leads with a few residents, through a
guide of questions and stimuli released one at a time.

A ``FocusGroup`` (one stream, a random id) holds what the group is and who is in it, its guide
and what was released when, the follow-ups and the setting ``answers_visible_before_answering``:

- members: participants (invited by PIN or e-mail through identity's invitations), moderators
  (staff who may moderate) and observers (any of the municipality's staff: a read-only view,
  never shown to participants). A participant's pseudonym ("Participant 3") is their place in
  the order participants were added: stable for the group, whatever happens later (a removed
  participant keeps theirs, in the transcript and if invited again). A moderator removes a
  member; the removed person no longer reaches the group (403, saying so), and the last
  moderator stays;
- the guide: items, each a question or a stimulus (a text, an image by its id, a video link);
  an item not released yet may be deleted, a released one withdrawn (participants no longer
  see it; the transcript keeps it, marked withdrawn);
- a release of an item: at once or at a time; an item counts as released from that time on (a
  check when it is read, so nothing has to run at that moment);
- follow-ups: a question the moderator sends to one participant or to every participant, about
  an item or not, released when sent.

A ``FocusGroupAnswer`` (one stream per answer) is a participant's answer to an item or a
follow-up. Its text is personal data, sealed under its author's key (erasure destroys it), and
the moderator's marks (pinned, hidden, highlighted) are recorded on it.

An ``ObserverNote`` (one stream per note) is a note a member of staff leaves on the group, an
item or an answer: its text is sealed under its writer's key and only staff ever read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate, event

from events import texts
from events.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.identity.access import Caller, Permission
from tenants import values

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 5000
ITEM_TEXT_LENGTH = 5000
ANSWER_LENGTH = 5000
NOTE_LENGTH = 5000
MAX_ITEMS = 200
MAX_MEMBERS = 200


class MemberRole(StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"
    OBSERVER = "observer"


class ItemKind(StrEnum):
    QUESTION = "question"  # participants answer it
    STIMULUS = "stimulus"  # something to react to (a text, a picture, a film); answered too


class Mark(StrEnum):
    PINNED = "pinned"  # shown first
    HIDDEN = "hidden"  # never shown to other participants
    HIGHLIGHTED = "highlighted"  # shown emphasised


class RemovedFromFocusGroup(Forbidden):
    """A moderator removed the caller from the group: a type of its own, so a client tells
    them whatever language the reason is written in."""

    problem_type = "removed-from-focus-group"


class Access(StrEnum):
    """What a caller is to a group."""

    MODERATOR = "moderator"  # a moderator of the group, or an administrator
    OBSERVER = "observer"  # reads everything, writes notes only
    PARTICIPANT = "participant"


class GuideItem(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: str  # ItemKind
    text: str
    image_id: str | None
    video_url: str | None
    release_at: datetime | None  # None: not released nor scheduled
    withdrawn_at: datetime | None = None  # withdrawn after its release: participants lost it

    def released(self, now: datetime) -> bool:
        return self.release_at is not None and self.release_at <= now

    def shown(self, now: datetime) -> bool:
        """Released and not withdrawn: what participants see."""
        return self.released(now) and self.withdrawn_at is None


class FollowUp(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    text: str
    to: UUID | None  # one participant, or None: every participant
    item_id: UUID | None  # the guide item it follows up, if any
    sent_at: datetime

    def for_person(self, person_id: UUID) -> bool:
        return self.to is None or self.to == person_id


def title_text(value: str, field: str = "title") -> str:
    return values.text(value, field, max_length=TITLE_LENGTH)


def description_text(value: str, field: str = "description") -> str:
    return values.text(value, field, max_length=DESCRIPTION_LENGTH, required=False)


def check_item(
    kind: ItemKind, text: str, image_id: str | None, video_url: str | None
) -> tuple[str, str | None, str | None]:
    """An item's text, image id and video link, cleaned, or every problem of them named. A
    question has a text; a stimulus has a text, an image or a video link (or several)."""
    problems: list[tuple[str, str]] = []
    cleaned_text = text
    try:
        cleaned_text = values.text(text, "text", max_length=ITEM_TEXT_LENGTH, required=False)
    except InvalidInput as error:
        problems.append((error.field, error.reason))
    if video_url is not None:
        try:
            video_url = values.video_url(video_url, "video_url")
        except InvalidInput as error:
            problems.append((error.field, error.reason))
    if image_id is not None and not _is_image_id(image_id):
        problems.append(("image_id", "must be the id of an uploaded image (64 hex digits)"))
    if not problems:
        if kind is ItemKind.QUESTION and not cleaned_text:
            problems.append(("text", "a question must have a text"))
        if kind is ItemKind.STIMULUS and not (cleaned_text or image_id or video_url):
            problems.append(("text", "a stimulus needs a text, an image_id or a video_url"))
    if problems:
        raise InvalidInput.of(problems)
    return cleaned_text, image_id, video_url


def _is_image_id(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def answer_text(value: str, field: str = "text") -> str:
    return values.text(value, field, max_length=ANSWER_LENGTH)


def note_text(value: str, field: str = "text") -> str:
    return values.text(value, field, max_length=NOTE_LENGTH)


class FocusGroup(Aggregate):
    """A focus group: its members, its guide, releases and follow-ups, and its setting."""

    @classmethod
    def create(
        cls,
        by: Caller,
        title: str,
        description: str,
        answers_visible_before_answering: bool,
        language: str = "en",
    ) -> FocusGroup:
        """A new group; ``language`` is the municipality's, in which its pseudonyms are
        written ("Deltagare 3"): one name for each participant, the same for everyone."""
        by.require(Permission.MODERATE)
        problems: list[tuple[str, str]] = []
        for field, check, value in (
            ("title", title_text, title),
            ("description", description_text, description),
        ):
            try:
                check(value, field)
            except InvalidInput as error:
                problems.append((error.field, error.reason))
        if problems:
            raise InvalidInput.of(problems)
        return cls(
            title=title_text(title),
            description=description_text(description),
            answers_visible_before_answering=answers_visible_before_answering,
            moderator_id=by.person_id,
            language=language,
            id=uuid4(),
        )

    @event("FocusGroupCreated")
    def __init__(
        self,
        title: str,
        description: str,
        answers_visible_before_answering: bool,
        moderator_id: UUID,
        language: str = "en",  # a group created before its language was kept: English
        *,
        id: UUID,
    ) -> None:
        self.language = language
        self.title = title
        self.description = description
        self.answers_visible_before_answering = answers_visible_before_answering
        self.members: dict[UUID, MemberRole] = {moderator_id: MemberRole.MODERATOR}
        self.removed: dict[UUID, MemberRole] = {}  # removed members, by the role they held
        self.participants: list[UUID] = []  # in the order added: their pseudonyms' numbers
        self.items: dict[UUID, GuideItem] = {}  # in the guide's order
        self.follow_ups: dict[UUID, FollowUp] = {}

    # -- who is who ----------------------------------------------------------------------------

    def access(self, caller: Caller) -> Access:
        """What the caller is to the group: a member of staff who is no moderator or observer
        of it is refused (403); anyone else, who was never invited, does not see it (404)."""
        role = self.members.get(caller.person_id)
        # a role held in the group counts while the person's role in the municipality allows
        # it: a moderator no longer staff moderates nothing (nor does an observer observe)
        if (role is MemberRole.MODERATOR and caller.may(Permission.MODERATE)) or caller.may(
            Permission.ADMINISTER
        ):
            return Access.MODERATOR
        if role is MemberRole.OBSERVER and caller.staff:
            return Access.OBSERVER
        if role is MemberRole.PARTICIPANT:
            return Access.PARTICIPANT
        if role is None and caller.person_id in self.removed:
            raise RemovedFromFocusGroup("a moderator removed you from this focus group")
        if caller.staff:
            raise Forbidden("you are no moderator or observer of this focus group")
        raise NotFound(f"no focus group {self.id}")

    def require_moderator(self, caller: Caller) -> None:
        if self.access(caller) is not Access.MODERATOR:
            raise Forbidden("only the focus group's moderators may do this")

    def require_staff(self, caller: Caller) -> Access:
        access = self.access(caller)
        if access is Access.PARTICIPANT:
            raise Forbidden("only the focus group's moderators and observers see this")
        return access

    def require_participant(self, caller: Caller) -> None:
        if self.access(caller) is not Access.PARTICIPANT:
            raise Forbidden("only the focus group's participants take part in it")

    def pseudonym(self, person_id: UUID, language: str | None = None) -> str | None:
        """ "Participant N" in ``language`` (the group's, unless another is asked for, as a
        transcript may): N is the participant's place in the order participants were added."""
        number = self.participant_number(person_id)
        if number is None:
            return None
        said = texts.pgettext(
            language or self.language, "focus group transcript", "Participant {n}"
        )
        return said.format(n=number)

    def someone(self, language: str | None = None) -> str:
        """A participant who is one no longer (or never was), in ``language``."""
        return texts.pgettext(language or self.language, "focus group transcript", "Participant")

    def participant_number(self, person_id: UUID) -> int | None:
        """The N of the participant's pseudonym: their place in the order participants were
        added (None for anyone who is no participant)."""
        try:
            return self.participants.index(person_id) + 1
        except ValueError:
            return None

    # -- settings ------------------------------------------------------------------------------

    def change(
        self,
        by: Caller,
        title: str | None,
        description: str | None,
        answers_visible_before_answering: bool | None,
    ) -> bool:
        """Change what is given; False (nothing recorded) when nothing changes."""
        self.require_moderator(by)
        problems: list[tuple[str, str]] = []
        new_title, new_description = self.title, self.description
        try:
            if title is not None:
                new_title = title_text(title)
        except InvalidInput as error:
            problems.append((error.field, error.reason))
        try:
            if description is not None:
                new_description = description_text(description)
        except InvalidInput as error:
            problems.append((error.field, error.reason))
        if problems:
            raise InvalidInput.of(problems)
        visible = (
            self.answers_visible_before_answering
            if answers_visible_before_answering is None
            else answers_visible_before_answering
        )
        if (new_title, new_description, visible) == (
            self.title,
            self.description,
            self.answers_visible_before_answering,
        ):
            return False
        self._changed(new_title, new_description, visible)
        return True

    @event("FocusGroupChanged")
    def _changed(
        self, title: str, description: str, answers_visible_before_answering: bool
    ) -> None:
        self.title = title
        self.description = description
        self.answers_visible_before_answering = answers_visible_before_answering

    # -- members -------------------------------------------------------------------------------

    def add_member(self, by: Caller, person_id: UUID, role: MemberRole, field: str) -> bool:
        """Add a member in a role; False when they hold it already. A person holds one role
        in a group: a participant never becomes its staff, nor staff a participant."""
        self.require_moderator(by)
        held = self.members.get(person_id)
        if held is role:
            return False
        if held is not None:
            raise Conflict(f"the person is a {held.value} of this focus group already", field)
        if role is not MemberRole.PARTICIPANT and person_id in self.participants:
            # removed since: what they said stays theirs, under their pseudonym
            raise Conflict("the person was a participant of this focus group", field)
        if len(self.members) >= MAX_MEMBERS:
            raise Conflict(f"a focus group has at most {MAX_MEMBERS} members", field)
        self._member_added(person_id, role.value)
        return True

    @event("FocusGroupMemberAdded")
    def _member_added(self, person_id: UUID, role: str) -> None:
        self.members[person_id] = MemberRole(role)
        self.removed.pop(person_id, None)
        # a participant removed and invited again keeps their place, so their pseudonym
        if role == MemberRole.PARTICIPANT.value and person_id not in self.participants:
            self.participants.append(person_id)

    def remove_member(self, by: Caller, person_id: UUID) -> bool:
        """Remove a participant, moderator or observer; False (nothing recorded) when they
        were removed already. What a participant said stays, under their pseudonym. The last
        moderator stays: a group always has someone to lead it."""
        self.require_moderator(by)
        role = self.members.get(person_id)
        if role is None:
            if person_id in self.removed:
                return False
            raise NotFound(f"no member {person_id} in this focus group")
        moderators = [p for p, r in self.members.items() if r is MemberRole.MODERATOR]
        if moderators == [person_id]:
            raise Conflict(
                "the focus group's last moderator cannot be removed: add another moderator first",
                "person_id",
            )
        self._member_removed(person_id, role.value)
        return True

    @event("FocusGroupMemberRemoved")
    def _member_removed(self, person_id: UUID, role: str) -> None:
        del self.members[person_id]
        self.removed[person_id] = MemberRole(role)

    # -- the guide -----------------------------------------------------------------------------

    def add_item(
        self,
        by: Caller,
        kind: ItemKind,
        text: str,
        image_id: str | None,
        video_url: str | None,
    ) -> UUID:
        self.require_moderator(by)
        text, image_id, video_url = check_item(kind, text, image_id, video_url)
        if len(self.items) >= MAX_ITEMS:
            raise Conflict(f"a guide has at most {MAX_ITEMS} items")
        item_id = uuid4()
        self._item_added(item_id, kind.value, text, image_id, video_url)
        return item_id

    @event("FocusGroupItemAdded")
    def _item_added(
        self,
        item_id: UUID,
        kind: str,
        text: str,
        image_id: str | None,
        video_url: str | None,
    ) -> None:
        self.items[item_id] = GuideItem(
            id=item_id,
            kind=kind,
            text=text,
            image_id=image_id,
            video_url=video_url,
            release_at=None,
        )

    def item(self, item_id: UUID) -> GuideItem:
        found = self.items.get(item_id)
        if found is None:
            raise NotFound(f"no item {item_id} in this focus group's guide")
        return found

    def release(self, by: Caller, item_id: UUID, at: datetime | None, now: datetime) -> datetime:
        """Release an item now (``at`` None) or schedule it for ``at`` (a later time: it counts
        as released from then on). A scheduled item may be scheduled again, or released now,
        until its time comes; a released one is released for good."""
        self.require_moderator(by)
        item = self.item(item_id)
        if item.withdrawn_at is not None:
            raise Conflict("the item was withdrawn")
        if item.released(now):
            raise Conflict("the item is released already")
        if at is not None:
            if at.tzinfo is None:
                raise InvalidInput("at", "must name its time zone (e.g. 2026-03-01T18:00:00Z)")
            if at <= now:
                raise InvalidInput("at", "must be later than now; leave it out to release now")
        when = now if at is None else at
        self._released(item_id, when)
        return when

    @event("FocusGroupItemReleased")
    def _released(self, item_id: UUID, at: datetime) -> None:
        self.items[item_id] = msgspec.structs.replace(self.items[item_id], release_at=at)

    def delete_item(self, by: Caller, item_id: UUID, now: datetime) -> None:
        """Take an item out of the guide before anyone saw it: one not released yet (a
        scheduled one too, before its time). A released one is withdrawn instead."""
        self.require_moderator(by)
        if self.item(item_id).released(now):
            raise Conflict("the item is released: withdraw it instead")
        self._item_deleted(item_id)

    @event("FocusGroupItemDeleted")
    def _item_deleted(self, item_id: UUID) -> None:
        del self.items[item_id]

    def withdraw(self, by: Caller, item_id: UUID, now: datetime) -> bool:
        """Withdraw a released item: participants no longer see it nor answer it; staff and
        the transcript keep it (and its answers), marked withdrawn. False (nothing recorded)
        when it was withdrawn already."""
        self.require_moderator(by)
        item = self.item(item_id)
        if item.withdrawn_at is not None:
            return False
        if not item.released(now):
            raise Conflict("the item is not released: delete it instead")
        self._withdrawn(item_id, now)
        return True

    @event("FocusGroupItemWithdrawn")
    def _withdrawn(self, item_id: UUID, at: datetime) -> None:
        self.items[item_id] = msgspec.structs.replace(self.items[item_id], withdrawn_at=at)

    # -- follow-ups ----------------------------------------------------------------------------

    def follow_up(
        self, by: Caller, text: str, to: UUID | None, item_id: UUID | None, now: datetime
    ) -> UUID:
        """Send a follow-up question to one participant (``to``) or to every participant."""
        self.require_moderator(by)
        problems: list[tuple[str, str]] = []
        try:
            text = values.text(text, "text", max_length=ITEM_TEXT_LENGTH)
        except InvalidInput as error:
            problems.append((error.field, error.reason))
        if to is not None and self.members.get(to) is not MemberRole.PARTICIPANT:
            problems.append(("to", "is no participant of this focus group"))
        if item_id is not None:
            item = self.items.get(item_id)
            if item is None:
                problems.append(("item_id", "is no item of this focus group's guide"))
            elif not item.released(now):
                problems.append(("item_id", "the item is not released yet"))
            elif item.withdrawn_at is not None:
                problems.append(("item_id", "the item was withdrawn"))
        if problems:
            raise InvalidInput.of(problems)
        follow_up_id = uuid4()
        self._followed_up(follow_up_id, text, to, item_id, now)
        return follow_up_id

    @event("FocusGroupFollowUpSent")
    def _followed_up(
        self, follow_up_id: UUID, text: str, to: UUID | None, item_id: UUID | None, at: datetime
    ) -> None:
        self.follow_ups[follow_up_id] = FollowUp(
            id=follow_up_id, text=text, to=to, item_id=item_id, sent_at=at
        )

    # -- what a participant sees ---------------------------------------------------------------

    def released_items(self, now: datetime, *, withdrawn: bool = False) -> list[GuideItem]:
        """The items released by ``now`` in order of release: those withdrawn since only
        when ``withdrawn`` (staff's transcript), never for participants."""
        released = [
            i for i in self.items.values() if i.released(now) and (withdrawn or i.shown(now))
        ]
        return sorted(released, key=lambda i: (i.release_at or now, str(i.id)))

    def follow_ups_for(self, person_id: UUID) -> list[FollowUp]:
        return [f for f in self.follow_ups.values() if f.for_person(person_id)]

    def answerable(self, person_id: UUID, target_id: UUID, now: datetime) -> None:
        """That the participant may answer the item or follow-up ``target_id`` now: 404 when
        it is none of theirs, 409 when it is an item not released yet."""
        follow_up = self.follow_ups.get(target_id)
        if follow_up is not None:
            if not follow_up.for_person(person_id):
                raise NotFound(f"no item {target_id} in this focus group")
            return
        item = self.items.get(target_id)
        if item is None:
            raise NotFound(f"no item {target_id} in this focus group")
        if not item.released(now):
            raise Conflict("the item is not released yet: answers wait for its release")
        if item.withdrawn_at is not None:
            raise Conflict("the item was withdrawn: it takes no more answers")

    def private_to(self, target_id: UUID) -> UUID | None:
        """The one participant a follow-up went to (its answers are theirs and staff's
        alone), or None for an item or a follow-up to all."""
        follow_up = self.follow_ups.get(target_id)
        return None if follow_up is None else follow_up.to

    def targets(self) -> Mapping[UUID, str]:
        """Every item and follow-up by id, with its text (for a transcript)."""
        return {
            **{i.id: i.text for i in self.items.values()},
            **{f.id: f.text for f in self.follow_ups.values()},
        }


class FocusGroupAnswer(Aggregate):
    """One participant's answer to an item or follow-up of a focus group, and the moderator's
    marks on it. The text is sealed under the author's key."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"FocusGroupAnswerGiven": ("text",)}
    data_subject: ClassVar[str] = "person_id"

    @classmethod
    def give(cls, group_id: UUID, item_id: UUID, person_id: UUID, text: str) -> FocusGroupAnswer:
        return cls(
            group_id=group_id,
            item_id=item_id,
            person_id=person_id,
            text=answer_text(text),
            id=uuid4(),
        )

    @event("FocusGroupAnswerGiven")
    def __init__(
        self, group_id: UUID, item_id: UUID, person_id: UUID, text: str, *, id: UUID
    ) -> None:
        self.group_id = group_id
        self.item_id = item_id
        self.person_id = person_id
        self.text = text
        self.marks: set[Mark] = set()

    def mark(self, marks: Mapping[Mark, bool]) -> bool:
        """Set or clear marks; False (nothing recorded) when each is as asked already."""
        changed = False
        for mark, on in sorted(marks.items()):
            if (mark in self.marks) != on:
                self._marked(mark.value, on)
                changed = True
        return changed

    @event("FocusGroupAnswerMarked")
    def _marked(self, mark: str, on: bool) -> None:
        if on:
            self.marks.add(Mark(mark))
        else:
            self.marks.discard(Mark(mark))


class ObserverNote(Aggregate):
    """A note of staff on a focus group (about an item or an answer, or the whole), read by
    staff only. The text is sealed under the writer's key."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"ObserverNoteWritten": ("text",)}
    data_subject: ClassVar[str] = "author_id"

    @classmethod
    def write(
        cls,
        group_id: UUID,
        author_id: UUID,
        text: str,
        item_id: UUID | None,
        answer_id: UUID | None,
    ) -> ObserverNote:
        return cls(
            group_id=group_id,
            author_id=author_id,
            text=note_text(text),
            item_id=item_id,
            answer_id=answer_id,
            id=uuid4(),
        )

    @event("ObserverNoteWritten")
    def __init__(
        self,
        group_id: UUID,
        author_id: UUID,
        text: str,
        item_id: UUID | None,
        answer_id: UUID | None,
        *,
        id: UUID,
    ) -> None:
        self.group_id = group_id
        self.author_id = author_id
        self.text = text
        self.item_id = item_id
        self.answer_id = answer_id


__all__ = [
    "Access",
    "FocusGroup",
    "FocusGroupAnswer",
    "FollowUp",
    "GuideItem",
    "ItemKind",
    "Mark",
    "MemberRole",
    "ObserverNote",
    "RemovedFromFocusGroup",
]
