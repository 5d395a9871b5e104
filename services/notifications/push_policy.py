"""Where web push may go: only to the browsers' own push services, never into our network.

A push subscription's endpoint comes from a browser, that is from anyone with an account, and
the sender POSTs to it. So an endpoint is taken only when it is an ``https`` URL on the default
port whose host is one of the configured push services (``TINGET_PUSH_SERVICES``, host
suffixes), with no user name and no IP literal; and when sending, the host's addresses are
resolved and checked (no loopback, private, link-local, shared (CGNAT), unique-local,
multicast, unspecified or reserved address), and the connection goes to the checked address,
so a DNS answer that changes between the check and the connection cannot move it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

from events.errors import InvalidInput
from services.notifications.push_services import DEFAULT_PUSH_SERVICES

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # shared address space (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 behind a NAT64 gateway (RFC 6052)
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class UnsafeEndpoint(Exception):
    """The endpoint leads somewhere push must not go; the reason names no endpoint."""


def parse_services(text: str) -> tuple[str, ...]:
    """``TINGET_PUSH_SERVICES``: comma-separated host names, each allowed with its subdomains."""
    services = tuple(s.strip().lower().rstrip(".") for s in text.split(",") if s.strip())
    for service in services:
        if not _HOST_NAME.fullmatch(service) or _ip(service) is not None:
            raise ValueError(f"TINGET_PUSH_SERVICES: {service!r} is not a host name")
    if not services:
        raise ValueError("TINGET_PUSH_SERVICES names no push service")
    return services


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why push must not connect to ``address``, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.version == 4 and address in _CGNAT, "a shared (CGNAT) address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private or not address.is_global, "a private address"),
    )
    return next((why for bad, why in checks if bad), None)


@dataclass(frozen=True)
class PushPolicy:
    """Which endpoints are taken and which addresses push connects to.

    ``loopback_for_tests`` is for tests only (never read from the environment): it also takes
    ``http``/``https`` endpoints with any port on 127.0.0.1, ::1 or localhost, and lets push
    connect to loopback addresses, so tests can run a push service on a local port.
    """

    services: tuple[str, ...] = DEFAULT_PUSH_SERVICES
    loopback_for_tests: bool = False

    def known_service(self, host: str) -> bool:
        return any(host == s or host.endswith("." + s) for s in self.services)

    def check_endpoint(self, endpoint: str) -> str:
        """The endpoint, or ``InvalidInput("endpoint", why)``."""
        try:
            parts = urlsplit(endpoint)
            host = parts.hostname or ""
            port = parts.port
        except ValueError:
            raise InvalidInput("endpoint", "is not a URL") from None
        if any(c.isspace() or c == "\\" or not c.isprintable() for c in endpoint):
            raise InvalidInput("endpoint", "is not a URL")
        if self.loopback_for_tests and host in _LOOPBACK_NAMES:
            if parts.scheme not in ("http", "https") or parts.username or parts.password:
                raise InvalidInput("endpoint", "must be an http(s) URL of the test push service")
            return endpoint
        if parts.scheme != "https" or not host:
            raise InvalidInput("endpoint", "must be an https URL of a push service")
        if "@" in parts.netloc:
            raise InvalidInput("endpoint", "must not carry a user name or password")
        if _ip(host) is not None:
            raise InvalidInput("endpoint", "must name its push service, not an IP address")
        if port is not None or parts.netloc.lower() != host:
            raise InvalidInput("endpoint", "must use the default https port")
        if not self.known_service(host):
            raise InvalidInput("endpoint", f"{host} is not a known browser push service")
        return endpoint

    def check_address(self, address: str) -> str | None:
        """Why push must not connect to ``address``, or None."""
        ip = _ip(address)
        if ip is None:
            return "not an IP address"
        if self.loopback_for_tests and ip.is_loopback:
            return None
        return refused_address(ip)


class VettedResolver(AbstractResolver):
    """Resolves a push service's host and gives aiohttp only its checked addresses: when any
    address the name resolves to is refused, nothing is connected to (``UnsafeEndpoint``)."""

    def __init__(self, policy: PushPolicy) -> None:
        self.policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=family)
        found: list[ResolveResult] = []
        for af, _, proto, _, sockaddr in infos:
            address = str(sockaddr[0])
            why = self.policy.check_address(address)
            if why is not None:
                raise UnsafeEndpoint(f"the push service {host} resolves to {why}")
            found.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=int(sockaddr[1]),
                    family=af,
                    proto=proto,
                    flags=_NUMERIC,
                )
            )
        if not found:
            raise UnsafeEndpoint(f"the push service {host} has no address")
        return found

    async def close(self) -> None:
        pass
