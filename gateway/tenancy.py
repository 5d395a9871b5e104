"""Finds the tenant of a request from its Host header, through the tenant directory
(``tenants.directory.TenantHosts``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from async_lru import alru_cache

from gateway.problems import ProblemError, bad_host
from tenants.directory import TenantEntry

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(
    rf"(?P<host>\[[0-9a-f:.]{{2,45}}\]|{_LABEL}(?:\.{_LABEL})*)\.?(?::(?P<port>[0-9]{{1,5}}))?"
)


def host_of(header: str) -> str:
    """The host name of a Host header, without port, lowercased.

    Only a host name, an IPv4 address or a bracketed IPv6 address with an optional port is a
    Host header here; anything else (``localhost:x@attacker.example``, a path, spaces, an
    empty header) is a 400 problem naming ``host``, so no odd spelling can pass for a tenant's
    host.
    """
    found = _HOST.fullmatch(header.lower())
    if found is None or len(header) > 260 or int(found.group("port") or 0) > 65535:
        raise bad_host()
    return found.group("host")


class TenantResolver:
    """Host to tenant, cached for a short time so a new or changed tenant shows up quickly."""

    def __init__(
        self, read: Callable[[str], Awaitable[TenantEntry | None]], ttl: float = 2.0
    ) -> None:
        self._read = read
        self.ttl = ttl
        # When an entry expires, one read refreshes it for every request waiting on it.
        self.lookup = alru_cache(maxsize=10_000, ttl=ttl)(self._entry_at)
        # The entry last resolved at each host, for what must be answered without waiting:
        # the language of a problem document (gateway/problem_texts.py).
        self.recent: dict[str, TenantEntry] = {}

    async def _entry_at(self, host: str) -> TenantEntry | None:
        return await self._read(host)

    async def resolve(self, host_header: str | None) -> TenantEntry:
        host = host_of(host_header or "")
        entry = await self.lookup(host)
        if entry is not None:
            if len(self.recent) >= 10_000 and host not in self.recent:
                self.recent.clear()
            self.recent[host] = entry
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
