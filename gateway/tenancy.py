"""Finds the tenant of a request from its Host header, through the tenant directory."""

from __future__ import annotations

import asyncpg
import msgspec
from async_lru import alru_cache

from gateway.problems import ProblemError
from tenants.directory import TenantEntry


def host_of(header: str) -> str:
    """The host name of a Host header, without port, lowercased."""
    value = header.strip().lower()
    if value.startswith("["):  # an IPv6 literal
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TenantResolver:
    """Host to tenant, cached for a short time so a new or changed tenant shows up quickly."""

    def __init__(self, pool: asyncpg.Pool, ttl: float = 2.0) -> None:
        self.pool = pool
        self.ttl = ttl
        # When an entry expires, one query refreshes it for every request waiting on it.
        self.lookup = alru_cache(maxsize=10_000, ttl=ttl)(self._read)

    async def _read(self, host: str) -> TenantEntry | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT d.* FROM tenant_hosts h JOIN tenant_directory d USING (tenant_id)"
                " WHERE h.host = $1",
                host,
            )
        return None if row is None else msgspec.convert(dict(row), TenantEntry)

    async def resolve(self, host_header: str | None) -> TenantEntry:
        host = host_of(host_header or "")
        entry = await self.lookup(host) if host else None
        if entry is None:
            raise ProblemError(
                404,
                "Unknown tenant",
                f"no municipality is served at host {host!r}",
                kind="unknown-tenant",
            )
        if entry.status == "suspended":
            raise ProblemError(
                403,
                "Tenant suspended",
                f"{entry.name} is suspended: {entry.suspension_reason or 'no reason given'}",
                kind="tenant-suspended",
            )
        return entry
