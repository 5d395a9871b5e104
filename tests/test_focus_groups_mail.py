"""Focus group invitations by e-mail through a real SMTP server: the PIN goes out in the
municipality's language, and when the server refuses an address the invitees before it are
members, the one refused and those after it are not, and inviting them again later works."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from services.identity.access import Role
from tests.api import Town, staff_token
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def test_an_invitation_by_e_mail_and_a_refused_address(
    client: httpx.AsyncClient, platform: Platform, town: Town, smtp: SmtpServer
) -> None:
    h = town.headers
    moderator = await staff_token(platform, town, "moderator@town.example", Role.MODERATOR)
    created = await client.post(
        "/api/v1/focus-groups/", json={"title": "Trygg skolväg"}, headers=h(moderator)
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/focus-groups/{created.json()['id']}"

    invited = await client.post(
        f"{url}/participants",
        json={"invitees": [{"email": "anna@home.example", "name": "Anna"}]},
        headers=h(moderator),
    )
    assert invited.status_code == 200, invited.text
    pin = invited.json()["invited"][0]["pin"]
    mail = smtp.inbox.messages()[-1]
    assert mail["To"] == "anna@home.example"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert pin in text
    assert "Trygg skolväg" in str(mail["Subject"]) + text
    assert re.search(r"https?://[^/\s]*" + re.escape(town.host), text)  # the tenant's own address

    smtp.inbox.refuse_rcpt = "550 5.1.1 No such mailbox"
    refused = await client.post(
        f"{url}/participants",
        json={"invitees": [{"name": "Bo"}, {"email": "nobody@home.example"}, {"name": "Cia"}]},
        headers=h(moderator),
    )
    assert refused.status_code == 503, refused.text
    assert "invitees[1]" in refused.json()["detail"]
    view = (await client.get(url, headers=h(moderator))).json()
    assert sorted(m["pseudonym"] for m in view["members"] if m["pseudonym"]) == [
        "Deltagare 1",
        "Deltagare 2",  # Bo, invited before the refused address
    ]

    smtp.inbox.refuse_rcpt = None
    again = await client.post(
        f"{url}/participants",
        json={"invitees": [{"email": "nobody@home.example"}, {"name": "Cia"}]},
        headers=h(moderator),
    )
    assert again.status_code == 200, again.text
    assert [i["pseudonym"] for i in again.json()["invited"]] == ["Deltagare 3", "Deltagare 4"]
