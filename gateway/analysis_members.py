"""An analysis's members over HTTP (administrators): add a person of the municipality, invite
an analyst from outside it with a PIN, and end a membership. An analysis the caller may not see
is 404, as everywhere in the analysis context."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gateway.analysis import AnalysisView, analysis_view
from gateway.edge import Injected
from gateway.problems import problems
from services.analysis.commands import AddMember, CoverFocusGroup, InviteAnalyst
from services.analysis.service import AnalysisService
from services.identity.access import Caller
from tenants.directory import TenantEntry


class InvitedAnalyst(msgspec.Struct, kw_only=True):
    """The external analyst and their one-time PIN, shown this once."""

    person_id: UUID
    pin: str


class AnalysisMemberController(Controller):
    path = "/api/v1/analyses/{analysis_id:uuid}"
    tags = ["analysis"]

    @post(
        "/members",
        operation_id="addAnalysisMember",
        summary="Add a member to an analysis",
        responses=problems(409, 422),
        status_code=200,
    )
    async def add_member(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[AddMember],
    ) -> AnalysisView:
        """Make a person of the municipality a member of the analysis (administrators): an
        administrator, an analyst or an external analyst. A person who is none of these, or no
        person of this municipality, is refused (422 naming `person_id`); a member already is
        answered with the analysis as it is."""
        return analysis_view(await analyses.add_member(caller, analysis_id, data))

    @post(
        "/focus-groups",
        operation_id="coverFocusGroup",
        summary="Take a focus group's answers into an analysis",
        responses=problems(409, 422),
        status_code=200,
    )
    async def cover_focus_group(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        data: JSONBody[CoverFocusGroup],
    ) -> AnalysisView:
        """Make a focus group's answers items of the analysis (administrators): those its
        moderators did not hide, naming nobody, for the members who may read answers
        (administrators and analysts). A group of no focus group of this municipality is 422
        naming `focus_group_id`; an analysis with an external analyst among its members takes
        none (409: a focus group is invite-only), and once it covers one it takes no external
        analyst. Covered already: answered as it is."""
        return analysis_view(await analyses.cover_focus_group(caller, analysis_id, data))

    @post(
        "/external-analysts",
        operation_id="inviteExternalAnalyst",
        summary="Invite an analyst from outside the municipality",
        responses=problems(409, 422),
        status_code=201,
    )
    async def invite(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        analysis_id: FromPath[UUID],
        data: JSONBody[InviteAnalyst],
    ) -> InvitedAnalyst:
        """Invite an analyst from outside the municipality to this analysis (administrators):
        the person becomes an external analyst and a member, and gets a PIN to sign in with
        (`POST /api/v1/sign-in/pin`), e-mailed in the municipality's language when `email` is
        given and answered here once either way. An external analyst sees the analyses they
        are a member of and nothing else of the staff's (no dashboards, no drafts). An address
        that a participant holds makes that person the external analyst; one that staff hold
        is refused (422 naming `email`: add them by `person_id`)."""
        person_id, pin = await analyses.invite_analyst(caller, tenant, analysis_id, data)
        return InvitedAnalyst(person_id=person_id, pin=pin)

    @delete(
        "/members/{person_id:uuid}",
        operation_id="removeAnalysisMember",
        summary="End a membership of an analysis",
        responses=problems(409),
        status_code=200,
    )
    async def remove_member(
        self,
        analyses: Injected[AnalysisService],
        caller: NamedDependency[Caller],
        analysis_id: FromPath[UUID],
        person_id: FromPath[UUID],
    ) -> AnalysisView:
        """End the person's membership (administrators): from now on the analysis is 404 to
        them (unless they administer the municipality). What they coded, rated and grouped
        stays part of the analysis. No member of that id is 404; the last member cannot be
        removed (409)."""
        return analysis_view(await analyses.remove_member(caller, analysis_id, person_id))
