"""The client's address: the TCP peer, or what trusted proxies say it was.

Behind the ingress every request comes from the proxy's address, so rate limits keyed by the
peer would count a whole municipality as one client. Forwarding headers are believed only when
the peer is one of ``TINGET_TRUSTED_PROXIES``: then ``X-Forwarded-For`` (or, without it,
RFC 7239 ``Forwarded``) is walked from the right, skipping the trusted proxies, and the first
address that is not one of them is the client. Entries to its left are the client's own claims
and are never read. A header a trusted proxy wrote that cannot be read gives the peer; a header
from any other peer is ignored, whatever it says.

``X-Forwarded-For`` wins when both are present: it is what ingress-nginx, the cloud load
balancers, HAProxy and Traefik maintain, and they pass a client's ``Forwarded`` on untouched.
A proxy that maintains ``Forwarded`` alone must drop a client's ``X-Forwarded-For``.

No litestar here: the configuration parses the proxy list with this module too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "unknown"  # no peer address (a Unix socket)
_MAX_HEADER = 4096  # longer forwarding headers are not parsed: the peer is used


def parse_networks(text: str, variable: str = "TINGET_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Comma-separated CIDRs (or single addresses); a bad one is a ValueError naming it."""
    networks: list[Network] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{variable}: {item!r} is not an address range (CIDR)") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    """An address as a forwarding header writes it: bare, with a port, or IPv6 in brackets."""
    value = text.strip().strip('"')
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or (end + 1 < len(value) and not value[end + 1 :].startswith(":")):
            return None
        value = value[1:end]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _split(value: str, separator: str) -> list[str]:
    """``value`` split at ``separator`` outside double quotes (RFC 7239 quoted strings)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _forwarded_for(element: str) -> str | None:
    """The ``for`` parameter of one RFC 7239 element, or None if it has none."""
    for pair in _split(element, ";"):
        name, equals, value = pair.partition("=")
        if equals and name.strip().lower() == "for":
            return value.strip()
    return None


@dataclass(frozen=True)
class TrustedProxies:
    """The address ranges whose forwarding headers are believed (none by default)."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        return cls(parse_networks(text))

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def client(self, peer: str | None, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """The client's address for a request from ``peer`` with these (raw ASGI) headers."""
        if peer is None:
            return UNKNOWN
        peer_address = _address(peer)
        if peer_address is None or not self.networks or not self.trusts(peer_address):
            return str(peer_address) if peer_address is not None else peer
        x_forwarded: list[str] = []
        forwarded: list[str] = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"x-forwarded-for":
                x_forwarded.append(value.decode("latin-1"))
            elif lowered == b"forwarded":
                forwarded.append(value.decode("latin-1"))
        if x_forwarded:
            joined = ",".join(x_forwarded)
            hops: Sequence[str | None] | None = (
                None if len(joined) > _MAX_HEADER else joined.split(",")
            )
        elif forwarded:
            joined = ",".join(forwarded)
            hops = (
                None
                if len(joined) > _MAX_HEADER
                else [_forwarded_for(element) for element in _split(joined, ",")]
            )
        else:
            return str(peer_address)
        found = self._walk(hops)
        return str(peer_address) if found is None else str(found)

    def _walk(self, hops: Sequence[str | None] | None) -> Address | None:
        """From the right: the first hop that is not a trusted proxy; None if a hop that
        must be read cannot be (the peer is used then)."""
        if not hops:
            return None
        last: Address | None = None
        for hop in reversed(hops):
            address = None if hop is None else _address(hop)
            if address is None:
                return None
            if not self.trusts(address):
                return address
            last = address
        return last  # every hop a trusted proxy: the farthest one
