"""What a bounded context declares about itself.

Every part of a declaration is a function that imports what it names when it is called: the
``tinget`` command makes every context's commands on every call, so importing the declarations
loads neither the domain nor the read models, the web stack or NATS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _no_aggregates() -> Sequence[type[Aggregate]]:
    return ()


def _none(app: AppPlatform) -> Sequence[Projection]:
    return ()


def _no_controllers() -> Sequence[type]:
    return ()


def _nothing(app: AppPlatform) -> Mapping[str, object]:
    return {}


def _no_commands() -> Sequence[click.Command]:
    return ()


@dataclass(frozen=True)
class Context:
    """A bounded context: ``name`` is its segment in event subjects and the catalogue."""

    name: str
    # the aggregates whose events the context records, registered in the catalogue under name
    aggregates: Callable[[], Sequence[type[Aggregate]]] = _no_aggregates
    # its read models and policies, made from the request side's services, in apply order
    read_models: Callable[[AppPlatform], Sequence[Projection]] = _none
    # its HTTP controllers (litestar), imported when an app is built
    controllers: Callable[[], Sequence[type]] = _no_controllers
    # what its handlers name (services, the queries beside its read models), made once from
    # the request side; a name belongs to one context
    provides: Callable[[AppPlatform], Mapping[str, object]] = _nothing
    # its `tinget` commands (click groups or commands, tinget/commands/<context>.py), made on
    # every call of `tinget`: their modules import click only, the command bodies the platform;
    # a command name belongs to one context
    commands: Callable[[], Sequence[click.Command]] = _no_commands
