"""Running a municipality (its administrators, and consultants acting as administrator): the
staff (list, invite by e-mail, take off the staff), the settings (committees, languages,
minimum group size, defaults of new dialogs, gamification on or off) and the web origins
allowed to call Tinget from a browser (CORS, gateway/cors.py). A role is changed by
``changeRole`` (gateway/identity.py); the branding by gateway/branding.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET, Meta, UnsetType

from gateway.edge import Injected
from gateway.problems import problems
from services.dialogs.domain import Commenting
from services.gamification.service import GamificationService
from services.identity.access import Caller, Permission, event_metadata
from services.identity.service import IdentityService
from tenants.directory import TenantEntry
from tenants.domain import Tenant
from tenants.maps import MAX_ZOOM, MapTiles
from tenants.service import TenantChanges, TenantService
from tenants.staff import StaffQueries

StaffRole = Literal["moderator", "analyst", "administrator", "committee-member"]


class StaffMemberRow(msgspec.Struct, kw_only=True):
    person_id: UUID
    name: str | None
    email: str | None
    role: str
    since: datetime


class StaffPage(msgspec.Struct, kw_only=True):
    items: list[StaffMemberRow]


class StaffInvitation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, Meta(min_length=3, max_length=254)]
    role: StaffRole
    name: Annotated[str, Meta(max_length=200)] | None = None


class InvitedStaff(msgspec.Struct, kw_only=True):
    person_id: UUID
    role: str
    status: str
    detail: str


class RemovedStaff(msgspec.Struct, kw_only=True):
    person_id: UUID
    role: str  # what they are now: a participant
    detail: str


class DialogDefaults(msgspec.Struct, kw_only=True):
    """What a new dialog takes where its administrator leaves a setting out."""

    comments: str
    images: bool
    anonymous: bool
    premoderation: bool


class DialogDefaultsChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    comments: Commenting | UnsetType = UNSET
    images: bool | UnsetType = UNSET
    anonymous: bool | UnsetType = UNSET
    premoderation: bool | UnsetType = UNSET


class MapSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The map the problem report widget shows to pick a place on: the municipality's tile
    server (an https URL template with exactly ``{z}``, ``{x}`` and ``{y}``), the attribution
    its tiles ask for (plain text), and where the map opens."""

    tile_url: Annotated[str, Meta(min_length=1, max_length=500)]
    attribution: Annotated[str, Meta(min_length=1, max_length=300)]
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    zoom: Annotated[int, Meta(ge=0, le=MAX_ZOOM)]


def map_settings(tiles: MapTiles | None) -> MapSettings | None:
    if tiles is None:
        return None
    return MapSettings(
        tile_url=tiles.tile_url,
        attribution=tiles.attribution,
        latitude=tiles.latitude,
        longitude=tiles.longitude,
        zoom=tiles.zoom,
    )


class TenantSettings(msgspec.Struct, kw_only=True):
    committees: list[str]
    languages: list[str]
    default_language: str
    min_group_size: int
    dialog_defaults: DialogDefaults
    gamification: bool
    # where the links of each kind in the e-mails point (its own front end); none: public URL
    link_templates: dict[str, str]
    # the problem report widget's map: the tile server and the first view; null: no map
    map: MapSettings | None


class TenantSettingsChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial change of the settings: fields left out stay as they are."""

    committees: (
        Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=50)] | UnsetType
    ) = UNSET
    languages: Annotated[list[str], Meta(max_length=5)] | UnsetType = UNSET
    default_language: Annotated[str, Meta(max_length=20)] | UnsetType = UNSET
    min_group_size: int | UnsetType = UNSET
    dialog_defaults: DialogDefaultsChange | UnsetType = UNSET
    gamification: bool | UnsetType = UNSET
    link_templates: (
        Annotated[
            dict[Annotated[str, Meta(max_length=40)], Annotated[str, Meta(max_length=500)]],
            Meta(max_length=20),
        ]
        | UnsetType
    ) = UNSET
    map: MapSettings | UnsetType | None = UNSET


class AllowedOrigins(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    origins: Annotated[list[Annotated[str, Meta(max_length=300)]], Meta(max_length=20)]


def _settings(tenant: Tenant, gamification: bool) -> TenantSettings:
    return TenantSettings(
        committees=list(tenant.committees),
        languages=list(tenant.languages),
        default_language=tenant.default_language,
        min_group_size=tenant.min_group_size,
        dialog_defaults=DialogDefaults(
            comments=tenant.default_comments,
            images=tenant.default_images,
            anonymous=tenant.default_anonymous,
            premoderation=tenant.default_premoderation,
        ),
        gamification=gamification,
        link_templates=dict(tenant.link_templates),
        map=map_settings(tenant.map_tiles),
    )


class AdministrationController(Controller):
    path = "/api/v1"
    tags = ["administration"]

    @get(
        "/staff",
        operation_id="listStaff",
        summary="List the municipality's staff",
        responses=problems(),
    )
    async def staff(
        self, staff_list: Injected[StaffQueries], caller: NamedDependency[Caller]
    ) -> StaffPage:
        """Everyone on the staff (administrators, moderators, analysts, committee members)
        with name, e-mail address, role and since when (administrators). Ask with
        ``Tinget-Min-Position`` to see a change just made."""
        caller.require(Permission.ADMINISTER)
        members = await staff_list.staff(caller.tenant_id)
        return StaffPage(
            items=[
                StaffMemberRow(
                    person_id=m.person_id, name=m.name, email=m.email, role=m.role, since=m.since
                )
                for m in members
            ]
        )

    @post(
        "/staff/invitations",
        operation_id="inviteStaff",
        summary="Invite a staff member by e-mail",
        responses=problems(409, 422),
        status_code=201,
    )
    async def invite(
        self,
        identity: Injected[IdentityService],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        data: JSONBody[StaffInvitation],
    ) -> InvitedStaff:
        """Add a staff member with a role and e-mail them a sign-in link (administrators). They
        are on the staff at once; the link, on the municipality's configured public address
        (never the request's), signs them in once within 7 days. An address already on the
        staff in another role is a 409 (change the role instead)."""
        person_id, role = await identity.invite_staff(
            caller, tenant, data.email, data.role, data.name
        )
        return InvitedStaff(
            person_id=person_id,
            role=role.value,
            status="invited",
            detail="a sign-in link is on its way to the address",
        )

    @delete(
        "/staff/{person_id:uuid}",
        operation_id="removeStaff",
        summary="Take a person off the staff",
        responses=problems(409),
        status_code=200,
    )
    async def remove(
        self,
        identity: Injected[IdentityService],
        caller: NamedDependency[Caller],
        person_id: FromPath[UUID],
    ) -> RemovedStaff:
        """Take a staff member's role away (administrators): they are a participant from now
        on and every token they hold is refused from the next request. The last administrator
        cannot be removed (409)."""
        role = await identity.remove_staff(caller, person_id)
        return RemovedStaff(
            person_id=person_id, role=role.value, detail="off the staff; tokens revoked"
        )

    @get(
        "/settings",
        operation_id="getSettings",
        summary="Read the municipality's settings",
        responses=problems(),
    )
    async def settings(
        self,
        tenants: Injected[TenantService],
        gamification: Injected[GamificationService],
        caller: NamedDependency[Caller],
    ) -> TenantSettings:
        """Committees, languages offered and the default one, the minimum group size of
        published breakdowns, the defaults of new dialogs and whether gamification is on
        (administrators)."""
        caller.require(Permission.ADMINISTER)
        tenant = await tenants.get(caller.tenant_id)
        return _settings(tenant, (await gamification.rules(caller.tenant_id)).enabled)

    @put(
        "/settings",
        operation_id="updateSettings",
        summary="Change the municipality's settings",
        responses=problems(409, 422),
    )
    async def update_settings(
        self,
        tenants: Injected[TenantService],
        gamification: Injected[GamificationService],
        caller: NamedDependency[Caller],
        data: JSONBody[TenantSettingsChange],
    ) -> TenantSettings:
        """Change the settings (administrators); fields left out stay as they are. The
        languages are built-in ones (sv, da, nb, fi, en) and the default is among them; the
        minimum group size is 3 to 100. ``link_templates`` (it replaces every template) points
        the links of each kind in the e-mails at the municipality's own front end: an https
        URL template per kind (``sign-in``, ``pin-sign-in``, ``panel-invitation``, ``dialog``,
        ``post``, ``decision``, ``home``, ``unsubscribe``) with the kind's placeholders only
        (``https://www.lund.se/delta/login?code={code}``). ``map`` (``null`` takes it away)
        gives the problem report widget a map to pick the place on: the municipality's tile
        server as an https URL template with exactly ``{z}``, ``{x}`` and ``{y}`` after the host
        and no user name or password (``https://tiles.lund.se/{z}/{x}/{y}.png``), the
        attribution its tiles ask for (plain text) and where the map opens; without it the
        widget shows no map and loads no tiles from anyone. A 422 names the field
        (``link_templates.sign-in``, ``map.tile_url``) and changes nothing."""
        caller.require(Permission.ADMINISTER)
        changes = TenantChanges(
            committees=data.committees,
            languages=data.languages,
            default_language=data.default_language,
            min_group_size=data.min_group_size,
            link_templates=data.link_templates,
        )
        if not isinstance(data.map, UnsetType):
            changes.map_tiles = (
                None if data.map is None else MapTiles(**msgspec.structs.asdict(data.map))
            )
        if not isinstance(data.dialog_defaults, UnsetType):
            given = data.dialog_defaults
            if not isinstance(given.comments, UnsetType):
                changes.default_comments = given.comments.value
            changes.default_images = given.images
            changes.default_anonymous = given.anonymous
            changes.default_premoderation = given.premoderation
        tenant = await tenants.update(caller.tenant_id, changes, metadata=event_metadata(caller))
        if isinstance(data.gamification, UnsetType):
            enabled = (await gamification.rules(caller.tenant_id)).enabled
        else:
            enabled = (await gamification.switch(caller, data.gamification)).enabled
        return _settings(tenant, enabled)

    @get(
        "/allowed-origins",
        operation_id="getAllowedOrigins",
        summary="Read the origins allowed to call Tinget from a browser",
        responses=problems(),
    )
    async def origins(
        self, tenants: Injected[TenantService], caller: NamedDependency[Caller]
    ) -> AllowedOrigins:
        """The web origins whose pages may call this municipality's API from a browser
        (administrators)."""
        caller.require(Permission.ADMINISTER)
        return AllowedOrigins(origins=list((await tenants.get(caller.tenant_id)).allowed_origins))

    @put(
        "/allowed-origins",
        operation_id="setAllowedOrigins",
        summary="Set the origins allowed to call Tinget from a browser",
        responses=problems(409, 422),
    )
    async def set_origins(
        self,
        tenants: Injected[TenantService],
        caller: NamedDependency[Caller],
        data: JSONBody[AllowedOrigins],
    ) -> AllowedOrigins:
        """Replace the allowed origins (administrators): each exactly ``https://host[:port]``
        (http only for localhost), no path, no wildcard, at most 20. A browser page of one of
        them may call the API (CORS, without cookies: Tinget's tokens travel in the
        Authorization header); any other origin gets no CORS answer. Takes effect within a few
        seconds."""
        caller.require(Permission.ADMINISTER)
        tenant = await tenants.update(
            caller.tenant_id,
            TenantChanges(allowed_origins=data.origins),
            metadata=event_metadata(caller),
        )
        return AllowedOrigins(origins=list(tenant.allowed_origins))
