"""Personal data in events, sealed under a key per person that erasure destroys (crypto-shredding).

The catalogue marks an event type's personal fields (a post's title, body and place; an appeal's
reason) and the attribute of its aggregate naming the person they are about (the author). When
such an event is stored, each of those fields that holds a value is replaced by::

    {"sealed": "<base64url: 12-byte nonce || AES-256-GCM ciphertext>", "person": "<uuid>"}

the value's JSON encrypted with the person's data key, the associated data binding it to the
person, the event type and the field. Data keys live in ``person_keys`` (one random 256-bit key
per person of a tenant, itself wrapped with a key derived from the deployment's secret), made
when first needed and cached per process. Erasure deletes the row: from then on every sealed
field of that person decodes as erased (``ERASED`` for text, ``None`` for anything else), in
read models, on a rebuild and in new projections, while the events themselves, their ids,
timestamps and counts, and the audit chain's hashes over the stored bytes stay as they were.

Decoding is synchronous, so whoever decodes events first calls ``PersonKeys.prepare`` with the
recorded events, which loads the keys their sealed fields need (one query per tenant for the
people not cached yet). A ``PersonErased`` event makes every process drop its copy of that key.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.model import RecordedEvent

ERASED = "[erased]"
"""What a personal text reads as once its person's key is gone."""

ERASURE_EVENT = "PersonErased"
TTL = 60.0  # seconds a cached key is trusted before it is looked up again
CACHED = 100_000  # people's keys remembered per process (least recently used go first)

_NONCE = 12
_encoder = msgspec.json.Encoder()


def _aad(person_id: UUID, event_type: str, field: str) -> bytes:
    return f"{person_id}\n{event_type}\n{field}".encode()


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and "sealed" in value and "person" in value


class PersonKeys:
    """Per-person data keys: made when first needed, cached per process, deleted on erasure."""

    def __init__(self, pool: asyncpg.Pool, wrapping_key: bytes, *, ttl: float = TTL) -> None:
        self.pool = pool
        self._wrap = AESGCM(wrapping_key)
        self.ttl = ttl
        # person id -> (key or None when there is none: erased), when it was looked up
        self._cache: OrderedDict[UUID, tuple[bytes | None, float]] = OrderedDict()

    # -- writing ---------------------------------------------------------------------------

    async def for_writing(self, tenant_id: str, person_ids: Iterable[UUID]) -> None:
        """Make sure each person has a key (making one if needed) and it is cached."""
        wanted = [p for p in set(person_ids) if self._cached(p) is None]
        if not wanted:
            return
        fresh = {p: secrets.token_bytes(32) for p in wanted}
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
            # An erased person gets no new key: whatever is sealed for them stays unreadable.
            await conn.execute(
                "INSERT INTO person_keys (tenant_id, person_id, key)"
                " SELECT $1, k.person_id, k.key FROM unnest($2::uuid[], $3::bytea[])"
                " AS k(person_id, key) WHERE NOT EXISTS (SELECT 1 FROM people p"
                "  WHERE p.tenant_id = $1 AND p.person_id = k.person_id"
                "  AND p.erased_at IS NOT NULL)"
                " ON CONFLICT (tenant_id, person_id) DO NOTHING",
                tenant_id,
                list(fresh),
                [self._wrapped(tenant_id, p, k) for p, k in fresh.items()],
            )
            await self._load(conn, tenant_id, wanted)

    def seal(self, person_id: UUID, event_type: str, field: str, value: Any) -> dict[str, str]:
        """The stored form of one personal value (the person's key must be cached)."""
        cached = self._cache.get(person_id)
        if cached is None:
            raise LookupError(f"the data key of {person_id} was not loaded before sealing")
        key = cached[0]
        if key is None:  # an erased person: sealed under a key nobody keeps
            key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(_NONCE)
        ciphertext = AESGCM(key).encrypt(
            nonce, _encoder.encode(value), _aad(person_id, event_type, field)
        )
        return {
            "sealed": base64.urlsafe_b64encode(nonce + ciphertext).decode(),
            "person": str(person_id),
        }

    # -- reading ---------------------------------------------------------------------------

    async def prepare(self, events: Sequence[RecordedEvent], personal: frozenset[str]) -> None:
        """Load the keys that the sealed fields of ``events`` need; forget erased people's."""
        wanted: dict[str, set[UUID]] = {}
        for recorded in events:
            if recorded.event_type == ERASURE_EVENT:
                self.forget(recorded.stream_id)
            elif recorded.event_type in personal:
                for person in _sealed_people(recorded.data):
                    if self._cached(person) is None:
                        wanted.setdefault(recorded.tenant_id, set()).add(person)
        for tenant_id, people in wanted.items():
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
                await self._load(conn, tenant_id, sorted(people))

    def open(self, sealed: dict[str, Any], event_type: str, field: str) -> tuple[bool, bytes]:
        """(True, the value's JSON), or (False, b"") when the key is gone or never loaded."""
        try:
            person = UUID(sealed["person"])
            blob = base64.urlsafe_b64decode(sealed["sealed"])
        except (ValueError, TypeError, KeyError):
            return False, b""
        cached = self._cache.get(person)
        if cached is None or cached[0] is None:
            return False, b""
        try:
            plain: bytes = AESGCM(cached[0]).decrypt(
                blob[:_NONCE], blob[_NONCE:], _aad(person, event_type, field)
            )
        except InvalidTag:
            return False, b""
        return True, plain

    def forget(self, person_id: UUID) -> None:
        self._cache.pop(person_id, None)

    async def delete(self, conn: asyncpg.Connection, tenant_id: str, person_id: UUID) -> None:
        """Destroy the person's key (in the caller's transaction, under its tenant)."""
        await conn.execute(
            "DELETE FROM person_keys WHERE tenant_id = $1 AND person_id = $2",
            tenant_id,
            person_id,
        )
        self.forget(person_id)

    # -- the cache -------------------------------------------------------------------------

    def _cached(self, person_id: UUID) -> tuple[bytes | None, float] | None:
        entry = self._cache.get(person_id)
        if entry is None or time.monotonic() - entry[1] > self.ttl:
            return None
        self._cache.move_to_end(person_id)
        return entry

    async def _load(self, conn: asyncpg.Connection, tenant_id: str, people: list[UUID]) -> None:
        rows = await conn.fetch(
            "SELECT person_id, key FROM person_keys WHERE tenant_id = $1"
            " AND person_id = ANY($2::uuid[])",
            tenant_id,
            people,
        )
        found = {r["person_id"]: self._unwrapped(tenant_id, r["person_id"], r["key"]) for r in rows}
        now = time.monotonic()
        for person in people:
            self._cache[person] = (found.get(person), now)
            self._cache.move_to_end(person)
        while len(self._cache) > CACHED:
            self._cache.popitem(last=False)

    def _wrapped(self, tenant_id: str, person_id: UUID, key: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        wrapped: bytes = self._wrap.encrypt(nonce, key, f"{tenant_id}\n{person_id}".encode())
        return nonce + wrapped

    def _unwrapped(self, tenant_id: str, person_id: UUID, stored: bytes) -> bytes | None:
        try:
            key: bytes = self._wrap.decrypt(
                stored[:_NONCE], stored[_NONCE:], f"{tenant_id}\n{person_id}".encode()
            )
        except InvalidTag:
            return None  # wrapped under another deployment's secret: unreadable here
        return key


def _sealed_people(data: bytes) -> set[UUID]:
    """The people named by the sealed fields of a stored payload."""
    try:
        state = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return set()
    people: set[UUID] = set()
    if isinstance(state, dict):
        for value in state.values():
            if is_sealed(value):
                try:
                    people.add(UUID(value["person"]))
                except (ValueError, TypeError):
                    continue
    return people
