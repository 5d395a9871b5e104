"""Participants' image uploads: who may upload, how often, and the cleaning before storing.

An upload is the most expensive request a participant can make (every image is decoded and
encoded again, see `services.media.clean`), so it is checked in the order of cost: the role,
then the blocklist (a blocked participant's uploads are refused with the reason, as their posts
are), then the per-person rate limit (counted before decoding, so refused bytes count too),
and only then the decoding, at most `decoders` at a time per process so that a burst of
uploads cannot hold every core or a gigabyte of pixels at once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from uuid import UUID

from events.errors import Forbidden
from services.identity.access import Caller, Permission
from services.identity.records import RateLimiter
from services.identity.service import Limits
from services.media.clean import clean_image
from services.media.images import ImageStore, StoredImage

BlockedReason = Callable[[str, UUID], Awaitable[str | None]]  # why a person is blocked, or None


class ImageUploads:
    """Takes a participant's image: refuses or stores it cleaned, named by the clean bytes."""

    def __init__(
        self,
        store: ImageStore,
        limiter: RateLimiter,
        limits: Limits | None = None,
        blocked: BlockedReason | None = None,
        decoders: int | None = None,
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.limits = limits or Limits()
        self.blocked = blocked
        self._decoding = asyncio.Semaphore(decoders or os.cpu_count() or 1)

    async def upload(self, caller: Caller, content: bytes, field: str = "body") -> StoredImage:
        """Store the caller's image without its metadata; the answer names the stored bytes."""
        caller.require(Permission.TAKE_PART)
        if self.blocked is not None:
            reason = await self.blocked(caller.tenant_id, caller.person_id)
            if reason is not None:
                raise Forbidden(f"you are blocked from taking part: {reason}")
        await self.limiter.hit(
            caller.tenant_id, f"image:{caller.person_id}", *self.limits.images_per_person
        )
        async with self._decoding:
            cleaned = await clean_image(content, field)
        return await self.store.put(caller.tenant_id, cleaned.content)
