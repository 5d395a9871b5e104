"""What a bounded context declares about itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:  # the CLI reads the catalogue without the runtime (and NATS) loaded
    import click

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


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
    aggregates: tuple[type[Aggregate], ...] = ()
    # its read models and policies, made from the request side's services, in apply order
    read_models: Callable[[AppPlatform], Sequence[Projection]] = _none
    # its HTTP controllers (litestar), imported when an app is built, not when the CLI reads
    # the catalogue
    controllers: Callable[[], Sequence[type]] = _no_controllers
    # what its handlers name (services, the queries beside its read models), made once from
    # the request side; a name belongs to one context
    provides: Callable[[AppPlatform], Mapping[str, object]] = _nothing
    # its `tinget` commands (click groups or commands, tinget/commands/<context>.py), added by
    # the CLI on every call: their modules import click only, the command bodies the platform;
    # a command name belongs to one context
    commands: Callable[[], Sequence[click.Command]] = _no_commands
