"""Problem documents for refusals naming one or several fields, without any server behind."""

from __future__ import annotations

from litestar import get
from litestar.testing import create_test_client

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
