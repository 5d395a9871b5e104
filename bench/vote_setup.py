"""What ``python -m bench vote`` sets up before any load: a tenant, a vox pop and tokens.

Everything goes through Tinget's own services (``open_platform``), as an administrator would
make it; every vote then needs a participant token of its own (a second vote with the same
token is refused with 409), so the tokens are minted beforehand and written one per line. A
token must name a person who exists (a device session records ``PersonJoined``), so each
token's person is recorded too, before the load, as device sessions would have done.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import BenchDatabase, BenchStream, nats_url, say
from services.dialogs.commands import CreateDialog, SettingsInput
from services.dialogs.domain import DialogKind
from services.identity.access import Caller, Role, SignIn
from services.identity.domain import Person
from services.identity.tokens import Tokens
from tinget.bootstrap import Addresses, open_platform

TENANT = "bench"
HOST = "bench.localhost"
QUESTION = "Ska kommunen bygga en ny simhall?"


@dataclass
class Poll:
    """The vox pop, the deployment secret, and the token files of the load."""

    dialog_id: uuid.UUID
    secret: str
    tokens: Tokens
    warmup_tokens: Path
    run_tokens: Path
    addresses: Addresses
    minted: int = 0  # tokens in run_tokens
    sign_in: SignIn = SignIn.DEVICE  # how the tokens' people signed in (a budget: e-mail)

    async def mint(self, path: Path, count: int) -> None:
        """Append ``count`` participant tokens (new people, device sign-in) to ``path``, and
        record those people."""
        people = [uuid.uuid4() for _ in range(count)]
        await asyncio.to_thread(self._write_tokens, path, people)
        await enrol(self.addresses, people)
        if path == self.run_tokens:
            self.minted += count

    def _write_tokens(self, path: Path, people: list[uuid.UUID]) -> None:
        with path.open("a") as out:
            for person_id in people:
                issued = self.tokens.issue(TENANT, person_id, Role.PARTICIPANT, self.sign_in)
                out.write(issued.token + "\n")

    async def new_round(self, index: int, warmup: int, run: int) -> None:
        """Fresh token files for another round: a used token would only get a 409."""
        self.warmup_tokens = self.warmup_tokens.with_name(f"warmup-{index}.tokens")
        self.run_tokens = self.run_tokens.with_name(f"run-{index}.tokens")
        self.minted = 0
        await self.mint(self.warmup_tokens, max(1, warmup))
        await self.mint(self.run_tokens, max(1, run))

    async def top_up(self, wanted: int) -> None:
        """Have at least ``wanted`` tokens for the timed run."""
        if wanted > self.minted:
            began = time.perf_counter()
            more = wanted - self.minted
            await self.mint(self.run_tokens, more)
            say(f"{more:,} more tokens minted in {time.perf_counter() - began:.1f} s")


async def prepare(
    database: BenchDatabase,
    stream: BenchStream,
    work: Path,
    *,
    warmup_tokens: int,
    run_tokens: int,
) -> Poll:
    """Tenant, administrator and a published vox pop open for an hour; the token files."""
    secret = secrets.token_urlsafe(48)
    addresses = bench_addresses(database, stream, work, secret)
    async with open_platform(addresses, with_nats=False, pool_size=2) as platform:
        await platform.tenants.create(TENANT, "Bench", "sv", hosts=[HOST])
        await platform.catch_up_projections()
        person_id = await platform.identity.add_staff(
            TENANT, "admin@bench.example", Role.ADMINISTRATOR
        )
        caller = Caller(
            tenant_id=TENANT, person_id=person_id, role=Role.ADMINISTRATOR, sign_in=SignIn.EMAIL
        )
        now = datetime.now(UTC)
        command = CreateDialog(
            kind=DialogKind.VOX_POP,
            title=QUESTION,
            purpose="Fullmäktige vill veta vad invånarna tycker, live under sändningen.",
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(hours=1),
            settings=SettingsInput(question=QUESTION),
        )
        dialog = await platform.dialogs.create(caller, command)
        await platform.dialogs.publish(caller, dialog.id)
        await platform.catch_up_projections()
        tokens = platform.tokens
    poll = Poll(dialog.id, secret, tokens, work / "warmup.tokens", work / "run.tokens", addresses)
    began = time.perf_counter()
    await poll.mint(poll.warmup_tokens, max(1, warmup_tokens))
    await poll.mint(poll.run_tokens, max(1, run_tokens))
    say(
        f"vox pop {dialog.id} published in tenant {TENANT!r} ({HOST});"
        f" {warmup_tokens + run_tokens:,} tokens minted in {time.perf_counter() - began:.1f} s"
    )
    return poll


def bench_addresses(
    database: BenchDatabase, stream: BenchStream, work: Path, secret: str
) -> Addresses:
    """Where a bench's platform lives: its own database and stream, data under ``work``."""
    return Addresses(
        database_url=database.owner_url,
        nats_url=nats_url(),
        stream_name=stream.name,
        subject_prefix=stream.prefix,
        data_dir=work / "data",
        signing_secret=secret,
    )


async def enrol(addresses: Addresses, people: list[uuid.UUID], chunk: int = 2_000) -> None:
    """Record ``people`` as anonymous participants (``PersonJoined``), a chunk per append."""
    async with open_platform(addresses, with_nats=False, pool_size=4) as platform:
        for start in range(0, len(people), chunk):
            joined = [
                (TENANT, Person(person_id=p, role=Role.PARTICIPANT.value, sign_in="device"))
                for p in people[start : start + chunk]
            ]
            await platform.repository.save_across(joined)


def tokens_for(seconds: float, per_second: int) -> int:
    return math.ceil(seconds * per_second)
