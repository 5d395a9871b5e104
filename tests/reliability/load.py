"""Steady HTTP load on the gateway, the way a busy evening of citizen dialogue looks: posts,
comments, supports, votes and flags by many anonymous (device-token) participants of two
municipalities, with some reading in between.

Every request's outcome is kept; every accepted write (2xx) is written into the ledger with
the stream its event must land in, so the store can be checked for each one afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx

from services.identity.keys import Keys
from services.moderation.domain import flag_id
from services.participation.domain import endorsement_id
from tests.api import Town

SLOW_SECONDS = 5.0  # a request answered later than this counts as a hang


@dataclass
class Participant:
    token: str
    person_id: UUID


@dataclass
class Poll:
    dialog_id: UUID
    options: tuple[str, ...]


@dataclass
class TenantLoad:
    """One municipality's side of the load: its people, dialogs and accepted posts."""

    town: Town
    admin: str
    moderator: str
    participants: list[Participant]
    proposals: UUID
    polls: list[Poll]
    posts: list[UUID] = field(default_factory=list)
    taken: set[tuple[str, UUID, UUID]] = field(default_factory=set)  # (action, target, person)


@dataclass(frozen=True)
class Write:
    """An accepted write and where its event must be in the store."""

    kind: str
    tenant_id: str
    stream_id: UUID
    event_type: str
    target: UUID  # the dialog (posts, votes) or the post (comments, supports, flags)
    choice: str | None = None


@dataclass(frozen=True)
class Outcome:
    kind: str
    phase: str
    status: int | None  # None: no HTTP answer at all
    error: str | None
    seconds: float
    sent_at: float  # time.monotonic()
    problem_json: bool
    retry_after: str | None


@dataclass
class Ledger:
    writes: list[Write] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    # supports, votes and flags that were not accepted: their stream is known all the same,
    # so the store can tell whether one was committed although its answer said otherwise
    refused: list[Write] = field(default_factory=list)

    def by_status(self, *, writes_only: bool = False) -> Counter[str]:
        return Counter(
            "no answer" if o.status is None else str(o.status)
            for o in self.outcomes
            if not writes_only or o.kind != "read"
        )

    def unanswered_writes(self) -> int:
        """Writes whose outcome nobody knows (no HTTP answer): they may or may not be stored."""
        return sum(1 for o in self.outcomes if o.kind != "read" and o.status is None)


class Load:
    """``clients`` concurrent HTTP clients acting for random participants until stopped."""

    def __init__(
        self,
        base_url: str,
        tenants: list[TenantLoad],
        keys: Keys,
        *,
        clients: int,
        seed: int = 7,
        pause: float = 0.01,
    ) -> None:
        self.base_url = base_url
        self.tenants = tenants
        self.keys = keys
        self.clients = clients
        self.seed = seed
        self.pause = pause
        self.ledger = Ledger()
        self.phase = "steady"

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._client(n, stop) for n in range(self.clients)))

    async def _client(self, number: int, stop: asyncio.Event) -> None:
        rng = random.Random(self.seed * 1000 + number)
        timeout = httpx.Timeout(15.0, connect=5.0)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=timeout) as client:
            while not stop.is_set():
                await self.act(client, rng)
                await asyncio.sleep(self.pause)

    async def act(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        tenant = rng.choice(self.tenants)
        person = rng.choice(tenant.participants)
        roll = rng.random()
        if roll < 0.12 or len(tenant.posts) < 3:
            await self.post(client, tenant, person, rng)
        elif roll < 0.30:
            await self.comment(client, tenant, person, rng)
        elif roll < 0.85:
            poll = rng.choice(tenant.polls)
            if roll >= 0.60 and ("vote", poll.dialog_id, person.person_id) not in tenant.taken:
                await self.vote(client, tenant, person, poll, rng)
            else:
                await self.support(client, tenant, person, rng)
        elif roll < 0.92:
            await self.flag(client, tenant, person, rng)
        else:
            await self.read(client, tenant, rng)

    async def _send(
        self,
        client: httpx.AsyncClient,
        kind: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: Any = None,
    ) -> httpx.Response | None:
        phase = self.phase
        began = time.monotonic()
        try:
            response = await client.request(method, url, headers=headers, json=body)
        except httpx.HTTPError as error:
            self.ledger.outcomes.append(
                Outcome(
                    kind,
                    phase,
                    None,
                    f"{type(error).__name__}: {error}",
                    time.monotonic() - began,
                    began,
                    problem_json=False,
                    retry_after=None,
                )
            )
            return None
        problem_json = response.headers.get("content-type", "").startswith(
            "application/problem+json"
        )
        self.ledger.outcomes.append(
            Outcome(
                kind,
                phase,
                response.status_code,
                None if response.is_success else response.text[:300],
                time.monotonic() - began,
                began,
                problem_json=problem_json,
                retry_after=response.headers.get("retry-after"),
            )
        )
        return response if response.is_success else None

    async def _send_until_answered(
        self,
        client: httpx.AsyncClient,
        kind: str,
        url: str,
        headers: dict[str, str],
        body: Any,
    ) -> httpx.Response | None:
        """POST with an Idempotency-Key, sent again with the same key while the answer is a 503
        or none at all (the database may have gone away after the commit), until a final
        answer: so a post or comment is made exactly once, and the ledger knows which."""
        keyed = {**headers, "idempotency-key": uuid4().hex}
        for attempt in range(60):
            response = await self._send(client, kind, "POST", url, keyed, body)
            if response is not None:
                return response
            last = self.ledger.outcomes[-1]
            if last.status is not None and last.status != 503:
                return None  # a final refusal (a rate limit, a closed dialog): nothing written
            await asyncio.sleep(min(0.1 * (attempt + 1), 1.0))
        return None

    def _unclaimed(
        self, tenant: TenantLoad, action: str, person: Participant, rng: random.Random
    ) -> UUID | None:
        """A post this person has not done ``action`` to yet (claimed now, whatever comes)."""
        for _ in range(8):
            post = rng.choice(tenant.posts)
            key = (action, post, person.person_id)
            if key not in tenant.taken:
                tenant.taken.add(key)
                return post
        return None

    async def post(
        self, client: httpx.AsyncClient, tenant: TenantLoad, person: Participant, rng: random.Random
    ) -> None:
        body = {"title": f"Idea {rng.randrange(10**6)}", "body": "Plant trees along the river"}
        response = await self._send_until_answered(
            client,
            "post",
            f"/api/v1/dialogs/{tenant.proposals}/posts",
            tenant.town.headers(person.token),
            body,
        )
        if response is not None:
            post_id = UUID(response.json()["id"])
            tenant.posts.append(post_id)
            self.ledger.writes.append(
                Write("post", tenant.town.slug, post_id, "PostSubmitted", tenant.proposals)
            )

    async def comment(
        self, client: httpx.AsyncClient, tenant: TenantLoad, person: Participant, rng: random.Random
    ) -> None:
        parent = rng.choice(tenant.posts)
        response = await self._send_until_answered(
            client,
            "comment",
            f"/api/v1/posts/{parent}/comments",
            tenant.town.headers(person.token),
            {"body": f"I agree, and {rng.randrange(10**6)} more reasons"},
        )
        if response is not None:
            comment_id = UUID(response.json()["id"])
            self.ledger.writes.append(
                Write("comment", tenant.town.slug, comment_id, "PostSubmitted", parent)
            )

    async def support(
        self, client: httpx.AsyncClient, tenant: TenantLoad, person: Participant, rng: random.Random
    ) -> None:
        post = self._unclaimed(tenant, "support", person, rng)
        if post is None:
            return
        response = await self._send(
            client,
            "support",
            "POST",
            f"/api/v1/posts/{post}/supports",
            tenant.town.headers(person.token),
        )
        stream = endorsement_id("support", post, person.person_id)
        write = Write("support", tenant.town.slug, stream, "SupportGiven", post)
        (self.ledger.writes if response is not None else self.ledger.refused).append(write)

    async def vote(
        self,
        client: httpx.AsyncClient,
        tenant: TenantLoad,
        person: Participant,
        poll: Poll,
        rng: random.Random,
    ) -> None:
        tenant.taken.add(("vote", poll.dialog_id, person.person_id))
        choice = rng.choice(poll.options)
        response = await self._send(
            client,
            "vote",
            "POST",
            f"/api/v1/dialogs/{poll.dialog_id}/votes",
            tenant.town.headers(person.token),
            {"choices": [choice]},
        )
        stream = self.keys.ballot_stream(tenant.town.slug, poll.dialog_id, person.person_id)
        write = Write("vote", tenant.town.slug, stream, "BallotCast", poll.dialog_id, choice)
        (self.ledger.writes if response is not None else self.ledger.refused).append(write)

    async def flag(
        self, client: httpx.AsyncClient, tenant: TenantLoad, person: Participant, rng: random.Random
    ) -> None:
        post = self._unclaimed(tenant, "flag", person, rng)
        if post is None:
            return
        response = await self._send(
            client,
            "flag",
            "POST",
            f"/api/v1/posts/{post}/flags",
            tenant.town.headers(person.token),
            {"reason": "off topic"},
        )
        write = Write(
            "flag", tenant.town.slug, flag_id(post, person.person_id), "PostFlagged", post
        )
        (self.ledger.writes if response is not None else self.ledger.refused).append(write)

    async def read(self, client: httpx.AsyncClient, tenant: TenantLoad, rng: random.Random) -> None:
        if rng.random() < 0.5:
            url = f"/api/v1/dialogs/{rng.choice(tenant.polls).dialog_id}/tally"
        else:
            url = f"/api/v1/dialogs/{tenant.proposals}/posts?limit=20"
        await self._send(client, "read", "GET", url, tenant.town.headers())
