"""The client's address from forwarding headers: believed only from trusted proxies, walked
from the right, the peer when a trusted proxy's header cannot be read."""

from __future__ import annotations

import pytest

from gateway.forwarding import TrustedProxies, parse_networks
from tinget.config import Settings

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.1, fd00::/8")
PROXY = "10.0.0.7"


def client(peer: str | None, *headers: tuple[str, str], proxies: TrustedProxies = PROXIES) -> str:
    raw = [(name.encode(), value.encode("latin-1")) for name, value in headers]
    return proxies.client(peer, raw)


def xff(value: str) -> tuple[str, str]:
    return ("X-Forwarded-For", value)


def fwd(value: str) -> tuple[str, str]:
    return ("Forwarded", value)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() -> None:
    nobody = TrustedProxies()

    assert client(PROXY, xff("203.0.113.9"), proxies=nobody) == PROXY
    assert client(PROXY, fwd("for=203.0.113.9"), proxies=nobody) == PROXY


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client("198.51.100.4", xff("203.0.113.9")) == "198.51.100.4"
    assert client("198.51.100.4", xff("10.0.0.1, 203.0.113.9")) == "198.51.100.4"
    assert client("198.51.100.4", fwd("for=203.0.113.9")) == "198.51.100.4"
    assert client("2001:db8::5", xff("203.0.113.9")) == "2001:db8::5"


def test_a_trusted_peer_gives_the_address_it_forwarded() -> None:
    assert client(PROXY, xff("203.0.113.9")) == "203.0.113.9"
    assert client(PROXY, ("x-forwarded-for", " 203.0.113.9 ")) == "203.0.113.9"
    assert client(PROXY) == PROXY  # no header: the proxy itself asked


def test_a_chain_is_walked_from_the_right_past_trusted_proxies_only() -> None:
    # The client claimed 1.2.3.4; the edge proxy appended the real client; an inner proxy
    # (trusted) appended the edge proxy.
    assert client(PROXY, xff("1.2.3.4, 203.0.113.9, 10.1.2.3")) == "203.0.113.9"
    assert client(PROXY, xff("1.2.3.4, 203.0.113.9, 192.168.1.1, 10.1.2.3")) == "203.0.113.9"
    # Several header lines are one list, in order.
    assert client(PROXY, xff("1.2.3.4"), xff("203.0.113.9, 10.1.2.3")) == "203.0.113.9"
    # Every hop a trusted proxy: the farthest.
    assert client(PROXY, xff("10.9.9.9, 10.1.2.3")) == "10.9.9.9"


def test_the_clients_own_claims_left_of_the_first_untrusted_hop_are_never_read() -> None:
    assert client(PROXY, xff("not an address, 203.0.113.9")) == "203.0.113.9"
    assert client(PROXY, xff("10.0.0.1, 203.0.113.9")) == "203.0.113.9"


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "garbage",
        "203.0.113.9, garbage",
        "203.0.113.9,",
        "999.1.1.1",
        "203.0.113.9; rm -rf",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "unknown",
        "1.2.3.4, " + "9" * 5000,
        "203.0.113.9\x00",
    ],
)
def test_a_header_from_a_trusted_peer_that_cannot_be_read_gives_the_peer(value: str) -> None:
    assert client(PROXY, xff(value)) == PROXY


def test_ipv6_clients_and_proxies() -> None:
    assert client(PROXY, xff("2001:db8:cafe::17")) == "2001:db8:cafe::17"
    assert client(PROXY, xff("[2001:db8:cafe::17]:4711")) == "2001:db8:cafe::17"
    assert client(PROXY, xff("2001:DB8:CAFE:0:0:0:0:17")) == "2001:db8:cafe::17"
    assert client("fd00::1", xff("2001:db8::9, fd12::3")) == "2001:db8::9"
    assert client("::ffff:10.0.0.7", xff("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client(PROXY, xff("203.0.113.9:51000")) == "203.0.113.9"


def test_rfc_7239_forwarded() -> None:
    assert client(PROXY, fwd("for=203.0.113.9")) == "203.0.113.9"
    assert client(PROXY, fwd('For="[2001:db8:cafe::17]:4711";proto=https')) == "2001:db8:cafe::17"
    assert client(PROXY, fwd("for=1.2.3.4, for=203.0.113.9;by=10.0.0.7, for=10.1.1.1")) == (
        "203.0.113.9"
    )
    assert client(PROXY, fwd('for=203.0.113.9;host="a,b"')) == "203.0.113.9"
    assert client(PROXY, fwd("for=unknown")) == PROXY
    assert client(PROXY, fwd("for=_hidden")) == PROXY
    assert client(PROXY, fwd("proto=https")) == PROXY
    assert client(PROXY, fwd("for")) == PROXY


def test_x_forwarded_for_wins_over_forwarded_which_a_proxy_may_pass_on_untouched() -> None:
    assert client(PROXY, fwd("for=1.2.3.4"), xff("203.0.113.9")) == "203.0.113.9"


def test_no_peer_or_an_odd_peer() -> None:
    assert client(None, xff("203.0.113.9")) == "unknown"
    assert client("testclient", xff("203.0.113.9")) == "testclient"


def test_the_proxy_list_is_read_from_the_environment_and_checked() -> None:
    assert Settings.from_env({}).trusted_proxies == TrustedProxies()
    settings = Settings.from_env({"TINGET_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32 ,"})
    assert [str(n) for n in settings.trusted_proxies.networks] == ["10.0.0.0/8", "2001:db8::/32"]
    with pytest.raises(ValueError, match="TINGET_TRUSTED_PROXIES: 'ten' is not"):
        Settings.from_env({"TINGET_TRUSTED_PROXIES": "10.0.0.0/8,ten"})
    assert parse_networks("10.0.0.1/8")[0].prefixlen == 8  # host bits set: the range meant
