"""What a bounded context declares about itself, in its own folder.

A context lives in one package (``services/<context>/``, or ``tenants/``): its aggregates, its
services, its read models with the queries beside them, its migrations
(``<package>/migrations/*.sql``) and its declaration (``<package>/context.py``, a ``Context``).
Adding a read model touches that folder only: the module, a migration, and the declaration's
``read_models`` and ``provides``.

The declaration names its HTTP controllers and its ``tinget`` commands by import path
(``"gateway.polls:PollController"``): they sit in the folders above the context (the HTTP edge,
the composition root), which the context's own modules never import. The composition root
imports them when it builds an app or the command.

Every other part is a function that imports what it names when it is called: the ``tinget``
command makes every context's commands on every call, so importing the declarations loads
neither the domain nor the read models, the web stack or NATS.

A context is generic in what it needs from the platform (``P``): each declares a small protocol
of the services and pools its read models and handlers are made from, and the composition root
hands it its platform, which mypy checks has all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module, resources
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate

    from events.projection import Projection

P = TypeVar("P", contravariant=True)


def _no_aggregates() -> Sequence[type[Aggregate]]:
    return ()


def _none(platform: object) -> Sequence[Projection]:
    return ()


def _nothing(platform: object) -> Mapping[str, object]:
    return {}


def resolve(path: str) -> Any:
    """``"package.module:Name"`` -> the object (a clear error naming the path otherwise)."""
    module, _, name = path.partition(":")
    if not module or not name:
        raise ValueError(f"{path!r}: expected 'package.module:Name'")
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"{path!r} names nothing importable: {error}") from error


@dataclass(frozen=True)
class Context(Generic[P]):
    """A bounded context: ``name`` is its segment in event subjects and the catalogue;
    ``package`` is its folder (``services.polls``), which holds its migrations."""

    name: str
    package: str
    # the aggregates whose events the context records, registered in the catalogue under name
    aggregates: Callable[[], Sequence[type[Aggregate]]] = _no_aggregates
    # its read models and policies, made from the platform's services, in apply order
    read_models: Callable[[P], Sequence[Projection]] = _none
    # its HTTP controllers (litestar), by import path, imported when an app is built
    controller_paths: tuple[str, ...] = ()
    # what its handlers name (services, the queries beside its read models), made once from
    # the platform; a name belongs to one context
    provides: Callable[[P], Mapping[str, object]] = _nothing
    # its `tinget` commands (click groups or commands, tinget/commands/<context>.py), by import
    # path, made on every call of `tinget`: their modules import click only, the command
    # bodies the platform; a command name belongs to one context
    command_paths: tuple[str, ...] = ()

    def controllers(self) -> list[type]:
        return [resolve(path) for path in self.controller_paths]

    def commands(self) -> list[click.Command]:
        return [resolve(path) for path in self.command_paths]

    def migrations(self) -> list[tuple[str, str]]:
        """``(name, sql)`` of each ``<package>/migrations/*.sql``, in name order."""
        folder = resources.files(self.package) / "migrations"
        if not folder.is_dir():
            return []
        found = sorted(
            (f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
        )
        return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in found]
