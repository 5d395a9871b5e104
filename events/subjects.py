"""NATS subject names: ``<prefix>.<tenant>.<context>.<EventType>``."""

from __future__ import annotations


def event_subject(prefix: str, tenant_id: str, context: str, event_type: str) -> str:
    return f"{prefix}.{tenant_id}.{context}.{event_type}"


def all_events(prefix: str) -> str:
    return f"{prefix}.>"


def tenant_events(prefix: str, tenant_id: str) -> str:
    return f"{prefix}.{tenant_id}.>"
