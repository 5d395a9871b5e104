"""The log fields of the HTTP request being served: request id, tenant, role.

One dict per request, set by the gateway's outermost middleware and shared by every task the
request starts (litestar resolves dependencies in child tasks, whose own context bindings would
not come back to the handler). Log lines merge it; event metadata takes the request id from it.
"""

from __future__ import annotations

from contextvars import ContextVar

import structlog

# The fields of the request being served. One dict per request, shared by the tasks it starts
# (litestar resolves dependencies in child tasks, whose own bindings would not come back).
_request: ContextVar[dict[str, str] | None] = ContextVar("tinget_request", default=None)


def begin_request(**fields: str) -> None:
    """Start a request's log fields (the gateway's outermost middleware calls this)."""
    structlog.contextvars.clear_contextvars()
    _request.set(dict(fields))


def bind_request(**fields: str) -> None:
    """Add fields (tenant, role) to every later log line of the request being served."""
    current = _request.get()
    if current is None:
        structlog.contextvars.bind_contextvars(**fields)
    else:
        current.update(fields)


def request_field(name: str) -> str | None:
    current = _request.get()
    return None if current is None else current.get(name)


def merge_request(
    logger: object, method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    current = _request.get()
    if current:
        for key, value in current.items():
            event.setdefault(key, value)
    return event
