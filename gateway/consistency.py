"""Read-your-writes over HTTP.

- Every answer to a request that appended events carries ``Tinget-Position``: the log
  position its appends reached (the request-context middleware adds it; see
  events/positions.py).
- A read (GET) may send ``Tinget-Min-Position: N``: before its handler runs, it waits until
  every read model has applied the tenant's events up to ``N``, at most
  ``TINGET_READ_WAIT`` seconds (3). If they have not by then it gets 503 with Retry-After,
  never data older than it asked for.

Both apply to the API's operations (``/api/...``) and are described on each of them in the
OpenAPI document (``document``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
)

from gateway.auth import platform_of, tenant_of_host
from gateway.problems import ProblemError

API = "/api/"  # the operations the headers apply to
POSITION = "Tinget-Position"
MIN_POSITION = "Tinget-Min-Position"
_MIN_POSITION_KEY = MIN_POSITION.lower().encode()
_MAX_DIGITS = 18  # a bigint's positions, with room: more is no position Tinget has written


def _bad_position(reason: str) -> ProblemError:
    return ProblemError(
        400,
        "Invalid input",
        f"{MIN_POSITION}: {reason}",
        kind="invalid-input",
        field=MIN_POSITION,
        errors=[{"field": MIN_POSITION, "reason": reason}],
    )


def min_position(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The position a request asks to see, or None if it asks for none."""
    given = [value for name, value in headers if name == _MIN_POSITION_KEY]
    if not given:
        return None
    if len(given) > 1:
        raise _bad_position("given more than once")
    text = given[0].strip()
    if not text.isdigit() or len(text) > _MAX_DIGITS:
        raise _bad_position("must be a log position: a whole number from 1 up")
    position = int(text)
    if position < 1:
        raise _bad_position("must be a log position: a whole number from 1 up")
    return position


async def read_your_writes(request: Request[Any, Any, Any]) -> None:
    """The app's before-request hook: wait for the position the request asks to see."""
    if request.scope["method"] not in _READS or not request.scope["path"].startswith(API):
        return  # a write, or health, readiness and the document: no read model to wait for
    position = min_position(request.scope["headers"])
    if position is None:
        return
    state = request.app.state
    tenant = await tenant_of_host(state, request.headers.get("host"))
    platform = platform_of(state)
    patience = platform.addresses.backpressure.read_wait
    if not await platform.positions.wait(tenant.tenant_id, position, patience):
        raise ProblemError(
            503,
            "Not there yet",
            f"{MIN_POSITION}: the read models have not reached position {position} within"
            f" {patience:g} s; try again shortly",
            kind="position-not-reached",
            field=MIN_POSITION,
        )


_READS = ("GET", "HEAD")
_WRITES = ("post", "put", "patch", "delete")


def document(schema: OpenAPI) -> OpenAPI:
    """Describe the headers in ``schema``: the position asked for on every read of the API,
    the position reached on every success of a write."""
    asked = Parameter(
        name=MIN_POSITION,
        param_in="header",
        required=False,
        description=(
            "Read your own writes: wait (at most a few seconds) until every read model has"
            f" applied this tenant's events up to this log position (the {POSITION} of an"
            " earlier answer) before answering. If they have not by then: 503 with"
            " Retry-After, never older data."
        ),
        schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    )
    reached = OpenAPIHeader(
        description=(
            "The log position this request's own events reached; send it back as"
            f" {MIN_POSITION} to read them at once."
        ),
        schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    )
    for path, item in (schema.paths or {}).items():
        if not path.startswith(API):
            continue
        for method in ("get", *_WRITES):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            if method not in _WRITES:
                operation.parameters = [*(operation.parameters or []), asked]
                continue
            for status, response in (operation.responses or {}).items():
                if status.startswith("2") and isinstance(response, OpenAPIResponse):
                    response.headers = {**(response.headers or {}), POSITION: reached}
    return schema
