"""Sign-in and roles: device sessions, one-time e-mail links, invitation PINs, role changes."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from events import texts
from events.errors import Conflict, InvalidInput, NotFound, Unavailable
from events.leadership import lock_key
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, EventMetadata, Repository
from services.identity.access import (
    TENANT_ROLES,
    Caller,
    Permission,
    Role,
    SignIn,
    acting_as,
    event_metadata,
)
from services.identity.domain import Person
from services.identity.export import PersonalDataExport
from services.identity.records import People, RateLimiter, Rule, SignInCodes, normalise_pin
from services.identity.sessions import Sessions
from services.identity.texts import render, role_name
from services.identity.tokens import REFRESH, IssuedToken, Tokens
from services.mail.mailer import Mail, MailDeliveryFailed, Mailer
from tenants import links
from tenants.directory import TenantEntry, link_base
from tenants.staff import STAFF_ROLES, StaffQueries
from tenants.values import PLATFORM_TENANT

_EMAIL = re.compile(r"[^@\s\x00-\x1f]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+")
LINK_LIFETIME = timedelta(minutes=15)
PIN_LIFETIME = timedelta(days=60)
INVITATION_LIFETIME = timedelta(days=7)  # a staff member's first sign-in link

CustomTemplate = Callable[[str, str, str], Awaitable[tuple[str, str] | None]]
"""(tenant, kind, language) to the tenant's own (subject, body) template, if it wrote one."""


class Erasure(msgspec.Struct, kw_only=True):
    """The answer to an erasure: whom, since when, and whether this request did it."""

    person_id: UUID
    erased_at: datetime
    erased_now: bool
    detail: str


def email_address(value: str, field: str = "email") -> str:
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidInput(field, "is not an e-mail address")
    return email


@dataclass(frozen=True)
class Limits:
    """Rate limits: (attempts, window in seconds).

    Sign-in is counted per (tenant, client address), per (tenant, target: the e-mail address
    or the PIN tried), and under a ceiling per tenant. The client address is the one trusted
    proxies forwarded (``gateway.forwarding``); an IPv6 client counts by its /64, which one
    household or office gets. The narrow counters come first and a refused hit counts no
    further, so one client hammering fills only its own counter, never the tenant's.
    """

    sign_in_per_address: tuple[int, int] = (60, 60)  # a school or an office behind one NAT
    sign_in_per_tenant: tuple[int, int] = (6000, 60)  # a council webcast's crowd, all at once
    links_per_email: tuple[int, int] = (5, 900)
    attempts_per_pin: tuple[int, int] = (10, 900)
    # Anonymous device tokens: each one is a ballot in a poll, so few per address.
    devices_per_address: tuple[int, int] = (10, 3600)
    devices_per_dialog_address: tuple[int, int] = (3, 3600)  # asked for one dialog
    posts_per_person: tuple[int, int] = (20, 60)
    images_per_person: tuple[int, int] = (30, 600)  # uploads: each one is decoded, CPU-heavy


def _link(tenant: TenantEntry, kind: str, path: str, **values: str) -> str:
    """A link of ``kind`` in this tenant's e-mails: its URL template of the kind filled with
    ``values`` (tenants/links.py), else its configured public URL and ``path``; never anything
    a request said (a poisoned Host header must not receive a sign-in code)."""
    found = links.link(tenant.link_templates, link_base(tenant), kind, path, **values)
    if found is None:
        raise Unavailable(f"{tenant.name} has no public address for the links in its e-mails")
    return found


def _client(address: str) -> str:
    """What a client's counter counts: its address, or for IPv6 the /64 it is in (a
    household or an office gets a /64 and may use any address in it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


class IdentityService:
    def __init__(
        self,
        repository: Repository,
        people: People,
        codes: SignInCodes,
        limiter: RateLimiter,
        tokens: Tokens,
        mailer: Mailer,
        sessions: Sessions,
        limits: Limits | None = None,
        custom_template: CustomTemplate | None = None,
    ) -> None:
        self.repository = repository
        self.people = people
        self.codes = codes
        self.limiter = limiter
        self.tokens = tokens
        self.mailer = mailer
        self.sessions = sessions
        self.limits = limits or Limits()
        self.custom_template = custom_template
        self.staff = StaffQueries(people.pool)
        # One change of roles at a time per tenant (the last administrator must stay): see
        # ``_one_change_of_administrators``.
        self._administering: dict[str, asyncio.Lock] = {}

    async def device_session(
        self, tenant_id: str, client: str, dialog_id: UUID | None = None
    ) -> IssuedToken:
        """An anonymous participant: a new opaque id and a token, no personal data at all.

        Each device token can cast a ballot, so few are issued per client address: an hour's
        allowance in all, and a smaller one for the dialog named (the page of a vox pop asks
        with its dialog)."""
        per_dialog = (
            []
            if dialog_id is None
            else [self._rule(f"device:{dialog_id}", client, self.limits.devices_per_dialog_address)]
        )
        await self._limit(
            tenant_id,
            client,
            *per_dialog,
            self._rule("device", client, self.limits.devices_per_address),
        )
        person_id = uuid.uuid4()
        person = Person(
            person_id=person_id, role=Role.PARTICIPANT.value, sign_in=SignIn.DEVICE.value
        )
        await self.repository.save(tenant_id, person, metadata=acting_as(person_id, "participant"))
        self.sessions.known(tenant_id, person_id)
        return self.tokens.issue(tenant_id, person_id, Role.PARTICIPANT, SignIn.DEVICE)

    async def send_sign_in_link(
        self, tenant: TenantEntry, email: str, client: str, accept_language: str | None = None
    ) -> None:
        """E-mail a one-time link; the answer is the same whether the address is known or not.
        In the person's own language, else the request's ``Accept-Language`` (the person asked
        for the link in that browser), else the municipality's default."""
        address = email_address(email)
        await self._limit(
            tenant.tenant_id, client, Rule("link", address, *self.limits.links_per_email)
        )
        # An address nobody holds is not recorded until its link is redeemed.
        person_id = await self.people.find_email(tenant.tenant_id, address)
        code = await self.codes.create(
            tenant.tenant_id,
            "email-link",
            person_id,
            LINK_LIFETIME,
            email=None if person_id is not None else address,
        )
        language = await self.language_for(tenant, person_id, accept_language)
        subject, body = render(
            "sign-in",
            language,
            await self._custom(tenant, "sign-in", language),
            tenant=tenant.name,
            link=_link(tenant, "sign-in", f"/sign-in?code={code}", code=code),
        )
        await self._send(Mail(to=address, subject=subject, text=body, sender_name=tenant.name))

    async def redeem_link(self, tenant_id: str, code: str, client: str) -> IssuedToken:
        await self._limit(tenant_id, client)
        redeemed = await self.codes.redeem(tenant_id, "email-link", code.strip())
        return await self._token_for(tenant_id, redeemed.person_id, SignIn.EMAIL)

    async def redeem_pin(self, tenant_id: str, pin: str, client: str) -> IssuedToken:
        issued, _dialog_id = await self.redeem_invitation(tenant_id, pin, client)
        return issued

    async def redeem_invitation(
        self, tenant_id: str, pin: str, client: str
    ) -> tuple[IssuedToken, UUID | None]:
        """An invitation's PIN used (as ``redeem_pin``), and the dialog it invites to (None:
        a PIN for no one dialog, such as an analyst's)."""
        normalised = normalise_pin(pin)
        await self._limit(
            tenant_id, client, Rule("pin", normalised or pin, *self.limits.attempts_per_pin)
        )
        if not normalised:
            raise InvalidInput("pin", "must be 10 letters and digits, as printed (XXXX-XXXX-XX)")
        redeemed = await self.codes.redeem(tenant_id, "pin", normalised)
        issued = await self._token_for(tenant_id, redeemed.person_id, SignIn.PIN)
        return issued, redeemed.dialog_id

    async def invite(
        self,
        tenant: TenantEntry,
        dialog_id: UUID,
        dialog_title: str,
        email: str | None,
        display_name: str | None,
    ) -> tuple[UUID, str]:
        """A person invited to a dialog and their PIN, e-mailed when an address is given."""
        address = None if email is None else email_address(email)
        person_id = await self.people.add(tenant.tenant_id, address, display_name)
        await self._ensure_person(tenant.tenant_id, person_id, SignIn.PIN)
        pin = await self.codes.create(
            tenant.tenant_id, "pin", person_id, PIN_LIFETIME, dialog_id=dialog_id
        )
        if address is not None:
            language = await self.language_for(tenant, person_id)
            subject, body = render(
                "invitation",
                language,
                await self._custom(tenant, "invitation", language),
                tenant=tenant.name,
                dialog=dialog_title,
                pin=pin,
                link=_link(tenant, "pin-sign-in", "/sign-in"),
            )
            await self._send(Mail(to=address, subject=subject, text=body, sender_name=tenant.name))
        return person_id, pin

    async def invite_analyst(
        self,
        tenant: TenantEntry,
        analysis_title: str,
        email: str | None,
        display_name: str | None,
    ) -> tuple[UUID, str]:
        """An analyst from outside the municipality (``Role.EXTERNAL_ANALYST``) and their PIN,
        e-mailed when an address is given. An address that a participant holds makes that
        person an external analyst; one that staff hold is refused (add them as a member)."""
        address = None if email is None else email_address(email)
        if address is not None:
            held = await self.people.find_email(tenant.tenant_id, address)
            if held is not None:
                role = await self._role_of(tenant.tenant_id, held)
                if role not in (None, Role.PARTICIPANT, Role.EXTERNAL_ANALYST):
                    raise InvalidInput(
                        "email",
                        f"the address belongs to a {role} of the municipality: add them as a"
                        " member by person_id",
                    )
        person_id = await self.people.add(tenant.tenant_id, address, display_name)
        person = await self._ensure_person(
            tenant.tenant_id, person_id, SignIn.PIN, Role.EXTERNAL_ANALYST
        )
        if person.role == Role.PARTICIPANT.value:
            person.change_role(Role.EXTERNAL_ANALYST.value)
            await self.sessions.revoke(tenant.tenant_id, person_id)
            try:
                await self.repository.save(tenant.tenant_id, person, metadata=event_metadata(None))
            except ConcurrencyConflict:
                raise Conflict("the person was changed meanwhile; try again") from None
        elif person.role != Role.EXTERNAL_ANALYST.value:  # became staff meanwhile
            raise InvalidInput("email", f"the address belongs to a {person.role}")
        pin = await self.codes.create(tenant.tenant_id, "pin", person_id, PIN_LIFETIME)
        if address is not None:
            subject, body = render(
                "analysis-invitation",
                await self.language_for(tenant, person_id),
                tenant=tenant.name,
                analysis=analysis_title,
                pin=pin,
                link=_link(tenant, "pin-sign-in", "/sign-in"),
            )
            await self._send(Mail(to=address, subject=subject, text=body, sender_name=tenant.name))
        return person_id, pin

    async def _role_of(self, tenant_id: str, person_id: UUID) -> Role | None:
        try:
            person = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            return None
        return Role(person.role)

    async def change_role(self, caller: Caller, person_id: UUID, role: str) -> Role:
        """Give a person of the municipality another role (administrators). Their tokens are
        taken back at once, so the next request with one is refused and they sign in again in
        the new role. The last administrator cannot be given another role (409)."""
        caller.require(Permission.ADMINISTER)
        roles = ", ".join(sorted(r.value for r in TENANT_ROLES))
        try:
            new_role = Role(role)
        except ValueError:
            raise InvalidInput("role", f"must be one of {roles}") from None
        if new_role not in TENANT_ROLES:
            raise InvalidInput("role", f"must be one of {roles}")
        return await self._set_role(caller, person_id, new_role)

    async def remove_staff(self, caller: Caller, person_id: UUID) -> Role:
        """Take a person off the staff (administrators): they are a participant from now on and
        every token they hold is taken back at once. 404 for one who is not staff, 409 for the
        last administrator."""
        caller.require(Permission.ADMINISTER)
        current = await self._role_of(caller.tenant_id, person_id)
        if current is None or current.value not in STAFF_ROLES:
            raise NotFound(f"no staff member {person_id}")
        return await self._set_role(caller, person_id, Role.PARTICIPANT)

    @asynccontextmanager
    async def _one_change_of_administrators(self, tenant_id: str) -> AsyncIterator[None]:
        """Changes of a tenant's roles one at a time across every gateway process: a
        transaction-level advisory lock of the tenant held on a connection of its own while
        the check and the change run (on others), released when that transaction ends, a
        lost connection included. Within a process, callers queue on a lock first, so a
        burst of changes does not hold a connection each while they wait."""
        lock = self._administering.setdefault(tenant_id, asyncio.Lock())
        async with lock, self.people.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1)", lock_key(f"administrators:{tenant_id}")
            )
            yield

    async def _set_role(self, caller: Caller, person_id: UUID, new_role: Role) -> Role:
        async with self._one_change_of_administrators(caller.tenant_id):
            try:
                person = await self.repository.get(caller.tenant_id, Person, person_id)
            except AggregateNotFound:
                raise NotFound(f"no person {person_id}") from None
            if person.role == Role.ADMINISTRATOR.value and new_role is not Role.ADMINISTRATOR:
                await self._keep_an_administrator(caller, person_id)
            person.change_role(new_role.value)
            await self.sessions.revoke(caller.tenant_id, person_id)  # the old role's tokens
            try:
                await self.repository.save(
                    caller.tenant_id, person, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                raise Conflict("the person was changed meanwhile; try again") from None
        return new_role

    async def _keep_an_administrator(self, caller: Caller, leaving: UUID) -> None:
        """Refuse (409) to take the role of the tenant's last administrator. An administrator
        who takes another's role is one who stays (their own record says so). Otherwise the
        staff list names the candidates and each one's own record confirms it, so an
        administrator demoted a moment ago does not count; one made a moment ago may not count
        yet, which errs on the safe side. Changes of roles are taken one at a time per tenant,
        across processes (``_one_change_of_administrators``), and each reads the records as
        the store holds them, so two administrators demoting each other at once leave one."""
        tenant_id = caller.tenant_id
        if (
            caller.person_id != leaving
            and caller.role is Role.ADMINISTRATOR
            and await self._role_of(tenant_id, caller.person_id) is Role.ADMINISTRATOR
        ):
            return
        for other in await self.staff.administrators(tenant_id):
            if other != leaving and await self._role_of(tenant_id, other) is Role.ADMINISTRATOR:
                return
        raise Conflict(
            "this is the municipality's last administrator: make someone else administrator first",
            field="role",
        )

    async def invite_staff(
        self,
        caller: Caller,
        tenant: TenantEntry,
        email: str,
        role: str,
        display_name: str | None = None,
    ) -> tuple[UUID, Role]:
        """Add a staff member by e-mail (administrators) and mail them a sign-in link.

        The person is recorded with the role at once (so the staff list shows them, and their
        role can be changed or taken back before they ever sign in); the link, on the tenant's
        configured public URL, signs them in once within 7 days. An address a participant holds
        makes that participant staff (their old tokens are taken back). Inviting a staff member
        again in the same role sends a new link; in another role it is a 409 (change the role)."""
        caller.require(Permission.ADMINISTER)
        staff = ", ".join(sorted(STAFF_ROLES))
        if role not in STAFF_ROLES:
            raise InvalidInput("role", f"must be one of {staff}")
        new_role = Role(role)
        address = email_address(email)
        name = None
        if display_name is not None:
            name = display_name.strip() or None
            if name is not None and (len(name) > 200 or not name.isprintable()):
                raise InvalidInput("name", "must be at most 200 printable characters")
        held = await self.people.find_email(tenant.tenant_id, address)
        if held is not None:
            current = await self._role_of(tenant.tenant_id, held)
            if current is not None and current.value in STAFF_ROLES and current is not new_role:
                raise Conflict(
                    f"the address belongs to a {current.value} already: change their role",
                    field="email",
                )
        _link(tenant, "sign-in", "/sign-in", code="")  # no address: refused before recording
        person_id = await self.people.add(tenant.tenant_id, address, name)
        person = await self._ensure_person(tenant.tenant_id, person_id, SignIn.EMAIL, new_role)
        if person.role != new_role.value:
            if person.role in STAFF_ROLES:  # made staff by a parallel request meanwhile
                raise Conflict(f"the address belongs to a {person.role} already", field="email")
            person.change_role(new_role.value)
            await self.sessions.revoke(tenant.tenant_id, person_id)
            try:
                await self.repository.save(
                    tenant.tenant_id, person, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                raise Conflict("the person was changed meanwhile; try again") from None
        code = await self.codes.create(
            tenant.tenant_id, "email-link", person_id, INVITATION_LIFETIME
        )
        language = await self.language_for(tenant, person_id)
        subject, body = render(
            "staff-invitation",
            language,
            tenant=tenant.name,
            role=role_name(new_role.value, language),
            link=_link(tenant, "sign-in", f"/sign-in?code={code}", code=code),
        )
        await self._send(Mail(to=address, subject=subject, text=body, sender_name=tenant.name))
        return person_id, new_role

    async def add_staff(self, tenant_id: str, email: str, role: Role) -> UUID:
        """Record a staff member (the first administrator, from the CLI) with a role."""
        person_id = await self.people.by_email(tenant_id, email_address(email))
        person = await self._ensure_person(tenant_id, person_id, SignIn.EMAIL, role)
        if person.role != role.value:
            person.change_role(role.value)
            await self.sessions.revoke(tenant_id, person_id)
            await self.repository.save(tenant_id, person, metadata=event_metadata(None))
        return person_id

    async def sign_in_link_for(self, tenant_id: str, person_id: UUID) -> str:
        """A one-time sign-in code for a person, for an operator to hand over (CLI)."""
        return await self.codes.create(tenant_id, "email-link", person_id, LINK_LIFETIME)

    async def erase(self, caller: Caller, person_id: UUID) -> Erasure:
        """Erase a person (administrators): see ``erase_person``."""
        caller.require(Permission.ADMINISTER)
        return await self.erase_person(caller.tenant_id, person_id, event_metadata(caller))

    async def erase_person(
        self, tenant_id: str, person_id: UUID, metadata: EventMetadata
    ) -> Erasure:
        """Forget a person: their tokens are taken back, their e-mail address and name removed,
        their data key destroyed (so the personal fields of their events, sealed under it, read
        as erased everywhere from now on), and ``PersonErased`` recorded, on which the read
        models showing their texts erase them. The events stay: ids, times, counts. Erasing an
        erased person again changes nothing and says when it was done."""
        try:
            person: Person | None = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            person = None
        if person is None and not await self.people.recorded(tenant_id, person_id):
            raise NotFound(f"no person {person_id}")
        await self.sessions.revoke(tenant_id, person_id)
        erased_at, now = await self.people.erase(tenant_id, person_id, self.repository.codec.keys)
        for _ in range(3):
            if person is None or not person.erase():
                break
            try:
                await self.repository.save(tenant_id, person, metadata=metadata)
                break
            except ConcurrencyConflict:  # changed meanwhile (a role change): again, on top
                person = await self.repository.get(tenant_id, Person, person_id)
        detail = (
            "erased: e-mail address, name and data key gone, tokens revoked; read models follow"
            if now
            else "was erased already"
        )
        return Erasure(person_id=person_id, erased_at=erased_at, erased_now=now, detail=detail)

    async def personal_data(self, caller: Caller, person_id: UUID) -> dict[str, Any]:
        """Everything held about a person: their own, or anyone's for an administrator."""
        if person_id != caller.person_id or caller.sign_in is SignIn.PLATFORM:
            # operations staff read a municipality's figures, never anyone's personal data
            caller.require(Permission.ADMINISTER)
        return await self.export_person(caller.tenant_id, person_id)

    async def export_person(self, tenant_id: str, person_id: UUID) -> dict[str, Any]:
        return await PersonalDataExport(self.people.pool, self.repository).of(tenant_id, person_id)

    async def refresh(self, tenant_id: str, refresh_token: str) -> IssuedToken:
        """A staff member's new token pair, in the role the person holds now: a refresh token
        taken back (sign-out, role change, block, erasure) or for nobody here is refused."""
        caller = self.tokens.verify(refresh_token, tenant_id, use=REFRESH)
        await self.sessions.check(caller, caller.token_generation)
        # what an identity provider's sign-in told goes on, sealed as it was: it still stops
        # counting when that sign-in's facts do (services.identity.eligibility)
        return await self._token_for(
            tenant_id, caller.person_id, caller.sign_in, caller.eligibility
        )

    async def sign_out(self, caller: Caller) -> None:
        """Take back every token the caller holds, on every device (platform staff: every
        platform token of theirs, on every host)."""
        tenant_id = PLATFORM_TENANT if caller.sign_in is SignIn.PLATFORM else caller.tenant_id
        await self.sessions.revoke(tenant_id, caller.person_id)

    async def token_for(
        self, tenant_id: str, person_id: UUID, sign_in: SignIn, eligibility: str | None = None
    ) -> IssuedToken:
        """The token pair of a person who proved who they are some other way (an identity
        provider): their aggregate is made on their first sign-in, in the participant role.
        ``eligibility``: what the sign-in told about who may vote, sealed, for the tokens."""
        return await self._token_for(tenant_id, person_id, sign_in, eligibility)

    async def role_of(self, tenant_id: str, person_id: UUID) -> Role | None:
        """The role a person holds in the tenant (None: they never joined)."""
        return await self._role_of(tenant_id, person_id)

    async def count_sign_in(self, tenant_id: str, client: str) -> None:
        """Count a sign-in attempt of ``client`` under the usual limits (429 beyond)."""
        await self._limit(tenant_id, client)

    async def _token_for(
        self, tenant_id: str, person_id: UUID, sign_in: SignIn, eligibility: str | None = None
    ) -> IssuedToken:
        person = await self._ensure_person(tenant_id, person_id, sign_in)
        self.sessions.known(tenant_id, person_id)
        generation = await self.sessions.generation(tenant_id, person_id)
        return self.tokens.issue(
            tenant_id, person_id, Role(person.role), sign_in, generation, eligibility
        )

    async def _ensure_person(
        self, tenant_id: str, person_id: UUID, sign_in: SignIn, role: Role = Role.PARTICIPANT
    ) -> Person:
        """The person's aggregate, created on first sign-in or invitation."""
        try:
            return await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            pass
        person = Person(person_id=person_id, role=role.value, sign_in=sign_in.value)
        try:
            await self.repository.save(tenant_id, person, metadata=acting_as(person_id, role.value))
        except ConcurrencyConflict:  # joined meanwhile, by a parallel request
            return await self.repository.get(tenant_id, Person, person_id)
        return person

    async def _custom(
        self, tenant: TenantEntry, kind: str, language: str
    ) -> tuple[str, str] | None:
        """The tenant's edited template: these e-mails carry secrets, so they are sent at once
        rather than through the notification outbox, but in the municipality's own words."""
        if self.custom_template is None:
            return None
        return await self.custom_template(tenant.tenant_id, kind, language)

    async def preferred_language(self, tenant_id: str, person_id: UUID) -> str | None:
        """The language the person asked to be spoken to in, or None (no choice of their own,
        or no such person). Read from their aggregate: current at once after a change."""
        try:
            person: Person = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            return None
        return person.language

    async def language_for(
        self, tenant: TenantEntry, person_id: UUID | None, accept_language: str | None = None
    ) -> str:
        """The language to write to a person in: their own (when the municipality still
        offers it), else ``accept_language`` (a request's header), else the default."""
        preferred = None
        if person_id is not None:
            preferred = await self.preferred_language(tenant.tenant_id, person_id)
        return texts.choose_language(
            preferred, accept_language, tenant.languages, tenant.default_language
        )

    async def set_language(
        self, caller: Caller, tenant: TenantEntry, language: str | None
    ) -> str | None:
        """Record the caller's own language, one the municipality offers (422 naming
        ``language`` otherwise), or clear it with None. Returns the language now recorded."""
        if language is not None and language not in tenant.languages:
            offered = ", ".join(tenant.languages)
            raise InvalidInput(
                "language", f"{language!r} is not a language the municipality offers: {offered}"
            )
        if caller.sign_in is SignIn.PLATFORM:
            raise InvalidInput("language", "platform staff have no person in the municipality")
        for _ in range(3):
            try:
                person: Person = await self.repository.get(
                    caller.tenant_id, Person, caller.person_id
                )
            except AggregateNotFound:
                raise NotFound("the caller has no person record in this municipality") from None
            if not person.choose_language(language):
                return person.language
            try:
                await self.repository.save(
                    caller.tenant_id, person, metadata=event_metadata(caller)
                )
                return person.language
            except ConcurrencyConflict:  # changed meanwhile (a role change): again, on top
                continue
        raise Conflict("the person was changed meanwhile; try again")

    async def _limit(self, tenant_id: str, client: str, *targets: Rule) -> None:
        """Count a sign-in attempt: per client address first, then per target (``targets``),
        then under the tenant's ceiling; 429 with Retry-After at the first one over."""
        await self.limiter.check(
            tenant_id,
            self._rule("sign-in", client, self.limits.sign_in_per_address),
            *targets,
            Rule("sign-in-tenant", tenant_id, *self.limits.sign_in_per_tenant),
        )

    @staticmethod
    def _rule(kind: str, client: str, limit: tuple[int, int]) -> Rule:
        return Rule(kind, _client(client), *limit)

    async def _send(self, mail: Mail) -> None:
        try:
            await self.mailer.send(mail)
        except MailDeliveryFailed as error:
            raise Unavailable(f"the e-mail could not be sent: {error}") from None
