"""Aggregates and kind policies in memory: no PostgreSQL, no NATS, no services.

Nothing here asks for the fixtures of ``tests/conftest.py`` (all of which are requested by
name, none autouse), so these tests run without any server.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest

from tests.domain import gwt


@pytest.fixture
def author() -> UUID:
    return uuid4()


@pytest.fixture
def someone() -> UUID:
    return uuid4()


@pytest.fixture(autouse=True)
def _forget_histories() -> Iterator[None]:
    """Each test starts with no remembered aggregate histories (see ``gwt.given``)."""
    yield
    gwt.forget()
