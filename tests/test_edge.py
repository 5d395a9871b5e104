"""The gateway gets its services and queries injected by name: every handler's ``Injected``
parameter is provided by the composition root (tinget/app.py), or the app does not start. The
gateway itself runs no SQL and holds no pool: it imports neither asyncpg nor events.db."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Annotated, Any, cast, get_args, get_origin, get_type_hints

import pytest
from litestar import Controller
from litestar.di import Dependency
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import HTTPRouteHandler
from litestar.params import SkipValidationMarker

from gateway.app import create_app, provided
from gateway.edge import Edge
from tests.test_layers import ROOT, imported
from tinget.app import controllers, handed_over
from tinget.bootstrap import Platform


def injected_names() -> set[str]:
    """The parameters of the gateway's handlers marked ``Injected``."""
    names: set[str] = set()
    for controller in controllers():
        for attribute in vars(controller).values():
            if not isinstance(attribute, HTTPRouteHandler):
                continue
            hints = get_type_hints(attribute.fn, include_extras=True)
            for name, hint in hints.items():
                if get_origin(hint) is not Annotated:
                    continue
                marks = get_args(hint)[1:]
                if any(isinstance(m, Dependency) for m in marks) and any(
                    isinstance(m, SkipValidationMarker) for m in marks
                ):
                    names.add(name)
    return names


def _app(names: set[str]) -> None:
    edge = cast(Edge, None)  # building the app reads nothing of it
    create_app(
        edge,
        controllers(),
        {n: provided(object()) for n in names},
        max_requests=10,
        max_streams=10,
    )


def test_the_gateway_names_its_services_and_queries_and_starts_with_all_of_them() -> None:
    names = injected_names()
    assert {"participation", "dialogs", "dialog_queries", "audit_queries"} <= names
    assert all(isinstance(c, type) and issubclass(c, Controller) for c in controllers())
    _app(names)  # all of them: it starts (so that a refusal below is the missing one's)


@pytest.mark.parametrize("missing", sorted(injected_names()))
def test_the_app_does_not_start_without_a_dependency_a_handler_names(missing: str) -> None:
    names = injected_names()
    with pytest.raises(ImproperlyConfiguredException, match=f"'{missing}'"):
        _app(names - {missing})


async def test_the_root_hands_over_exactly_what_the_handlers_name(platform: Platform) -> None:
    given: dict[str, Any] = handed_over(platform)
    assert set(given) == injected_names()


_DATABASE_CALLS = {"fetch", "fetchrow", "fetchval", "execute", "executemany", "cursor", "acquire"}


def database_uses(path: Path) -> set[str]:
    """What in ``path`` reaches PostgreSQL itself: events.db (transactions, pools), an asyncpg
    pool or connection, or a connection's query methods. asyncpg's records and errors may be
    read: they are what the queries give and how an outage shows."""
    found = {n for n in imported(path) if n == "events.db" or n.startswith("events.db.")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Attribute):
            if node.attr in ("Pool", "Connection") and ast.unparse(node.value) == "asyncpg":
                found.add(ast.unparse(node))
            elif node.attr in _DATABASE_CALLS:
                found.add(f".{node.attr}")
    return found


def test_the_gateway_runs_no_sql_and_holds_no_pool() -> None:
    found = {
        (path.relative_to(ROOT).as_posix(), use)
        for path in sorted(Path(ROOT, "gateway").rglob("*.py"))
        for use in database_uses(path)
    }
    assert not found, f"the gateway reaches the database itself: {sorted(found)}"
