"""castVote's fast path: a vote answered without litestar's per-request machinery.

During a live council webcast a vox pop takes thousands of votes a second, each a small JSON
body with a token. Litestar's route spends more CPU on a request (dependency injection, the
signature model, the response object) than the vote itself does. This middleware, on the
castVote route only, answers the plain success itself with the calls the route makes: the
tenant from the host, the caller from the token, ``ParticipationService.vote``, and the same
201 answer.

Anything else (no token or a bad one, a body that does not decode, a closed poll, a second
vote, a database outage) is handed to the route with the body as read, so every refusal comes
from the one code path that documents it. A refused or failed vote has written nothing (the
ballot's append commits or raises), so the route, running the same checks again, answers the
same; only an append whose commit succeeded but whose answer was lost with the connection
would come back as "voted already", as a client's own retry would. A refusal at one of the
process's bounds (``Busy``: no connection came free in time, the append queue is full) is not
handed over, since trying again at once would double the load that caused it: it goes
straight to the app's problem handlers as a 503. The request id, access log
line and metrics come from the app's ``request_context`` middleware around both.
"""

from __future__ import annotations

from collections import deque
from typing import Any
from uuid import UUID

import msgspec
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, ReceiveMessage, Scope, Send

from events.model import Busy
from gateway.auth import authenticate, platform_of
from gateway.views import VoteRecorded
from services.participation.commands import CastVote

MAX_BODY = 16 * 1024  # a ballot is a few dozen bytes; a larger body goes the route's way
_JSON = (b"content-type", b"application/json")


def fast_vote(app: ASGIApp) -> ASGIApp:
    """castVote's route middleware: the success answered here, the rest by ``app``."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        messages, body = await _read_body(receive)
        try:
            if body is None:
                raise _HandOver
            command = msgspec.json.decode(body, type=CastVote)
            dialog_id: object = scope["path_params"]["dialog_id"]
            if not isinstance(dialog_id, UUID):
                raise _HandOver
            state = scope["litestar_app"].state
            host = authorization = None
            for name, value in scope["headers"]:
                if name == b"host":
                    host = value.decode("latin-1")
                elif name == b"authorization":
                    authorization = value.decode("latin-1")
            caller = await authenticate(state, host, authorization)
            await platform_of(state).participation.vote(caller, dialog_id, command)
        except Busy:  # at a bound (no free connection, a full append queue): 503 now, not twice
            raise
        except Exception:  # refused or failed before anything was written: the route answers
            await app(scope, _replaying(messages, receive), send)
            return
        answer = msgspec.json.encode(VoteRecorded(dialog_id=dialog_id))
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 201,
            "headers": [_JSON, (b"content-length", b"%d" % len(answer))],
        }
        await send(start)
        await send({"type": "http.response.body", "body": answer, "more_body": False})

    return middleware


class _HandOver(Exception):
    """Not a plain vote: the route answers it."""


async def _read_body(receive: Receive) -> tuple[list[ReceiveMessage], bytes | None]:
    """The messages read and the whole body, or None for the body if it is larger than
    ``MAX_BODY`` or the client went away (then reading stops: the route reads the rest)."""
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return messages, None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replaying(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    """A ``receive`` that gives the messages read already, then the rest."""
    pending: deque[Any] = deque(messages)

    async def replay() -> Any:
        if pending:
            return pending.popleft()
        return await receive()

    return replay
