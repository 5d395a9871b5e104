"""What a bounded context declares about itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from projections.runtime import Projection

if TYPE_CHECKING:
    from tinget.bootstrap import AppPlatform


def _none(app: AppPlatform) -> Sequence[Projection]:
    return ()


@dataclass(frozen=True)
class Context:
    """A bounded context: ``name`` is its segment in event subjects and the catalogue."""

    name: str
    # the aggregates whose events the context records, registered in the catalogue under name
    aggregates: tuple[type[Aggregate], ...] = ()
    # its read models and policies, made from the request side's services, in apply order
    read_models: Callable[[AppPlatform], Sequence[Projection]] = _none
