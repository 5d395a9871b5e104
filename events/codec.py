"""msgspec codec between eventsourcing domain events and stored payloads, with upcasting.

Personal fields (marked in the catalogue) are sealed under their person's key when encoded and
opened when decoded, or read as erased once the key is gone (``events.personal``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from events.catalogue import STREAM_FIELDS, Catalogue, EventDecodeError, EventDefinition
from events.model import RecordedEvent
from events.personal import PersonKeys, is_sealed

_encoder = msgspec.json.Encoder()


__all__ = ["Codec", "EventDecodeError"]


class Codec:
    """Turns domain events into (definition, JSON bytes) and back.

    Without ``keys`` (a codec for looking at the catalogue) personal fields are neither sealed
    nor opened: sealed ones read as erased.
    """

    def __init__(self, catalogue: Catalogue, keys: PersonKeys | None = None) -> None:
        self.catalogue = catalogue
        self.keys = keys
        self._decoders: dict[str, msgspec.json.Decoder[Any]] = {}

    def encode(self, event: Any, subject: UUID | None = None) -> tuple[EventDefinition, bytes]:
        """The event's stored payload; its personal fields sealed under ``subject``'s key,
        which must have been made ready (``PersonKeys.for_writing``)."""
        definition = self.catalogue.by_class(type(event))
        state = {k: v for k, v in vars(event).items() if k not in STREAM_FIELDS}
        if definition.version > 1:
            state["class_version"] = definition.version
        if definition.personal and self.keys is not None:
            if subject is None:
                raise ValueError(f"{definition.name} carries personal data: whose is it?")
            for name in definition.personal:
                if state.get(name) is not None:
                    state[name] = self.keys.seal(subject, definition.name, name, state[name])
        return definition, _encoder.encode(state)

    async def prepare(self, events: Sequence[RecordedEvent]) -> None:
        """Load the keys that decoding these events' sealed fields needs."""
        if self.keys is not None:
            await self.keys.prepare(events, frozenset(self.catalogue.personal_types))

    def decode(self, event_type: str, data: bytes, stream_id: UUID, version: int) -> Any:
        """Rebuild the domain event, upcasting payloads written by older class versions."""
        definition = self.catalogue.by_name(event_type)
        try:
            if definition.personal and b'"sealed"' in data:
                payload = self._from_state(definition, self._opened(definition, data))
            else:
                try:
                    payload = self._decoder(definition).decode(data)
                except msgspec.ValidationError:
                    payload = None  # an older version may lack newer fields: upcast first
                if payload is None or payload.class_version != definition.version:
                    payload = self._from_state(definition, msgspec.json.decode(data))
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise EventDecodeError(f"{event_type} at {stream_id}/{version}: {error}") from None
        state = msgspec.structs.asdict(payload)
        del state["class_version"]
        state["originator_id"] = stream_id
        state["originator_version"] = version
        event = object.__new__(definition.cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _opened(self, definition: EventDefinition, data: bytes) -> dict[str, Any]:
        """The payload as a dict, each sealed field opened or, with its key gone, erased."""
        state: dict[str, Any] = msgspec.json.decode(data)
        for name in definition.personal:
            value = state.get(name)
            if value is None or not is_sealed(value):
                continue
            opened, plain = (
                (False, b"") if self.keys is None else self.keys.open(value, definition.name, name)
            )
            state[name] = msgspec.json.decode(plain) if opened else definition.erased[name]
        return state

    def _decoder(self, definition: EventDefinition) -> msgspec.json.Decoder[Any]:
        decoder = self._decoders.get(definition.name)
        if decoder is None:
            decoder = msgspec.json.Decoder(definition.payload)
            self._decoders[definition.name] = decoder
        return decoder

    @staticmethod
    def _from_state(definition: EventDefinition, state: dict[str, Any]) -> Any:
        return msgspec.convert(definition.upcast(state), definition.payload, strict=False)
