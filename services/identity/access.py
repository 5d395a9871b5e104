"""Who is acting: roles, what each role may do, and the caller of a request.

Tenant roles are held per municipality; platform roles (consultants, operations) come from
Tinget's own staff and act across tenants. Permissions, not role names, are checked by the
services, so a new role is one line here.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

import msgspec

from events.errors import Forbidden
from events.repository import EventMetadata
from services.request_context import request_field


class Role(StrEnum):
    PARTICIPANT = "participant"
    MODERATOR = "moderator"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"
    COMMITTEE_MEMBER = "committee-member"  # answers citizens' posts on the committee's behalf
    # an analyst from outside the municipality (a researcher, a consultancy), invited to one or
    # more analyses with a PIN: sees those analyses and nothing else of the staff's
    EXTERNAL_ANALYST = "external-analyst"
    CONSULTANT = "consultant"  # platform: onboards municipalities, acts as their administrator
    OPERATIONS = "operations"  # platform: keeps the service up, reads health and dashboards


TENANT_ROLES = frozenset(
    {
        Role.PARTICIPANT,
        Role.MODERATOR,
        Role.ANALYST,
        Role.ADMINISTRATOR,
        Role.COMMITTEE_MEMBER,
        Role.EXTERNAL_ANALYST,
    }
)
PLATFORM_ROLES = frozenset({Role.CONSULTANT, Role.OPERATIONS})


class Permission(StrEnum):
    TAKE_PART = "take-part"
    MODERATE = "moderate"
    ANALYSE = "analyse"
    ADMINISTER = "administer"
    APPROVE_SURVEYS = "approve-surveys"  # a questionnaire goes out only once someone approves it
    ANSWER = "answer"  # give the municipality's official answer to a proposal, petition, ...
    OPERATE = "operate"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PARTICIPANT: frozenset({Permission.TAKE_PART}),
    Role.MODERATOR: frozenset({Permission.TAKE_PART, Permission.MODERATE}),
    Role.ANALYST: frozenset({Permission.TAKE_PART, Permission.ANALYSE}),
    # An external analyst works in the analyses they are a member of (membership, not a
    # permission, lets them in) and takes part like anybody; no dashboards, no drafts.
    Role.EXTERNAL_ANALYST: frozenset({Permission.TAKE_PART}),
    # The municipality's administrators approve what it asks its citizens; a consultant
    # drafts a questionnaire with them but leaves the approval to the municipality.
    Role.ADMINISTRATOR: frozenset(
        {
            Permission.TAKE_PART,
            Permission.MODERATE,
            Permission.ANALYSE,
            Permission.ADMINISTER,
            Permission.APPROVE_SURVEYS,
            Permission.ANSWER,
        }
    ),
    # A committee's members (politicians, officials) answer what citizens sent the committee
    # and read what was sent (invite-only dialogs included); they administer nothing.
    Role.COMMITTEE_MEMBER: frozenset({Permission.TAKE_PART, Permission.ANSWER}),
    # A consultant acts as the municipality's administrator, but the official answer is the
    # municipality's own word: it is given by its administrators and committee members.
    Role.CONSULTANT: frozenset({Permission.MODERATE, Permission.ANALYSE, Permission.ADMINISTER}),
    Role.OPERATIONS: frozenset({Permission.OPERATE}),
}


_STAFF = frozenset(
    {Permission.MODERATE, Permission.ANALYSE, Permission.ADMINISTER, Permission.ANSWER}
)


class SignIn(StrEnum):
    """How the caller proved who they are."""

    DEVICE = "device"  # an anonymous device token, no personal data at all
    EMAIL = "email"  # a one-time e-mail link
    PIN = "pin"  # a one-time PIN from an invitation
    OIDC = "oidc"  # the municipality's identity provider (OpenID Connect)
    PLATFORM = "platform"  # a token issued to Tinget's own staff


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """The verified identity behind a request: never taken from a request body."""

    tenant_id: str
    person_id: UUID
    role: Role
    sign_in: SignIn
    token_generation: int = 0  # the person's token generation when the token was issued
    # What an identity provider's sign-in told about who may vote (a date of birth, a
    # residence value), sealed: only ``services.identity.eligibility`` opens it. None when the
    # token carries none (any other sign-in, a provider that tells neither).
    eligibility: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.sign_in is SignIn.DEVICE

    @property
    def staff(self) -> bool:
        """The municipality's staff (moderators, analysts, administrators, committee members,
        consultants): they
        see every dialog, invite-only ones included."""
        return bool(PERMISSIONS[self.role] & _STAFF)

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise Forbidden(f"the role {self.role.value!r} may not {permission.value}")


def event_metadata(caller: Caller | None, *, hide_actor: bool = False) -> EventMetadata:
    """Who acted, in which role, under which request: what the audit trail shows of an event.

    ``hide_actor`` leaves the person out (an anonymous ballot must not name its voter).
    """
    request_id = current_request_id()
    if caller is None:
        return EventMetadata(role="system", request_id=request_id)
    return EventMetadata(
        actor=None if hide_actor else str(caller.person_id),
        role=caller.role.value,
        request_id=request_id,
    )


def current_request_id() -> str | None:
    """The id of the HTTP request being served (bound by the gateway), if any."""
    return request_field("request_id")


def acting_as(person_id: UUID, role: str) -> EventMetadata:
    """Metadata for a person acting before they hold a token (joining, signing in)."""
    return EventMetadata(actor=str(person_id), role=role, request_id=current_request_id())
