"""Statements dialogs over HTTP: statements written and moderated like posts, votes agree,
disagree or pass (changeable, one per person and statement), the opinion map computed by the
mapper from a planted two-group conversation (groups recovered, consensus found, ids kept),
pushed live over server-sent events, and the votes' read model rebuilt equal to the live one.
Every bad input is refused naming its field, with nothing written. Real PostgreSQL and NATS
behind the gateway app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import msgspec
from sklearn.metrics import adjusted_rand_score

from services.analysis.opinion import VoteMatrix, compute
from services.analysis.opinion_maps import OpinionMapper, run_opinion_mapper
from services.identity.access import Role
from tests.api import Town, create_town, device_token, open_dialog, staff_token
from tests.helpers import caught_up
from tests.read_models import differences
from tinget.bootstrap import Platform

DIVISIVE = [
    "Close the high street to cars",
    "Build the new sports hall by the harbour",
    "Cut the library's evening hours",
    "Plant a forest where the car park is",
    "Charge for parking on Sundays",
    "Move the market to the station square",
]
CONSENSUS = "Keep the playgrounds open all year"


def fields_of(response: httpx.Response) -> set[str]:
    body = response.json()
    return {e["field"] for e in body.get("errors") or []} | {str(body.get("field"))}


async def write(
    client: httpx.AsyncClient, town: Town, token: str, dialog: dict[str, Any], text: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts", json={"body": text}, headers=town.headers(token)
    )


async def vote(
    client: httpx.AsyncClient,
    town: Town,
    token: str,
    dialog: dict[str, Any],
    statement: str,
    value: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/dialogs/{dialog['id']}/statement-votes",
        json={"statement_id": statement, "vote": value},
        headers=town.headers(token, language="en"),  # refusals as written
    )


async def participant(platform: Platform, town: Town) -> str:
    """A signed-in participant (device tokens are limited to a few per address)."""
    return await staff_token(platform, town, f"{uuid4()}@people.example", Role.PARTICIPANT)


class Conversation:
    """A statements dialog with seven statements by one author: six divisive ones and one
    everyone agrees with; two planted groups of voters, each agreeing where the other
    disagrees (every voter passes on one statement)."""

    def __init__(self, platform: Platform, town: Town, dialog: dict[str, Any]) -> None:
        self.platform = platform
        self.town = town
        self.dialog = dialog
        self.author = ""
        self.author_id: UUID | None = None
        self.statements: dict[str, str] = {}  # text -> id
        self.voters: list[tuple[str, int]] = []  # (token, planted group)

    async def vote_all(self, client: httpx.AsyncClient, people: range) -> None:
        for n in people:
            token = await participant(self.platform, self.town)
            group = n % 2
            self.voters.append((token, group))
            for i, text in enumerate(DIVISIVE):
                value = "agree" if (i % 2 == group) else "disagree"
                if i == n % len(DIVISIVE):
                    value = "pass"
                answer = await vote(
                    client, self.town, token, self.dialog, self.statements[text], value
                )
                assert answer.status_code == 200, answer.text
            agreed = await vote(
                client, self.town, token, self.dialog, self.statements[CONSENSUS], "agree"
            )
            assert agreed.status_code == 200, agreed.text


async def conversation(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, voters: int = 16
) -> Conversation:
    dialog = await open_dialog(client, town, admin, kind="statements")
    talk = Conversation(platform, town, dialog)
    talk.author = await device_token(client, town)
    me = await client.get("/api/v1/me", headers=town.headers(talk.author))
    talk.author_id = UUID(me.json()["person_id"])
    for text in [*DIVISIVE, CONSENSUS]:
        written = await write(client, town, talk.author, dialog, text)
        assert written.status_code == 201, written.text
        assert written.json()["kind"] == "statement"
        talk.statements[text] = written.json()["id"]
    await talk.vote_all(client, range(voters))
    return talk


async def read_map(
    client: httpx.AsyncClient, town: Town, token: str | None, dialog: dict[str, Any]
) -> dict[str, Any]:
    answer = await client.get(
        f"/api/v1/dialogs/{dialog['id']}/opinion-map", headers=town.headers(token)
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_the_planted_groups_and_the_consensus_statement_are_found(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    talk = await conversation(client, platform, town, admin)
    before = await read_map(client, town, talk.voters[0][0], talk.dialog)
    assert before["computed_at"] is None
    assert before["groups"] == []

    await caught_up(platform)
    mapper = OpinionMapper(platform.worker_pool)
    assert await mapper.step() == 1
    assert await mapper.step() == 0  # nothing changed since: nothing recomputed
    # the mapper's matrix (numbered in SQL) gives what the votes give in memory
    assert await _in_memory(platform, town, talk) == await _stored(platform, town, talk)

    found = await read_map(client, town, talk.voters[0][0], talk.dialog)
    assert found["computed_at"] is not None
    assert found["statements"] == 7
    # the author counts, agreeing with each of their statements, so they are placed too
    assert found["voters"] == 17
    assert found["placed"] == 17
    assert sorted(g["size"] for g in found["groups"]) == [8, 9]
    assert [c["statement_id"] for c in found["consensus"]] == [talk.statements[CONSENSUS]]
    assert found["texts"][talk.statements[CONSENSUS]] == CONSENSUS
    for group in found["groups"]:
        assert group["representative"], group
        for r in group["representative"]:
            assert found["texts"][r["statement_id"]] in DIVISIVE

    groups = [
        (await read_map(client, town, token, talk.dialog))["my_group"] for token, _ in talk.voters
    ]
    assert None not in groups
    assert adjusted_rand_score([g for _, g in talk.voters], groups) >= 0.9
    anonymous = await read_map(client, town, None, talk.dialog)
    assert anonymous["my_group"] is None
    assert anonymous["groups"] == found["groups"]

    # more voters arrive: the groups keep their ids and their members
    await talk.vote_all(client, range(16, 24))
    await caught_up(platform)
    assert await mapper.step() == 1
    after = await read_map(client, town, talk.voters[0][0], talk.dialog)
    assert {g["id"] for g in after["groups"]} == {g["id"] for g in found["groups"]}
    assert sorted(g["size"] for g in after["groups"]) == [12, 13]
    for (token, _), group in zip(talk.voters[:16], groups, strict=True):
        assert (await read_map(client, town, token, talk.dialog))["my_group"] == group


async def _in_memory(platform: Platform, town: Town, talk: Conversation) -> tuple[Any, ...]:
    async with platform.worker_pool.acquire() as conn:
        votes = await conn.fetch(
            "SELECT statement_id, person_id, vote FROM opinion_votes"
            " WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            UUID(talk.dialog["id"]),
        )
    statements: dict[UUID, UUID | None] = {
        UUID(s): talk.author_id for s in talk.statements.values()
    }
    computed = compute(
        VoteMatrix.of(statements, [(r["statement_id"], r["person_id"], r["vote"]) for r in votes])
    )
    return json.loads(msgspec.json.encode(computed.map)), computed.members


async def _stored(platform: Platform, town: Town, talk: Conversation) -> tuple[Any, ...]:
    async with platform.worker_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT map::text AS map, members::text AS members FROM opinion_maps"
            " WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            UUID(talk.dialog["id"]),
        )
    assert row is not None
    return json.loads(row["map"]), json.loads(row["members"])


async def test_votes_are_changed_not_repeated_and_bad_input_is_refused_by_field(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    dialog = await open_dialog(client, town, admin, kind="statements")
    other = await open_dialog(client, town, admin, kind="statements")
    author, voter = await device_token(client, town), await device_token(client, town)
    statement = (await write(client, town, author, dialog, "More benches by the river")).json()
    elsewhere = (await write(client, town, author, other, "Fewer benches")).json()
    far_town = await create_town(platform, "Malmö")
    far_admin = await staff_token(platform, far_town, "admin@malmo.example", Role.ADMINISTRATOR)
    far_dialog = await open_dialog(client, far_town, far_admin, kind="statements")
    far_author = await device_token(client, far_town)
    far = (await write(client, far_town, far_author, far_dialog, "A harbour bath")).json()

    first = await vote(client, town, voter, dialog, statement["id"], "agree")
    assert first.status_code == 200, first.text
    assert first.json() == {"statement_id": statement["id"], "vote": "agree", "changed": True}
    same = await vote(client, town, voter, dialog, statement["id"], "agree")
    assert same.json()["changed"] is False
    changed = await vote(client, town, voter, dialog, statement["id"], "disagree")
    assert changed.json() == {
        "statement_id": statement["id"],
        "vote": "disagree",
        "changed": True,
    }

    refused = {
        "vote": await vote(client, town, voter, dialog, statement["id"], "maybe"),
        "number": await vote(client, town, voter, dialog, statement["id"], 1),
        "missing": await client.post(
            f"/api/v1/dialogs/{dialog['id']}/statement-votes",
            json={"statement_id": statement["id"]},
            headers=town.headers(voter),
        ),
        "other dialog": await vote(client, town, voter, dialog, elsewhere["id"], "agree"),
        "other town": await vote(client, town, voter, dialog, far["id"], "agree"),
        "unknown": await vote(
            client, town, voter, dialog, "00000000-0000-4000-8000-000000000000", "agree"
        ),
        "not a uuid": await vote(client, town, voter, dialog, "benches", "agree"),
    }
    for case in ("vote", "number", "missing"):
        assert refused[case].status_code in (400, 422), (case, refused[case].text)
        assert "vote" in fields_of(refused[case]), (case, refused[case].text)
    assert "agree, disagree, pass" in refused["vote"].json()["errors"][0]["reason"]
    for case in ("other dialog", "other town", "unknown", "not a uuid"):
        assert refused[case].status_code in (400, 422), (case, refused[case].text)
        assert "statement_id" in fields_of(refused[case]), (case, refused[case].text)

    own = await vote(client, town, author, dialog, statement["id"], "agree")
    assert own.status_code == 409, own.text
    assert "counts as your agreement" in own.json()["detail"]

    long = await write(client, town, author, dialog, "x" * 281)
    assert long.status_code == 422, long.text
    assert fields_of(long) >= {"body"}
    titled = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"title": "A title", "body": "Short"},
        headers=town.headers(author),
    )
    assert titled.status_code == 422, titled.text
    assert fields_of(titled) >= {"title"}
    edited = await client.patch(
        f"/api/v1/posts/{statement['id']}", json={"body": "Changed"}, headers=town.headers(author)
    )
    assert edited.status_code == 409, edited.text

    proposals = await open_dialog(client, town, admin)
    idea = (
        await client.post(
            f"/api/v1/dialogs/{proposals['id']}/posts",
            json={"title": "Trees", "body": "Plant trees"},
            headers=town.headers(author),
        )
    ).json()
    wrong_kind = await vote(client, town, voter, proposals, idea["id"], "agree")
    assert wrong_kind.status_code == 409, wrong_kind.text
    no_map = await client.get(
        f"/api/v1/dialogs/{proposals['id']}/opinion-map", headers=town.headers(voter)
    )
    assert no_map.status_code == 409, no_map.text

    # nothing of the refused was written: one vote (cast, then changed), no other rows
    await caught_up(platform)
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT statement_id, person_id, vote FROM opinion_votes WHERE tenant_id = $1",
            town.slug,
        )
        events = await conn.fetch(
            "SELECT event_type FROM events WHERE tenant_id = $1"
            " AND event_type LIKE 'StatementVote%' ORDER BY position",
            town.slug,
        )
    assert [(str(r["statement_id"]), r["vote"]) for r in rows] == [(statement["id"], -1)]
    assert [e["event_type"] for e in events] == ["StatementVoteCast", "StatementVoteChanged"]
    # the voter's data export lists each vote and change; the author's lists none
    mine = (await client.get("/api/v1/me/data", headers=town.headers(voter))).json()
    assert [(v["statement_id"], v["vote"]) for v in mine["statement_votes"]] == [
        (statement["id"], "agree"),
        (statement["id"], "disagree"),
    ]
    theirs = (await client.get("/api/v1/me/data", headers=town.headers(author))).json()
    assert theirs["statement_votes"] == []
    assert await _statements(client, town, admin, [dialog]) == 1


async def _statements(
    client: httpx.AsyncClient, town: Town, admin: str, dialogs: list[dict[str, Any]]
) -> int:
    return len(
        [
            p
            for d in dialogs
            for p in (
                await client.get(f"/api/v1/dialogs/{d['id']}/posts", headers=town.headers(admin))
            ).json()["items"]
        ]
    )


async def test_hidden_and_pending_statements_are_not_voted_on_or_mapped(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    talk = await conversation(client, platform, town, admin, voters=8)
    hidden = talk.statements[DIVISIVE[0]]
    hide = await client.post(
        f"/api/v1/posts/{hidden}/hide",
        json={"reason": "Off topic"},
        headers=town.headers(moderator),
    )
    assert hide.status_code == 200, hide.text
    newcomer = await participant(platform, town)
    refused = await vote(client, town, newcomer, talk.dialog, hidden, "agree")
    assert refused.status_code == 409, refused.text
    assert "hidden" in refused.json()["detail"]

    await caught_up(platform)
    mapper = OpinionMapper(platform.worker_pool)
    assert await mapper.step() == 1
    mapped = await read_map(client, town, admin, talk.dialog)
    assert mapped["statements"] == 6
    named = {r["statement_id"] for g in mapped["groups"] for r in g["representative"]}
    assert hidden not in named
    assert hidden not in mapped["texts"]

    # restoring it is a change too: the map takes it back
    restore = await client.post(
        f"/api/v1/posts/{hidden}/restore",
        json={"reason": "On topic after all"},
        headers=town.headers(moderator),
    )
    assert restore.status_code == 200, restore.text
    await caught_up(platform)
    assert await mapper.step() == 1
    assert (await read_map(client, town, admin, talk.dialog))["statements"] == 7

    held = await open_dialog(
        client, town, admin, kind="statements", settings={"premoderation": True}
    )
    waiting = (await write(client, town, talk.author, held, "Waiting for a moderator")).json()
    assert waiting["status"] == "pending"
    pending = await vote(client, town, newcomer, held, waiting["id"], "agree")
    assert pending.status_code == 409, pending.text
    assert "approval" in pending.json()["detail"]


async def _next_map(lines: AsyncIterator[str]) -> dict[str, Any]:
    event = None
    async for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "opinion-map":
            body: dict[str, Any] = json.loads(line.split(":", 1)[1])
            return body
    raise AssertionError("the stream ended")


async def test_watchers_get_each_new_map_over_server_sent_events(
    platform: Platform, live_server: str
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        talk = await conversation(client, platform, town, admin, voters=8)
        url = f"/api/v1/dialogs/{talk.dialog['id']}/opinion-map/live"
        async with client.stream("GET", url, headers=town.headers()) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            first = await asyncio.wait_for(_next_map(lines), timeout=10)
            assert first["computed_at"] is None

            await caught_up(platform)
            assert await OpinionMapper(platform.worker_pool).step() == 1  # notifies watchers
            second = await asyncio.wait_for(_next_map(lines), timeout=5)
            assert second["computed_at"] is not None
            assert sorted(g["size"] for g in second["groups"]) == [4, 5]  # with the author
            assert second["consensus"][0]["statement_id"] == talk.statements[CONSENSUS]
            assert second["my_group"] is None


async def test_the_votes_read_model_rebuilt_equals_the_live_one(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    talk = await conversation(client, platform, town, admin, voters=6)
    token = talk.voters[0][0]
    changed = await vote(client, town, token, talk.dialog, talk.statements[CONSENSUS], "pass")
    assert changed.json()["changed"] is True
    await client.post(
        f"/api/v1/posts/{talk.statements[DIVISIVE[1]]}/hide",
        json={"reason": "Off topic"},
        headers=town.headers(moderator),
    )
    withdrawn = await client.post(
        f"/api/v1/posts/{talk.statements[DIVISIVE[2]]}/withdraw",
        headers=town.headers(talk.author),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await caught_up(platform)
    runner = next(r for r in platform.projections if r.projection.name == "opinion_votes")
    live = await _tables(platform, runner.projection.tables)
    assert live["opinion_votes"], "the flow recorded votes"
    await runner.rebuild(platform.reader)
    rebuilt = await _tables(platform, runner.projection.tables)
    assert differences(live, rebuilt) == {}
    async with platform.worker_pool.acquire() as conn:
        changes = await conn.fetchval(
            "SELECT changes FROM opinion_changes WHERE tenant_id = $1 AND dialog_id = $2",
            town.slug,
            UUID(talk.dialog["id"]),
        )
    # 7 statements, 6 x 7 votes, a changed vote, a hiding and a withdrawal
    assert changes == 7 + 42 + 1 + 1 + 1


async def _tables(platform: Platform, tables: tuple[str, ...]) -> dict[str, list[list[Any]]]:
    found: dict[str, list[list[Any]]] = {}
    async with platform.worker_pool.acquire() as conn:
        for table in tables:
            rows = await conn.fetch(f'SELECT * FROM "{table}"')
            found[table] = sorted([repr(v) for v in row.values()] for row in rows)
    return found


async def test_the_worker_loop_recomputes_as_votes_arrive_at_most_once_per_interval(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    talk = await conversation(client, platform, town, admin, voters=8)
    await caught_up(platform)
    mapper = OpinionMapper(platform.worker_pool)
    stop = asyncio.Event()
    interval = 0.5
    loop = asyncio.get_running_loop()
    began = loop.time()
    worker = asyncio.create_task(
        run_opinion_mapper(platform.worker_pool, stop, interval=interval, mapper=mapper)
    )
    try:
        async with asyncio.timeout(10):
            while (await read_map(client, town, admin, talk.dialog))["computed_at"] is None:
                await asyncio.sleep(0.05)
        # votes keep coming: the map follows them, one computation per interval at most
        await talk.vote_all(client, range(8, 12))
        await caught_up(platform)
        async with asyncio.timeout(10):
            while (await read_map(client, town, admin, talk.dialog))["placed"] != 13:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await worker
    elapsed = loop.time() - began
    assert 2 <= mapper.computed <= elapsed / interval + 1


async def test_the_committee_report_shows_the_opinion_groups_and_the_consensus(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    talk = await conversation(client, platform, town, admin)
    started = await client.post(
        "/api/v1/analyses",
        json={"title": "Åsikter", "dialog_ids": [talk.dialog["id"]]},
        headers=town.headers(admin),
    )
    assert started.status_code == 201, started.text
    report = f"/api/v1/analyses/{started.json()['id']}/report"
    await caught_up(platform)

    before = await client.get(report, headers=town.headers(admin))
    assert before.status_code == 200, before.text
    assert "Åsiktsgrupper" not in before.text  # no map computed yet: no section

    assert await OpinionMapper(platform.worker_pool).step() == 1
    found = await read_map(client, town, talk.voters[0][0], talk.dialog)
    after = await client.get(report, headers=town.headers(admin))

    assert after.status_code == 200, after.text
    html = after.text
    assert "<h2>Åsiktsgrupper</h2>" in html  # the town speaks Swedish
    assert html.count("<h3>Grupp ") == len(found["groups"]) == 2
    for group in found["groups"]:
        assert f"Personer i gruppen: {group['size']}" in html
    assert "Påståenden som de flesta grupper håller med om" in html
    assert CONSENSUS in html.split("Påståenden som de flesta grupper håller med om")[1]
