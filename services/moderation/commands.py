"""What participants and moderators send (request bodies). The flagger, the moderator and the
author come from the caller, never from the body."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Reason = Annotated[str, Meta(min_length=1, max_length=1000)]


class FlagPost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A participant tells moderators what is wrong with a post or comment."""

    reason: Reason


class Decision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Hide or restore a post, block or unblock a person: the reason the author or person sees."""

    reason: Reason


class FileAppeal(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The author asks another moderator to look at the hiding again."""

    reason: Reason


class DecideAppeal(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``upheld``: the hiding stands; not upheld: the post is restored."""

    upheld: bool
    reason: Reason
