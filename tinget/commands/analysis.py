"""``tinget analysis``: an analysis's committee report, made by an operator (the analysis
context). The report is the one ``GET /api/v1/analyses/{id}/report`` answers."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import click

from events.errors import NotFound
from tinget.commands.common import run, settings_of, with_platform

if TYPE_CHECKING:
    from tinget.bootstrap import Platform


@click.group()
def analysis() -> None:
    """Analyses of what citizens sent: their committee reports."""


@analysis.command("report")
@click.argument("analysis_id", type=click.UUID)
@click.option("--tenant", "slug", required=True, help="The tenant the analysis belongs to.")
@click.option(
    "--format",
    "form",
    type=click.Choice(["pdf", "html"]),
    default="pdf",
    show_default=True,
    help="A PDF, or one self-contained HTML page.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The file to write.",
)
@click.pass_context
def analysis_report(
    ctx: click.Context, analysis_id: uuid.UUID, slug: str, form: str, output: Path
) -> None:
    """Write the committee report of an analysis (in the tenant's colours, logo and language)
    to a file, and print the file's name and size."""

    async def go(p: Platform) -> bytes:
        from services.analysis.report import Branding, Logo, render_html, render_pdf
        from services.analysis.report_queries import ReportQueries

        tenant = await p.tenants.get(slug)
        logo = None
        if tenant.logo_sha256:
            found = await p.assets.get(slug, tenant.logo_sha256)
            logo = None if found is None else Logo(content_type=found[0], content=found[1])
        branding = Branding(
            name=tenant.name,
            language=tenant.default_language,
            primary_colour=tenant.primary_colour,
            secondary_colour=tenant.secondary_colour,
            logo=logo,
        )
        await p.catch_up_projections()
        report = await ReportQueries(p.app_pool).report(slug, analysis_id, branding)
        if report is None:
            raise NotFound(f"no analysis {analysis_id} in tenant {slug!r}")
        html = render_html(report)
        return html.encode() if form == "html" else render_pdf(html)

    content = run(with_platform(settings_of(ctx), go))
    output.write_bytes(content)
    click.echo(f"{output} ({len(content)} bytes)")
