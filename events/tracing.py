"""Trace context across Tinget's parts: HTTP request, append, relay, projections.

An action's trace context is saved with its events (``traceparent`` in the metadata, never
personal data), so the relay, a separate process reading the committed log, can continue the
trace when it publishes: its span is the parent named in the NATS message's ``traceparent``
header, and each projection's apply is a child of that. With no tracer provider configured the
API's no-op tracer is used and the per-event work is skipped altogether.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"

tracer = trace.get_tracer("tinget")
_propagator = TraceContextTextMapPropagator()


_recording = False


def install(provider: TracerProvider) -> None:
    """Record this process's spans with ``provider`` (OpenTelemetry takes one per process)."""
    global _recording
    trace.set_tracer_provider(provider)
    _recording = isinstance(trace.get_tracer_provider(), TracerProvider)


def enabled() -> bool:
    """Whether spans are recorded in this process: ``install`` was called. A flag, because
    asking OpenTelemetry for its provider looks into the environment each time, a few µs on
    every vote."""
    return _recording


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, if one is being recorded."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_of(traceparent: str | None) -> otel_context.Context | None:
    """The context a ``traceparent`` names, to start a child span in; None if there is none."""
    if not traceparent:
        return None
    return _propagator.extract({TRACEPARENT: traceparent})


def traceparent_of(span: trace.Span) -> str | None:
    """The ``traceparent`` that makes a receiver's span a child of ``span``."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get(TRACEPARENT)
