"""The litestar app: tenant from the Host header, health, branding, OpenAPI, problem responses."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog
from litestar import Litestar, Request, Response, get
from litestar._openapi.plugin import OpenAPIPlugin  # no public hook for the built document
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import MethodNotAllowedException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import ASGIApp, ControllerRouterHandler, Receive, Scope, Send

from events import metrics, tracing
from events.positions import track_writes
from gateway.admission import ADMISSION, EXEMPT, STREAM, Admission, refuse
from gateway.auth import provide_caller, provide_viewer, resolve_tenant
from gateway.consistency import POSITION, read_your_writes
from gateway.content import content_type_guard
from gateway.cors import cors
from gateway.edge import Edge, edge_of
from gateway.openapi import COMPONENTS, DocumentedOpenAPI, StrictStructSchemaPlugin
from gateway.options import MethodsOfPaths
from gateway.pages import visited_form_address
from gateway.problems import EXCEPTION_HANDLERS, PROBLEMS, ProblemError
from gateway.raw import route_raw_operations
from gateway.strict import StrictRequest, strict_parameters
from services.request_context import begin_request

log = structlog.get_logger(__name__)
access = structlog.get_logger("tinget.access")


def request_context(admission: Admission) -> Callable[[ASGIApp], ASGIApp]:
    """What every request gets, in one middleware because it runs on every vote:

    - admission (gateway/admission.py): beyond the process's cap of requests, or of live
      streams, a 503 problem with Retry-After at once; health and readiness always pass;
    - a request id (from X-Request-ID or new) bound to every log line of the request;
    - one log line: route (its template, so no ids or tokens), status and duration, with the
      tenant, request and trace ids every line carries. Never a header or a body;
    - the request metrics, by method, route template and status.
    """

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            began = time.perf_counter()
            given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
            text = given.decode("latin-1")[:100]
            request_id = text if text and text.isprintable() else _new_request_id()
            begin_request(request_id=request_id)
            written = track_writes()
            status = 500

            async def send_with_id(message: Any) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = [
                        *message["headers"],
                        (b"x-request-id", request_id.encode()),
                    ]
                    if written.position:  # read-your-writes (gateway/consistency.py)
                        message["headers"].append((_POSITION, b"%d" % written.position))
                await send(message)

            handler = scope.get("route_handler")
            kind = handler.opt.get(ADMISSION) if handler is not None else EXEMPT
            refused: str | None = None
            if kind is None:
                if admission.requests >= admission.max_requests:
                    refused = f"{admission.requests} requests in hand here; try again shortly"
                else:
                    admission.requests += 1
            elif kind == STREAM:
                if admission.streams >= admission.max_streams:
                    refused = f"{admission.streams} live streams open here; try again shortly"
                else:
                    admission.streams += 1
            metrics.HTTP.in_flight += 1
            try:
                if refused is None:
                    await app(scope, receive, send_with_id)
                else:
                    await refuse(send_with_id, scope["path"], refused)
            finally:
                metrics.HTTP.in_flight -= 1
                if refused is None:
                    if kind is None:
                        admission.requests -= 1
                    elif kind == STREAM:
                        admission.streams -= 1
                seconds = time.perf_counter() - began
                route = scope.get("path_template", "(no route)")
                metrics.HTTP.observe(scope["method"], route, status, seconds)
                access.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    ms=round(seconds * 1000, 2),
                )

        return middleware

    return wrap


def _new_request_id() -> str:
    """A request id: unique, not secret. uuid4 reads the kernel's random source on every call,
    which cost about 10 µs of each request under load; the random module does not."""
    return f"{random.getrandbits(128):032x}"


@get(
    "/health",
    operation_id="health",
    summary="Liveness check",
    tags=["operations"],
    sync_to_thread=False,
    opt={ADMISSION: EXEMPT},
)
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get(
    "/ready",
    operation_id="ready",
    summary="Readiness check",
    tags=["operations"],
    responses={503: PROBLEMS[503]},
    opt={ADMISSION: EXEMPT},
)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Readiness: PostgreSQL answers. A write needs nothing else (the relay publishes it to
    NATS later): a gateway process does not connect to NATS at all. In the all-in-one process
    NATS's state is reported here too, but a NATS blip does not make it unready."""
    checks = await edge_of(request.app.state).health()
    if checks["postgresql"] == "ok":
        return Response({"status": "ready", "checks": checks})
    raise ProblemError(
        503,
        "Not ready",
        "a service Tinget depends on does not answer",
        kind="not-ready",
        checks=checks,
    )


async def before_request(request: Request[Any, Any, Any]) -> None:
    """Before each handler: its query and header parameters read strictly
    (gateway/strict.py), then, for a read that asks, the wait for its position
    (gateway/consistency.py)."""
    await strict_parameters(request)
    await read_your_writes(request)


def provided(value: object) -> Provide:
    """A dependency that is a ready object (a service, a query class): made once, handed to
    every handler that names it, with no work per request (the provider's cached ``value``,
    which ``hand_over`` replaces)."""

    def provide() -> Any:
        return value

    provider = Provide(provide, use_cache=True, sync_to_thread=False)
    provider.value = value
    return provider


def hand_over(app: Litestar, edge: Edge, values: Mapping[str, object]) -> None:
    """Point an app that ``create_app`` made at another ``edge`` and other ready objects,
    under the names it was given (``provided``): what the app keeps between requests (the
    admission counts, the export slots) starts afresh. The routes, the document and the bounds
    of admission stay: building them is what takes the time."""
    admission: Admission = app.state.admission
    admission.requests = admission.streams = 0
    for key in [key for key in app.state if key != "admission"]:
        del app.state[key]
    app.state.edge = edge
    for name, value in values.items():
        provider = app.dependencies.get(name)
        if not isinstance(provider, Provide) or not provider.use_cache:
            raise ValueError(f"the app was given no ready object named {name!r}")
        provider.value = value


def create_app(
    edge: Edge,
    controllers: Sequence[ControllerRouterHandler],
    dependencies: Mapping[str, Provide],
    *,
    max_requests: int,
    max_streams: int,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    debug: bool = False,
) -> Litestar:
    """The gateway, on what the composition root hands it: the ``edge`` its middleware, hooks
    and own dependencies read (app state ``edge``), the contexts' ``controllers``, the
    services and queries their handlers name (``dependencies``, by parameter name), and the
    bounds of admission (requests and live streams in flight). With a tracer provider
    configured, every request is a server span whose context the events it appends carry on
    (see events/tracing.py)."""
    admission = Admission(max_requests, max_streams)
    plugins: list[Any] = [StrictStructSchemaPlugin()]
    if tracing.enabled():
        plugins.append(OpenTelemetryPlugin(OpenTelemetryConfig(exclude_spans=["receive", "send"])))
    state = State({"edge": edge, "admission": admission})
    methods = MethodsOfPaths()
    app = Litestar(
        route_handlers=[health, ready, *controllers],
        dependencies={
            **dependencies,
            "tenant": Provide(resolve_tenant),
            "caller": Provide(provide_caller),
            "viewer": Provide(provide_viewer),
        },
        on_shutdown=list(on_shutdown),
        # a browser visiting a page form's own address goes on to its page (gateway/pages.py)
        exception_handlers={**EXCEPTION_HANDLERS, MethodNotAllowedException: visited_form_address},
        request_class=StrictRequest,  # bodies and parameters read strictly: gateway/strict.py
        middleware=[
            request_context(admission),
            cors(lambda: edge_of(state).resolver, methods.allow),  # per tenant: gateway/cors.py
            methods.middleware,
            content_type_guard,
        ],
        plugins=plugins,
        state=state,
        openapi_config=OpenAPIConfig(
            title="Tinget",
            version="0.1.0",
            description="Citizen dialogue for municipalities: the HTTP API.",
            components=COMPONENTS,
            use_handler_docstrings=True,  # each operation's description is its handler's
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=2 * 1024 * 1024,
        logging_config=None,  # structlog, set up by tinget.logs, renders every line
        before_request=before_request,  # strict parameters, then read-your-writes
        debug=debug,
    )
    app.plugins.get(OpenAPIPlugin).__class__ = DocumentedOpenAPI
    methods.learn(app)
    route_raw_operations(app)
    return app


_POSITION = POSITION.lower().encode()
