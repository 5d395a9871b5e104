"""``tinget audit``: the hash-chained audit trail of every tenant (the audit context)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from events.errors import NotFound
from tinget.commands.common import EXIT_TAMPERED, echo_json, run, settings_of, with_platform

if TYPE_CHECKING:
    from services.audit.verify import Report
    from tinget.bootstrap import Platform


@click.group()
def audit() -> None:
    """The audit trail: every event of a tenant, hash-chained."""


@audit.command("verify")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.pass_context
def audit_verify(ctx: click.Context, slug: str | None) -> None:
    """Walk the hash chains and name every entry altered, removed or reordered (exit 5)."""
    from services.audit.verify import to_json, verify_trails

    async def go(p: Platform) -> Report:
        report = await verify_trails(p.worker_pool, slug)
        if slug is not None and not report.tenants:
            raise NotFound(f"no audit trail of tenant {slug!r}")
        return report

    report = run(with_platform(settings_of(ctx), go))
    echo_json(to_json(report))
    if not report.intact:
        sys.exit(EXIT_TAMPERED)
