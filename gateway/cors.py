"""Cross-origin calls from browsers (CORS), per tenant: only the exact origins a municipality's
administrators allowed (gateway/administration.py, ``setAllowedOrigins``) get an answer a
browser will read.

For a request carrying ``Origin``, the tenant is found from the Host header as every request's
is (gateway/tenancy.py, the same cached directory). When the origin is one of the tenant's:

- a preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered here, 204, with
  the origin, the path's methods, the request headers Tinget reads, and a max age;
- any other request goes on, and its answer carries ``Access-Control-Allow-Origin: <origin>``
  and the headers a page may read (positions, request id, Retry-After, ETag).

Never ``*`` for the API (only the widgets' scripts, which hold no data, say ``*`` themselves:
gateway/widgets.py), and never an origin the tenant did not list (another tenant's included): those
requests go on unchanged and the browser keeps their answers from the page. No
``Access-Control-Allow-Credentials``: Tinget sends no cookies; its tokens travel in the
``Authorization`` header, which a page sends itself, so credentialed requests are not needed
and cookies of the tenant's domain never ride along. Every answer to a request with an Origin
says ``Vary: Origin``, so a shared cache never hands one origin's answer to another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from gateway.problems import ProblemError
from gateway.tenancy import TenantResolver, host_of

# What a page may send (beyond the CORS-safelisted ones) and read of an answer.
ALLOWED_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "idempotency-key",
        "tinget-min-position",
        "if-none-match",
        "x-request-id",
        "accept-language",
    }
)
EXPOSED_HEADERS = b"Tinget-Position, X-Request-ID, Retry-After, ETag, Location"
MAX_AGE = b"600"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def cors(
    resolver: Callable[[], TenantResolver], methods: Mapping[str, bytes]
) -> Callable[[ASGIApp], ASGIApp]:
    """The CORS middleware on the tenant resolver (``resolver()``, asked per request: the edge
    that holds it may be handed over, gateway/app.py ``hand_over``) and the methods of each
    path template (``methods``: gateway/options.py, filled in once the app is built)."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            origin = _header(scope, b"origin")
            if origin is None:
                await app(scope, receive, send)
                return
            allowed = await _allowed(resolver(), _header(scope, b"host"), origin)
            wanted = _header(scope, b"access-control-request-method")
            if allowed and scope["method"] == "OPTIONS" and wanted is not None:
                await _preflight(scope, send, origin, methods)
                return

            async def send_with_cors(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = [*message.get("headers", []), (b"vary", b"Origin")]
                    # an answer that says itself who may read it (a widget's script, to any
                    # site) keeps that: a second Access-Control-Allow-Origin breaks CORS
                    said = any(k.lower() == b"access-control-allow-origin" for k, _ in headers)
                    if allowed and not said:
                        headers += [
                            (b"access-control-allow-origin", origin.encode("latin-1")),
                            (b"access-control-expose-headers", EXPOSED_HEADERS),
                        ]
                    message["headers"] = headers
                await send(message)

            await app(scope, receive, send_with_cors)

        return middleware

    return wrap


async def _allowed(resolver: TenantResolver, host: str | None, origin: str) -> bool:
    """Whether ``origin`` is one the tenant served at ``host`` allowed, exactly as the browser
    sent it (origins are kept as browsers send them: lowercase, no default port)."""
    try:
        entry = await resolver.lookup(host_of(host or ""))
    except ProblemError:  # a Host that is no host: the request itself is refused later
        return False
    return entry is not None and entry.status == "active" and origin in entry.allowed_origins


async def _preflight(scope: Scope, send: Send, origin: str, methods: Mapping[str, bytes]) -> None:
    requested = _header(scope, b"access-control-request-headers") or ""
    names = [n.strip().lower() for n in requested.split(",") if n.strip()]
    allowed_names = ", ".join(n for n in names if n in ALLOWED_HEADERS)
    headers = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", methods.get(scope.get("path_template", ""), b"GET")),
        (b"access-control-max-age", MAX_AGE),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    if allowed_names:
        headers.append((b"access-control-allow-headers", allowed_names.encode("latin-1")))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
