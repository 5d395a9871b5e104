"""Sign-in over HTTP: codes work once and expire, sign-in is rate limited, PINs are checked."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest

from services.identity.records import normalise_pin
from services.identity.service import Limits
from tests.api import Town
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    return dataclasses.replace(addresses, limits=Limits(sign_in_per_address=(5, 60)))


async def test_an_expired_sign_in_link_is_refused(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    person_id = await platform.identity.people.by_email(town.slug, "eva@example.se")
    code = await platform.identity.codes.create(
        town.slug, "email-link", person_id, timedelta(seconds=-1)
    )

    response = await client.post(
        "/api/v1/sign-in/email/redeem", json={"code": code}, headers=town.headers(language="en")
    )

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_sign_in_attempts_are_rate_limited(client: httpx.AsyncClient, town: Town) -> None:
    statuses = [
        (
            await client.post(
                "/api/v1/sign-in/pin", json={"pin": "ABCD-EFGH-JK"}, headers=town.headers()
            )
        ).status_code
        for _ in range(6)
    ]

    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429


async def test_a_pin_of_the_wrong_shape_names_the_field(
    client: httpx.AsyncClient, town: Town
) -> None:
    response = await client.post(
        "/api/v1/sign-in/pin", json={"pin": "1234"}, headers=town.headers()
    )

    assert response.status_code == 422
    assert response.json()["field"] == "pin"


def test_pins_are_read_as_people_type_them() -> None:
    assert normalise_pin("abcd efgh jk") == "ABCD-EFGH-JK"
    assert normalise_pin("0OIL-1234-56") == "0011-1234-56"
    assert normalise_pin("ABCD-EFGH-J") == ""
    assert normalise_pin("ABCD-EFGH-J!") == ""


async def test_a_sign_in_link_request_does_not_tell_whether_an_address_is_known(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    await platform.identity.people.by_email(town.slug, "known@example.se")
    known = await client.post(
        "/api/v1/sign-in/email", json={"email": "known@example.se"}, headers=town.headers()
    )
    unknown = await client.post(
        "/api/v1/sign-in/email", json={"email": "new@example.se"}, headers=town.headers()
    )
    invalid = await client.post(
        "/api/v1/sign-in/email", json={"email": "no-at-sign"}, headers=town.headers()
    )

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "email"
    mails = sorted((platform.addresses.data_dir / "mail").glob("*.eml"))
    assert len(mails) == 2  # the embedded mode writes mail as files
