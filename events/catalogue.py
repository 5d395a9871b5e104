"""The event catalogue: one definition per event type, named, versioned and described.

Aggregates are written with eventsourcing's ``Aggregate`` and ``@event``; their nested event
classes are the single definition of each event. Registering an aggregate names its events
(``TenantCreated``, ``HostAdded``), records their class version for upcasting, and derives a
msgspec struct of their payload, used to decode stored events fast and to export a JSON schema
for integrators.

A read model that needs only a few fields of an event asks the catalogue for a view of them
(``Catalogue.view``): a struct of those fields, typed as the event declares them, decoded
straight from the stored JSON and upcast by the event's own upcasters when an older class
version wrote it. Read models never re-declare an event's payload.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from eventsourcing.domain import Aggregate, CanMutateAggregate

from events.personal import ERASED

# Fields that the store keeps in columns rather than in the payload.
STREAM_FIELDS = frozenset({"originator_id", "originator_version"})

# An aggregate declares its events' personal data with two class attributes:
#   personal_fields = {"PostSubmitted": ("title", "body", "place"), ...}
#   data_subject = "author_id"   # the aggregate's attribute naming whom that data is about
# Those fields are stored sealed under the person's key (``events.personal``).
PERSONAL_FIELDS = "personal_fields"
DATA_SUBJECT = "data_subject"


@dataclass(frozen=True)
class EventDefinition:
    """One event type: the context it belongs to, its stable name, version and payload shape."""

    context: str
    name: str
    cls: type[Any]
    version: int
    payload: type[msgspec.Struct]
    personal: frozenset[str] = frozenset()  # fields sealed under the data subject's key
    subject: str | None = None  # the aggregate's attribute naming the data subject
    erased: dict[str, Any] = dataclasses.field(default_factory=dict)  # what each reads as, erased

    def json_schema(self) -> dict[str, Any]:
        return msgspec.json.schema(self.payload)

    def upcast(self, state: dict[str, Any]) -> dict[str, Any]:
        """A stored payload (as a dict, changed in place) brought up to this class version by
        the event class's ``upcast_vN_vN+1`` static methods, one version at a time."""
        version = int(state.pop("class_version", 1))
        while version < self.version:
            getattr(self.cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        state["class_version"] = self.version
        return state


class UnknownEventType(LookupError):
    """The catalogue has no event of that name or class."""


class EventDecodeError(ValueError):
    """A stored payload does not match its event definition."""


class PayloadView:
    """Some fields of one event type's payload, as a msgspec struct typed by the event itself.

    A payload written by the current class version decodes in one step (the fields not asked
    for are skipped, not built); one written by an older version (its ``class_version`` is
    lower, or it lacks a field added since) is decoded whole, upcast, and then converted.
    Personal fields are stored sealed and cannot be viewed: decode those with the codec.
    """

    def __init__(self, definition: EventDefinition, fields: tuple[str, ...]) -> None:
        declared = {f.name: f.type for f in msgspec.structs.fields(definition.payload)}
        unknown = [f for f in fields if f not in declared or f == "class_version"]
        if unknown:
            raise ValueError(f"{definition.name} has no field {', '.join(unknown)}")
        sealed = sorted(set(fields) & definition.personal)
        if sealed:
            raise ValueError(f"{definition.name}: {', '.join(sealed)} is personal (sealed)")
        self.definition = definition
        self.fields = fields
        self.struct: type[msgspec.Struct] = msgspec.defstruct(
            f"{definition.name}View",
            [*((f, declared[f]) for f in fields), ("class_version", int, 1)],
            kw_only=True,
        )
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(self.struct)

    def decode(self, data: bytes) -> Any:
        """The viewed fields of a stored payload, as of the event's current class version."""
        try:
            payload = self._decoder.decode(data)
            if payload.class_version == self.definition.version:
                return payload
        except msgspec.ValidationError:
            pass  # an older version may lack a newer field: upcast first
        except msgspec.DecodeError as error:
            raise EventDecodeError(f"{self.definition.name}: {error}") from None
        try:
            state = self.definition.upcast(msgspec.json.decode(data))
            return msgspec.convert(state, self.struct, strict=False)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise EventDecodeError(f"{self.definition.name}: {error}") from None


def _event_name(aggregate: type[Aggregate], event_cls: type[Any]) -> str:
    name = event_cls.__name__
    return f"{aggregate.__name__}{name}" if name == "Created" else name


def _payload_struct(name: str, event_cls: type[Any]) -> type[msgspec.Struct]:
    hints = typing.get_type_hints(event_cls)
    fields: list[tuple[str, Any, Any]] = [
        (f.name, hints[f.name], msgspec.NODEFAULT)
        for f in dataclasses.fields(event_cls)
        if f.name not in STREAM_FIELDS
    ]
    fields.append(("class_version", int, 1))
    return msgspec.defstruct(name, fields, kw_only=True)


def _erased_value(hint: Any) -> Any:
    """A text reads as erased; anything else (a place) as nothing."""
    return ERASED if hint is str or str in typing.get_args(hint) else None


def _nested_events(aggregate: type[Aggregate]) -> Iterable[type[Any]]:
    found = [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and value.__qualname__.startswith(aggregate.__qualname__ + ".")
        and dataclasses.is_dataclass(value)
        and value.__name__ != "Event"
    ]
    created = [c for c in found if issubclass(c, Aggregate.Created)]
    # eventsourcing always defines a default ``Created``; a named creation event replaces it.
    unused_default = len(created) > 1
    return [c for c in found if not (unused_default and c.__name__ == "Created")]


class Catalogue:
    """Every event type Tinget knows, by name and by class."""

    def __init__(self) -> None:
        self._by_name: dict[str, EventDefinition] = {}
        self._by_class: dict[type[Any], EventDefinition] = {}
        self._views: dict[tuple[str, tuple[str, ...]], PayloadView] = {}
        self.personal_types: set[str] = set()  # event types with personal fields
        self.personal_classes: set[type[Any]] = set()

    def register(self, aggregate: type[Aggregate], context: str) -> None:
        """Register every event class nested in ``aggregate`` under ``context``."""
        personal: dict[str, tuple[str, ...]] = getattr(aggregate, PERSONAL_FIELDS, {})
        subject: str | None = getattr(aggregate, DATA_SUBJECT, None)
        for event_cls in _nested_events(aggregate):
            name = _event_name(aggregate, event_cls)
            known = self._by_name.get(name)
            if known is not None and known.cls is not event_cls:
                raise ValueError(f"event name {name!r} is already taken by {known.cls!r}")
            fields = frozenset(personal.get(name, ()))
            hints = typing.get_type_hints(event_cls)
            if fields - set(hints) or (fields and subject is None):
                raise ValueError(f"{name}: personal fields {sorted(fields)} need a data_subject")
            definition = EventDefinition(
                context=context,
                name=name,
                cls=event_cls,
                version=int(getattr(event_cls, "class_version", 1)),
                payload=_payload_struct(name, event_cls),
                personal=fields,
                subject=subject if fields else None,
                erased={f: _erased_value(hints[f]) for f in fields},
            )
            self._by_name[name] = definition
            self._by_class[event_cls] = definition
            if fields:
                self.personal_types.add(name)
                self.personal_classes.add(event_cls)

    def by_name(self, name: str) -> EventDefinition:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def by_class(self, cls: type[Any]) -> EventDefinition:
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventType(cls.__qualname__) from None

    def view(self, name: str, fields: tuple[str, ...]) -> PayloadView:
        """A view of some fields of the event type ``name`` (made once, then shared)."""
        key = (name, fields)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = PayloadView(self.by_name(name), fields)
        return view

    def definitions(self) -> list[EventDefinition]:
        return sorted(self._by_name.values(), key=lambda d: (d.context, d.name))

    def export(self, subject_prefix: str = "tinget") -> dict[str, Any]:
        """A machine-readable description of every event, for integrators."""
        return {
            "subject_pattern": f"{subject_prefix}.<tenant>.<context>.<event_type>",
            "events": [
                {
                    "context": d.context,
                    "name": d.name,
                    "version": d.version,
                    "subject": f"{subject_prefix}.*.{d.context}.{d.name}",
                    "schema": d.json_schema(),
                    # stored as {"sealed": ..., "person": ...}: readable only with the
                    # person's key, which erasure destroys
                    "personal_fields": sorted(d.personal),
                }
                for d in self.definitions()
            ],
        }
