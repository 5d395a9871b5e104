"""``OPTIONS`` answers whose ``Allow`` header lists every method of the path.

Litestar 2.x answers ``OPTIONS`` with the methods of the handlers registered on a path up to
the moment its ``OPTIONS`` handler was made, so a path whose handlers join it one after the
other (``GET`` and ``POST /api/v1/dialogs``) leaves some out (litestar issue 4169, mended only
in litestar 3). The methods of each path are known once the app is built:
:func:`allow_every_method` takes them from its routes, and the middleware puts them in the
``Allow`` header of every ``OPTIONS`` answer.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send

from gateway.raw import raw_routes


class MethodsOfPaths:
    """The methods of each path template (``/api/v1/dialogs/{dialog_id}``) of an app, as the
    value of an ``Allow`` header; filled in by :meth:`learn` once the app is built."""

    def __init__(self) -> None:
        self.allow: dict[str, bytes] = {}

    def learn(self, app: Litestar) -> None:
        for route in app.routes:
            if isinstance(route, HTTPRoute):
                methods = ", ".join(sorted(set(route.methods) | {"OPTIONS"}))
                self.allow[route.path_format] = methods.encode()
        for route, operation in raw_routes(app):
            self.allow[route.path_format] = f"OPTIONS, {operation.method}".encode()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Set ``Allow`` on the answer to an ``OPTIONS`` request to every method of its path."""
        allow = self.allow

        async def allow_every_method(scope: Scope, receive: Receive, send: Send) -> None:
            methods = None
            if scope["type"] == ScopeType.HTTP and scope["method"] == "OPTIONS":
                methods = allow.get(scope.get("path_template", ""))
            if methods is None:
                await app(scope, receive, send)
                return

            async def send_allow(message: Any) -> None:
                if message["type"] == "http.response.start" and message["status"] < 400:
                    headers = [
                        (k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"
                    ]
                    message["headers"] = [*headers, (b"allow", methods)]
                await send(message)

            await app(scope, receive, send_allow)

        return allow_every_method
