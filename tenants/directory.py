"""The tenant directory: a read model of every tenant, its hosts and branding.

``evolve`` is a pure function from (entry, event) to the next entry; ``TenantDirectory.apply``
loads the entries a batch touches, folds the batch over them in memory and writes each touched
entry once, which keeps rebuilds fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from events.codec import Codec
from events.model import RecordedEvent
from tenants import values
from tenants.maps import MapTiles, map_tiles


class TenantEntry(msgspec.Struct, kw_only=True):
    tenant_id: str
    name: str
    default_language: str
    status: str = "active"
    suspension_reason: str | None = None
    hosts: list[str] = msgspec.field(default_factory=list)
    primary_colour: str | None = None
    secondary_colour: str | None = None
    background_colour: str | None = None
    background_image_url: str | None = None
    welcome_text: str | None = None
    logo_sha256: str | None = None
    logo_content_type: str | None = None
    committees: list[str] = msgspec.field(default_factory=list)
    public_url: str | None = None
    min_group_size: int = values.DEFAULT_MIN_GROUP_SIZE
    languages: list[str] = msgspec.field(default_factory=lambda: list(values.BUILT_IN_LANGUAGES))
    front_page: list[str] = msgspec.field(default_factory=lambda: list(values.DEFAULT_FRONT_PAGE))
    featured_dialogs: list[str] = msgspec.field(default_factory=list)
    hero_image_sha256: str | None = None
    hero_image_content_type: str | None = None
    hero_video_url: str | None = None
    background_image_sha256: str | None = None
    background_image_content_type: str | None = None
    default_comments: str = "everyone"
    default_images: bool = False
    default_anonymous: bool = True
    default_premoderation: bool = False
    allowed_origins: list[str] = msgspec.field(default_factory=list)
    link_templates: dict[str, str] = msgspec.field(default_factory=dict)
    map_tiles: MapTiles | None = None
    created_at: datetime
    updated_at: datetime


_COLUMNS = tuple(TenantEntry.__struct_fields__)
_JSON_COLUMNS = frozenset({"link_templates", "map_tiles"})  # jsonb, written and read as JSON text


def _column(entry: TenantEntry, column: str) -> Any:
    value = getattr(entry, column)
    if column in _JSON_COLUMNS and value is not None:
        return msgspec.json.encode(value).decode()
    return value


def entry_of(row: Mapping[str, Any]) -> TenantEntry:
    """A ``tenant_directory`` row as its entry."""
    found = dict(row)
    for column in _JSON_COLUMNS & found.keys():
        if isinstance(found[column], str):
            found[column] = msgspec.json.decode(found[column])
    return msgspec.convert(found, TenantEntry)


def link_base(entry: TenantEntry) -> str | None:
    """Where every link to this tenant points: its configured public URL (tenants made before
    public URLs existed: https on their first host). Never the request's Host header."""
    return entry.public_url or values.default_public_url(entry.hosts)


def evolve(
    entry: TenantEntry | None, tenant_id: str, event_type: str, event: Any
) -> TenantEntry | None:
    """The directory entry after ``event``, a decoded Tenant event named ``event_type``."""
    if event_type == "TenantCreated":
        return TenantEntry(
            tenant_id=tenant_id,
            name=event.name,
            default_language=event.default_language,
            created_at=event.timestamp,
            updated_at=event.timestamp,
        )
    if entry is None:
        return None
    changes: dict[str, Any] = {"updated_at": event.timestamp}
    match event_type:
        case "TenantDetailsChanged":
            changes.update(name=event.name, default_language=event.default_language)
        case "HostAdded":
            changes["hosts"] = [*entry.hosts, event.host]
        case "HostRemoved":
            changes["hosts"] = [h for h in entry.hosts if h != event.host]
        case "BrandingChanged":
            changes.update(
                primary_colour=event.primary_colour,
                secondary_colour=event.secondary_colour,
                background_colour=event.background_colour,
                background_image_url=event.background_image_url,
                welcome_text=event.welcome_text,
            )
        case "LogoChanged":
            changes.update(logo_sha256=event.sha256, logo_content_type=event.content_type)
        case "CommitteesChanged":
            changes["committees"] = list(event.committees)
        case "PublicUrlChanged":
            changes["public_url"] = event.public_url
        case "MinimumGroupSizeChanged":
            changes["min_group_size"] = event.min_group_size
        case "LanguagesChanged":
            changes["languages"] = list(event.languages)
        case "FrontPageChanged":
            changes.update(
                front_page=list(event.sections), featured_dialogs=list(event.featured_dialogs)
            )
        case "HeroChanged":
            changes.update(
                hero_image_sha256=event.image_sha256,
                hero_image_content_type=event.image_content_type,
                hero_video_url=event.video_url,
            )
        case "BackgroundImageChanged":
            changes.update(
                background_image_sha256=event.sha256,
                background_image_content_type=event.content_type,
            )
        case "DialogDefaultsChanged":
            changes.update(
                default_comments=event.comments,
                default_images=event.images,
                default_anonymous=event.anonymous,
                default_premoderation=event.premoderation,
            )
        case "AllowedOriginsChanged":
            changes["allowed_origins"] = list(event.origins)
        case "LinkTemplatesChanged":
            changes["link_templates"] = dict(event.templates)
        case "MapChanged":
            changes["map_tiles"] = map_tiles(
                event.tile_url, event.attribution, event.latitude, event.longitude, event.zoom
            )
        case "TenantSuspended":
            changes.update(status="suspended", suspension_reason=event.reason)
        case "TenantResumed":
            changes.update(status="active", suspension_reason=None)
    return msgspec.structs.replace(entry, **changes)


class TenantDirectory:
    name: str = "tenant_directory"
    event_types: frozenset[str] = frozenset(
        {
            "TenantCreated",
            "TenantDetailsChanged",
            "HostAdded",
            "HostRemoved",
            "BrandingChanged",
            "LogoChanged",
            "CommitteesChanged",
            "PublicUrlChanged",
            "MinimumGroupSizeChanged",
            "LanguagesChanged",
            "FrontPageChanged",
            "HeroChanged",
            "BackgroundImageChanged",
            "DialogDefaultsChanged",
            "AllowedOriginsChanged",
            "LinkTemplatesChanged",
            "MapChanged",
            "TenantSuspended",
            "TenantResumed",
        }
    )
    tables: tuple[str, ...] = ("tenant_directory", "tenant_hosts")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        tenants = sorted({e.tenant_id for e in events})
        rows = await conn.fetch(
            "SELECT * FROM tenant_directory WHERE tenant_id = ANY($1::text[])", tenants
        )
        entries: dict[str, TenantEntry | None] = {r["tenant_id"]: entry_of(r) for r in rows}
        touched: set[str] = set()
        for recorded in events:
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            entries[recorded.tenant_id] = evolve(
                entries.get(recorded.tenant_id), recorded.tenant_id, recorded.event_type, event
            )
            touched.add(recorded.tenant_id)
        changed = [e for t in sorted(touched) if (e := entries.get(t)) is not None]
        if not changed:
            return
        placeholders = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "tenant_id")
        await conn.executemany(
            f"INSERT INTO tenant_directory ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
            f" ON CONFLICT (tenant_id) DO UPDATE SET {updates}",
            [tuple(_column(e, c) for c in _COLUMNS) for e in changed],
        )
        # A host removed from a tenant serves it no more; one moved to another tenant in this
        # batch is then written for that tenant below.
        await conn.execute(
            "DELETE FROM tenant_hosts h WHERE h.tenant_id = ANY($1::text[]) AND NOT EXISTS ("
            " SELECT 1 FROM unnest($2::text[], $3::text[]) AS k(host, tenant_id)"
            " WHERE k.host = h.host AND k.tenant_id = h.tenant_id)",
            [e.tenant_id for e in changed],
            [h for e in changed for h in e.hosts],
            [e.tenant_id for e in changed for _ in e.hosts],
        )
        await conn.execute(
            "INSERT INTO tenant_hosts (host, tenant_id)"
            " SELECT unnest($1::text[]), unnest($2::text[])"
            " ON CONFLICT (host) DO UPDATE SET tenant_id = excluded.tenant_id",
            [h for e in changed for h in e.hosts],
            [e.tenant_id for e in changed for _ in e.hosts],
        )


class TenantHosts:
    """Which tenant a host serves, from the directory, on the request role's pool (the
    directory and the hosts are readable by every tenant's requests)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def entry_at(self, host: str) -> TenantEntry | None:
        """The directory entry of the tenant served at ``host`` (lowercase, no port)."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT d.* FROM tenant_hosts h JOIN tenant_directory d USING (tenant_id)"
                " WHERE h.host = $1",
                host,
            )
        return None if row is None else entry_of(row)

    async def entries(self) -> list[TenantEntry]:
        """Every tenant's directory entry, by slug (the platform's list of tenants)."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT * FROM tenant_directory ORDER BY tenant_id")
        return [entry_of(r) for r in rows]
