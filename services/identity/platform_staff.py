"""Tinget's own staff: consultants, who onboard municipalities, and operations, who keep the
service up. They are people of the platform (the tenant ``_platform``): a Person aggregate and a
record in ``people`` there, added and removed by an operator (``tinget platform-staff``).

They sign in as a municipality's staff do, by a one-time e-mail link, and get a platform token
pair: a short access token and a refresh token, both signed with the platform key and carrying
the person's token generation under ``_platform``. Signing out, or being removed, raises it and
takes both tokens back at once, on every host.

The link points at the platform console's configured URL (``TINGET_PLATFORM_URL``), never at
anything a request said. Removing a staff member forgets them: their address and name go, their
tokens are revoked and ``PersonErased`` is recorded; the events they caused keep their id and
role, so the audit trail still says who did what.
"""

from __future__ import annotations

from uuid import UUID

from events.errors import InvalidInput, NotFound, Unauthenticated, Unavailable
from events.repository import AggregateNotFound, EventMetadata
from services.identity.access import PLATFORM_ROLES, Caller, Role, SignIn
from services.identity.domain import Person
from services.identity.records import Rule
from services.identity.service import LINK_LIFETIME, IdentityService, email_address
from services.identity.texts import render
from services.identity.tokens import REFRESH, IssuedToken
from services.mail.mailer import Mail
from tenants.values import PLATFORM_TENANT

CONSOLE_NAME = "Tinget"  # who the platform's sign-in e-mail is from, and what it signs in to


class PlatformStaff:
    """Adding, removing and signing in the platform's staff (see the module's docstring)."""

    def __init__(self, identity: IdentityService, console_url: str | None) -> None:
        self.identity = identity
        self.console_url = console_url.rstrip("/") if console_url else None

    async def add(self, email: str, role: Role, metadata: EventMetadata) -> UUID:
        """Make the holder of ``email`` a platform staff member in ``role`` (or give them that
        role); a role change takes their tokens back."""
        if role not in PLATFORM_ROLES:
            raise InvalidInput("role", "must be consultant or operations")
        identity = self.identity
        person_id = await identity.people.by_email(PLATFORM_TENANT, email_address(email))
        try:
            person = await identity.repository.get(PLATFORM_TENANT, Person, person_id)
        except AggregateNotFound:
            person = Person(person_id=person_id, role=role.value, sign_in=SignIn.EMAIL.value)
            await identity.repository.save(PLATFORM_TENANT, person, metadata=metadata)
            return person_id
        if person.role != role.value:
            person.change_role(role.value)
            await identity.sessions.revoke(PLATFORM_TENANT, person_id)
            await identity.repository.save(PLATFORM_TENANT, person, metadata=metadata)
        return person_id

    async def remove(self, email: str, metadata: EventMetadata) -> UUID:
        """Remove a staff member: tokens revoked, address and name forgotten, ``PersonErased``
        recorded. ``NotFound`` if no staff member holds the address."""
        address = email_address(email)
        person_id = await self.identity.people.find_email(PLATFORM_TENANT, address)
        if person_id is None:
            raise NotFound("no platform staff member has this address")
        await self.identity.erase_person(PLATFORM_TENANT, person_id, metadata)
        return person_id

    async def send_sign_in_link(self, email: str, client: str) -> None:
        """E-mail a one-time link to the platform console, to a staff member's address only;
        the answer is the same whether the address is known or not."""
        if self.console_url is None:
            raise Unavailable("no platform console URL is configured (TINGET_PLATFORM_URL)")
        identity = self.identity
        address = email_address(email)
        await identity._limit(
            PLATFORM_TENANT, client, Rule("link", address, *identity.limits.links_per_email)
        )
        person_id = await identity.people.find_email(PLATFORM_TENANT, address)
        if person_id is None or await self._role(person_id) is None:
            return  # nobody of the platform: no code, no e-mail
        code = await identity.codes.create(PLATFORM_TENANT, "email-link", person_id, LINK_LIFETIME)
        subject, body = render(
            "sign-in",
            "en",
            tenant=f"{CONSOLE_NAME} (platform console)",
            link=f"{self.console_url}/sign-in?code={code}",
        )
        await identity._send(Mail(to=address, subject=subject, text=body, sender_name=CONSOLE_NAME))

    async def redeem_link(self, code: str, client: str) -> IssuedToken:
        """Trade a platform sign-in link's code for a platform token pair; each works once."""
        await self.identity._limit(PLATFORM_TENANT, client)
        redeemed = await self.identity.codes.redeem(PLATFORM_TENANT, "email-link", code.strip())
        return await self._pair(redeemed.person_id)

    async def refresh(self, refresh_token: str) -> IssuedToken:
        """A new platform token pair in the role the person holds now; a refresh token taken
        back (sign-out, removal, role change) is refused."""
        caller = self.identity.tokens.verify_platform(refresh_token, use=REFRESH)
        await self.identity.sessions.check(caller, caller.token_generation)
        return await self._pair(caller.person_id)

    async def sign_out(self, caller: Caller) -> None:
        """Take back every platform token of the caller, on every host, at once."""
        if caller.sign_in is not SignIn.PLATFORM:
            raise Unauthenticated("this needs a platform token")
        await self.identity.sessions.revoke(PLATFORM_TENANT, caller.person_id)

    async def _pair(self, person_id: UUID) -> IssuedToken:
        role = await self._role(person_id)
        if role is None:
            raise Unauthenticated("the person is not (or no longer) platform staff")
        generation = await self.identity.sessions.generation(PLATFORM_TENANT, person_id)
        return self.identity.tokens.issue_platform_pair(person_id, role, generation)

    async def _role(self, person_id: UUID) -> Role | None:
        """The person's platform role, None if they are none of the platform's staff (never
        added, or removed)."""
        try:
            person = await self.identity.repository.get(PLATFORM_TENANT, Person, person_id)
        except AggregateNotFound:
            return None
        if getattr(person, "erased", False) or person.role not in PLATFORM_ROLES:
            return None
        return Role(person.role)


OPERATOR = EventMetadata(role="operator")
"""Who acted, for what an operator's shell command records (``tinget platform-staff``)."""
