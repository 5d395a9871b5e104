"""A municipality's branding: read by everyone as JSON, changed by its administrators, and its
pictures (logo, hero photo, background image) served as cacheable assets."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET, Meta, UnsetType

from events.errors import InvalidInput
from gateway.content import (
    IMAGE_ANSWERS,
    NOT_MODIFIED,
    alternative_answers_operation,
    raw_body_operation,
)
from gateway.edge import Injected
from gateway.images import UPLOAD_TYPES, content_addressed
from gateway.problems import ProblemError, problems
from services.dialogs.domain import Status
from services.dialogs.service import DialogService
from services.identity.access import Caller, Permission, event_metadata
from services.media.clean import clean_image
from services.media.images import MAX_IMAGE_BYTES, is_sha256
from tenants.assets import AssetStore
from tenants.directory import TenantEntry
from tenants.domain import Tenant
from tenants.service import TenantChanges, TenantService


class Hero(msgspec.Struct, kw_only=True):
    """The front page's hero: an uploaded photo or a video link (one of them, or neither)."""

    image_url: str | None
    video_url: str | None


class FrontPage(msgspec.Struct, kw_only=True):
    sections: list[str]  # in the order the front page shows them
    featured_dialogs: list[UUID]


class MapView(msgspec.Struct, kw_only=True):
    """The map the problem report widget shows to pick a place on: the tile server the
    municipality chose (its tiles are the only images the widget loads from it) and where the
    map opens."""

    tile_url: str  # an https URL template with {z}, {x} and {y}
    attribution: str  # plain text, shown on the map
    latitude: float
    longitude: float
    zoom: int


class Branding(msgspec.Struct, kw_only=True):
    tenant: str
    name: str
    default_language: str
    primary_colour: str | None
    secondary_colour: str | None
    background_colour: str | None
    background_image_url: str | None
    welcome_text: str | None
    logo_url: str | None
    hero: Hero
    front_page: FrontPage
    map: MapView | None  # null: no map (the default), no tiles loaded from anyone


class FrontPageChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # each of welcome, featured-dialogs, open-dialogs-by-committee, results-and-decisions once
    sections: (
        Annotated[list[Annotated[str, Meta(max_length=50)]], Meta(max_length=10)] | UnsetType
    ) = UNSET
    featured_dialogs: Annotated[list[UUID], Meta(max_length=12)] | UnsetType = UNSET


Colour = Annotated[str, Meta(max_length=50)]


class BrandingChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial change of the branding: fields left out stay as they are; ``null`` clears a
    colour, the welcome text or the hero video. Pictures are uploaded on their own routes."""

    name: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    primary_colour: Colour | UnsetType | None = UNSET
    secondary_colour: Colour | UnsetType | None = UNSET
    background_colour: Colour | UnsetType | None = UNSET
    welcome_text: Annotated[str, Meta(max_length=2000)] | UnsetType | None = UNSET
    hero_video_url: Annotated[str, Meta(max_length=500)] | UnsetType | None = UNSET
    front_page: FrontPageChange | UnsetType = UNSET


def _asset(sha256: str | None) -> str | None:
    return None if not sha256 else f"/api/v1/branding/assets/{sha256}"


def branding_of(entry: TenantEntry | Tenant, tenant_id: str) -> Branding:
    """The branding as the directory (reads) or the aggregate (a change's answer) holds it."""
    return Branding(
        tenant=tenant_id,
        name=entry.name,
        default_language=entry.default_language,
        primary_colour=entry.primary_colour,
        secondary_colour=entry.secondary_colour,
        background_colour=entry.background_colour,
        background_image_url=_asset(entry.background_image_sha256) or entry.background_image_url,
        welcome_text=entry.welcome_text,
        logo_url=f"/api/v1/branding/logo?v={entry.logo_sha256[:16]}" if entry.logo_sha256 else None,
        hero=Hero(image_url=_asset(entry.hero_image_sha256), video_url=entry.hero_video_url),
        front_page=FrontPage(
            sections=list(entry.front_page),
            featured_dialogs=[UUID(d) for d in entry.featured_dialogs],
        ),
        map=None if entry.map_tiles is None else MapView(**msgspec.structs.asdict(entry.map_tiles)),
    )


async def featurable(dialogs: DialogService, tenant_id: str, given: list[UUID]) -> list[str]:
    """The featured dialogs, each a published, open-to-all dialog of this tenant (422 naming
    the one that is not: another tenant's id is simply unknown here)."""
    checked: list[str] = []
    for i, dialog_id in enumerate(given):
        field = f"front_page.featured_dialogs[{i}]"
        if str(dialog_id) in checked:
            raise InvalidInput(field, "is listed twice")
        found = await dialogs.repository.store.read_stream(tenant_id, dialog_id)
        if not found or found[0].event_type != "DialogDrafted":
            raise InvalidInput(field, f"no dialog {dialog_id} in this municipality")
        dialog = await dialogs.get(tenant_id, dialog_id)
        if dialog.details.invite_only:
            raise InvalidInput(field, "an invite-only dialog cannot be featured on the front page")
        if dialog.status is Status.DRAFT:
            raise InvalidInput(field, "a draft cannot be featured: publish it first")
        checked.append(str(dialog_id))
    return checked


class BrandingController(Controller):
    path = "/api/v1/branding"
    tags = ["branding"]

    @get(
        "/",
        operation_id="getBranding",
        summary="Read the municipality's branding",
        responses=problems(),
        sync_to_thread=False,
    )
    def branding(self, tenant: NamedDependency[TenantEntry]) -> Response[Branding]:
        """The municipality's name, colours, pictures, welcome text, hero and front page."""
        body = branding_of(tenant, tenant.tenant_id)
        return Response(body, headers={"Cache-Control": "public, max-age=60"})

    @put(
        "/",
        operation_id="updateBranding",
        summary="Change the municipality's branding",
        responses=problems(409, 422),
    )
    async def update(
        self,
        tenants: Injected[TenantService],
        dialogs: Injected[DialogService],
        caller: NamedDependency[Caller],
        data: JSONBody[BrandingChange],
    ) -> Branding:
        """Change the name, colours (``#RRGGBB``), welcome text, hero video and front page
        (administrators). Fields left out stay as they are. A hero video is an https link to a
        known player (YouTube, Vimeo, Dream Broker) and replaces a hero photo. The front page
        lists its sections in order, each once, and features published dialogs of this
        municipality open to everyone. Everything is checked before anything is recorded: a
        422 names the field and changes nothing."""
        caller.require(Permission.ADMINISTER)
        changes = TenantChanges(
            name=data.name,
            primary_colour=data.primary_colour,
            secondary_colour=data.secondary_colour,
            background_colour=data.background_colour,
            welcome_text=data.welcome_text,
            hero_video_url=data.hero_video_url,
        )
        if not isinstance(data.front_page, UnsetType):
            if not isinstance(data.front_page.sections, UnsetType):
                changes.front_page = list(data.front_page.sections)
            if not isinstance(data.front_page.featured_dialogs, UnsetType):
                changes.featured_dialogs = await featurable(
                    dialogs, caller.tenant_id, data.front_page.featured_dialogs
                )
        tenant = await tenants.update(caller.tenant_id, changes, metadata=event_metadata(caller))
        return branding_of(tenant, caller.tenant_id)

    @get(
        "/logo",
        operation_id="getLogo",
        summary="Download the municipality's logo",
        media_type="application/octet-stream",
        responses={**problems(), 304: NOT_MODIFIED},
        operation_class=alternative_answers_operation("200", IMAGE_ANSWERS),
    )
    async def logo(
        self,
        tenant: NamedDependency[TenantEntry],
        assets: Injected[AssetStore],
        request: Request[Any, Any, Any],
    ) -> Response[bytes]:
        """The logo, with an ETag of its content hash; answers 304 when the client has it."""
        if not tenant.logo_sha256:
            raise ProblemError(404, "No logo", f"{tenant.name} has no logo", kind="not-found")
        etag = f'"{tenant.logo_sha256}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300, must-revalidate"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        found = await assets.get(tenant.tenant_id, tenant.logo_sha256)
        if found is None:
            raise ProblemError(404, "No logo", "the logo's bytes are missing", kind="not-found")
        content_type, content = found
        return Response(content, media_type=content_type, headers=headers)

    @put(
        "/logo",
        operation_id="uploadLogo",
        summary="Upload the municipality's logo",
        responses=problems(409, 422),
        request_max_body_size=MAX_IMAGE_BYTES,
        opt={"accepts": UPLOAD_TYPES},
        operation_class=raw_body_operation(
            *UPLOAD_TYPES, description="The logo's bytes: JPEG, PNG or WebP, at most 512 KiB"
        ),
    )
    async def upload_logo(
        self,
        tenants: Injected[TenantService],
        caller: NamedDependency[Caller],
        request: Request[Any, Any, Any],
    ) -> Branding:
        """Upload the logo (administrators): decoded, re-encoded and stripped of metadata; 422
        naming ``logo`` for bytes that are not a JPEG, PNG or WebP image or too large."""
        caller.require(Permission.ADMINISTER)
        content = await request.body()
        tenant = await tenants.set_logo(caller.tenant_id, content, metadata=event_metadata(caller))
        return branding_of(tenant, caller.tenant_id)

    @put(
        "/hero-image",
        operation_id="uploadHeroImage",
        summary="Upload the front page's hero photo",
        responses=problems(409, 422),
        request_max_body_size=MAX_IMAGE_BYTES,
        opt={"accepts": UPLOAD_TYPES},
        operation_class=raw_body_operation(
            *UPLOAD_TYPES, description="The photo's bytes: JPEG, PNG or WebP, at most 5 MiB"
        ),
    )
    async def upload_hero(
        self,
        tenants: Injected[TenantService],
        caller: NamedDependency[Caller],
        request: Request[Any, Any, Any],
    ) -> Branding:
        """Upload the hero photo (administrators), which replaces a hero video: decoded,
        re-encoded and stripped of metadata; 422 naming ``hero_image`` for bytes that are not
        an image."""
        return await _picture(tenants, caller, request, "hero_image")

    @put(
        "/background-image",
        operation_id="uploadBackgroundImage",
        summary="Upload the pages' background image",
        responses=problems(409, 422),
        request_max_body_size=MAX_IMAGE_BYTES,
        opt={"accepts": UPLOAD_TYPES},
        operation_class=raw_body_operation(
            *UPLOAD_TYPES, description="The image's bytes: JPEG, PNG or WebP, at most 5 MiB"
        ),
    )
    async def upload_background(
        self,
        tenants: Injected[TenantService],
        caller: NamedDependency[Caller],
        request: Request[Any, Any, Any],
    ) -> Branding:
        """Upload the background image (administrators): decoded, re-encoded and stripped of
        metadata; 422 naming ``background_image`` for bytes that are not an image."""
        return await _picture(tenants, caller, request, "background_image")

    @get(
        "/assets/{sha256:str}",
        operation_id="getBrandingAsset",
        summary="Download a picture of the branding",
        media_type="application/octet-stream",
        responses={**problems(), 304: NOT_MODIFIED},
        operation_class=alternative_answers_operation("200", IMAGE_ANSWERS),
    )
    async def asset(
        self,
        tenant: NamedDependency[TenantEntry],
        assets: Injected[AssetStore],
        request: Request[Any, Any, Any],
        sha256: FromPath[str],
    ) -> Response[bytes]:
        """A hero photo or background image of this municipality, by its content hash: it
        never changes, so it caches for a year."""
        missing = ProblemError(404, "No picture", "no picture has this id", kind="not-found")
        if not is_sha256(sha256):
            raise missing
        return await content_addressed(
            request,
            sha256,
            lambda: assets.get(tenant.tenant_id, sha256),
            shared=True,
            missing=missing,
        )


async def _picture(
    tenants: TenantService, caller: Caller, request: Request[Any, Any, Any], slot: str
) -> Branding:
    caller.require(Permission.ADMINISTER)
    picture = await clean_image(await request.body(), slot, max_bytes=MAX_IMAGE_BYTES)
    tenant = await tenants.set_picture(
        caller.tenant_id, slot, picture, metadata=event_metadata(caller)
    )
    return branding_of(tenant, caller.tenant_id)
