"""Given events, when a command, then new events or a refusal: aggregates in memory.

``replay`` rebuilds an aggregate from its events the way the repository does: each event is
encoded to its stored payload by the catalogue's codec, decoded back (upcasting included) and
applied in order. ``then`` collects what a command recorded, by event name and payload.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from events.catalogue import STREAM_FIELDS
from events.codec import Codec
from services.dialogs.domain import Dialog, DialogDetails, DialogKind, DialogSettings
from tinget.catalogue import build_catalogue

A = TypeVar("A", bound=Aggregate)

CODEC = Codec(build_catalogue())  # no person keys: personal fields pass through unsealed
_NOT_PAYLOAD = STREAM_FIELDS | {"timestamp", "originator_topic"}
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # "now" when a test does not say otherwise
OPENS = T0 + timedelta(hours=1)
CLOSES = T0 + timedelta(days=7)


def stored(event: Any) -> Any:
    """The event as the repository reads it back: encoded, then decoded from its payload."""
    definition, data = CODEC.encode(event)
    return CODEC.decode(definition.name, data, event.originator_id, event.originator_version)


def replay(cls: type[A], events: Iterable[Any]) -> A:
    """The aggregate these (stored) events make, with nothing pending."""
    aggregate: Any = reduce(lambda agg, e: stored(e).mutate(agg), events, None)
    assert isinstance(aggregate, cls)
    return aggregate


# Every event of each aggregate seen here (by the aggregate's id(), with a weak reference to
# tell it from a later object at the same address), so ``given`` replays its whole history
# even after ``then`` took its newest events off it.
_HISTORY: dict[int, tuple[weakref.ref[Aggregate], list[Any]]] = {}


def _collect(aggregate: Aggregate) -> list[Any]:
    """Take the aggregate's new events off it, remembering them in its history."""
    ref, past = _HISTORY.get(id(aggregate), (None, []))
    if ref is None or ref() is not aggregate:
        past = []
        _HISTORY[id(aggregate)] = (weakref.ref(aggregate), past)
    new = list(aggregate.collect_events())
    past.extend(new)
    return new


def forget() -> None:
    _HISTORY.clear()


def given(aggregate: A) -> A:
    """A fresh copy of ``aggregate`` rebuilt from every event it has, with nothing pending."""
    _collect(aggregate)
    events = list(_HISTORY[id(aggregate)][1])
    rebuilt = replay(type(aggregate), events)
    _HISTORY[id(rebuilt)] = (weakref.ref(rebuilt), events)
    return rebuilt


def then(aggregate: Aggregate) -> list[str]:
    """The names of the events the command recorded (taken off the aggregate)."""
    return [name for name, _ in then_payloads(aggregate)]


def then_payloads(aggregate: Aggregate) -> list[tuple[str, dict[str, Any]]]:
    """The events the command recorded, as (name, payload without the stream's fields)."""
    return [
        (
            CODEC.catalogue.by_class(type(e)).name,
            {k: v for k, v in vars(e).items() if k not in _NOT_PAYLOAD},
        )
        for e in _collect(aggregate)
    ]


def memory_store() -> Application[UUID]:
    """eventsourcing's in-memory event store: one event per (stream, version), like ours."""
    return Application()


def settings(**fields: Any) -> DialogSettings:
    return DialogSettings(**fields)


BALLOT_SETTINGS: dict[DialogKind, DialogSettings] = {
    DialogKind.POLL: settings(question="Where?", options=("Park", "Square", "Harbour")),
    DialogKind.VOX_POP: settings(question="A youth council?"),
}


def details(
    kind: DialogKind = DialogKind.PROPOSALS,
    *,
    dialog_settings: DialogSettings | None = None,
    opens_at: datetime = OPENS,
    closes_at: datetime = CLOSES,
) -> DialogDetails:
    """Details a dialog of ``kind`` takes (a poll's question and options included)."""
    return DialogDetails(
        title="A skatepark by the school",
        purpose="Where should it go?",
        instructions="",
        committee=None,
        invite_only=False,
        opens_at=opens_at,
        closes_at=closes_at,
        settings=dialog_settings or BALLOT_SETTINGS.get(kind, DialogSettings()),
    )


def drafted(kind: DialogKind = DialogKind.PROPOSALS, **changes: Any) -> Dialog:
    """Given a drafted dialog (rebuilt from its ``DialogDrafted``)."""
    return given(Dialog.draft(kind, details(kind, **changes)))


def scheduled(kind: DialogKind = DialogKind.PROPOSALS, **changes: Any) -> Dialog:
    """Given a dialog drafted and scheduled, not open yet."""
    dialog = Dialog.draft(kind, details(kind, **changes))
    dialog.schedule(T0)
    return given(dialog)


def open_dialog(kind: DialogKind = DialogKind.PROPOSALS, **changes: Any) -> Dialog:
    """Given a dialog drafted, scheduled and opened (rebuilt from those events)."""
    dialog = Dialog.draft(kind, details(kind, **changes))
    dialog.schedule(T0)
    assert dialog.open_if_due(dialog.details.opens_at)
    return given(dialog)
