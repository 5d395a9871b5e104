"""The reference of ``python -m bench vote`` and ``survey``: the least a vote or a survey
response over HTTP can cost in this stack.

A litestar app with one route per bench, ``POST /votes``, ``POST /responses`` and
``PUT /budget_ballots``: the JSON
body decoded with msgspec, the bearer token taken from the header (not verified), one row
inserted with an asyncpg pool (10 connections), 201. uvicorn serves it as it serves each of
Tinget's gateway processes (uvloop and httptools where installed, no access log), in one
process: the reference stays what one event loop can do, while the benches run Tinget's
gateway as deployed on the machine (``--gateway-processes``)::

    python -m bench.reference_vote --port 8123 --database-url postgresql://... --dialog-id UUID

The tables (``TABLE_SQL``) are made by the bench before the server starts.
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
import uvicorn
from litestar import Litestar, Request, post, put
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from msgspec import Meta

from tinget import loop

TABLE_SQL = """
CREATE TABLE reference_votes (
    dialog_id uuid        NOT NULL,
    voter     text        NOT NULL,
    choice    text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE reference_budget_ballots (
    dialog_id uuid        NOT NULL,
    voter     text        NOT NULL,
    district  text        NOT NULL,
    projects  text[]      NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE reference_responses (
    dialog_id  uuid        NOT NULL,
    respondent text        NOT NULL,
    version    integer     NOT NULL,
    answers    jsonb       NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
)
"""
INSERT_SQL = "INSERT INTO reference_votes (dialog_id, voter, choice) VALUES ($1, $2, $3)"
INSERT_RESPONSE_SQL = (
    "INSERT INTO reference_responses (dialog_id, respondent, version, answers)"
    " VALUES ($1, $2, $3, $4)"
)
INSERT_BUDGET_BALLOT_SQL = (
    "INSERT INTO reference_budget_ballots (dialog_id, voter, district, projects)"
    " VALUES ($1, $2, $3, $4)"
)
POOL_SIZE = 10


class Ballot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    choices: Annotated[
        list[Annotated[str, Meta(max_length=200)]], Meta(min_length=1, max_length=20)
    ]


class Response(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Annotated[int, Meta(ge=1)]
    answers: Annotated[dict[str, Any], Meta(max_length=200)]


class BudgetBallot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    district: Annotated[str, Meta(max_length=40)]
    projects: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=500)]


class Recorded(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    status: str = "recorded"


_encode = msgspec.json.Encoder().encode


def bearer(request: Request[Any, Any, Any]) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("a bearer token is needed")
    return token


def create_app(database_url: str, dialog_id: UUID) -> Litestar:
    async def open_pool(app: Litestar) -> None:
        app.state.pool = await asyncpg.create_pool(database_url, min_size=1, max_size=POOL_SIZE)

    async def close_pool(app: Litestar) -> None:
        await app.state.pool.close()

    @post("/votes", status_code=201)
    async def vote(request: Request[Any, Any, Any], state: State, data: Ballot) -> Recorded:
        pool: asyncpg.Pool = state.pool
        await pool.execute(INSERT_SQL, dialog_id, bearer(request), data.choices[0])
        return Recorded(dialog_id=dialog_id)

    @post("/responses", status_code=201)
    async def respond(request: Request[Any, Any, Any], state: State, data: Response) -> Recorded:
        pool: asyncpg.Pool = state.pool
        answers = _encode(data.answers).decode()
        await pool.execute(INSERT_RESPONSE_SQL, dialog_id, bearer(request), data.version, answers)
        return Recorded(dialog_id=dialog_id)

    @put("/budget_ballots", status_code=201)
    async def budget_ballot(
        request: Request[Any, Any, Any], state: State, data: BudgetBallot
    ) -> Recorded:
        pool: asyncpg.Pool = state.pool
        await pool.execute(
            INSERT_BUDGET_BALLOT_SQL, dialog_id, bearer(request), data.district, data.projects
        )
        return Recorded(dialog_id=dialog_id)

    return Litestar(
        route_handlers=[vote, respond, budget_ballot],
        on_startup=[open_pool],
        on_shutdown=[close_pool],
        logging_config=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_vote")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--dialog-id", type=UUID, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(
        create_app(args.database_url, args.dialog_id),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    loop.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
