"""What participants and moderators send to a dialog's chat (request bodies). The author and
the moderator come from the caller, never from the body. Lengths and ranges are checked by the
service, so a message too long or a slow mode out of range is a 422 naming the field."""

from __future__ import annotations

import msgspec


class ConfigureChat(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Make a discussion live (or not), with or without pre-moderation, and its slow mode:
    the seconds each participant waits between two messages (0, off, to 3600)."""

    live: bool
    premoderation: bool = False
    slow_mode_seconds: int = 0


class PostMessage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A message: 1 to 2,000 characters."""

    body: str


class HideMessage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why a moderator hides a message (or turns down one waiting for approval)."""

    reason: str
