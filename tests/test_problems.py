"""Problem documents for refusals naming one or several fields, and for text PostgreSQL
cannot store, on small apps with the gateway's exception handlers."""

from __future__ import annotations

import asyncpg
from litestar import Litestar, get
from litestar.params import FromQuery
from litestar.testing import AsyncTestClient, create_test_client

from events.errors import InvalidInput
from gateway.problems import EXCEPTION_HANDLERS


@get("/one", sync_to_thread=False)
def one() -> None:
    raise InvalidInput("title", "must not be empty")


@get("/several", sync_to_thread=False)
def several() -> None:
    raise InvalidInput.of(
        [("answers.q1", "is required"), ("answers.q4", "must be at most 5"), ("answers.x", "no")]
    )


def test_a_refusal_names_each_field_it_is_about() -> None:
    with create_test_client([one, several], exception_handlers=EXCEPTION_HANDLERS) as client:
        single = client.get("/one")
        many = client.get("/several")

    assert single.status_code == 422
    assert single.json()["field"] == "title"
    assert single.json()["errors"] == [{"field": "title", "reason": "must not be empty"}]
    assert single.json()["detail"] == "title: must not be empty"
    assert many.status_code == 422
    assert many.headers["content-type"].startswith("application/problem+json")
    assert many.json()["field"] == "answers.q1"
    assert many.json()["detail"] == "answers.q1: is required (and 2 more)"
    assert many.json()["errors"] == [
        {"field": "answers.q1", "reason": "is required"},
        {"field": "answers.q4", "reason": "must be at most 5"},
        {"field": "answers.x", "reason": "no"},
    ]


async def test_text_postgresql_cannot_store_is_the_callers_422_not_our_500(
    database_url: str,
) -> None:
    """The checks before the database refuse a NUL character in every parameter and body
    field they know (tests/security/test_bodies_http.py); one that still reaches PostgreSQL
    (its real error, from a real query) is answered as the caller's bad input."""

    @get("/echo")
    async def echo(text: FromQuery[str]) -> str:
        conn = await asyncpg.connect(database_url)
        try:
            found: str = await conn.fetchval("SELECT $1::text", text)
        finally:
            await conn.close()
        return found

    app = Litestar([echo], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        refused = await client.get("/echo", params={"text": "a\x00b"})
        fine = await client.get("/echo", params={"text": "ab"})

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/invalid-input")
    assert "cannot be stored" in refused.json()["detail"]
    assert fine.status_code == 200
