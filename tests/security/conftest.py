"""Fixtures of the security suite: rate limits high enough that generated and randomised
requests reach the code behind them instead of stopping at 429."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from services.identity.service import Limits
from tinget.app import build_app
from tinget.bootstrap import Addresses, open_platform

GENEROUS = Limits(
    sign_in_per_address=(100_000, 60),
    sign_in_per_tenant=(100_000, 60),
    links_per_email=(100_000, 60),
    attempts_per_pin=(100_000, 60),
    devices_per_address=(100_000, 60),
    devices_per_dialog_address=(100_000, 60),
    posts_per_person=(100_000, 60),
    images_per_person=(100_000, 60),
)


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    return dataclasses.replace(addresses, limits=GENEROUS)


@pytest.fixture
async def other_gateway(platform_addresses: Addresses) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway process's app: its own caches, the same database."""
    async with open_platform(platform_addresses, with_nats=False, pool_size=2) as second:
        transport = httpx.ASGITransport(app=build_app(second))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
