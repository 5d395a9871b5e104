"""Commands on tenants, for the consultants who onboard municipalities (CLI and HTTP)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, EventMetadata, Repository
from tenants import values
from tenants.assets import AssetStore, LogoCleaner
from tenants.domain import HostClaim, Tenant, host_claim_id, tenant_stream_id
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
        if (name, language) != (tenant.name, tenant.default_language):
            tenant.change_details(name=name, default_language=language)
        if any(branding[f] != getattr(tenant, f) for f in _BRANDING):
            tenant.change_branding(**branding)
        if changes.public_url is not UNSET:
            url = values.public_url(changes.public_url)
            if url != tenant.public_url:
                tenant.change_public_url(url)
        if changes.committees is not UNSET:
            committees = values.committees(changes.committees)
            if committees != tenant.committees:
                tenant.change_committees(committees)
        if changes.min_group_size is not UNSET:
            smallest = values.min_group_size(changes.min_group_size)
            if smallest != tenant.min_group_size:
                tenant.change_min_group_size(smallest)
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
