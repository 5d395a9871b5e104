"""The Tenant aggregate (a municipality on the shared deployment) and host claims."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden, NotFound
from tenants.maps import MapTiles, map_tiles
from tenants.values import (
    BUILT_IN_LANGUAGES,
    DEFAULT_FRONT_PAGE,
    DEFAULT_MIN_GROUP_SIZE,
    default_public_url,
)

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids")


def tenant_stream_id(slug: str) -> UUID:
    """A tenant's stream id follows from its slug, so a second create of a slug conflicts."""
    return uuid5(_NAMESPACE, f"tenant:{slug}")


def host_claim_id(host: str) -> UUID:
    return uuid5(_NAMESPACE, f"host:{host}")


class Tenant(Aggregate):
    """A municipality: its name, hosts, language, branding, and whether it is suspended."""

    @staticmethod
    def create_id(slug: str, name: str, default_language: str) -> UUID:
        return tenant_stream_id(slug)

    @event("Created")
    def __init__(self, slug: str, name: str, default_language: str) -> None:
        self.slug = slug
        self.name = name
        self.default_language = default_language
        self.hosts: list[str] = []
        self.suspended = False
        self.suspension_reason: str | None = None
        self.primary_colour: str | None = None
        self.secondary_colour: str | None = None
        self.background_colour: str | None = None
        self.background_image_url: str | None = None
        self.welcome_text: str | None = None
        self.logo_sha256: str | None = None
        self.logo_content_type: str | None = None
        self.committees: list[str] = []
        self.public_url: str | None = None
        self.min_group_size = DEFAULT_MIN_GROUP_SIZE
        self.steering_group: list[str] = []
        self.languages: list[str] = list(BUILT_IN_LANGUAGES)
        self.front_page: list[str] = list(DEFAULT_FRONT_PAGE)
        self.featured_dialogs: list[str] = []
        self.hero_image_sha256: str | None = None
        self.hero_image_content_type: str | None = None
        self.hero_video_url: str | None = None
        self.background_image_sha256: str | None = None
        self.background_image_content_type: str | None = None
        self.default_comments = "everyone"
        self.default_images = False
        self.default_anonymous = True
        self.default_premoderation = False
        self.allowed_origins: list[str] = []
        self.link_templates: dict[str, str] = {}
        self.map_tiles: MapTiles | None = None

    @event("TenantDetailsChanged")
    def change_details(self, name: str, default_language: str) -> None:
        self.name = name
        self.default_language = default_language

    @event("MinimumGroupSizeChanged")
    def change_min_group_size(self, min_group_size: int) -> None:
        """The smallest group whose count the tenant's results show (small cells are hidden)."""
        self.min_group_size = min_group_size

    @event("PublicUrlChanged")
    def change_public_url(self, public_url: str) -> None:
        """Where the municipality's pages live: every link Tinget sends points there."""
        self.public_url = public_url

    @property
    def link_base(self) -> str | None:
        """The base of every link to this tenant: its public URL, else its first host."""
        return self.public_url or default_public_url(self.hosts)

    def add_host(self, host: str) -> None:
        if host in self.hosts:
            raise Conflict(f"host {host!r} already belongs to this tenant", field="host")
        self._host_added(host)

    @event("HostAdded")
    def _host_added(self, host: str) -> None:
        self.hosts.append(host)

    def remove_host(self, host: str) -> None:
        """Stop serving the tenant at ``host`` (its claim is released beside this event)."""
        if host not in self.hosts:
            raise NotFound(f"the host {host!r} is not one of this tenant's")
        self._host_removed(host)

    @event("HostRemoved")
    def _host_removed(self, host: str) -> None:
        self.hosts.remove(host)

    @event("BrandingChanged")
    def change_branding(
        self,
        primary_colour: str | None,
        secondary_colour: str | None,
        background_colour: str | None,
        background_image_url: str | None,
        welcome_text: str | None,
    ) -> None:
        self.primary_colour = primary_colour
        self.secondary_colour = secondary_colour
        self.background_colour = background_colour
        self.background_image_url = background_image_url
        self.welcome_text = welcome_text

    @event("LogoChanged")
    def change_logo(self, sha256: str, content_type: str, size: int) -> None:
        self.logo_sha256 = sha256
        self.logo_content_type = content_type

    @event("CommitteesChanged")
    def change_committees(self, committees: list[str]) -> None:
        """The municipality's committees (Transport, Education, ...), which dialogs belong to."""
        self.committees = committees

    @event("SteeringGroupChanged")
    def change_steering_group(self, members: list[str]) -> None:
        """The people (ids) who approve what the municipality asks its citizens in a survey;
        none: any administrator who wrote none of it (services/surveys/domain.py)."""
        self.steering_group = members

    @event("LanguagesChanged")
    def change_languages(self, languages: list[str]) -> None:
        """The languages the municipality offers (built-in ones); its default is among them."""
        self.languages = languages

    @event("FrontPageChanged")
    def change_front_page(self, sections: list[str], featured_dialogs: list[str]) -> None:
        """The front page's sections in order, and the dialogs (ids) it features."""
        self.front_page = sections
        self.featured_dialogs = featured_dialogs

    @event("HeroChanged")
    def change_hero(
        self, image_sha256: str | None, image_content_type: str | None, video_url: str | None
    ) -> None:
        """The front page's hero: an uploaded photo (an asset) or a video link, or neither."""
        self.hero_image_sha256 = image_sha256
        self.hero_image_content_type = image_content_type
        self.hero_video_url = video_url

    @event("BackgroundImageChanged")
    def change_background_image(self, sha256: str, content_type: str, size: int) -> None:
        """An uploaded background image (an asset), re-encoded without metadata."""
        self.background_image_sha256 = sha256
        self.background_image_content_type = content_type

    @event("DialogDefaultsChanged")
    def change_dialog_defaults(
        self, comments: str, images: bool, anonymous: bool, premoderation: bool
    ) -> None:
        """The settings a new dialog takes where its administrator leaves them out."""
        self.default_comments = comments
        self.default_images = images
        self.default_anonymous = anonymous
        self.default_premoderation = premoderation

    @event("AllowedOriginsChanged")
    def change_allowed_origins(self, origins: list[str]) -> None:
        """The web origins (scheme://host[:port]) whose pages may call Tinget from a browser."""
        self.allowed_origins = origins

    @event("LinkTemplatesChanged")
    def change_link_templates(self, templates: dict[str, str]) -> None:
        """Where the links of each kind in the tenant's e-mails point (tenants/links.py), when
        it runs its own front end; a kind left out links to the tenant's public URL."""
        self.link_templates = templates

    @event("MapChanged")
    def change_map(
        self,
        tile_url: str | None,
        attribution: str | None,
        latitude: float | None,
        longitude: float | None,
        zoom: int | None,
    ) -> None:
        """The tile server the problem report widget's map loads its tiles from, and where the
        map opens (tenants/maps.py); all None: no map, and no tiles loaded from anyone."""
        self.map_tiles = map_tiles(tile_url, attribution, latitude, longitude, zoom)

    def suspend(self, reason: str) -> None:
        if self.suspended:
            raise Conflict("the tenant is suspended already")
        self._suspended(reason)

    @event("TenantSuspended")
    def _suspended(self, reason: str) -> None:
        self.suspended = True
        self.suspension_reason = reason

    def resume(self) -> None:
        if not self.suspended:
            raise Conflict("the tenant is not suspended")
        self._resumed()

    @event("TenantResumed")
    def _resumed(self) -> None:
        self.suspended = False
        self.suspension_reason = None

    def ensure_active(self) -> None:
        if self.suspended:
            raise Forbidden(f"tenant {self.slug!r} is suspended: {self.suspension_reason}")


class HostClaim(Aggregate):
    """A host name held by one tenant; kept in the platform stream so no two tenants share it."""

    @staticmethod
    def create_id(host: str, tenant_id: str) -> UUID:
        return host_claim_id(host)

    @event("HostClaimed")
    def __init__(self, host: str, tenant_id: str) -> None:
        self.host = host
        self.tenant_id = tenant_id
        self.released = False

    @property
    def held(self) -> bool:
        """Whether a tenant holds the host now (a released claim leaves it free)."""
        return not getattr(self, "released", False)

    def release(self) -> None:
        """The tenant gave the host up: any tenant may claim it from now on."""
        if not self.held:
            raise Conflict(f"the host {self.host!r} is free already", field="host")
        self._released()

    @event("HostReleased")
    def _released(self) -> None:
        self.released = True

    def claim(self, tenant_id: str) -> None:
        """A released host claimed again, by ``tenant_id`` (perhaps another tenant)."""
        if self.held:
            raise Conflict(f"the host {self.host!r} belongs to a tenant already", field="host")
        self._reclaimed(tenant_id)

    @event("HostReclaimed")
    def _reclaimed(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.released = False
