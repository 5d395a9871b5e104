"""Commands on citizen panels: administrators create, change and recruit them and draw the
members a round goes to; residents join, pause, resume and leave.

Recruitment reuses sign-in by e-mail. An invitation records the address as a person (as a
dialog invitation does), makes a one-time sign-in link for them that lasts
``INVITATION_LIFETIME`` and e-mails it, pointing at the panel's join page on the tenant's
public URL. Redeeming the code there signs the person in (``IdentityService.redeem_link``, so
it is an ordinary sign-in) and makes them a member, once they accepted the consent text and
answered the background questions. From another device later they sign in with the ordinary
e-mail link: membership belongs to the person, not to a device or a token.

The background answers are personal data and never go into an event: they are kept in
``panel_background`` (tenant, panel, person, question), which erasure empties for the person
(``erase_background``, run by ``People.erase`` in its transaction). They are written before
the joining event, so a member never lacks them; a joining refused after that leaves only the
person's own answers, which their next attempt replaces and their erasure removes.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from uuid import UUID

import asyncpg
import msgspec
from eventsourcing.domain import Aggregate

from events import texts
from events.db import tenant_transaction
from events.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.identity.access import Caller, Permission, SignIn, event_metadata
from services.identity.service import IdentityService, email_address
from services.identity.tokens import IssuedToken
from services.mail.mailer import Mail, MailDeliveryFailed
from services.surveys.panel_commands import (
    ChangeBackground,
    ChangePanel,
    CreatePanel,
    DrawSample,
    InviteToPanel,
    JoinByInvitation,
    JoinPanel,
)
from services.surveys.panels import (
    UNANSWERED,
    Membership,
    MembershipStatus,
    Panel,
    PanelDetails,
    PanelNames,
    PanelSample,
    SampleMethod,
    draw,
    membership_id,
    panel_names_id,
)
from tenants import links
from tenants.directory import TenantEntry, link_base

INVITATION_LIFETIME = timedelta(days=30)
MAX_SEED = 2**63 - 1

Population = Callable[[str, UUID, str | None], Awaitable[dict[UUID, str]]]
"""(tenant, panel, question id or None) to every active member of the panel and their answer
to the question (``UNANSWERED`` when they have none, or when no question is given): the read
model's ``PanelQueries.population``, handed in by the composition root."""

_LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}


def invitation_text(language: str, **values: str) -> tuple[str, str]:
    """Subject and body of a panel invitation in ``language`` (English when unknown)."""
    base = language.split("-")[0].lower()
    language = _LANGUAGE_ALIASES.get(base, language)
    subject = texts.pgettext(language, "panel-invitation e-mail subject", "Join {panel}")
    body = texts.pgettext(
        language,
        "panel-invitation e-mail body",
        "{tenant} invites you to join its citizen panel «{panel}»: a few times a year, its"
        " members are asked what they think.\n\nOpen this link to read what joining means"
        " and to join:\n\n{link}\n\nThe link works once, for 30 days. Later you sign in with"
        " your e-mail address as usual.",
    )
    return subject.format(**values), body.format(**values)


class PanelBackground:
    """Members' answers to a panel's background questions: personal data, outside the events."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def save(
        self, tenant_id: str, panel_id: UUID, person_id: UUID, answers: Mapping[str, str]
    ) -> None:
        """Record the answers given (each replacing the earlier answer to its question)."""
        if not answers:
            return
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.executemany(
                "INSERT INTO panel_background (tenant_id, panel_id, person_id, question_id,"
                " option_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, panel_id,"
                " person_id, question_id) DO UPDATE SET option_id = excluded.option_id,"
                " answered_at = now()",
                [(tenant_id, panel_id, person_id, q, o) for q, o in sorted(answers.items())],
            )

    async def of(self, tenant_id: str, panel_id: UUID, person_id: UUID) -> dict[str, str]:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT question_id, option_id FROM panel_background WHERE tenant_id = $1"
                " AND panel_id = $2 AND person_id = $3 ORDER BY question_id",
                tenant_id,
                panel_id,
                person_id,
            )
        return {r["question_id"]: r["option_id"] for r in rows}


async def erase_background(conn: asyncpg.Connection, tenant_id: str, person_id: UUID) -> None:
    """Forget a person's answers to every panel's background questions (in the erasure's
    transaction)."""
    await conn.execute(
        "DELETE FROM panel_background WHERE tenant_id = $1 AND person_id = $2",
        tenant_id,
        person_id,
    )


class MembershipView(msgspec.Struct, kw_only=True):
    panel_id: UUID
    person_id: UUID
    status: str
    via: str | None
    consent_revision: int | None
    background: dict[str, str]


class Sample(msgspec.Struct, kw_only=True):
    sample_id: UUID
    panel_id: UUID
    method: str
    question_id: str | None
    total: int
    seed: int | None
    allocation: dict[str, int]  # members drawn per option of the question ("" unanswered)
    members: list[UUID]


class PanelService:
    def __init__(
        self,
        repository: Repository,
        identity: IdentityService,
        background: PanelBackground,
        population: Population,
    ) -> None:
        self.repository = repository
        self.identity = identity
        self.background = background
        self.population = population

    # -- panels ------------------------------------------------------------------------------

    async def get(self, tenant_id: str, panel_id: UUID) -> Panel:
        try:
            return await self.repository.get(tenant_id, Panel, panel_id)
        except AggregateNotFound:
            raise NotFound(f"no panel {panel_id}") from None

    async def _names(self, tenant_id: str) -> PanelNames:
        try:
            return await self.repository.get(tenant_id, PanelNames, panel_names_id(tenant_id))
        except AggregateNotFound:
            return PanelNames.start(tenant_id)

    async def create(self, caller: Caller, command: CreatePanel) -> Panel:
        caller.require(Permission.ADMINISTER)
        panel = Panel.create(
            PanelDetails(
                name=command.name,
                description=command.description,
                consent=command.consent,
                questions=tuple(command.questions),
                open_sign_up=command.open_sign_up,
            ),
            caller,
        )
        names = await self._names(caller.tenant_id)
        names.take(panel.id, panel.details.name)
        await self._save(caller, names, panel)
        return panel

    async def change(self, caller: Caller, panel_id: UUID, command: ChangePanel) -> Panel:
        caller.require(Permission.ADMINISTER)
        panel = await self.get(caller.tenant_id, panel_id)
        changes = {
            f: tuple(v) if isinstance(v, list) else v
            for f in command.__struct_fields__
            if (v := getattr(command, f)) is not msgspec.UNSET
        }
        before = panel.details
        if not panel.change(msgspec.structs.replace(before, **changes), caller):
            return panel
        names = await self._names(caller.tenant_id)
        names.take(panel.id, panel.details.name, before.name)
        await self._save(caller, names, panel)
        return panel

    # -- recruitment -------------------------------------------------------------------------

    async def invite(
        self, caller: Caller, tenant: TenantEntry, panel_id: UUID, command: InviteToPanel
    ) -> list[UUID]:
        """Invite people by e-mail address: each is e-mailed a link that signs them in and
        lets them join. A member is not invited again; one who left is."""
        caller.require(Permission.ADMINISTER)
        panel = await self.get(caller.tenant_id, panel_id)
        addresses: list[str] = []
        problems: list[tuple[str, str]] = []
        for i, given in enumerate(command.emails):
            try:
                address = email_address(given, f"emails[{i}]")
            except InvalidInput as error:
                problems.append((error.field, error.reason))
                continue
            if address in addresses:
                problems.append((f"emails[{i}]", "is listed twice"))
            addresses.append(address)
        if problems:
            raise InvalidInput.of(problems)
        base = link_base(tenant)
        if base is None and "panel-invitation" not in tenant.link_templates:
            raise Unavailable(f"{tenant.name} has no public address for the links in its e-mails")
        invited: list[UUID] = []
        for address in addresses:
            person_id = await self.identity.people.by_email(caller.tenant_id, address)
            membership = await self._membership(caller.tenant_id, panel_id, person_id)
            if not membership.invite():
                continue
            await self._save(caller, membership)
            code = await self.identity.codes.create(
                caller.tenant_id, "email-link", person_id, INVITATION_LIFETIME
            )
            subject, body = invitation_text(
                await self.identity.language_for(tenant, person_id),
                tenant=tenant.name,
                panel=panel.details.name,
                link=links.link(
                    tenant.link_templates,
                    base,
                    "panel-invitation",
                    f"/panels/{panel_id}/join?code={code}",
                    panel_id=str(panel_id),
                    code=code,
                )
                or "",
            )
            try:
                await self.identity.mailer.send(
                    Mail(to=address, subject=subject, text=body, sender_name=tenant.name)
                )
            except MailDeliveryFailed as error:
                raise Unavailable(f"the invitation could not be sent: {error}") from None
            invited.append(person_id)
        return invited

    async def join_by_invitation(
        self, tenant_id: str, panel_id: UUID, command: JoinByInvitation, client: str
    ) -> tuple[IssuedToken, MembershipView]:
        """Redeem the invitation's link (an ordinary sign-in) and join the panel. The consent,
        the answers and that the link is an invitation to this panel (unless it takes anyone)
        are checked before the link is used."""
        panel = await self.get(tenant_id, panel_id)
        consent, answers = self._joining(panel, command)
        holder = await self.identity.codes.holder(tenant_id, "email-link", command.code.strip())
        if holder is not None and not panel.details.open_sign_up:
            # a link for another panel (or a plain sign-in link) stays unused here
            membership = await self._membership(tenant_id, panel_id, holder)
            if membership.member:
                raise Conflict(f"already a member of the panel ({membership.status.value})")
            if membership.status is not MembershipStatus.INVITED:
                raise Forbidden("the link is no invitation to this panel")
        issued = await self.identity.redeem_link(tenant_id, command.code, client)
        caller = Caller(
            tenant_id=tenant_id, person_id=issued.person_id, role=issued.role, sign_in=SignIn.EMAIL
        )
        view = await self._join(caller, panel, consent, answers)
        return issued, view

    async def _may_be_member(self, caller: Caller) -> None:
        """A panel member is someone a round can be sent to: a person who signed in by e-mail
        or PIN, or with the municipality's identity provider when an address of theirs is on
        record (one the provider verified). An anonymous device has nobody to send to (403)."""
        if caller.sign_in in (SignIn.EMAIL, SignIn.PIN):
            return
        if caller.sign_in is SignIn.OIDC:
            record = await self.identity.people.get(caller.tenant_id, caller.person_id)
            if record is not None and record.email:
                return
        raise Forbidden("sign in with your e-mail address to be a panel member")

    async def join(self, caller: Caller, panel_id: UUID, command: JoinPanel) -> MembershipView:
        """Join as the signed-in caller: by an invitation they hold, or by the open sign-up."""
        await self._may_be_member(caller)
        panel = await self.get(caller.tenant_id, panel_id)
        consent, answers = self._joining(panel, command)
        return await self._join(caller, panel, consent, answers)

    @staticmethod
    def _joining(panel: Panel, command: JoinPanel) -> tuple[int, dict[str, str]]:
        problems: list[tuple[str, str]] = []
        consent = 0
        answers: dict[str, str] = {}
        try:
            consent = panel.check_consent(command.consent)
        except InvalidInput as error:
            problems.extend(error.errors)
        try:
            answers = panel.check_background(command.background)
        except InvalidInput as error:
            problems.extend(error.errors)
        if problems:
            raise InvalidInput.of(problems)
        return consent, answers

    async def _join(
        self, caller: Caller, panel: Panel, consent: int, answers: dict[str, str]
    ) -> MembershipView:
        membership = await self._membership(caller.tenant_id, panel.id, caller.person_id)
        membership.join(consent, open_sign_up=panel.details.open_sign_up)
        await self.background.save(caller.tenant_id, panel.id, caller.person_id, answers)
        await self._save(caller, membership)
        return await self._view(caller.tenant_id, membership)

    # -- a member's own membership -----------------------------------------------------------

    async def membership(self, caller: Caller, panel_id: UUID) -> MembershipView:
        """The caller's own membership (404 when they have none)."""
        await self.get(caller.tenant_id, panel_id)
        membership = await self._existing(caller, panel_id)
        return await self._view(caller.tenant_id, membership)

    async def pause(self, caller: Caller, panel_id: UUID) -> MembershipView:
        return await self._change(caller, panel_id, Membership.pause)

    async def resume(self, caller: Caller, panel_id: UUID) -> MembershipView:
        return await self._change(caller, panel_id, Membership.resume)

    async def leave(self, caller: Caller, panel_id: UUID) -> MembershipView:
        return await self._change(caller, panel_id, Membership.leave)

    async def change_background(
        self, caller: Caller, panel_id: UUID, command: ChangeBackground
    ) -> MembershipView:
        """A member changes some of their answers (no event: they are personal data)."""
        panel = await self.get(caller.tenant_id, panel_id)
        membership = await self._existing(caller, panel_id)
        if not membership.member:
            raise Conflict(f"the membership is {membership.status.value}; join the panel first")
        answers = panel.check_background(command.background, partial=True)
        await self.background.save(caller.tenant_id, panel_id, caller.person_id, answers)
        return await self._view(caller.tenant_id, membership)

    async def _change(
        self, caller: Caller, panel_id: UUID, step: Callable[[Membership], None]
    ) -> MembershipView:
        await self.get(caller.tenant_id, panel_id)
        membership = await self._existing(caller, panel_id)
        step(membership)
        await self._save(caller, membership)
        return await self._view(caller.tenant_id, membership)

    async def _existing(self, caller: Caller, panel_id: UUID) -> Membership:
        try:
            return await self.repository.get(
                caller.tenant_id, Membership, membership_id(panel_id, caller.person_id)
            )
        except AggregateNotFound:
            raise NotFound("you have no membership of this panel") from None

    async def _membership(self, tenant_id: str, panel_id: UUID, person_id: UUID) -> Membership:
        try:
            return await self.repository.get(
                tenant_id, Membership, membership_id(panel_id, person_id)
            )
        except AggregateNotFound:
            return Membership.open(panel_id, person_id)

    async def _view(self, tenant_id: str, membership: Membership) -> MembershipView:
        return MembershipView(
            panel_id=membership.panel_id,
            person_id=membership.person_id,
            status=membership.status.value,
            via=None if membership.via is None else membership.via.value,
            consent_revision=membership.consent_revision,
            background=await self.background.of(
                tenant_id, membership.panel_id, membership.person_id
            ),
        )

    # -- samples -----------------------------------------------------------------------------

    async def draw_sample(self, caller: Caller, panel_id: UUID, command: DrawSample) -> Sample:
        """The members a round goes to, recorded with how they were drawn. Only active members
        are drawn: paused ones and those who left never are."""
        caller.require(Permission.ADMINISTER)
        panel = await self.get(caller.tenant_id, panel_id)
        question_id = command.question_id
        seed = command.seed
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise InvalidInput("seed", f"must be between 0 and {MAX_SEED}")
        if command.total is not None and command.total < 1:
            raise InvalidInput("total", "must be at least 1")
        if command.method is SampleMethod.ALL:
            for field in ("question_id", "total", "seed"):
                if getattr(command, field) is not None:
                    raise InvalidInput(field, "a sample of all active members takes none")
            population = await self.population(caller.tenant_id, panel_id, None)
            members = tuple(sorted(population))
            allocation = {UNANSWERED: len(members)}
            total = len(members)
        else:
            if question_id is None:
                raise InvalidInput("question_id", "a stratified sample names a question")
            question = panel.details.question(question_id)
            if question is None:
                known = ", ".join(q.id for q in panel.details.questions) or "none"
                raise InvalidInput(
                    "question_id", f"not a background question of the panel (questions: {known})"
                )
            if command.total is None:
                raise InvalidInput("total", "a stratified sample says how many to draw")
            total = command.total
            population = await self.population(caller.tenant_id, panel_id, question_id)
            seed = secrets.randbits(63) if seed is None else seed
            drawn, members = draw(population, total, seed)
            allocation = dict.fromkeys(question.option_ids(), 0) | drawn
        sample = PanelSample.record(
            panel_id, command.method, question_id, total, seed, allocation, members
        )
        await self._save(caller, sample)
        return Sample(
            sample_id=sample.id,
            panel_id=panel_id,
            method=command.method.value,
            question_id=question_id,
            total=total,
            seed=seed,
            allocation=allocation,
            members=list(members),
        )

    async def sample(self, caller: Caller, panel_id: UUID, sample_id: UUID) -> Sample:
        """A sample as it was drawn (staff): the members its round goes to."""
        if not caller.staff:
            raise Forbidden(f"the role {caller.role.value!r} may not see a panel's samples")
        try:
            drawn = await self.repository.get(caller.tenant_id, PanelSample, sample_id)
        except AggregateNotFound:
            drawn = None
        if drawn is None or drawn.panel_id != panel_id:
            raise NotFound(f"no sample {sample_id} of panel {panel_id}")
        return Sample(
            sample_id=drawn.id,
            panel_id=drawn.panel_id,
            method=drawn.method.value,
            question_id=drawn.question_id,
            total=drawn.total,
            seed=drawn.seed,
            allocation=dict(drawn.allocation),
            members=list(drawn.members),
        )

    async def _save(self, caller: Caller, *aggregates: Aggregate) -> None:
        try:
            await self.repository.save(
                caller.tenant_id, *aggregates, metadata=event_metadata(caller)
            )
        except ConcurrencyConflict:
            raise Conflict("the panel was changed meanwhile; try again") from None


__all__ = [
    "INVITATION_LIFETIME",
    "MembershipStatus",
    "MembershipView",
    "PanelBackground",
    "PanelService",
    "Population",
    "Sample",
    "erase_background",
    "invitation_text",
]
