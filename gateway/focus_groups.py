"""Focus groups over HTTP, under ``/api/v1/focus-groups``: moderators create a group, invite
its participants (PIN or e-mail), add staff as moderators or observers and remove members,
prepare the guide and release it item by item (deleting an item not released yet, withdrawing
a released one), send follow-ups and mark answers; participants read what is released to them
and answer; moderators and observers read everything and write notes; staff export the
transcript (CSV or HTML) with pseudonyms; every member follows the group live (server-sent
events through the chat's feed hub, ``events/live_feed.py``).

Refusals: 404 for a group (or item, or answer) of another municipality or another group, and
for a group to anyone never invited to it; 403 for staff who are no moderator or observer of
it, for a member removed from it, and for an operation the caller's part in the group does not
allow; 409 for an answer to an item not released yet or withdrawn, and for removing the last
moderator; 422 naming the field for bad input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from events.errors import InvalidInput
from events.live_feed import FeedHub, Subscription
from gateway.admission import ADMISSION, STREAM
from gateway.content import EVENT_STREAM, alternative_answers_operation
from gateway.edge import Injected
from gateway.languages import answer_language
from gateway.live import Follower, feed_events
from gateway.problems import problems
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
from services.focus_groups.domain import Access, Mark
from services.focus_groups.live import (
    MAX_ID_LENGTH,
    FeedEntry,
    FocusGroupFeed,
    ParticipantFollower,
    StaffFollower,
    micros,
    participant_cursor,
    staff_cursor,
)
from services.focus_groups.read_model import FocusGroupQueries, GroupRow
from services.focus_groups.service import FocusGroupService
from services.focus_groups.views import (
    AnswerView,
    NoteView,
    ParticipantView,
    StaffAnswerView,
    StaffFollowUpView,
    StaffItemView,
    StaffView,
    note_views,
    participant_view,
    staff_answers,
    staff_follow_up,
    staff_item,
    staff_view,
    transcript,
    transcript_csv,
    transcript_html,
)
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry

TRANSCRIPT_FORMATS = {
    "text/csv": Schema(type=OpenAPIType.STRING),
    "text/html": Schema(type=OpenAPIType.STRING),
}
# The HTML transcript holds no script and loads nothing: a browser is told so.
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


class InvitedParticipant(msgspec.Struct, kw_only=True):
    person_id: UUID
    pin: str  # one-time, to hand over (it was e-mailed too when an address was given)
    pseudonym: str


class Invited(msgspec.Struct, kw_only=True):
    invited: list[InvitedParticipant]


class FocusGroupList(msgspec.Struct, kw_only=True):
    items: list[GroupRow]


class StaffAnswers(msgspec.Struct, kw_only=True):
    items: list[StaffAnswerView]


class Notes(msgspec.Struct, kw_only=True):
    items: list[NoteView]


LastEventIdHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        max_length=MAX_ID_LENGTH,
        description="The id of the last event the client received: the stream sends what came"
        " after it first (EventSource sends it when it reconnects)",
    ),
]
LastEventIdQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=MAX_ID_LENGTH,
        description="As the Last-Event-ID header, for clients that cannot send headers; the"
        " header wins when both are given",
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


class FocusGroupController(Controller):
    path = "/api/v1/focus-groups"
    tags = ["focus groups"]

    @post(
        "/",
        operation_id="createFocusGroup",
        summary="Create a focus group",
        responses=problems(422),
        status_code=201,
    )
    async def create(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        data: JSONBody[CreateFocusGroup],
    ) -> StaffView:
        """Create an invite-only focus group (staff who may moderate): its title, description
        and whether participants see the others' answers before answering (false by default:
        only once they answered). The creator is its first moderator. Its pseudonyms are
        written in the municipality's language ("Deltagare 3"), the same for everyone."""
        group = await focus_groups.create(caller, data, tenant.default_language)
        return staff_view(group, Access.MODERATOR, _now())

    @get("/", operation_id="listFocusGroups", summary="List one's focus groups")
    async def list_groups(
        self,
        focus_group_queries: Injected[FocusGroupQueries],
        caller: NamedDependency[Caller],
    ) -> FocusGroupList:
        """The focus groups the caller is a participant, moderator or observer of, newest
        first, with their role in each (administrators: every group of the municipality).
        Everyone sees only their own role: a participant learns nothing of the staff."""
        items = await focus_group_queries.groups(
            caller.tenant_id, caller.person_id, every=caller.may(Permission.ADMINISTER)
        )
        return FocusGroupList(items=items)

    @get("/{group_id:uuid}", operation_id="getFocusGroup", summary="Read a focus group (staff)")
    async def get_group(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
    ) -> StaffView:
        """The whole group as its moderators and observers see it: members with their roles
        and pseudonyms, the guide with each item's release time, every follow-up.
        Participants read `/discussion`."""
        group = await focus_groups.get(caller.tenant_id, group_id)
        return staff_view(group, group.require_staff(caller), _now())

    @patch(
        "/{group_id:uuid}",
        operation_id="changeFocusGroup",
        summary="Change a focus group",
        responses=problems(409, 422),
    )
    async def change(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        data: JSONBody[ChangeFocusGroup],
    ) -> StaffView:
        """Change the title, description or `answers_visible_before_answering` (moderators);
        fields left out stay."""
        group = await focus_groups.change(caller, group_id, data)
        return staff_view(group, Access.MODERATOR, _now())

    @post(
        "/{group_id:uuid}/participants",
        operation_id="inviteFocusGroupParticipants",
        summary="Invite participants to a focus group",
        responses=problems(409, 422),
        status_code=200,
    )
    async def invite(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        group_id: FromPath[UUID],
        data: JSONBody[InviteParticipants],
    ) -> Invited:
        """Invite participants (moderators): each gets a one-time PIN to sign in with,
        e-mailed when an address is given and answered here once either way, and a
        pseudonym ("Participant 3") that stays theirs in this group. Every invitee is
        checked before anyone is recorded."""
        issued = await focus_groups.invite(caller, tenant, group_id, data)
        return Invited(
            invited=[
                InvitedParticipant(person_id=p, pin=pin, pseudonym=name) for p, pin, name in issued
            ]
        )

    @post(
        "/{group_id:uuid}/staff",
        operation_id="addFocusGroupStaff",
        summary="Add a moderator or observer to a focus group",
        responses=problems(409, 422),
        status_code=200,
    )
    async def add_staff(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        data: JSONBody[AddStaffMember],
    ) -> StaffView:
        """Add a member of the municipality's staff (moderators): as a moderator (their role
        may moderate) or an observer (any staff role: reads everything, writes notes, is
        never shown to participants)."""
        group = await focus_groups.add_staff(caller, group_id, data)
        return staff_view(group, Access.MODERATOR, _now())

    @delete(
        "/{group_id:uuid}/members/{person_id:uuid}",
        operation_id="removeFocusGroupMember",
        summary="Remove a member from a focus group",
        responses=problems(409),
        status_code=200,
    )
    async def remove_member(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> StaffView:
        """Remove a participant, moderator or observer (moderators): from now on the group
        refuses them (403, problem type `removed-from-focus-group`) and their live stream
        ends. What a removed participant said stays, under their pseudonym, for the others
        and in the transcript. The last moderator cannot be removed (409 naming
        `person_id`); someone never a member is 404; removing someone removed already
        records nothing. Answers the group as it is now, the removed under `removed`."""
        group = await focus_groups.remove_member(caller, group_id, person_id)
        return staff_view(group, Access.MODERATOR, _now())

    @post(
        "/{group_id:uuid}/items",
        operation_id="addFocusGroupItem",
        summary="Add a question or stimulus to a focus group's guide",
        responses=problems(409, 422),
        status_code=201,
    )
    async def add_item(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        data: JSONBody[AddItem],
    ) -> StaffItemView:
        """Add an item to the guide (moderators): a question (a text) or a stimulus (a text,
        an uploaded image's id, an https link to a video on a known player). It is shown to
        participants once released."""
        item_id = await focus_groups.add_item(caller, group_id, data)
        group = await focus_groups.get(caller.tenant_id, group_id)
        return staff_item(group.item(item_id), _now())

    @post(
        "/{group_id:uuid}/items/{item_id:uuid}/release",
        operation_id="releaseFocusGroupItem",
        summary="Release a guide item, now or at a time",
        responses=problems(409, 422),
        status_code=200,
    )
    async def release(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        item_id: FromPath[UUID],
        data: JSONBody[ReleaseItem],
    ) -> StaffItemView:
        """Release an item (moderators): now (`{}`), or at a later time (`{"at": ...}`, with
        its time zone), from when participants see and answer it. A scheduled item may be
        scheduled again or released now until its time comes; a released one is 409."""
        await focus_groups.release(caller, group_id, item_id, data)
        group = await focus_groups.get(caller.tenant_id, group_id)
        return staff_item(group.item(item_id), _now())

    @post(
        "/{group_id:uuid}/items/{item_id:uuid}/withdraw",
        operation_id="withdrawFocusGroupItem",
        summary="Withdraw a released guide item",
        responses=problems(409),
        status_code=200,
    )
    async def withdraw(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        item_id: FromPath[UUID],
    ) -> StaffItemView:
        """Withdraw a released item (moderators): from now on participants no longer see it,
        nor its answers, and answer it no more; staff still do, and the transcript keeps it
        with its answers, marked withdrawn. An item not released yet is 409 (delete it
        instead); withdrawing it again records nothing."""
        group = await focus_groups.withdraw(caller, group_id, item_id)
        return staff_item(group.item(item_id), _now())

    @delete(
        "/{group_id:uuid}/items/{item_id:uuid}",
        operation_id="deleteFocusGroupItem",
        summary="Delete a guide item not released yet",
        responses=problems(409),
        status_code=200,
    )
    async def delete_item(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        item_id: FromPath[UUID],
    ) -> StaffView:
        """Delete an item nobody saw (moderators): one not released, or scheduled for a
        later time that has not come. A released item is 409: withdraw it instead. Answers
        the group as it is now."""
        group = await focus_groups.delete_item(caller, group_id, item_id)
        return staff_view(group, Access.MODERATOR, _now())

    @post(
        "/{group_id:uuid}/follow-ups",
        operation_id="sendFocusGroupFollowUp",
        summary="Send a follow-up question",
        responses=problems(409, 422),
        status_code=201,
    )
    async def follow_up(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        data: JSONBody[SendFollowUp],
    ) -> StaffFollowUpView:
        """Send a follow-up question (moderators) to one participant (`to`) or to every
        participant, about a released item (`item_id`) or not. Only its addressee sees a
        follow-up to one participant, and their answer is theirs and staff's alone."""
        follow_up_id = await focus_groups.follow_up(caller, group_id, data)
        group = await focus_groups.get(caller.tenant_id, group_id)
        return staff_follow_up(group, group.follow_ups[follow_up_id])

    @get(
        "/{group_id:uuid}/discussion",
        operation_id="getFocusGroupDiscussion",
        summary="Read a focus group as a participant",
    )
    async def discussion(
        self,
        focus_groups: Injected[FocusGroupService],
        focus_group_queries: Injected[FocusGroupQueries],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
    ) -> ParticipantView:
        """What a participant sees (participants): the released items and the follow-ups to
        them or to all, each with the answers they may see: their own, and the others' (by
        pseudonym, never hidden ones) once they answered it, or at once when the group's
        `answers_visible_before_answering` is set. Pinned answers come first."""
        group = await focus_groups.get(caller.tenant_id, group_id)
        group.require_participant(caller)
        rows = await focus_group_queries.answers(caller.tenant_id, group_id)
        return participant_view(group, caller.person_id, rows, _now())

    @post(
        "/{group_id:uuid}/items/{item_id:uuid}/answers",
        operation_id="answerFocusGroupItem",
        summary="Answer a released item or a follow-up",
        responses=problems(409, 422),
        status_code=201,
    )
    async def answer(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        item_id: FromPath[UUID],
        data: JSONBody[GiveAnswer],
    ) -> AnswerView:
        """Answer a released item, or a follow-up sent to the caller or to all (participants;
        more than once if they like). An item not released yet is 409."""
        answer = await focus_groups.answer(caller, group_id, item_id, data)
        group = await focus_groups.get(caller.tenant_id, group_id)
        return AnswerView(
            id=answer.id,
            author=group.pseudonym(caller.person_id) or "",
            mine=True,
            text=answer.text,
            pinned=False,
            highlighted=False,
            answered_at=answer.created_on,
        )

    @get(
        "/{group_id:uuid}/answers",
        operation_id="listFocusGroupAnswers",
        summary="List a focus group's answers (staff)",
    )
    async def answers(
        self,
        focus_groups: Injected[FocusGroupService],
        focus_group_queries: Injected[FocusGroupQueries],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
    ) -> StaffAnswers:
        """Every answer, hidden ones included, with its author's pseudonym and marks, oldest
        first (moderators and observers)."""
        group = await focus_groups.get(caller.tenant_id, group_id)
        group.require_staff(caller)
        rows = await focus_group_queries.answers(caller.tenant_id, group_id)
        return StaffAnswers(items=staff_answers(group, rows))

    @put(
        "/{group_id:uuid}/answers/{answer_id:uuid}/marks",
        operation_id="markFocusGroupAnswer",
        summary="Pin, hide or highlight an answer",
        responses=problems(409, 422),
    )
    async def mark(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        answer_id: FromPath[UUID],
        data: JSONBody[MarkAnswer],
    ) -> StaffAnswerView:
        """Set (true) or clear (false) an answer's marks (moderators): pinned answers are
        shown first, highlighted ones emphasised, hidden ones to no other participant (the
        author still sees their own). Marks left out stay."""
        answer = await focus_groups.mark(caller, group_id, answer_id, data)
        group = await focus_groups.get(caller.tenant_id, group_id)
        return StaffAnswerView(
            id=answer.id,
            item_id=answer.item_id,
            person_id=answer.person_id,
            pseudonym=group.pseudonym(answer.person_id) or "",
            text=answer.text,
            pinned=Mark.PINNED in answer.marks,
            hidden=Mark.HIDDEN in answer.marks,
            highlighted=Mark.HIGHLIGHTED in answer.marks,
            answered_at=answer.created_on,
        )

    @post(
        "/{group_id:uuid}/notes",
        operation_id="writeFocusGroupNote",
        summary="Write a note on a focus group (staff)",
        responses=problems(422),
        status_code=201,
    )
    async def write_note(
        self,
        focus_groups: Injected[FocusGroupService],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        data: JSONBody[WriteNote],
    ) -> NoteView:
        """A note of an observer or moderator on the group, one of its items or follow-ups
        (`item_id`) or answers (`answer_id`): read by staff only, never by participants."""
        note = await focus_groups.note(caller, group_id, data)
        return NoteView(
            id=note.id,
            author_id=note.author_id,
            item_id=note.item_id,
            answer_id=note.answer_id,
            text=note.text,
            written_at=note.created_on,
        )

    @get(
        "/{group_id:uuid}/notes",
        operation_id="listFocusGroupNotes",
        summary="List the notes on a focus group (staff)",
    )
    async def notes(
        self,
        focus_groups: Injected[FocusGroupService],
        focus_group_queries: Injected[FocusGroupQueries],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
    ) -> Notes:
        """Every note on the group, oldest first (moderators and observers)."""
        group = await focus_groups.get(caller.tenant_id, group_id)
        group.require_staff(caller)
        return Notes(items=note_views(await focus_group_queries.notes(caller.tenant_id, group_id)))

    @get(
        "/{group_id:uuid}/events",
        operation_id="watchFocusGroup",
        summary="Follow a focus group live",
        responses=problems(422),
        operation_class=alternative_answers_operation("200", EVENT_STREAM),
        opt={ADMISSION: STREAM},
    )
    async def events(
        self,
        focus_groups: Injected[FocusGroupService],
        focus_group_feed: Injected[FocusGroupFeed],
        focus_group_hub: Injected[FeedHub[FeedEntry]],
        caller: NamedDependency[Caller],
        group_id: FromPath[UUID],
        last_event_id_header: LastEventIdHeader = None,
        last_event_id: LastEventIdQuery = None,
    ) -> Stream:
        """The group as server-sent events, as each member sees it (docs/focus-groups.md).
        Participants get `item` (an item when its release time comes), `withdrawn`,
        `follow-up` (to them or to all), `answer` (their own; the others' by pseudonym once
        they answered the item, or at once when the group shows answers before answering;
        never a hidden one), `marked`, `hidden`, `changed`, and `removed` when a moderator
        removes them, which ends the stream. Moderators and observers get the guide as it is
        prepared (`item`, `released`, `item-deleted`, `withdrawn`), `follow-up`, every
        `answer` and `marked` with the author's pseudonym, `note`, `member-added`,
        `member-removed` and `changed`. With `Last-Event-ID` (or `last_event_id`) the
        stream first sends what came after that id, then live events, none twice; without,
        live events from now."""
        group = await focus_groups.get(caller.tenant_id, group_id)
        access = group.access(caller)
        field, given = "Last-Event-ID", last_event_id_header
        if given is None:
            field, given = "last_event_id", last_event_id
        tenant_id, viewer = caller.tenant_id, caller.person_id
        follow: Callable[[Subscription[FeedEntry]], Awaitable[Follower[FeedEntry]]]
        if access is Access.PARTICIPANT:
            cursor = None if given is None else participant_cursor(given, field)

            async def participant(subscription: Subscription[FeedEntry]) -> Follower[FeedEntry]:
                if cursor is None:  # from now on: what was released by now is read already
                    position = subscription.joined_at
                    mark = (micros(_now()), position)
                else:
                    position, mark = cursor[0], (cursor[1], cursor[2])
                start = await focus_group_feed.start(tenant_id, group, viewer, position, mark)
                return ParticipantFollower(viewer, position, mark, start)

            follow = participant
        else:
            after = None if given is None else staff_cursor(given, field)
            until_removed = not caller.may(Permission.ADMINISTER)

            async def staff(subscription: Subscription[FeedEntry]) -> Follower[FeedEntry]:
                position = subscription.joined_at if after is None else after
                return StaffFollower(viewer, position, until_removed=until_removed)

            follow = staff

        async def backlog(last: int, limit: int) -> list[FeedEntry]:
            return await focus_group_feed.read(tenant_id, group_id, last, limit)

        return feed_events(
            focus_group_hub, backlog, tenant_id, group_id, follow, replay=given is not None
        )

    @get(
        "/{group_id:uuid}/transcript",
        operation_id="exportFocusGroupTranscript",
        summary="Export a focus group's transcript as CSV or HTML",
        responses=problems(422),
        operation_class=alternative_answers_operation("200", TRANSCRIPT_FORMATS),
    )
    async def transcript(
        self,
        focus_groups: Injected[FocusGroupService],
        focus_group_queries: Injected[FocusGroupQueries],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        group_id: FromPath[UUID],
        format: Annotated[
            Literal["csv", "html"] | None, QueryParameter(description="csv or html")
        ] = None,
    ) -> Response[bytes]:
        """What was said, in order of time (moderators and observers): each released item
        and follow-up by "Moderator", each answer by its author's pseudonym ("Participant
        3") with its marks. Columns: `time`, `speaker`, `to`, `kind`, `about`, `text`,
        `marks`. No names, e-mail addresses or person ids; notes stay out. CSV texts are
        made inert against spreadsheet formulas. The column names, pseudonyms, kinds, labels
        and marks are in the language asked for with Accept-Language among the
        municipality's languages, else in its default ("Moderator", "Deltagare 3"; said in
        Content-Language); the CSV's times are ISO 8601, the page's as the language writes
        them."""
        if format is None:
            raise InvalidInput("format", "is required: csv or html")
        group = await focus_groups.get(caller.tenant_id, group_id)
        group.require_staff(caller)
        language = answer_language(request, tenant)
        lines = transcript(
            group, await focus_group_queries.answers(caller.tenant_id, group_id), _now(), language
        )
        headers = {"Cache-Control": "no-store"}
        if format == "csv":
            name = f"focus-group-{group_id}.csv"
            return Response(
                transcript_csv(lines, language),
                media_type="text/csv; charset=utf-8",
                headers={
                    **headers,
                    "Content-Disposition": f'attachment; filename="{name}"',
                    "Content-Language": language,
                },
            )
        return Response(
            transcript_html(group, lines, language),
            media_type="text/html; charset=utf-8",
            headers={**headers, "Content-Security-Policy": CSP, "Content-Language": language},
        )
