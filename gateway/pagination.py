"""Keyset pagination: an opaque cursor naming the last item of the page before."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import msgspec

from events.errors import InvalidInput

T = TypeVar("T")
DEFAULT_LIMIT = 20


class Page(msgspec.Struct, Generic[T], kw_only=True):
    items: list[T]
    next_cursor: str | None


class _Cursor(msgspec.Struct, array_like=True):
    at: datetime
    id: UUID


def encode_cursor(at: datetime, item_id: UUID) -> str:
    raw = msgspec.json.encode(_Cursor(at, item_id))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInput("cursor", "is not a cursor this API gave out") from None
    return value.at, value.id
