"""A focus group followed live over server-sent events, through a real HTTP server (uvicorn)
and the chat's feed hub: participants, moderators and observers get released items,
follow-ups and (staff) new answers within a second, without polling; a release at a later time
reaches a watcher when its time comes; a participant's stream never carries a note, an
observer, the others' answers before they answered, a follow-up to someone else, or anything
of another group or municipality; reconnecting with the last event id misses nothing and
repeats nothing (scheduled releases included); a removed member's stream ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec

from services.identity.access import Role
from tests.api import Town, create_town, staff_token
from tests.chat import live_workers
from tests.helpers import caught_up
from tests.test_focus_groups_http import API, focus_group
from tinget.bootstrap import Platform


class Sse(msgspec.Struct, kw_only=True):
    """One server-sent event as a client reads it (a focus group's ids are text)."""

    id: str | None = None
    event: str | None = None
    data: Any = None
    at: float = 0.0  # loop time it was read


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[Sse]:
    fields: dict[str, str] = {}
    comment = False
    async for line in lines:
        if line == "":
            if fields and not comment:
                yield Sse(
                    id=fields.get("id"),
                    event=fields.get("event"),
                    data=json.loads(fields["data"]) if "data" in fields else None,
                    at=asyncio.get_running_loop().time(),
                )
            fields, comment = {}, False
        elif line.startswith(":"):
            comment = True
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


class Watcher:
    """A client following a focus group's stream: what it received, in order, and the id it
    would reconnect with (EventSource's last event id). A task reads the stream into a queue,
    so a wait that times out leaves the stream as it was."""

    def __init__(self, stream: httpx.Response) -> None:
        self.queue: asyncio.Queue[Sse | None] = asyncio.Queue()  # None: the stream ended
        self.reading = asyncio.create_task(self._read(stream))
        self.received: list[Sse] = []
        self.last_id: str | None = None
        self.live_id: str | None = None

    async def _read(self, stream: httpx.Response) -> None:
        try:
            async for event in _events(stream.aiter_lines()):
                self.queue.put_nowait(event)
        finally:
            self.queue.put_nowait(None)

    async def close(self) -> None:
        self.reading.cancel()
        with suppress(asyncio.CancelledError, httpx.HTTPError):
            await self.reading

    async def _next(self, patience: float) -> Sse | None:
        event = await asyncio.wait_for(self.queue.get(), patience)
        if event is None:
            self.queue.put_nowait(None)  # ended for good
        return event

    def _got(self, event: Sse) -> None:
        self.received.append(event)
        if event.id is not None:
            self.last_id = event.id

    async def until_live(self, patience: float = 10.0) -> list[Sse]:
        backlog: list[Sse] = []
        async with asyncio.timeout(patience):
            while (event := await self._next(patience)) is not None:
                if event.event == "live":
                    assert event.id is None  # leaves the client's last event id as it was
                    self.live_id = event.data["last_event_id"]
                    return backlog
                backlog.append(event)
                self._got(event)
        raise AssertionError("the stream ended before it went live")

    async def take(self, count: int, patience: float = 10.0) -> list[Sse]:
        taken: list[Sse] = []
        async with asyncio.timeout(patience):
            while (event := await self._next(patience)) is not None:
                taken.append(event)
                self._got(event)
                if len(taken) == count:
                    return taken
        raise AssertionError(f"the stream ended after {len(taken)} of {count}: {taken}")

    async def rest(self, patience: float = 10.0) -> list[Sse]:
        """Every event until the server ends the stream."""
        taken: list[Sse] = []
        async with asyncio.timeout(patience):
            while (event := await self._next(patience)) is not None:
                taken.append(event)
                self._got(event)
        return taken

    async def quiet(self, seconds: float = 0.5) -> list[Sse]:
        """What comes within ``seconds`` (nothing, when nothing should)."""
        taken: list[Sse] = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                event = await self._next(left)
            except TimeoutError:
                break
            if event is None:
                break
            taken.append(event)
            self._got(event)
        return taken


@asynccontextmanager
async def watching(
    client: httpx.AsyncClient,
    town: Town,
    group_id: str,
    token: str,
    *,
    last_event_id: str | None = None,
) -> AsyncIterator[Watcher]:
    """A focus group's stream, open and live (its backlog read into ``received``)."""
    headers = town.headers(token)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with client.stream("GET", f"{API}/{group_id}/events", headers=headers) as stream:
        assert stream.status_code == 200, await stream.aread()
        assert stream.headers["content-type"].startswith("text/event-stream")
        watcher = Watcher(stream)
        try:
            await watcher.until_live()
            yield watcher
        finally:
            await watcher.close()


def said(events: list[Sse]) -> list[tuple[str | None, str | None]]:
    """(event, text) of each event: what a person reads."""
    return [(e.event, (e.data or {}).get("text")) for e in events]


async def post(client: httpx.AsyncClient, town: Town, token: str, url: str, body: Any) -> Any:
    answer = await client.post(url, json=body, headers=town.headers(token))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def feed_positions(platform: Platform, town: Town, group_id: str) -> list[int]:
    """Every position of the group's feed, as the database owner reads it."""
    conn = await asyncpg.connect(platform.addresses.database_url)
    try:
        rows = await conn.fetch(
            "SELECT position FROM focus_group_feed WHERE tenant_id = $1 AND group_id = $2"
            " ORDER BY position",
            town.slug,
            group_id,
        )
    finally:
        await conn.close()
    return [int(r["position"]) for r in rows]


async def test_members_get_releases_follow_ups_and_staff_new_answers_within_a_second(
    platform: Platform, live_server: str, town: Town
) -> None:
    """As deployed: the relay publishes to JetStream and a live consumer writes the feed;
    the delivery time is from the command's answer to each watcher's read."""
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=10) as client,
        live_workers(platform, durable="focus_live"),
    ):
        g = await focus_group(client, platform, town, participants=2)
        p1, p2 = g.participants
        first = g.items[0]
        await caught_up(platform)  # the group as set up is in its feed: watch from here
        async with (
            watching(client, town, g.id, p1) as participant,
            watching(client, town, g.id, g.moderator) as moderator,
            watching(client, town, g.id, g.observer) as observer,
        ):
            staff = (moderator, observer)
            clock = asyncio.get_running_loop().time
            latencies: list[float] = []

            await post(client, town, g.moderator, f"{g.url}/items/{first}/release", {})
            sent = clock()
            (item,) = await participant.take(1)
            assert said([item]) == [("item", "Hur tar du dig till skolan?")]
            assert item.data["id"] == first
            for w in staff:
                (released,) = await w.take(1)
                assert (released.event, released.data["id"]) == ("released", first)
                assert released.data["released"] is True
                latencies.append(released.at - sent)
            latencies.append(item.at - sent)

            follow_up = await post(
                client, town, g.moderator, f"{g.url}/follow-ups", {"text": "Varför det?"}
            )
            sent = clock()
            for w in (participant, *staff):
                (got,) = await w.take(1)
                assert (got.event, got.data["id"], got.data["text"]) == (
                    "follow-up",
                    follow_up["id"],
                    "Varför det?",
                )
                latencies.append(got.at - sent)

            answer = await post(
                client, town, p2, f"{g.url}/items/{first}/answers", {"text": "Mamma kör mig"}
            )
            sent = clock()
            for w in staff:
                (got,) = await w.take(1)
                assert got.event == "answer"
                assert (got.data["id"], got.data["pseudonym"], got.data["text"]) == (
                    answer["id"],
                    "Deltagare 2",
                    "Mamma kör mig",
                )
                latencies.append(got.at - sent)
            # the participant has not answered the item: the other's answer waits for theirs
            assert await participant.quiet(0.5) == []

            own = await post(
                client, town, p1, f"{g.url}/items/{first}/answers", {"text": "Jag cyklar"}
            )
            # answered: their own, then the other's that waited for it
            mine, waited = await participant.take(2)
            assert (mine.event, mine.data["id"], mine.data["mine"]) == ("answer", own["id"], True)
            assert (waited.event, waited.data["id"], waited.data["mine"]) == (
                "answer",
                answer["id"],
                False,
            )
            for w in staff:
                (got,) = await w.take(1)
                assert got.data["id"] == own["id"]
            # answered: the others' answers come to them from now on
            await post(client, town, p2, f"{g.url}/items/{first}/answers", {"text": "Och buss"})
            sent = clock()
            (other,) = await participant.take(1)
            assert (other.data["author"], other.data["text"], other.data["mine"]) == (
                "Deltagare 2",
                "Och buss",
                False,
            )
            latencies.append(other.at - sent)
        assert max(latencies) < 1.0, latencies


async def test_a_participants_stream_carries_nothing_they_may_not_see(
    platform: Platform, live_server: str, town: Town
) -> None:
    h = town.headers
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        g = await focus_group(client, platform, town, participants=3)
        p1, p2, p3 = g.participants
        first = g.items[0]
        # another group of the same municipality, with the same participant among others
        other = await post(client, town, g.moderator, f"{API}/", {"title": "Annan grupp"})
        other_url = f"{API}/{other['id']}"
        other_item = (
            await post(
                client, town, g.moderator, f"{other_url}/items", {"kind": "question", "text": "B?"}
            )
        )["id"]
        invited = await post(
            client, town, g.moderator, f"{other_url}/participants", {"invitees": [{}]}
        )
        pin = {"pin": invited["invited"][0]["pin"]}
        signed = await client.post("/api/v1/sign-in/pin", json=pin, headers=h())
        stranger = signed.json()["token"]
        # and a group of another municipality
        elsewhere = await create_town(platform, "Falköping")
        their = await focus_group(client, platform, elsewhere, participants=1)

        await platform.catch_up_projections()
        async with watching(client, town, g.id, p2) as watcher:
            await post(client, town, g.moderator, f"{g.url}/items/{first}/release", {})
            await post(client, town, g.observer, f"{g.url}/notes", {"text": "Hemlig anteckning"})
            early = await post(
                client, town, p1, f"{g.url}/items/{first}/answers", {"text": "Tidigt svar"}
            )
            to_p1 = await post(
                client,
                town,
                g.moderator,
                f"{g.url}/follow-ups",
                {"text": "Bara till P1", "to": g.participant_ids[0]},
            )
            await post(
                client, town, p1, f"{g.url}/items/{to_p1['id']}/answers", {"text": "Enskilt"}
            )
            hidden = await post(
                client, town, p3, f"{g.url}/items/{first}/answers", {"text": "Dolt svar"}
            )
            await client.put(
                f"{g.url}/answers/{hidden['id']}/marks",
                json={"hidden": True},
                headers=h(g.moderator),
            )
            # elsewhere: another group, another municipality
            await post(client, town, g.moderator, f"{other_url}/items/{other_item}/release", {})
            await post(
                client, town, stranger, f"{other_url}/items/{other_item}/answers", {"text": "B"}
            )
            their_item = f"{their.url}/items/{their.items[0]}"
            await post(client, elsewhere, their.moderator, f"{their_item}/release", {})
            await post(
                client,
                elsewhere,
                their.participants[0],
                f"{their_item}/answers",
                {"text": "Annan kommun"},
            )
            await platform.catch_up_projections()
            (item,) = await watcher.take(1)
            assert said([item]) == [("item", "Hur tar du dig till skolan?")]
            assert await watcher.quiet(0.5) == []

            # Answered: their own answer, then the others' given before it (as the view shows
            # them now: the answer hidden since is told to be taken away, never shown), then
            # the others' as they come.
            mine = await post(
                client, town, p2, f"{g.url}/items/{first}/answers", {"text": "Mitt svar"}
            )
            await platform.catch_up_projections()
            own, earlier, taken_away = await watcher.take(3)
            assert (own.event, own.data["id"], own.data["mine"]) == ("answer", mine["id"], True)
            assert (earlier.event, earlier.data["id"], earlier.data["mine"]) == (
                "answer",
                early["id"],
                False,
            )
            assert (earlier.data["author"], earlier.data["text"]) == (
                "Deltagare 1",
                "Tidigt svar",
            )
            assert (taken_away.event, taken_away.data) == (
                "hidden",
                {"id": hidden["id"], "item_id": first},
            )
            assert await watcher.quiet(0.3) == []
            view = await client.get(f"{g.url}/discussion", headers=h(p2))
            shown = [a["text"] for i in view.json()["items"] for a in i.get("answers", [])]
            assert sorted(shown) == ["Mitt svar", "Tidigt svar"], view.text
            later = await post(
                client, town, p1, f"{g.url}/items/{first}/answers", {"text": "Senare svar"}
            )
            await platform.catch_up_projections()
            (seen,) = await watcher.take(1)
            assert (seen.data["author"], seen.data["text"]) == ("Deltagare 1", "Senare svar")
            got = []
            for marks in ({"pinned": True}, {"hidden": True}):
                marked = await client.put(
                    f"{g.url}/answers/{later['id']}/marks", json=marks, headers=h(g.moderator)
                )
                assert marked.status_code == 200, marked.text
                await platform.catch_up_projections()
                got.extend(await watcher.take(1))
            pinned, gone = got
            assert (pinned.event, pinned.data["pinned"], pinned.data["text"]) == (
                "marked",
                True,
                "Senare svar",
            )
            assert (gone.event, gone.data) == ("hidden", {"id": later["id"], "item_id": first})
            assert await watcher.quiet(0.3) == []
        live = [(e.event, e.data) for e in watcher.received]

        # From the first event on, as a reconnecting client: what it may see now, and no more
        # (the answers hidden since are told to be taken away, never shown).
        async with watching(client, town, g.id, p2, last_event_id="0-0-0") as again:
            replayed = again.received
        assert said(replayed) == [
            ("item", "Hur tar du dig till skolan?"),
            ("answer", "Mitt svar"),
            ("answer", "Tidigt svar"),
            ("hidden", None),
            ("hidden", None),
        ]
        assert [e.data["id"] for e in replayed[3:]] == [hidden["id"], later["id"]]
        # and from just before their own answer: the same, from there on, once
        before = replayed[0].id
        async with watching(client, town, g.id, p2, last_event_id=before) as again:
            assert said(again.received) == said(replayed[1:])
        for stream in (json.dumps(live), json.dumps([e.data for e in replayed])):
            for secret in (
                "Hemlig anteckning",
                "Bara till P1",
                "Enskilt",
                "Dolt svar",
                "B?",
                "Annan kommun",
                g.observer_id,
                *g.participant_ids,
            ):
                assert secret not in stream, secret

        # Another municipality's staff never watch this group; nor does the other group's
        # participant.
        their_admin = await staff_token(
            platform, elsewhere, "admin@falkoping.example", Role.ADMINISTRATOR
        )
        refused = await client.get(f"{g.url}/events", headers=elsewhere.headers(their_admin))
        assert refused.status_code == 404, refused.text
        refused = await client.get(f"{g.url}/events", headers=h(stranger))
        assert refused.status_code == 404, refused.text


async def test_a_release_at_a_later_time_comes_when_its_time_comes_and_a_reconnect_misses_none(
    platform: Platform, live_server: str, town: Town
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        g = await focus_group(client, platform, town, participants=1)
        (p1,) = g.participants
        first, film, third = g.items

        async def release(item: str, seconds: float | None = None) -> datetime:
            at = None if seconds is None else datetime.now(UTC) + timedelta(seconds=seconds)
            body = {} if at is None else {"at": at.isoformat()}
            done = await post(client, town, g.moderator, f"{g.url}/items/{item}/release", body)
            return datetime.fromisoformat(done["release_at"])

        # Live: scheduled while watching, it comes at its time with nothing else happening.
        await platform.catch_up_projections()
        async with watching(client, town, g.id, p1) as watcher:
            due = await release(film, 2.0)
            await platform.catch_up_projections()
            early = await watcher.quiet((due - datetime.now(UTC)).total_seconds() - 0.1)
            assert early == []  # not before its time
            (came,) = await watcher.take(1, patience=5)
            arrived = datetime.now(UTC)
            assert (came.event, came.data["id"]) == ("item", film)
            assert timedelta(0) <= arrived - due < timedelta(seconds=1), arrived - due
            last = watcher.last_id
        assert last is not None

        # Away: one released now, one scheduled for a little later; a follow-up.
        await release(first)
        soon = await release(third, 3.0)
        follow_up = await post(client, town, g.moderator, f"{g.url}/follow-ups", {"text": "Mer?"})
        await platform.catch_up_projections()
        async with watching(client, town, g.id, p1, last_event_id=last) as back:
            assert [(e.event, e.data["id"]) for e in back.received] == [
                ("item", first),
                ("follow-up", follow_up["id"]),
            ]
            (came,) = await back.take(1, patience=8)  # still held: sent when its time comes
            assert (came.event, came.data["id"]) == ("item", third)
            assert datetime.now(UTC) >= soon
            last = back.last_id
        async with watching(client, town, g.id, p1, last_event_id=last) as again:
            assert again.received == []  # nothing twice
            assert again.live_id == last

        # A release moved to another time comes once, at its new time, also to a watcher whose
        # last id is past both times said; one deleted before its time never comes.
        fourth, fifth = [
            (
                await post(
                    client, town, g.moderator, f"{g.url}/items", {"kind": "question", "text": t}
                )
            )["id"]
            for t in ("Fyra", "Fem")
        ]
        await release(fourth, 30.0)
        moved = await release(fourth, 4.0)  # sooner than first said
        await platform.catch_up_projections()
        async with watching(client, town, g.id, p1, last_event_id=last) as before:
            assert before.received == []
            await post(client, town, g.moderator, f"{g.url}/follow-ups", {"text": "Och nu?"})
            await platform.catch_up_projections()
            (told,) = await before.take(1)
            assert told.event == "follow-up"
            last = before.last_id
        await release(fifth, 3.0)
        deleted = await client.delete(f"{g.url}/items/{fifth}", headers=town.headers(g.moderator))
        assert deleted.status_code == 200, deleted.text
        await platform.catch_up_projections()
        await asyncio.sleep(max(0.0, (moved - datetime.now(UTC)).total_seconds()) + 0.1)
        async with watching(client, town, g.id, p1, last_event_id=last) as later:
            assert [(e.event, e.data["id"]) for e in later.received] == [("item", fourth)]
            assert later.received[0].data["released_at"] == moved.isoformat().replace("+00:00", "Z")
            assert await later.quiet(0.5) == []  # the deleted one never, nor the first time
        # an item whose time has come is released: no longer deleted
        sixth = (
            await post(
                client, town, g.moderator, f"{g.url}/items", {"kind": "question", "text": "Sex"}
            )
        )["id"]
        due = await release(sixth, 0.3)
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.05)
        refused = await client.delete(f"{g.url}/items/{sixth}", headers=town.headers(g.moderator))
        assert refused.status_code == 409, refused.text


async def test_reconnecting_while_the_group_talks_misses_nothing_and_repeats_nothing(
    platform: Platform, live_server: str, town: Town
) -> None:
    """A participant and a moderator drop and reconnect five times while items are released
    (some at a later time), follow-ups sent and answers given through the relay, JetStream
    and a live consumer: each receives exactly what a watcher that stayed received."""
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=10) as client,
        live_workers(platform, durable="focus_reconnect"),
    ):
        g = await focus_group(client, platform, town, participants=3)
        p1, p2, p3 = g.participants
        extra = [
            (
                await post(
                    client,
                    town,
                    g.moderator,
                    f"{g.url}/items",
                    {"kind": "question", "text": f"Fråga {n}"},
                )
            )["id"]
            for n in range(5)
        ]
        items = [*g.items, *extra]
        await post(client, town, g.moderator, f"{g.url}/items/{items[0]}/release", {})
        await post(client, town, p1, f"{g.url}/items/{items[0]}/answers", {"text": "Först"})
        await caught_up(platform)

        async def talk() -> None:
            for n, item in enumerate(items[1:], start=1):
                if n % 2:
                    at = datetime.now(UTC) + timedelta(seconds=0.3)
                    body = {"at": at.isoformat()}
                else:
                    body = {}
                await post(client, town, g.moderator, f"{g.url}/items/{item}/release", body)
                for token in (p2, p3):
                    await post(
                        client, town, token, f"{g.url}/items/{items[0]}/answers", {"text": f"{n}"}
                    )
                await post(client, town, g.moderator, f"{g.url}/follow-ups", {"text": f"Följd {n}"})
                await asyncio.sleep(0.05)

        async def follow(token: str, ready: asyncio.Event) -> list[Sse]:
            """Five times connect, take what comes for a moment, drop."""
            got: list[Sse] = []
            last: str | None = None
            for n in range(5):
                async with watching(client, town, g.id, token, last_event_id=last) as w:
                    if n == 0:
                        ready.set()
                    await w.quiet(0.4)
                    got.extend(w.received)
                    # as a client does: its last event's id, or where the stream went live
                    last = w.last_id or last or w.live_id
            return got

        async with (
            watching(client, town, g.id, p1) as participant,
            watching(client, town, g.id, g.moderator) as moderator,
        ):
            ready = [asyncio.Event(), asyncio.Event()]
            flaky = [
                asyncio.create_task(follow(token, r))
                for token, r in zip((p1, g.moderator), ready, strict=True)
            ]
            await asyncio.gather(*(r.wait() for r in ready))  # all four watch from here
            await talk()
            got = await asyncio.gather(*flaky)
            await asyncio.sleep(1.0)  # the last releases' times pass, the feed is written
            await participant.quiet(0.5)
            await moderator.quiet(0.5)
        # each then reconnects with its last id once more, for the rest
        for n, (token, steady) in enumerate(((p1, participant), (g.moderator, moderator))):
            done = got[n]
            last = next(e.id for e in reversed(done) if e.id is not None)
            async with watching(client, town, g.id, token, last_event_id=last) as w:
                await w.quiet(0.5)
                done.extend(w.received)
            assert len({e.id for e in done}) == len(done), token  # none twice
            if token == g.moderator:  # in order, each with the id the steady one got
                assert [(e.id, e.event, e.data) for e in done] == [
                    (e.id, e.event, e.data) for e in steady.received
                ]
            else:  # a release held until its time is sent when the watcher's clock says
                assert sorted(json.dumps([e.event, e.data]) for e in done) == sorted(
                    json.dumps([e.event, e.data]) for e in steady.received
                )
        # the steady participant got every item, the scheduled ones too, once each
        assert sorted(e.data["id"] for e in participant.received if e.event == "item") == sorted(
            items[1:]
        )
        assert sum(e.event == "follow-up" for e in participant.received) == len(items) - 1
        assert sum(e.event == "answer" for e in participant.received) == 2 * (len(items) - 1)
        # the moderator got every row of the feed from when they began watching
        positions = await feed_positions(platform, town, g.id)
        ids = [int(e.id or 0) for e in moderator.received]
        assert ids == [p for p in positions if p >= ids[0]]


async def test_a_removed_members_stream_ends(
    platform: Platform, live_server: str, town: Town
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        g = await focus_group(client, platform, town, participants=2)
        p1, _ = g.participants
        await platform.catch_up_projections()
        async with (
            watching(client, town, g.id, p1) as participant,
            watching(client, town, g.id, g.observer) as observer,
            watching(client, town, g.id, g.moderator) as moderator,
        ):
            for person in (g.participant_ids[0], g.observer_id):
                removed = await client.delete(
                    f"{g.url}/members/{person}", headers=town.headers(g.moderator)
                )
                assert removed.status_code == 200, removed.text
            await platform.catch_up_projections()
            ended = await participant.rest()
            assert [(e.event, e.data) for e in ended] == [("removed", {"group_id": g.id})]
            ended = await observer.rest()  # told of both removals, the second its own
            assert [(e.event, e.data.get("person_id")) for e in ended] == [
                ("member-removed", g.participant_ids[0]),
                ("member-removed", g.observer_id),
                ("removed", None),
            ]
            told = await moderator.take(2)
            assert [(e.event, e.data["person_id"], e.data["role"]) for e in told] == [
                ("member-removed", g.participant_ids[0], "participant"),
                ("member-removed", g.observer_id, "observer"),
            ]
            assert told[0].data["pseudonym"] == "Deltagare 1"
        for token in (p1, g.observer):
            refused = await client.get(f"{g.url}/events", headers=town.headers(token))
            assert refused.status_code == 403, refused.text
            assert refused.json()["type"].endswith("/removed-from-focus-group")


async def test_answers_withheld_until_shown_come_when_the_group_shows_them_and_only_once(
    platform: Platform, live_server: str, town: Town
) -> None:
    """Answers withheld from a participant who has not answered come, in order, when the
    moderator makes the group show answers before answering; those given after it hides them
    again come with the participant's own answer, and nothing comes twice, live or replayed."""
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        g = await focus_group(client, platform, town, participants=2)
        p1, p2 = g.participants
        first = f"{g.url}/items/{g.items[0]}"
        await post(client, town, g.moderator, f"{first}/release", {})

        async def show(visible: bool) -> None:
            changed = await client.patch(
                g.url,
                json={"answers_visible_before_answering": visible},
                headers=town.headers(g.moderator),
            )
            assert changed.status_code == 200, changed.text
            await platform.catch_up_projections()

        await platform.catch_up_projections()
        async with watching(client, town, g.id, p1) as watcher:  # from now on
            await post(client, town, p2, f"{first}/answers", {"text": "Buss"})
            await platform.catch_up_projections()
            assert await watcher.quiet(0.3) == []
            await show(True)
            assert said(await watcher.take(2)) == [("changed", None), ("answer", "Buss")]
            await show(False)
            assert said(await watcher.take(1)) == [("changed", None)]
            await post(client, town, p2, f"{first}/answers", {"text": "Cykel"})
            await platform.catch_up_projections()
            assert await watcher.quiet(0.3) == []
            before_answering = watcher.last_id
            await post(client, town, p1, f"{first}/answers", {"text": "Till fots"})
            await platform.catch_up_projections()
            assert said(await watcher.take(2)) == [("answer", "Till fots"), ("answer", "Cykel")]
            assert await watcher.quiet(0.3) == []
            live = said(watcher.received)

        async with watching(client, town, g.id, p1, last_event_id="0-0-0") as again:
            assert said(again.received) == [("item", "Hur tar du dig till skolan?"), *live]
        async with watching(client, town, g.id, p1, last_event_id=before_answering) as again:
            assert said(again.received) == [("answer", "Till fots"), ("answer", "Cykel")]
