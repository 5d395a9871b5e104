"""``tinget notifications``: the notification outbox, for operations staff (the notifications
context)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from tinget.commands.common import echo_json, run, settings_of, with_platform

if TYPE_CHECKING:
    from tinget.bootstrap import Platform


@click.group()
def notifications() -> None:
    """The notification outbox, for operations staff."""


@notifications.command("failed")
@click.option("--tenant", "slug", help="Only this tenant (default: every tenant).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_context
def notifications_failed(ctx: click.Context, slug: str | None, limit: int) -> None:
    """Deliveries given up after their last retry, newest first, with the reason (no addresses)."""
    from services.notifications import outbox

    async def go(p: Platform) -> list[dict[str, Any]]:
        return await outbox.failed(p.worker_pool, slug, limit)

    echo_json(run(with_platform(settings_of(ctx), go)))
