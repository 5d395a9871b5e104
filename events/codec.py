"""msgspec codec between eventsourcing domain events and stored payloads, with upcasting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from events.catalogue import STREAM_FIELDS, Catalogue, EventDefinition

_encoder = msgspec.json.Encoder()


class EventDecodeError(ValueError):
    """A stored payload does not match its event definition."""


class Codec:
    """Turns domain events into (definition, JSON bytes) and back."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._decoders: dict[str, msgspec.json.Decoder[Any]] = {}

    def encode(self, event: Any) -> tuple[EventDefinition, bytes]:
        definition = self.catalogue.by_class(type(event))
        state = {k: v for k, v in vars(event).items() if k not in STREAM_FIELDS}
        if definition.version > 1:
            state["class_version"] = definition.version
        return definition, _encoder.encode(state)

    def decode(self, event_type: str, data: bytes, stream_id: UUID, version: int) -> Any:
        """Rebuild the domain event, upcasting payloads written by older class versions."""
        definition = self.catalogue.by_name(event_type)
        try:
            payload = self._decoder(definition).decode(data)
        except msgspec.ValidationError:
            payload = None  # an older version may lack newer fields: upcast first
        try:
            if payload is None or payload.class_version != definition.version:
                payload = self._upcast(definition, data)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise EventDecodeError(f"{event_type} at {stream_id}/{version}: {error}") from None
        state = msgspec.structs.asdict(payload)
        del state["class_version"]
        state["originator_id"] = stream_id
        state["originator_version"] = version
        event = object.__new__(definition.cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _decoder(self, definition: EventDefinition) -> msgspec.json.Decoder[Any]:
        decoder = self._decoders.get(definition.name)
        if decoder is None:
            decoder = msgspec.json.Decoder(definition.payload)
            self._decoders[definition.name] = decoder
        return decoder

    @staticmethod
    def _upcast(definition: EventDefinition, data: bytes) -> Any:
        state: dict[str, Any] = msgspec.json.decode(data)
        version = int(state.pop("class_version", 1))
        while version < definition.version:
            getattr(definition.cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        state["class_version"] = definition.version
        return msgspec.convert(state, definition.payload, strict=False)
