"""Sign-in and people: device sessions, e-mail links, PINs, the caller, roles, committees."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Response
from msgspec import Meta

from events.errors import SignInNeeded
from gateway.auth import client_address
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.problems import problems
from services.dialogs.service import DialogService
from services.identity.access import Caller, Permission, SignIn, event_metadata
from services.identity.service import IdentityService
from services.identity.tokens import IssuedToken
from tenants.directory import TenantEntry
from tenants.service import TenantChanges, TenantService


class EmailSignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, Meta(min_length=3, max_length=254)]


class RedeemLink(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=200)]


class RefreshSession(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    refresh_token: Annotated[str, Meta(min_length=1, max_length=4000)]


class PinSignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pin: Annotated[str, Meta(min_length=1, max_length=40)]


class Accepted(msgspec.Struct, kw_only=True):
    status: str
    detail: str


class Me(msgspec.Struct, kw_only=True):
    tenant: str
    person_id: FromPath[UUID]
    role: str
    sign_in: str
    permissions: list[str]
    language: str | None = None  # the caller's own language; None: the municipality's


class LanguageChoice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The language to be spoken to in: one the municipality offers, or null for its default."""

    language: Annotated[str, Meta(min_length=1, max_length=35)] | None


class MyLanguage(msgspec.Struct, kw_only=True):
    language: str | None  # None: the municipality's default language
    default_language: str
    offered: list[str]


# The roles a person of a municipality may be given (TENANT_ROLES), as the document lists them.
TenantRole = Literal[
    "participant",
    "moderator",
    "analyst",
    "administrator",
    "committee-member",
    "external-analyst",
]


class RoleChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: TenantRole


class PersonRole(msgspec.Struct, kw_only=True):
    person_id: FromPath[UUID]
    role: str


class Committees(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    committees: Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=50)]


class IdentityController(Controller):
    path = "/api/v1"
    tags = ["sign-in and people"]

    @post(
        "/sessions/device",
        operation_id="createDeviceSession",
        summary="Start an anonymous device session",
        responses=problems(429),
        status_code=201,
    )
    async def device_session(
        self,
        identity: Injected[IdentityService],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: Annotated[
            UUID | None,
            QueryParameter(description="The dialog the token is for: few per address and dialog"),
        ] = None,
    ) -> IssuedToken:
        """An anonymous participant's token, for dialogs that allow taking part without sign-in.

        Each token can cast one ballot, so few are issued to one client address (429 with
        Retry-After beyond): a page for one dialog names it in ``dialog_id``. A dialog that
        asks its participants to sign in refuses device tokens (403)."""
        if dialog_id is not None:
            dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, None)
            if not dialog.details.settings.anonymous:
                raise SignInNeeded("the dialog asks participants to sign in first")
        return await identity.device_session(tenant.tenant_id, client_address(request), dialog_id)

    @post(
        "/sign-in/email",
        operation_id="requestSignInLink",
        summary="E-mail a sign-in link",
        responses=problems(422, 429),
        status_code=202,
    )
    async def request_link(
        self,
        identity: Injected[IdentityService],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        data: JSONBody[EmailSignIn],
    ) -> Accepted:
        """E-mail a one-time sign-in link. The answer does not say whether the address is known."""
        await identity.send_sign_in_link(
            tenant,
            data.email,
            client_address(request),
            accept_language=request.headers.get("accept-language"),
        )
        return Accepted(
            status="sent", detail="if the address can receive e-mail, a link is on its way"
        )

    @post(
        "/sign-in/email/redeem",
        operation_id="redeemSignInLink",
        summary="Sign in with an e-mailed link",
        responses=problems(401, 429),
        status_code=200,
    )
    async def redeem_link(
        self,
        identity: Injected[IdentityService],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        data: JSONBody[RedeemLink],
    ) -> IssuedToken:
        """Trade the code from a sign-in link for a token; each link works once."""
        return await identity.redeem_link(tenant.tenant_id, data.code, client_address(request))

    @post(
        "/sign-in/pin",
        operation_id="signInWithPin",
        summary="Sign in with an invitation PIN",
        responses=problems(401, 422, 429),
        status_code=200,
    )
    async def sign_in_with_pin(
        self,
        identity: Injected[IdentityService],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        data: JSONBody[PinSignIn],
    ) -> IssuedToken:
        """Trade the PIN code of an invitation for a token; each PIN works once."""
        return await identity.redeem_pin(tenant.tenant_id, data.pin, client_address(request))

    @post(
        "/sessions/refresh",
        operation_id="refreshSession",
        summary="Refresh a staff member's tokens",
        responses=problems(401),
        status_code=200,
    )
    async def refresh(
        self,
        identity: Injected[IdentityService],
        tenant: NamedDependency[TenantEntry],
        data: JSONBody[RefreshSession],
    ) -> IssuedToken:
        """A staff member's new token pair, for the role they hold now (staff tokens last 15
        minutes); a refresh token taken back by a sign-out or a role change is refused."""
        return await identity.refresh(tenant.tenant_id, data.refresh_token)

    @post(
        "/sign-out",
        operation_id="signOut",
        summary="Sign out everywhere",
        responses=problems(),
        status_code=200,
    )
    async def sign_out(
        self, identity: Injected[IdentityService], caller: NamedDependency[Caller]
    ) -> Accepted:
        """Take back every token the caller holds, on every device, within a second."""
        await identity.sign_out(caller)
        return Accepted(status="signed-out", detail="every token of yours is revoked")

    @get(
        "/me",
        operation_id="getMe",
        summary="Who the caller is",
        responses=problems(),
    )
    async def me(self, identity: Injected[IdentityService], caller: NamedDependency[Caller]) -> Me:
        """Who the token says the caller is, what they may do, and the language they chose to
        be spoken to in (null: the municipality's default)."""
        language = None
        if caller.sign_in is not SignIn.PLATFORM:
            language = await identity.preferred_language(caller.tenant_id, caller.person_id)
        return Me(
            tenant=caller.tenant_id,
            person_id=caller.person_id,
            role=caller.role.value,
            sign_in=caller.sign_in.value,
            permissions=sorted(p.value for p in Permission if caller.may(p)),
            language=language,
        )

    @put(
        "/me/language",
        operation_id="setMyLanguage",
        summary="Choose the language to be spoken to in",
        responses=problems(422),
    )
    async def set_language(
        self,
        identity: Injected[IdentityService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        data: JSONBody[LanguageChoice],
    ) -> MyLanguage:
        """The signed-in person's own language, one of those the municipality offers (422
        naming ``language`` otherwise); null clears it. E-mails and notifications to them are
        written in it, and API problems answer in it; without one, the browser's
        ``Accept-Language`` or the municipality's default language is used."""
        language = await identity.set_language(caller, tenant, data.language)
        return MyLanguage(
            language=language, default_language=tenant.default_language, offered=tenant.languages
        )

    @put(
        "/people/{person_id:uuid}/role",
        operation_id="changeRole",
        summary="Change a person's role",
        responses=problems(409),
    )
    async def change_role(
        self,
        identity: Injected[IdentityService],
        caller: NamedDependency[Caller],
        person_id: FromPath[UUID],
        data: JSONBody[RoleChange],
    ) -> PersonRole:
        """Give a person of this municipality another role (administrators)."""
        role = await identity.change_role(caller, person_id, data.role)
        return PersonRole(person_id=person_id, role=role.value)

    @put(
        "/committees",
        operation_id="setCommittees",
        summary="Set the municipality's committees",
        responses=problems(409, 422),
    )
    async def set_committees(
        self,
        tenants: Injected[TenantService],
        caller: NamedDependency[Caller],
        data: JSONBody[Committees],
    ) -> Response[Committees]:
        """The municipality's committees, which dialogs are filed under (administrators)."""
        caller.require(Permission.ADMINISTER)
        tenant = await tenants.update(
            caller.tenant_id,
            TenantChanges(committees=data.committees),
            metadata=event_metadata(caller),
        )
        return Response(Committees(committees=tenant.committees))
