"""Participatory budgeting's commands: a round's configuration, projects proposed, reviewed,
followed and reported on, ballots cast and changed, and the count recorded and published.

Every rule is the aggregates' (``services.budgeting.domain``); this service loads and saves
them through the repository, admits participants as every dialog does (signed in: a budget
takes no device tokens; invited, where the dialog is invite-only), checks a ballot's voter
against the round's minimum age and residence list by the facts their identity provider's
sign-in sealed into their token (``services.identity.eligibility``, opened in memory only),
and runs the count off the event loop so the gateway keeps serving while equal shares
computes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import anyio.to_thread
import msgspec
from async_lru import alru_cache

from events.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.budgeting.ballots import Ballot, BallotRule, Offer
from services.budgeting.commands import (
    CastBudgetBallot,
    ConfigureRound,
    ProposeProject,
    ReviewProject,
    UpdateImplementation,
)
from services.budgeting.domain import (
    BudgetBallot,
    BudgetProject,
    BudgetRound,
    District,
    Eligibility,
    IdentityProviderNeeded,
    Phase,
    Place,
    budget_round_id,
)
from services.budgeting.follows import ProjectFollow, follow_id, may_follow, require_follower
from services.budgeting.imports import plan_import, record_import
from services.budgeting.listing import BudgetQueries
from services.budgeting.pabulib import PbElection, export_round, import_pb
from services.budgeting.result_texts import DistrictLine, summary
from services.budgeting.results import Candidate, Counting, DistrictResult
from services.budgeting.setup import districts_of, phases_of, rules_of, window
from services.dialogs.domain import Dialog, DialogKind, Status
from services.dialogs.service import DialogService, utc_now
from services.identity import eligibility
from services.identity.access import Caller, Permission, SignIn, event_metadata
from services.identity.keys import Keys
from services.participation.domain import VOTER_MARK

Clock = Callable[[], datetime]
Blocked = Callable[[str, UUID], Awaitable[str | None]]
LoadDialog = Callable[[str, UUID], Awaitable[Dialog]]
ImageExists = Callable[[str, str], Awaitable[bool]]


class Positions(Protocol):
    """How far the read models stand (``projections.positions.ReadModelPositions``)."""

    async def wait(self, tenant_id: str, position: int, patience: float) -> bool: ...


ROUND_TTL = 1.0  # seconds a round may be served from memory to ballots
COUNT_WAIT = 10.0  # seconds a count waits for the ballots' listing to reach the log's head


class BallotRecorded(msgspec.Struct, kw_only=True):
    """A ballot taken: cast (new), changed, or the same as before (nothing recorded)."""

    dialog_id: UUID
    district: str
    outcome: str  # cast, changed, unchanged


class BudgetService:
    def __init__(
        self,
        repository: Repository,
        dialogs: DialogService,
        queries: BudgetQueries,
        keys: Keys,
        blocked: Blocked | None,
        load_dialog: LoadDialog,
        image_exists: ImageExists,
        positions: Positions,
        clock: Clock = utc_now,
    ) -> None:
        self.repository = repository
        self.dialogs = dialogs
        self.queries = queries
        self.keys = keys
        self.blocked = blocked
        self.load_dialog = load_dialog
        self.image_exists = image_exists
        self.positions = positions
        self.clock = clock
        # A project as ballots see it never changes once voting opens (reviews end before it),
        # so each is read from its stream once per process: (tenant, id) -> (round, offer).
        self._offers: dict[tuple[str, str], tuple[UUID, Offer]] = {}
        # Ballots arrive by the thousand: a round is served from memory for up to a second
        # on their path (its rules and districts no longer change once voting has opened),
        # and forgotten at once when this process changes it.
        self._voting_round = alru_cache(maxsize=10_000, ttl=ROUND_TTL)(self.round)

    # -- loading -----------------------------------------------------------------------------

    async def dialog(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        """A budget dialog (from memory for up to a second), or why there is none."""
        dialog = await self.load_dialog(tenant_id, dialog_id)
        if dialog.kind is not DialogKind.BUDGET:
            raise Conflict(f"a {dialog.kind.value} dialog has no budget round")
        return dialog

    async def round(self, tenant_id: str, dialog_id: UUID) -> BudgetRound:
        try:
            return await self.repository.get(tenant_id, BudgetRound, budget_round_id(dialog_id))
        except AggregateNotFound:
            raise NotFound(f"no budget dialog {dialog_id}") from None

    async def project(
        self, tenant_id: str, budget_round: BudgetRound, project_id: UUID
    ) -> BudgetProject:
        try:
            project = await self.repository.get(tenant_id, BudgetProject, project_id)
        except AggregateNotFound:
            project = None
        if project is None or project.round_id != budget_round.id:
            raise NotFound(f"no project {project_id} in this budget")
        return project

    async def projects(self, tenant_id: str, budget_round: BudgetRound) -> list[BudgetProject]:
        """The round's projects as their streams have them (their ids from the listing)."""
        found = []
        for project_id in await self.queries.project_ids(tenant_id, budget_round.id):
            try:
                project = await self.repository.get(tenant_id, BudgetProject, project_id)
            except AggregateNotFound:
                continue
            if project.round_id == budget_round.id:
                found.append(project)
        return found

    async def _take_part(self, caller: Caller, dialog: Dialog, budget_round: BudgetRound) -> None:
        """A participant in a budget: signed in (no device tokens; with the municipality's
        identity provider where the round asks it), not blocked, and invited where the
        dialog is invite-only. When is the round's phases' to say, not the dialog's own
        times."""
        if caller.anonymous:
            raise Forbidden("sign in to take part in a participatory budget")
        caller.require(Permission.TAKE_PART)
        if (
            budget_round.rules.voters is Eligibility.IDENTITY_PROVIDER
            and caller.sign_in is not SignIn.OIDC
        ):
            raise IdentityProviderNeeded(
                "this budget is for those who sign in with the municipality's identity provider"
            )
        if self.blocked is not None:
            reason = await self.blocked(caller.tenant_id, caller.person_id)
            if reason is not None:
                raise Forbidden(f"you are blocked from taking part: {reason}")
        if dialog.status is Status.DRAFT:
            raise Conflict("the dialog is a draft and not published yet")
        if (
            dialog.details.invite_only
            and not caller.may(Permission.ADMINISTER)
            and not await self.dialogs.invited(caller.tenant_id, dialog.id, caller.person_id)
        ):
            raise Forbidden("the dialog is for invited participants only")

    async def _save(self, caller: Caller, *aggregates: object, hide_actor: bool = False) -> None:
        try:
            await self.repository.save(
                caller.tenant_id,
                *aggregates,  # type: ignore[arg-type]
                metadata=event_metadata(caller, hide_actor=hide_actor),
            )
        except ConcurrencyConflict:
            raise Conflict("changed meanwhile; try again") from None

    async def _check_image(self, caller: Caller, image: str | None, field: str) -> None:
        if image is not None and not await self.image_exists(caller.tenant_id, image):
            raise InvalidInput(field, "no uploaded image has this id; upload it first")

    # -- the round ---------------------------------------------------------------------------

    async def configure(
        self, caller: Caller, dialog_id: UUID, command: ConfigureRound
    ) -> BudgetRound:
        """Change the districts, the rules or the phases (each by its own rule of when); the
        dialog's opening and closing follow the phases."""
        caller.require(Permission.ADMINISTER)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        now = self.clock()
        changed: list[object] = []
        if not isinstance(command.districts, msgspec.UnsetType):
            budget_round.change_districts(districts_of(command.districts), caller, now)
        if not isinstance(command.rules, msgspec.UnsetType):
            budget_round.change_rules(rules_of(command.rules), caller, now)
        if not isinstance(command.phases, msgspec.UnsetType) and budget_round.reschedule(
            phases_of(command.phases), caller, now
        ):
            dialog = await self.dialogs.get(caller.tenant_id, dialog_id)
            opening, voting = window(budget_round.phases)
            assert voting.closes_at is not None
            # the dialog's own times follow while it is not yet open; after that the round's
            # phases alone decide (the dialog closes when the results are published)
            if dialog.status_at(now) in (Status.DRAFT, Status.SCHEDULED):
                details = msgspec.structs.replace(
                    dialog.details, opens_at=opening.opens_at, closes_at=voting.closes_at
                )
                if dialog.change_details(details, now):
                    changed.append(dialog)
        await self._save(caller, budget_round, *changed)
        self._voting_round.cache_invalidate(caller.tenant_id, dialog_id)
        for hook in self.dialogs.changed:
            hook(caller.tenant_id, dialog_id)
        return budget_round

    # -- projects ----------------------------------------------------------------------------

    async def propose(self, caller: Caller, dialog_id: UUID, command: ProposeProject) -> UUID:
        """A project proposed in a district: by a participant during proposal collection, by
        an administrator until voting opens."""
        dialog = await self.dialog(caller.tenant_id, dialog_id)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        if not caller.may(Permission.ADMINISTER):
            await self._take_part(caller, dialog, budget_round)
        await self._check_image(caller, command.image, "image")
        place = (
            None
            if command.place is None
            else Place(
                latitude=command.place.latitude,
                longitude=command.place.longitude,
                address=command.place.address,
            )
        )
        project = BudgetProject.propose(
            budget_round,
            command.district,
            command.title,
            command.description,
            command.estimated_cost,
            caller,
            self.clock(),
            id=uuid.uuid4(),
            place=place,
            image=command.image,
        )
        # whoever proposed it follows it from the start, recorded in the same append
        followed = [ProjectFollow.by_proposer(project)] if may_follow(caller) else []
        await self._save(caller, project, *followed)
        return project.id

    async def review(
        self, caller: Caller, dialog_id: UUID, project_id: UUID, command: ReviewProject
    ) -> BudgetProject:
        caller.require(Permission.ADMINISTER)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        project = await self.project(caller.tenant_id, budget_round, project_id)
        if project.review(
            budget_round,
            command.feasible,
            command.reason,
            command.final_cost,
            caller,
            self.clock(),
        ):
            await self._save(caller, project)
        return project

    async def update_implementation(
        self, caller: Caller, dialog_id: UUID, project_id: UUID, command: UpdateImplementation
    ) -> BudgetProject:
        """A funded project's progress, during implementation, with a photo if given."""
        caller.require(Permission.ADMINISTER)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        project = await self.project(caller.tenant_id, budget_round, project_id)
        await self._check_image(caller, command.image, "image")
        project.update_implementation(
            budget_round, command.status, command.note, caller, self.clock(), image=command.image
        )
        await self._save(caller, project)
        return project

    async def follow(
        self, caller: Caller, dialog_id: UUID, project_id: UUID, following: bool
    ) -> bool:
        """Follow a project (``following``) or stop following it: signed-in participants, in
        any phase. The same again records nothing; two requests of the same person racing
        each other are both answered, the stream deciding the order. Whether the caller
        follows it now."""
        require_follower(caller)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        project = await self.project(caller.tenant_id, budget_round, project_id)
        stream = follow_id(project.id, caller.person_id)
        for _ in range(3):
            try:
                follow = await self.repository.get(caller.tenant_id, ProjectFollow, stream)
            except AggregateNotFound:
                if not following:
                    return False  # never followed: nothing to stop
                follow = ProjectFollow.start(project, caller)
            else:
                changed = follow.follow(caller) if following else follow.unfollow(caller)
                if not changed:
                    return following
            try:
                await self.repository.save(
                    caller.tenant_id, follow, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                continue  # the same person's other request came first: read it again
            return following
        raise Conflict("changed meanwhile; try again")

    # -- ballots -----------------------------------------------------------------------------

    async def _ballot_offers(
        self, tenant_id: str, budget_round: BudgetRound, named: Sequence[str], now: datetime
    ) -> dict[str, Offer]:
        """The projects a ballot names, as ballots see them, read from their own streams:
        those that are projects of this round (anything else is refused by the ballot's
        check). Once voting has opened a project's offer never changes, so it is kept."""
        found: dict[str, Offer] = {}
        wanted: dict[UUID, str] = {}
        for name in dict.fromkeys(named):
            cached = self._offers.get((tenant_id, name))
            if cached is not None:
                if cached[0] == budget_round.id:
                    found[name] = cached[1]
                continue
            try:
                wanted[UUID(name)] = name
            except ValueError:
                continue  # no project's id: refused by the check
        if not wanted:
            return found
        present = await self.repository.store.present(tenant_id, list(wanted))
        keep = budget_round.voting_opened(now)
        for project_id in present:
            try:
                project = await self.repository.get(tenant_id, BudgetProject, project_id)
            except AggregateNotFound:
                continue  # another kind of stream
            name = wanted[project_id]
            if keep:
                if len(self._offers) >= 100_000:
                    self._offers.clear()
                self._offers[(tenant_id, name)] = (project.round_id, project.offer)
            if project.round_id == budget_round.id:
                found[name] = project.offer
        return found

    async def vote(
        self, caller: Caller, dialog_id: UUID, command: CastBudgetBallot
    ) -> BallotRecorded:
        """Cast the caller's ballot in a district, or change it where the round allows. Its
        stream is a keyed hash of round, person and district (the round only, when a voter
        votes in one district), so the store keeps one per voter; its events name nobody."""
        dialog = await self.dialog(caller.tenant_id, dialog_id)
        budget_round = await self._voting_round(caller.tenant_id, dialog_id)
        await self._take_part(caller, dialog, budget_round)
        now = self.clock()
        budget_round.require(Phase.VOTING, now, "ballots are cast")
        # the round's minimum age and residence list, by what the caller's identity provider
        # told at sign-in (sealed in the token; read here, kept nowhere)
        if budget_round.rules.minimum_age is not None or budget_round.rules.residence is not None:
            facts = eligibility.open_sealed(
                self.keys, caller.tenant_id, caller.person_id, caller.eligibility, now.timestamp()
            )
            budget_round.check_voter(facts, now)
        given = Ballot(
            district=command.district,
            projects=tuple(command.projects),
            points=None if command.points is None else tuple(command.points),
        )
        projects = await self._ballot_offers(caller.tenant_id, budget_round, given.projects, now)
        secret = self.keys.budget_ballot_secret(caller.tenant_id)
        stream = budget_round.ballot_key(secret, caller.person_id, command.district)
        cast = True  # first as a new ballot: one append, no read, for most voters
        for _ in range(5):  # the voter's own ballots racing each other: the newest wins
            if cast:
                ballot = BudgetBallot.cast(stream, budget_round, given, projects, now)
            else:
                try:
                    ballot = await self.repository.get(caller.tenant_id, BudgetBallot, stream)
                except AggregateNotFound:
                    cast = True
                    continue
                if budget_round.rules.one_district and ballot.ballot.district != given.district:
                    raise InvalidInput(
                        "district",
                        f"you have voted in {ballot.ballot.district!r}: a voter votes in one"
                        " district of this budget",
                    )
                if not budget_round.rules.changeable:
                    raise Conflict("you have voted already: a ballot here is final once cast")
                if not ballot.change(budget_round, given, projects, now):
                    return BallotRecorded(
                        dialog_id=dialog_id, district=given.district, outcome="unchanged"
                    )
            try:
                await self.repository.save(
                    caller.tenant_id, ballot, metadata=event_metadata(caller, hide_actor=True)
                )
            except ConcurrencyConflict:
                cast = False  # there is a ballot in this stream: read it, then change it
                continue
            if cast and self.dialogs.marks is not None:
                # told of the results with everyone who took part (no link to the ballot)
                await self.dialogs.marks.note(
                    caller.tenant_id, VOTER_MARK, dialog_id, caller.person_id
                )
            outcome = "cast" if cast else "changed"
            return BallotRecorded(dialog_id=dialog_id, district=given.district, outcome=outcome)
        raise Conflict("your ballot kept changing meanwhile; try again")

    async def my_ballot(self, caller: Caller, dialog_id: UUID, district: str) -> Ballot | None:
        """The caller's own ballot in ``district`` (in the round, where voters vote in one
        district), or None: found by the keyed stream only the caller's identity gives."""
        if caller.anonymous:
            raise Forbidden("sign in to take part in a participatory budget")
        budget_round = await self.round(caller.tenant_id, dialog_id)
        budget_round.district(district)  # 422 for a district the round has not
        secret = self.keys.budget_ballot_secret(caller.tenant_id)
        stream = budget_round.ballot_key(secret, caller.person_id, district)
        try:
            ballot = await self.repository.get(caller.tenant_id, BudgetBallot, stream)
        except AggregateNotFound:
            return None
        return ballot.ballot

    # -- results -----------------------------------------------------------------------------

    async def count(self, caller: Caller, dialog_id: UUID) -> tuple[DistrictResult, ...]:
        """Count every district by the round's rule and record the results, once, in the
        results phase; the dialog publishes them to everyone who took part. The ballots are
        the listing's: the caller waits for it to reach the log's head first (voting is over
        by then, so no ballot can come after). The count runs in a worker thread."""
        caller.require(Permission.ADMINISTER)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        now = self.clock()
        budget_round.require(Phase.RESULTS, now, "results are counted")
        if budget_round.results:
            raise Conflict("the results are recorded already", "results")
        head = await self.queries.head(caller.tenant_id)
        if not await self.positions.wait(caller.tenant_id, head, COUNT_WAIT):
            raise Unavailable("the ballots are still being filed; count again in a moment")
        projects = await self.projects(caller.tenant_id, budget_round)
        ballots = await self.queries.ballots(caller.tenant_id, budget_round.id)
        from services.budgeting.counting import count_round  # pabutools: loaded when counting

        results = await anyio.to_thread.run_sync(count_round, budget_round, projects, ballots)
        budget_round.record_results(results, caller, now)
        dialog = await self.dialogs.get(caller.tenant_id, dialog_id)
        if dialog.status_at(now) not in (Status.CLOSED, Status.RESULTS_PUBLISHED):
            dialog.close("the budget's voting is over", now)
        # in the municipality's default language, and beside it in each of its others, so
        # every voter is told in their own
        tenant = await self.dialogs.tenant(caller.tenant_id)
        others = [lang for lang in tenant.languages if lang != tenant.default_language]
        texts = summaries(budget_round, projects, results, [tenant.default_language, *others])
        main = texts.pop(tenant.default_language)
        dialog.publish_results(main, now, texts)
        if self.dialogs.marks is not None:  # those who voted last are told too
            await self.dialogs.marks.record(caller.tenant_id, dialog_id)
        await self._save(caller, budget_round, dialog)
        self._voting_round.cache_invalidate(caller.tenant_id, dialog_id)
        for hook in self.dialogs.changed:
            hook(caller.tenant_id, dialog_id)
        return results

    async def export(self, caller: Caller, dialog_id: UUID, district: str) -> str:
        """One district as a Pabulib `.pb` file (the municipality's staff): the projects on
        the ballot, the ballots under voter numbers 1, 2, ... and, once counted, the result."""
        if not caller.staff:
            raise Forbidden(f"the role {caller.role.value!r} may not export a budget's ballots")
        budget_round = await self.round(caller.tenant_id, dialog_id)
        if district not in {d.key for d in budget_round.districts}:
            raise NotFound(f"no district {district!r} in this budget")
        dialog = await self.dialogs.get(caller.tenant_id, dialog_id)
        projects = await self.projects(caller.tenant_id, budget_round)
        ballots = await self.queries.ballots(caller.tenant_id, budget_round.id)
        meta = {
            "description": dialog.details.title,
            "instance": str(dialog_id),
            "unit": caller.tenant_id,
        }
        files = await anyio.to_thread.run_sync(
            lambda: export_round(budget_round, projects, ballots, meta)
        )
        return files[district]

    async def check_pb(
        self, caller: Caller, dialog_id: UUID, text: str, counting: Counting | None
    ) -> DistrictResult:
        """Count a `.pb` file an administrator uploads (to check or recount): the result by
        ``counting`` (the round's rule when left out). A malformed file is refused naming
        each problem's line."""
        caller.require(Permission.ADMINISTER)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        rule = counting or budget_round.rules.counting
        return await anyio.to_thread.run_sync(_count_file, text, rule)

    async def import_file(
        self, caller: Caller, dialog_id: UUID, text: str, district: str | None
    ) -> FileImported:
        """Import a `.pb` file into the round (administrators, before voting opens, once):
        its district and budget, its ballot rule, its projects on the ballot and its votes
        as ballots that name nobody, all in one append (``services.budgeting.imports``). A
        malformed file, or one a round cannot take, is refused naming each problem's line
        and field, and nothing is recorded."""
        caller.require(Permission.ADMINISTER)
        await self.dialog(caller.tenant_id, dialog_id)
        budget_round = await self.round(caller.tenant_id, dialog_id)
        budget_round.check_import(caller, self.clock())  # before reading the file
        plan = await anyio.to_thread.run_sync(plan_import, text, district, budget_round)
        recorded = record_import(plan, budget_round, caller, self.clock())
        await self._save(caller, *recorded)
        self._voting_round.cache_invalidate(caller.tenant_id, dialog_id)
        for hook in self.dialogs.changed:
            hook(caller.tenant_id, dialog_id)
        return FileImported(
            dialog_id=dialog_id,
            district=plan.district,
            rule=plan.rule,
            projects=[
                ImportedProjectView(id=pid, source_id=source, title=title, cost=cost)
                for source, pid, title, cost in plan.projects
            ],
            ballots=plan.ballots,
            digest=plan.digest,
        )


class ImportedProjectView(msgspec.Struct, kw_only=True):
    """A project of an imported file as the round has it: its id in the round, its id in
    the file, its title and its cost."""

    id: UUID
    source_id: str
    title: str
    cost: int


class FileImported(msgspec.Struct, kw_only=True):
    """What an import recorded: the district the file went into (with the file's budget),
    the round's ballot rule (the file's), its projects and how many ballots."""

    dialog_id: UUID
    district: District
    rule: BallotRule
    projects: list[ImportedProjectView]
    ballots: int
    digest: str  # the file's SHA-256, in hex


def _count_file(text: str, counting: Counting) -> DistrictResult:
    from services.budgeting.ballots import scores
    from services.budgeting.counting import count

    election: PbElection = import_pb(text)
    candidates: list[Candidate] = election.candidates
    scored = [scores(election.rule, b) for b in election.ballots]
    return count(counting, election.budget, candidates, scored)


def summaries(
    budget_round: BudgetRound,
    projects: Sequence[BudgetProject],
    results: Sequence[DistrictResult],
    languages: Sequence[str],
) -> dict[str, str]:
    """The results in words, as the dialog publishes them to those who took part, in each
    of ``languages``."""
    titles = {str(p.id): p.title for p in projects}
    lines = [
        DistrictLine(
            name=d.name,
            funded=[titles.get(p, p) for p in r.funded],
            spent=r.spent,
            budget=r.budget,
            counting=r.counting,
        )
        for d, r in zip(budget_round.districts, results, strict=True)
    ]
    return {language: summary(language, lines) for language in languages}
