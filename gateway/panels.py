"""Citizen panels over HTTP: administrators create, change and recruit panels and draw the
members of a round; residents join (by an invitation's link or the open sign-up form), pause,
resume and leave; staff see members per status and counts per stratum."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from events.errors import Forbidden, InvalidInput, NotFound
from gateway.auth import client_address
from gateway.edge import Injected
from gateway.problems import problems
from services.identity.access import Caller
from services.surveys.panel_commands import (
    ChangeBackground,
    ChangePanel,
    CreatePanel,
    DrawSample,
    InviteToPanel,
    JoinByInvitation,
    JoinPanel,
)
from services.surveys.panel_listing import MemberRow, PanelQueries, PanelRow
from services.surveys.panel_service import MembershipView, PanelService, Sample
from services.surveys.panels import BackgroundQuestion, Panel
from tenants.directory import TenantEntry

MemberStatus = Literal["invited", "active", "paused", "left"]


class PanelView(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    description: str
    consent: str
    consent_revision: int
    questions: list[BackgroundQuestion]
    open_sign_up: bool


class PanelList(msgspec.Struct, kw_only=True):
    items: list[PanelRow]


class Invited(msgspec.Struct, kw_only=True):
    invited: list[UUID]  # the people e-mailed now (members already are not invited again)


class Joined(msgspec.Struct, kw_only=True):
    """Signed in and a member: the token as any sign-in gives it, and the membership."""

    token: str
    person_id: UUID
    role: str
    expires_at: datetime
    refresh_token: str | None
    membership: MembershipView


class Members(msgspec.Struct, kw_only=True):
    items: list[MemberRow]
    next_cursor: str | None  # the last person id of this page, for the next


class Strata(msgspec.Struct, kw_only=True):
    question_id: str
    counts: dict[str, int]  # active members per option of the question ("" unanswered)
    total: int


def _view(panel: Panel) -> PanelView:
    d = panel.details
    return PanelView(
        id=panel.id,
        name=d.name,
        description=d.description,
        consent=d.consent,
        consent_revision=panel.consent_revision,
        questions=list(d.questions),
        open_sign_up=d.open_sign_up,
    )


async def _visible(
    panels: PanelService, tenant_id: str, panel_id: UUID, viewer: Caller | None
) -> Panel:
    """The panel, unless it takes members by invitation only and the viewer is neither staff
    nor invited to it: to them it does not exist (404)."""
    panel = await panels.get(tenant_id, panel_id)
    if panel.details.open_sign_up or (viewer is not None and viewer.staff):
        return panel
    if viewer is not None:
        try:
            await panels.membership(viewer, panel_id)
            return panel
        except NotFound:
            pass
    raise NotFound(f"no panel {panel_id}")


def _staff(caller: Caller) -> None:
    if not caller.staff:
        raise Forbidden(f"the role {caller.role.value!r} may not see a panel's members")


class PanelController(Controller):
    path = "/api/v1/panels"
    tags = ["panels"]

    @post(
        "/",
        operation_id="createPanel",
        summary="Create a citizen panel",
        responses=problems(409, 422),
        status_code=201,
    )
    async def create(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        data: JSONBody[CreatePanel],
    ) -> PanelView:
        """Create a panel (administrators): its name (unique in the municipality), description,
        the consent text members accept, and its background questions with their options."""
        return _view(await panels.create(caller, data))

    @get("/", operation_id="listPanels", summary="List citizen panels")
    async def list_panels(
        self,
        panel_queries: Injected[PanelQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
    ) -> PanelList:
        """The municipality's panels by name: staff see every one, with its members per
        status; others those open to sign-up and those they were invited to or belong to."""
        items = await panel_queries.panels(
            tenant.tenant_id,
            None if viewer is None else viewer.person_id,
            staff=viewer is not None and viewer.staff,
        )
        return PanelList(items=items)

    @get("/{panel_id:uuid}", operation_id="getPanel", summary="Read a citizen panel")
    async def get_panel(
        self,
        panels: Injected[PanelService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        panel_id: FromPath[UUID],
    ) -> PanelView:
        """One panel as it stands (what joining means: its consent text and questions)."""
        return _view(await _visible(panels, tenant.tenant_id, panel_id, viewer))

    @patch(
        "/{panel_id:uuid}",
        operation_id="changePanel",
        summary="Change a citizen panel",
        responses=problems(409, 422),
    )
    async def change(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        data: JSONBody[ChangePanel],
    ) -> PanelView:
        """Change a panel (administrators); fields left out stay. A background question, once
        offered, stays with each of its options; questions and options may be added."""
        return _view(await panels.change(caller, panel_id, data))

    @post(
        "/{panel_id:uuid}/invitations",
        operation_id="inviteToPanel",
        summary="Invite people to a citizen panel",
        responses=problems(422),
        status_code=200,
    )
    async def invite(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        panel_id: FromPath[UUID],
        data: JSONBody[InviteToPanel],
    ) -> Invited:
        """Invite e-mail addresses (administrators): each gets a link that signs them in and
        lets them join, valid 30 days."""
        return Invited(invited=await panels.invite(caller, tenant, panel_id, data))

    @post(
        "/{panel_id:uuid}/join",
        operation_id="joinPanelByInvitation",
        summary="Join a citizen panel with an invitation's link",
        responses=problems(401, 403, 404, 409, 422, 429),
        status_code=200,
    )
    async def join_by_invitation(
        self,
        panels: Injected[PanelService],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        panel_id: FromPath[UUID],
        data: JSONBody[JoinByInvitation],
    ) -> Joined:
        """Redeem the code of an invitation's link (it signs the person in, once) and join:
        the consent text accepted and the background questions answered, checked before the
        code is used."""
        issued, membership = await panels.join_by_invitation(
            tenant.tenant_id, panel_id, data, client_address(request)
        )
        return Joined(
            token=issued.token,
            person_id=issued.person_id,
            role=issued.role.value,
            expires_at=issued.expires_at,
            refresh_token=issued.refresh_token,
            membership=membership,
        )

    @put(
        "/{panel_id:uuid}/membership",
        operation_id="joinPanel",
        summary="Join a citizen panel",
        responses=problems(409, 422),
        status_code=200,
    )
    async def join(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        data: JSONBody[JoinPanel],
    ) -> MembershipView:
        """Join as the signed-in person (by e-mail): by an invitation they hold, or by the
        panel's open sign-up form. The consent text is accepted and every background question
        answered."""
        await _visible(panels, caller.tenant_id, panel_id, caller)
        return await panels.join(caller, panel_id, data)

    @get(
        "/{panel_id:uuid}/membership",
        operation_id="getMyPanelMembership",
        summary="Read one's own panel membership",
    )
    async def my_membership(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
    ) -> MembershipView:
        """The caller's own membership and background answers (404 when they have none)."""
        return await panels.membership(caller, panel_id)

    @put(
        "/{panel_id:uuid}/membership/background",
        operation_id="changePanelBackground",
        summary="Change one's background answers",
        responses=problems(409, 422),
    )
    async def change_background(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        data: JSONBody[ChangeBackground],
    ) -> MembershipView:
        """A member changes some of their background answers; the others stay."""
        return await panels.change_background(caller, panel_id, data)

    @post(
        "/{panel_id:uuid}/membership/pause",
        operation_id="pausePanelMembership",
        summary="Pause one's panel membership",
        responses=problems(409),
        status_code=200,
    )
    async def pause(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
    ) -> MembershipView:
        """Take a break: a paused member is in no sample until they resume."""
        return await panels.pause(caller, panel_id)

    @post(
        "/{panel_id:uuid}/membership/resume",
        operation_id="resumePanelMembership",
        summary="Resume one's panel membership",
        responses=problems(409),
        status_code=200,
    )
    async def resume(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
    ) -> MembershipView:
        """Be an active member again, in the samples of rounds to come."""
        return await panels.resume(caller, panel_id)

    @post(
        "/{panel_id:uuid}/membership/leave",
        operation_id="leavePanel",
        summary="Leave a citizen panel",
        responses=problems(409),
        status_code=200,
    )
    async def leave(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
    ) -> MembershipView:
        """Leave the panel (or decline its invitation): in no sample from now on."""
        return await panels.leave(caller, panel_id)

    @get(
        "/{panel_id:uuid}/members",
        operation_id="listPanelMembers",
        summary="List a citizen panel's members",
    )
    async def members(
        self,
        panels: Injected[PanelService],
        panel_queries: Injected[PanelQueries],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        status: Annotated[MemberStatus | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        cursor: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Members:
        """The panel's memberships by person id, of one status or all (staff only; a member
        reads their own at /membership)."""
        _staff(caller)
        await panels.get(caller.tenant_id, panel_id)
        rows = await panel_queries.members(caller.tenant_id, panel_id, status, cursor, limit + 1)
        more = len(rows) > limit
        return Members(
            items=rows[:limit], next_cursor=str(rows[limit - 1].person_id) if more else None
        )

    @get(
        "/{panel_id:uuid}/strata",
        operation_id="countPanelStrata",
        summary="Count a citizen panel's active members per answer",
        responses=problems(422),
    )
    async def strata(
        self,
        panels: Injected[PanelService],
        panel_queries: Injected[PanelQueries],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        question_id: Annotated[str, QueryParameter(min_length=1, max_length=40)],
    ) -> Strata:
        """How many active members gave each answer to one background question (staff only):
        every option listed, "" for members who have not answered it."""
        _staff(caller)
        panel = await panels.get(caller.tenant_id, panel_id)
        question = panel.details.question(question_id)
        if question is None:
            raise InvalidInput("question_id", "not a background question of the panel")
        counts = dict.fromkeys(question.option_ids(), 0) | await panel_queries.strata(
            caller.tenant_id, panel_id, question_id
        )
        return Strata(question_id=question_id, counts=counts, total=sum(counts.values()))

    @post(
        "/{panel_id:uuid}/samples",
        operation_id="drawPanelSample",
        summary="Draw the members of a round",
        responses=problems(422),
        status_code=201,
    )
    async def draw_sample(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        data: JSONBody[DrawSample],
    ) -> Sample:
        """Draw the members a round goes to (administrators): every active member, or a
        stratified random sample by one background question, allocated in proportion. The
        draw is recorded with its seed; paused members and those who left are never drawn."""
        return await panels.draw_sample(caller, panel_id, data)

    @get(
        "/{panel_id:uuid}/samples/{sample_id:uuid}",
        operation_id="getPanelSample",
        summary="Read a drawn sample",
    )
    async def get_sample(
        self,
        panels: Injected[PanelService],
        caller: NamedDependency[Caller],
        panel_id: FromPath[UUID],
        sample_id: FromPath[UUID],
    ) -> Sample:
        """A sample as it was drawn, with its seed and the members its round goes to (staff)."""
        return await panels.sample(caller, panel_id, sample_id)
