"""Access tokens: what is accepted, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from events.errors import Unauthenticated
from services.identity.access import Role, SignIn
from services.identity.keys import Keys
from services.identity.tokens import Tokens

TOKENS = Tokens(Keys(b"a-test-secret-of-enough-length-0123456789"))


def _claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "tinget",
        "aud": "lund",
        "sub": str(uuid.uuid4()),
        "role": "participant",
        "sin": "device",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_an_issued_token_names_its_caller() -> None:
    person = uuid.uuid4()
    issued = TOKENS.issue("lund", person, Role.MODERATOR, SignIn.EMAIL)

    caller = TOKENS.verify(issued.token, "lund")

    assert (caller.tenant_id, caller.person_id, caller.role) == ("lund", person, Role.MODERATOR)


def test_a_platform_token_works_on_every_tenant() -> None:
    issued = TOKENS.issue_platform(uuid.uuid4(), Role.CONSULTANT)

    assert TOKENS.verify(issued.token, "lund").role is Role.CONSULTANT
    assert TOKENS.verify(issued.token, "malmo").tenant_id == "malmo"


def _tampered() -> str:
    header, _, signature = TOKENS.issue(
        "lund", uuid.uuid4(), Role.PARTICIPANT, SignIn.DEVICE
    ).token.split(".")
    payload = _b64(json.dumps(_claims(role="administrator")).encode())
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda: TOKENS.issue("malmo", uuid.uuid4(), Role.PARTICIPANT, SignIn.DEVICE).token,
            "not issued by",
        ),
        (
            lambda: jwt.encode(
                _claims(exp=int(time.time()) - 600),
                TOKENS.keys.token_key("lund"),
                algorithm="HS256",
            ),
            "expired",
        ),
        (lambda: jwt.encode(_claims(), "", algorithm="none"), "HS256"),
        (lambda: jwt.encode(_claims(), TOKENS.keys.token_key("lund"), algorithm="HS512"), "HS256"),
        (
            lambda: jwt.encode(
                _claims(),
                TOKENS.keys.token_key("lund"),
                algorithm="HS256",
                headers={"kid": "platform"},
            ),
            "not issued by",
        ),
        (
            lambda: jwt.encode(
                _claims(aud="malmo"), TOKENS.keys.token_key("lund"), algorithm="HS256"
            ),
            "another municipality",
        ),
        (
            lambda: jwt.encode(
                _claims(role="consultant"), TOKENS.keys.token_key("lund"), algorithm="HS256"
            ),
            "role",
        ),
        (
            lambda: jwt.encode(
                _claims(iat=int(time.time()) + 3600),
                TOKENS.keys.token_key("lund"),
                algorithm="HS256",
            ),
            "not valid yet",
        ),
        (
            lambda: jwt.encode({"aud": "lund"}, TOKENS.keys.token_key("lund"), algorithm="HS256"),
            "claims",
        ),
        (_tampered, "not issued by"),
        (lambda: "a.b", "malformed"),
        (lambda: "!!!.e30.abc", "malformed"),
    ],
)
def test_tokens_that_are_refused(make: object, reason: str) -> None:
    assert callable(make)
    with pytest.raises(Unauthenticated, match=reason):
        TOKENS.verify(make(), "lund")
