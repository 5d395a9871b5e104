"""Commands on tenants, for the consultants who onboard municipalities (CLI and HTTP)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, EventMetadata, Repository
from tenants import links, maps, values
from tenants.assets import AssetStore, CleanLogo, LogoCleaner
from tenants.domain import HostClaim, Tenant, host_claim_id, tenant_stream_id
from tenants.maps import MapTiles
from tenants.values import PLATFORM_TENANT

UNSET = msgspec.UNSET


class TenantChanges(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial update: fields left out stay as they are; ``None`` clears a branding field."""

    name: str | msgspec.UnsetType = UNSET
    default_language: str | msgspec.UnsetType = UNSET
    primary_colour: str | msgspec.UnsetType | None = UNSET
    secondary_colour: str | msgspec.UnsetType | None = UNSET
    background_colour: str | msgspec.UnsetType | None = UNSET
    background_image_url: str | msgspec.UnsetType | None = UNSET
    welcome_text: str | msgspec.UnsetType | None = UNSET
    committees: list[str] | msgspec.UnsetType = UNSET
    public_url: str | msgspec.UnsetType = UNSET
    min_group_size: int | msgspec.UnsetType = UNSET
    languages: list[str] | msgspec.UnsetType = UNSET
    front_page: list[str] | msgspec.UnsetType = UNSET
    featured_dialogs: list[str] | msgspec.UnsetType = UNSET  # ids the caller checked exist
    hero_video_url: str | msgspec.UnsetType | None = UNSET
    default_comments: str | msgspec.UnsetType = UNSET
    default_images: bool | msgspec.UnsetType = UNSET
    default_anonymous: bool | msgspec.UnsetType = UNSET
    default_premoderation: bool | msgspec.UnsetType = UNSET
    allowed_origins: list[str] | msgspec.UnsetType = UNSET
    # kind -> URL template, replacing every template the tenant had (tenants/links.py)
    link_templates: dict[str, str] | msgspec.UnsetType = UNSET
    # the problem report widget's map (tenants/maps.py); None takes the map away
    map_tiles: MapTiles | msgspec.UnsetType | None = UNSET


_DEFAULTS = ("comments", "images", "anonymous", "premoderation")
PICTURE_SLOTS = ("hero_image", "background_image")


_BRANDING = (
    "primary_colour",
    "secondary_colour",
    "background_colour",
    "background_image_url",
    "welcome_text",
)


def _clean_branding(field: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if field.endswith("_colour"):
        return values.colour(value, field)
    if field.endswith("_url"):
        return values.url(value, field)
    return values.text(value, field, max_length=2000)


class TenantService:
    def __init__(self, repository: Repository, assets: AssetStore, clean_logo: LogoCleaner) -> None:
        self.repository = repository
        self.assets = assets
        self.clean_logo = clean_logo

    async def get(self, slug: str) -> Tenant:
        try:
            return await self.repository.get(slug, Tenant, tenant_stream_id(slug))
        except AggregateNotFound:
            raise NotFound(f"no tenant {slug!r}") from None

    async def create(
        self,
        slug: str,
        name: str,
        default_language: str = "sv",
        hosts: Sequence[str] = (),
        metadata: EventMetadata | None = None,
        public_url: str | None = None,
    ) -> Tenant:
        """A new tenant. Its public URL, where every link it sends points, is ``public_url``,
        else https on its first host."""
        slug = values.slug(slug)
        tenant = Tenant(
            slug=slug,
            name=values.text(name, "name", max_length=200),
            default_language=values.offered_language(default_language),
        )
        checked_url = None if public_url is None else values.public_url(public_url)
        if await self._exists(slug):
            raise Conflict(f"the slug {slug!r} is taken", field="slug")
        claims = await self._claims(tenant, hosts, listed=True)
        if (url := checked_url or tenant.link_base) is not None:
            tenant.change_public_url(url)
        try:
            await self.repository.save_across(
                [(slug, tenant), *[(PLATFORM_TENANT, c) for c in claims]], metadata
            )
        except ConcurrencyConflict:
            if await self._exists(slug):
                raise Conflict(f"the slug {slug!r} is taken", field="slug") from None
            raise Conflict(
                "a host was claimed by another tenant meanwhile", field="hosts"
            ) from None
        return tenant

    async def add_host(self, slug: str, host: str, metadata: EventMetadata | None = None) -> Tenant:
        tenant = await self.get(slug)
        claims = await self._claims(tenant, [host])
        await self._save_with_claims(tenant, claims, metadata)
        return tenant

    async def remove_host(
        self, slug: str, host: str, metadata: EventMetadata | None = None
    ) -> Tenant:
        """Stop serving the tenant at ``host`` and release the host's claim in the same
        transaction, so another tenant may claim it. A tenant keeps at least one host."""
        tenant = await self.get(slug)
        name = values.host(host, "host")
        if name not in tenant.hosts:
            raise NotFound(f"the host {name!r} is not one of tenant {slug!r}'s")
        if len(tenant.hosts) == 1:
            raise Conflict("a tenant keeps at least one host: add another first", field="host")
        claim = await self._claim_of(name)
        tenant.remove_host(name)
        released: list[HostClaim] = []
        if claim is not None and claim.held and claim.tenant_id == slug:
            claim.release()
            released.append(claim)
        await self._save_with_claims(tenant, released, metadata)
        return tenant

    async def update(
        self, slug: str, changes: TenantChanges, metadata: EventMetadata | None = None
    ) -> Tenant:
        tenant = await self.get(slug)
        name = tenant.name
        if changes.name is not UNSET:
            name = values.text(changes.name, "name", max_length=200)
        language = tenant.default_language
        if changes.default_language is not UNSET:
            language = values.offered_language(changes.default_language)
        branding = {f: getattr(tenant, f) for f in _BRANDING}
        for field in _BRANDING:
            value = getattr(changes, field)
            if value is not UNSET:
                branding[field] = _clean_branding(field, value)
        offered = tenant.languages
        if changes.languages is not UNSET:
            offered = values.languages(changes.languages)
        if language not in offered and (
            changes.languages is not UNSET or changes.default_language is not UNSET
        ):
            field = "default_language" if changes.default_language is not UNSET else "languages"
            raise InvalidInput(
                field, f"the default language {language!r} must be among the languages offered"
            )
        sections, featured = tenant.front_page, tenant.featured_dialogs
        if changes.front_page is not UNSET:
            sections = values.front_page(changes.front_page)
        if changes.featured_dialogs is not UNSET:
            featured = list(changes.featured_dialogs)
            if len(featured) > values.MAX_FEATURED_DIALOGS:
                raise InvalidInput(
                    "front_page.featured_dialogs",
                    f"at most {values.MAX_FEATURED_DIALOGS} featured dialogs",
                )
        video = tenant.hero_video_url
        if changes.hero_video_url is not UNSET:
            video = None if not changes.hero_video_url else values.video_url(changes.hero_video_url)
        defaults = {f: getattr(tenant, f"default_{f}") for f in _DEFAULTS}
        for field in _DEFAULTS:
            value = getattr(changes, f"default_{field}")
            if value is not UNSET:
                defaults[field] = value
        if defaults["comments"] not in values.COMMENTING:
            raise InvalidInput(
                "dialog_defaults.comments", f"must be one of {', '.join(values.COMMENTING)}"
            )
        origins = tenant.allowed_origins
        if changes.allowed_origins is not UNSET:
            origins = values.origins(changes.allowed_origins)
        committees = tenant.committees
        if changes.committees is not UNSET:
            committees = values.committees(changes.committees)
        smallest = tenant.min_group_size
        if changes.min_group_size is not UNSET:
            smallest = values.min_group_size(changes.min_group_size)
        url = tenant.public_url
        if changes.public_url is not UNSET:
            url = values.public_url(changes.public_url)
        templates = tenant.link_templates
        if changes.link_templates is not UNSET:
            templates = links.check_templates(changes.link_templates)
        tiles = tenant.map_tiles
        if changes.map_tiles is not UNSET:
            tiles = None if changes.map_tiles is None else maps.check(changes.map_tiles)
        # Everything is checked: from here on the changes are recorded, all or none.
        if committees != tenant.committees:
            tenant.change_committees(committees)
        if smallest != tenant.min_group_size:
            tenant.change_min_group_size(smallest)
        if url is not None and url != tenant.public_url:
            tenant.change_public_url(url)
        if (name, language) != (tenant.name, tenant.default_language):
            tenant.change_details(name=name, default_language=language)
        if offered != tenant.languages:
            tenant.change_languages(offered)
        if (sections, featured) != (tenant.front_page, tenant.featured_dialogs):
            tenant.change_front_page(sections=sections, featured_dialogs=featured)
        if video != tenant.hero_video_url:
            keep = video is None  # clearing the video leaves the photo; a video replaces it
            tenant.change_hero(
                image_sha256=tenant.hero_image_sha256 if keep else None,
                image_content_type=tenant.hero_image_content_type if keep else None,
                video_url=video,
            )
        if any(defaults[f] != getattr(tenant, f"default_{f}") for f in _DEFAULTS):
            tenant.change_dialog_defaults(**defaults)
        if origins != tenant.allowed_origins:
            tenant.change_allowed_origins(origins)
        if templates != tenant.link_templates:
            tenant.change_link_templates(templates)
        if tiles != tenant.map_tiles:
            tenant.change_map(
                tile_url=None if tiles is None else tiles.tile_url,
                attribution=None if tiles is None else tiles.attribution,
                latitude=None if tiles is None else tiles.latitude,
                longitude=None if tiles is None else tiles.longitude,
                zoom=None if tiles is None else tiles.zoom,
            )
        if any(branding[f] != getattr(tenant, f) for f in _BRANDING):
            tenant.change_branding(**branding)
        await self._save_with_claims(tenant, [], metadata)
        return tenant

    async def set_logo(
        self, slug: str, content: bytes, metadata: EventMetadata | None = None
    ) -> Tenant:
        """Set the tenant's logo: stored re-encoded, without metadata, named by those bytes."""
        logo = await self.clean_logo(content)
        tenant = await self.get(slug)
        digest = await self.assets.put(slug, logo.content, logo.content_type)
        if digest != tenant.logo_sha256:
            tenant.change_logo(
                sha256=digest, content_type=logo.content_type, size=len(logo.content)
            )
            await self._save_with_claims(tenant, [], metadata)
        return tenant

    async def set_picture(
        self, slug: str, slot: str, picture: CleanLogo, metadata: EventMetadata | None = None
    ) -> Tenant:
        """Set the front page's hero photo (``hero_image``, which replaces a hero video) or
        its background image (``background_image``), cleaned already by the image pipeline
        (decoded, re-encoded, metadata stripped)."""
        if slot not in PICTURE_SLOTS:
            raise InvalidInput("slot", f"must be one of {', '.join(PICTURE_SLOTS)}")
        tenant = await self.get(slug)
        digest = await self.assets.put(slug, picture.content, picture.content_type)
        if slot == "hero_image":
            if (digest, None) != (tenant.hero_image_sha256, tenant.hero_video_url):
                tenant.change_hero(
                    image_sha256=digest, image_content_type=picture.content_type, video_url=None
                )
        elif digest != tenant.background_image_sha256:
            tenant.change_background_image(
                sha256=digest, content_type=picture.content_type, size=len(picture.content)
            )
        await self._save_with_claims(tenant, [], metadata)
        return tenant

    async def suspend(
        self, slug: str, reason: str, metadata: EventMetadata | None = None
    ) -> Tenant:
        tenant = await self.get(slug)
        tenant.suspend(values.text(reason, "reason", max_length=500))
        await self._save_with_claims(tenant, [], metadata)
        return tenant

    async def resume(self, slug: str, metadata: EventMetadata | None = None) -> Tenant:
        tenant = await self.get(slug)
        tenant.resume()
        await self._save_with_claims(tenant, [], metadata)
        return tenant

    async def _exists(self, slug: str) -> bool:
        return bool(await self.repository.store.read_stream(slug, tenant_stream_id(slug)))

    async def _claims(
        self, tenant: Tenant, hosts: Sequence[str], *, listed: bool = False
    ) -> list[HostClaim]:
        """The claims of ``hosts`` for ``tenant`` (new, or a released one claimed again),
        each host added to the tenant; saved together with the tenant, so a host taken
        meanwhile fails the whole save and nothing is half-written."""
        claims: list[HostClaim] = []
        seen: set[str] = set()
        for i, raw in enumerate(hosts):
            field = f"hosts[{i}]" if listed or len(hosts) != 1 else "host"
            host = values.host(raw, field)
            if host in seen:
                raise InvalidInput(field, f"{host!r} is listed twice")
            seen.add(host)
            claim = await self._claim_of(host)
            if claim is not None and claim.held:
                raise Conflict(f"the host {host!r} belongs to a tenant already", field=field)
            tenant.add_host(host)
            if claim is None:
                claim = HostClaim(host=host, tenant_id=tenant.slug)
            else:
                claim.claim(tenant.slug)
            claims.append(claim)
        return claims

    async def _claim_of(self, host: str) -> HostClaim | None:
        try:
            return await self.repository.get(PLATFORM_TENANT, HostClaim, host_claim_id(host))
        except AggregateNotFound:
            return None

    async def _save_with_claims(
        self, tenant: Tenant, claims: list[HostClaim], metadata: EventMetadata | None
    ) -> None:
        try:
            await self.repository.save_across(
                [(tenant.slug, tenant), *[(PLATFORM_TENANT, c) for c in claims]], metadata
            )
        except ConcurrencyConflict:
            raise Conflict("the tenant was changed by someone else meanwhile; try again") from None
