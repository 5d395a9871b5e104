"""The gateway gets its services and queries injected by name: every handler's ``Injected``
parameter is provided by the composition root (tinget/app.py), or the app does not start."""

from __future__ import annotations

from typing import Annotated, Any, cast, get_args, get_origin, get_type_hints

import pytest
from litestar import Controller
from litestar.di import Dependency
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import HTTPRouteHandler
from litestar.params import SkipValidationMarker

from gateway.app import CONTROLLERS, create_app, provided
from gateway.edge import Edge
from tinget.app import handed_over
from tinget.bootstrap import Platform


def injected_names() -> set[str]:
    """The parameters of the gateway's handlers marked ``Injected``."""
    names: set[str] = set()
    for controller in CONTROLLERS:
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
    create_app(edge, {n: provided(object()) for n in names}, max_requests=10, max_streams=10)


def test_the_gateway_names_its_services_and_queries() -> None:
    names = injected_names()
    assert {"participation", "dialogs", "dialog_queries", "audit_queries"} <= names
    assert all(issubclass(c, Controller) for c in CONTROLLERS)


@pytest.mark.parametrize("missing", sorted(injected_names()))
def test_the_app_does_not_start_without_a_dependency_a_handler_names(missing: str) -> None:
    names = injected_names()
    _app(names)  # all of them: it starts
    with pytest.raises(ImproperlyConfiguredException, match=f"'{missing}'"):
        _app(names - {missing})


async def test_the_root_hands_over_exactly_what_the_handlers_name(platform: Platform) -> None:
    given: dict[str, Any] = handed_over(platform)
    assert set(given) == injected_names()
