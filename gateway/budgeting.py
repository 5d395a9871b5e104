"""Participatory budgets over HTTP: a budget dialog's round (districts, rules, phases), its
projects (proposed, reviewed, followed, reported on), ballots, results, and Pabulib files.

A budget dialog is created as any dialog (``POST /api/v1/dialogs`` with ``kind: budget`` and
its ``budget``); everything else of it is here, under ``/api/v1/dialogs/{id}/budget``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import Receive, Scope, Send

from events.errors import InvalidInput, NotFound
from gateway.content import alternative_answers_operation, raw_body_operation
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.languages import answer_language
from gateway.openapi import REQUIRED
from gateway.problems import problems
from gateway.raw import RawOperation, answer, caller_of, dependency, raw
from services.budgeting.ballots import Ballot, BallotRule
from services.budgeting.commands import (
    CastBudgetBallot,
    ConfigureRound,
    ProposeProject,
    ReviewProject,
    UpdateImplementation,
)
from services.budgeting.domain import (
    BudgetProject,
    BudgetRound,
    District,
    Eligibility,
    MinimumAge,
    Phase,
    PhaseTime,
    Residence,
    budget_round_id,
)
from services.budgeting.listing import BudgetQueries, ProjectRow
from services.budgeting.result_texts import explanation
from services.budgeting.results import Counting, DistrictResult
from services.budgeting.service import BallotRecorded, BudgetService, FileImported
from services.dialogs.service import utc_now
from services.identity.access import Caller
from tenants.directory import TenantEntry

MAX_PB_BYTES = 20 * 1024 * 1024  # a district's file; the largest Pabulib files are near this
PB_TYPES = ("text/plain",)


CAST_BUDGET_BALLOT = RawOperation(
    method="PUT",
    operation_id="castBudgetBallot",
    summary="Cast or change your ballot",
    description=(
        "Signed-in participants during voting: your ballot in a district (201 when cast; 200"
        " when it replaces yours, where the round lets voters change theirs until voting"
        " closes, or is the same; 409 where a ballot is final). Every wrong field is named at"
        " once (422): a ballot over budget, an unknown project, points that do not add up, a"
        " rank repeated, a vote in a second district. The ballot names no voter. Where the"
        " round sets a minimum age or a residence list, the voter's age and residence are"
        " those the identity provider told at sign-in (carried, sealed, by the token): too"
        " young or living elsewhere is a 403 (budget-not-eligible) saying from which day or"
        " for which area; without them a 403 (identity-provider-sign-in-needed)."
    ),
    tags=("budgets",),
    body=CastBudgetBallot,
    answer=(201, BallotRecorded, "The ballot is cast"),
    also=((200, BallotRecorded, "The ballot replaces yours, or is the same as yours"),),
    # the tenant of the host (400, 403, 404), the caller (401), the body (400, 413, 415), a
    # request slot (503), and the ballot's own: outside voting or final (409), wrong (422)
    problems=frozenset({400, 401, 403, 404, 409, 413, 415, 422, 503}),
    security=REQUIRED,
)
_encode = msgspec.json.Encoder().encode


class RulesView(msgspec.Struct, kw_only=True):
    ballot: BallotRule
    counting: Counting
    changeable: bool
    one_district: bool
    voters: Eligibility  # every signed-in participant, or those of the identity provider
    # by what the identity provider tells at sign-in: at least this old on a day, living here
    minimum_age: MinimumAge | None
    residence: Residence | None


class RoundView(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    districts: list[District]
    rules: RulesView
    phases: list[PhaseTime]
    phase: Phase | None  # the phase under way now, if any
    ballots: dict[str, int]  # ballots per district so far: never who voted, nor what
    counted: bool


class ProjectList(msgspec.Struct, kw_only=True):
    items: list[ProjectRow]


class ProjectProposed(msgspec.Struct, kw_only=True):
    id: UUID
    dialog_id: UUID


class ProjectView(msgspec.Struct, kw_only=True):
    """A project as its stream has it (the answer to a review or an implementation update)."""

    id: UUID
    district: str
    estimated_cost: int
    status: str  # proposed, feasible, not-feasible
    reason: str | None
    final_cost: int | None
    implementation: str | None
    implementation_note: str | None
    implementation_image: str | None


class ProjectFollowing(msgspec.Struct, kw_only=True):
    """Whether the caller follows a project now (told of its implementation updates)."""

    project_id: UUID
    dialog_id: UUID
    following: bool


class MyBallot(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    ballot: Ballot | None  # null before you vote


class DistrictResults(msgspec.Struct, kw_only=True):
    district: str
    name: str
    result: DistrictResult


class ResultsView(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    counted: bool
    counted_at: datetime | None
    districts: list[DistrictResults]
    # the language of the outcomes' explanations: Accept-Language among the municipality's
    # languages, else its default (each outcome's ``reason`` is the code for machines)
    language: str


def _rules(budget_round: BudgetRound) -> RulesView:
    r = budget_round.rules
    return RulesView(
        ballot=r.ballot,
        counting=r.counting,
        changeable=r.changeable,
        one_district=r.one_district,
        voters=r.voters,
        minimum_age=r.minimum_age,
        residence=r.residence,
    )


def _project(p: BudgetProject) -> ProjectView:
    status = "proposed" if p.feasible is None else "feasible" if p.feasible else "not-feasible"
    return ProjectView(
        id=p.id,
        district=p.district,
        estimated_cost=p.estimated_cost,
        status=status,
        reason=p.review_reason,
        final_cost=p.final_cost,
        implementation=None if p.implementation is None else str(p.implementation),
        implementation_note=p.implementation_note,
        implementation_image=p.implementation_image,
    )


async def _round_view(
    budget_round: BudgetRound, queries: BudgetQueries, tenant_id: str
) -> RoundView:
    return RoundView(
        dialog_id=budget_round.dialog_id,
        districts=list(budget_round.districts),
        rules=_rules(budget_round),
        phases=list(budget_round.phases),
        phase=budget_round.phase_at(utc_now()),
        ballots=await queries.ballot_counts(tenant_id, budget_round.id),
        counted=bool(budget_round.results),
    )


def _in_language(result: DistrictResult, language: str) -> DistrictResult:
    """The result with each outcome's explanation in ``language`` (recorded in English)."""
    outcomes = tuple(
        msgspec.structs.replace(o, explanation=explanation(o.explanation, language))
        for o in result.outcomes
    )
    return msgspec.structs.replace(result, outcomes=outcomes)


def _results(dialog_id: UUID, budget_round: BudgetRound, language: str) -> ResultsView:
    names = {d.key: d.name for d in budget_round.districts}
    keys = [d.key for d in budget_round.districts]
    return ResultsView(
        dialog_id=dialog_id,
        counted=bool(budget_round.results),
        counted_at=None,
        districts=[
            DistrictResults(district=k, name=names[k], result=_in_language(r, language))
            for k, r in zip(keys, budget_round.results, strict=False)
        ],
        language=language,
    )


class BudgetController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}/budget"
    tags = ["budgets"]

    async def _visible(
        self, budgets: BudgetService, tenant: TenantEntry, dialog_id: UUID, viewer: Caller | None
    ) -> BudgetRound:
        await visible_dialog(budgets.dialogs, tenant.tenant_id, dialog_id, viewer)
        await budgets.dialog(tenant.tenant_id, dialog_id)  # a budget dialog (409 otherwise)
        return await budgets.round(tenant.tenant_id, dialog_id)

    @get(
        "/", operation_id="getBudgetRound", summary="Read a budget's round", responses=problems(409)
    )
    async def get_round(
        self,
        budgets: Injected[BudgetService],
        budget_queries: Injected[BudgetQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> RoundView:
        """The round's districts and amounts, its rules, its phases with the one under way,
        how many ballots each district has (never who voted, nor what) and whether it is
        counted."""
        budget_round = await self._visible(budgets, tenant, dialog_id, viewer)
        return await _round_view(budget_round, budget_queries, tenant.tenant_id)

    @patch(
        "/",
        operation_id="configureBudgetRound",
        summary="Change a budget's districts, rules or phases",
        responses=problems(409, 422),
    )
    async def configure(
        self,
        budgets: Injected[BudgetService],
        budget_queries: Injected[BudgetQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[ConfigureRound],
    ) -> RoundView:
        """Administrators: the districts (until proposal collection opens), the rules (until
        voting opens), the phases (a phase that has begun keeps its opening, one that is over
        its closing; once the dialog has opened, proposal collection's opening and voting's
        closing stay as announced). What is left out stays."""
        budget_round = await budgets.configure(caller, dialog_id, data)
        return await _round_view(budget_round, budget_queries, caller.tenant_id)

    @get(
        "/projects",
        operation_id="listBudgetProjects",
        summary="List a budget's projects",
        responses=problems(409),
    )
    async def list_projects(
        self,
        budgets: Injected[BudgetService],
        budget_queries: Injected[BudgetQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
        district: FromQuery[str | None] = None,
    ) -> ProjectList:
        """Every project of the round (of one district, when given), oldest first, with its
        status after review (proposed, feasible, not-feasible), its estimated and final
        costs, the review's public reason, its implementation, how many follow it and whether
        you do. Never who proposed it, nor who follows it."""
        await self._visible(budgets, tenant, dialog_id, viewer)
        rows = await budget_queries.projects(
            tenant.tenant_id,
            budget_round_id(dialog_id),
            district,
            None if viewer is None else viewer.person_id,
        )
        return ProjectList(items=rows)

    @post(
        "/projects",
        operation_id="proposeBudgetProject",
        summary="Propose a project",
        responses=problems(409, 422),
        status_code=201,
    )
    async def propose(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[ProposeProject],
    ) -> ProjectProposed:
        """Signed-in participants during proposal collection (administrators until voting
        opens): a project in a district with its description, estimated cost, and optionally
        its place and an uploaded image's id."""
        project_id = await budgets.propose(caller, dialog_id, data)
        return ProjectProposed(id=project_id, dialog_id=dialog_id)

    @post(
        "/projects/{project_id:uuid}/review",
        operation_id="reviewBudgetProject",
        summary="Review a project",
        responses=problems(409, 422),
        status_code=200,
    )
    async def review(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        project_id: FromPath[UUID],
        data: JSONBody[ReviewProject],
    ) -> ProjectView:
        """Administrators, during the review: feasible with its final cost, or not feasible
        with a public reason. A finding may be revised until the review closes."""
        return _project(await budgets.review(caller, dialog_id, project_id, data))

    @post(
        "/projects/{project_id:uuid}/implementation",
        operation_id="updateBudgetImplementation",
        summary="Report a funded project's progress",
        responses=problems(409, 422),
        status_code=200,
    )
    async def implementation(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        project_id: FromPath[UUID],
        data: JSONBody[UpdateImplementation],
    ) -> ProjectView:
        """Administrators, during implementation: a funded project's status (planned,
        in-progress, completed, cancelled), a note and optionally an uploaded photo's id."""
        return _project(await budgets.update_implementation(caller, dialog_id, project_id, data))

    @put(
        "/projects/{project_id:uuid}/follow",
        operation_id="followBudgetProject",
        summary="Follow a project",
        responses=problems(409),
    )
    async def follow(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        dialog_id: FromPath[UUID],
        project_id: FromPath[UUID],
    ) -> ProjectFollowing:
        """Signed-in participants (not a device token: 403), in any phase: be told of the
        project's implementation updates, by e-mail, in the app and by push as your
        notification preferences say (kind `project-updated`). Following it again changes
        nothing. Whoever proposed a project follows it from the start; voting for it does not
        make you follow it."""
        return await self._follow(budgets, tenant, caller, dialog_id, project_id, True)

    @delete(
        "/projects/{project_id:uuid}/follow",
        operation_id="unfollowBudgetProject",
        summary="Stop following a project",
        responses=problems(409),
        status_code=200,
    )
    async def unfollow(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        dialog_id: FromPath[UUID],
        project_id: FromPath[UUID],
    ) -> ProjectFollowing:
        """Stop being told of the project's implementation updates (the proposer too). Not
        following it already changes nothing."""
        return await self._follow(budgets, tenant, caller, dialog_id, project_id, False)

    async def _follow(
        self,
        budgets: BudgetService,
        tenant: TenantEntry,
        caller: Caller,
        dialog_id: UUID,
        project_id: UUID,
        wanted: bool,
    ) -> ProjectFollowing:
        """Follow the project (``wanted``) or stop, in a dialog the caller may see."""
        await self._visible(budgets, tenant, dialog_id, caller)
        following = await budgets.follow(caller, dialog_id, project_id, wanted)
        return ProjectFollowing(project_id=project_id, dialog_id=dialog_id, following=following)

    @raw("/ballot", CAST_BUDGET_BALLOT)
    async def ballot(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Cast or change your ballot (see ``CAST_BUDGET_BALLOT``): a raw operation, as a
        poll's vote is, since ballots come by the thousand when voting opens."""
        command: CastBudgetBallot = await CAST_BUDGET_BALLOT.read(scope, receive)
        caller = await caller_of(scope)
        dialog_id = cast(UUID, scope["path_params"]["dialog_id"])  # parsed by the router
        budgets: BudgetService = dependency(scope, "budgets")
        recorded = await budgets.vote(caller, dialog_id, command)
        status = 201 if recorded.outcome == "cast" else 200
        await answer(send, status, _encode(recorded))

    @get(
        "/my-ballot",
        operation_id="getMyBudgetBallot",
        summary="Read your ballot",
        responses=problems(409, 422),
    )
    async def my_ballot(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        dialog_id: FromPath[UUID],
        district: FromQuery[str],
    ) -> MyBallot:
        """Your own ballot in a district (where voters vote in one district, your one ballot,
        whichever district it is in), to see or change it; ``ballot`` is null before you
        vote. Nobody else's ballot can be read: it is found by your identity."""
        await self._visible(budgets, tenant, dialog_id, caller)
        found = await budgets.my_ballot(caller, dialog_id, district)
        return MyBallot(dialog_id=dialog_id, ballot=found)

    @post(
        "/results",
        operation_id="countBudgetResults",
        summary="Count and publish a budget's results",
        responses=problems(409, 422),
        status_code=200,
    )
    async def count(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
    ) -> ResultsView:
        """Administrators, in the results phase, once: every district counted by the round's
        rule (greedy or equal shares), each project with its outcome and the reason, recorded
        and published to everyone who voted (the published text in the municipality's
        default language and, beside it, in each of its other languages)."""
        await budgets.count(caller, dialog_id)
        budget_round = await budgets.round(caller.tenant_id, dialog_id)
        return _results(dialog_id, budget_round, answer_language(request, tenant))

    @get(
        "/results",
        operation_id="getBudgetResults",
        summary="Read a budget's results",
        responses=problems(409),
    )
    async def results(
        self,
        budgets: Injected[BudgetService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
    ) -> ResultsView:
        """Per district: the projects funded, in order, what was spent, and every project's
        outcome: its ``reason`` as a code (funded, not-feasible, no-votes, did-not-fit,
        shares-ran-out) and its ``explanation`` in words, in the language asked for with
        Accept-Language among the municipality's languages, else its default (``language``
        says which). ``counted`` is false (and no district listed) until the count."""
        budget_round = await self._visible(budgets, tenant, dialog_id, viewer)
        return _results(dialog_id, budget_round, answer_language(request, tenant))

    @get(
        "/districts/{district:str}/pabulib",
        operation_id="exportBudgetPabulib",
        summary="Download a district as a Pabulib file",
        media_type="text/plain",
        responses=problems(409),
        operation_class=alternative_answers_operation(
            "200", {"text/plain": Schema(type=OpenAPIType.STRING)}
        ),
    )
    async def export(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        district: FromPath[str],
    ) -> Response[str]:
        """The municipality's staff: one district as a Pabulib `.pb` file: its projects on the
        ballot at their final costs, its ballots under voter numbers 1, 2, ... (never a
        person's id) and, once counted, which were selected."""
        text = await budgets.export(caller, dialog_id, district)
        return Response(
            text,
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="budget-{dialog_id}-{district}.pb"',
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/pabulib",
        operation_id="countBudgetPabulib",
        summary="Count a Pabulib file",
        responses=problems(409, 422),
        status_code=200,
        request_max_body_size=MAX_PB_BYTES,  # a larger file is a 413
        opt={"accepts": PB_TYPES},  # any other content type is a 415 (gateway.content)
        operation_class=raw_body_operation(
            *PB_TYPES, description="A Pabulib `.pb` file (UTF-8), at most 20 MiB"
        ),
    )
    async def count_file(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        tenant: NamedDependency[TenantEntry],
        counting: FromQuery[Counting | None] = None,
    ) -> DistrictResult:
        """Administrators: the result a `.pb` file counts to, by ``counting`` (the round's
        rule when left out), to check or recount an export, each explanation in the language
        asked for (Accept-Language among the municipality's, else its default). Nothing is
        recorded. A malformed file is refused naming each problem's line and field (``line
        12: cost``)."""
        text = await _pb_text(request)
        result = await budgets.check_pb(caller, dialog_id, text, counting)
        return _in_language(result, answer_language(request, tenant))

    @post(
        "/pabulib/import",
        operation_id="importBudgetPabulib",
        summary="Import a Pabulib file into the round",
        responses=problems(409, 422),
        status_code=201,
        request_max_body_size=MAX_PB_BYTES,  # a larger file is a 413
        opt={"accepts": PB_TYPES},  # any other content type is a 415 (gateway.content)
        operation_class=raw_body_operation(
            *PB_TYPES, description="A Pabulib `.pb` file (UTF-8), at most 20 MiB"
        ),
    )
    async def import_file(
        self,
        budgets: Injected[BudgetService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        district: FromQuery[str | None] = None,
    ) -> FileImported:
        """Administrators, before voting opens, once per round (409 naming ``phase`` or
        ``file`` otherwise): a `.pb` file (ours, pabutools', Pabulib's) recorded into the
        round, so that counting the round counts the file. The file's district goes into the
        round (the one given by ``district``, else the file's own, made a key), its amount
        the file's budget; the round's ballot rule becomes the file's; each project is on the
        ballot at the file's cost, under its name; each vote is a ballot that names nobody
        (the file's voter ids and other columns are dropped). A malformed file, or one a
        round cannot take, is refused naming each problem's line and field (``line 12:
        name``), and nothing is recorded."""
        text = await _pb_text(request)
        return await budgets.import_file(caller, dialog_id, text, district)


async def _pb_text(request: Request[Any, Any, Any]) -> str:
    """A Pabulib file's body as text: UTF-8, not empty, else 422 naming ``file``."""
    content = await request.body()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput("file", f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise InvalidInput("file", "the file is empty")
    return text


__all__ = ["BudgetController", "NotFound"]
