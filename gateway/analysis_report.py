"""An analysis's committee report over HTTP: one page of HTML or a PDF, by ``Accept`` or
``?format=html|pdf`` (the parameter wins), for the analysis's members and administrators (404
for anyone else, like every operation on an analysis).

The report is gathered from the read models (services/analysis/report_queries.py) and rendered in
services/analysis/report.py. Rendering a PDF takes a core for a fraction of a second per page,
so it runs in a worker thread, and at most ``EXPORTS_AT_ONCE`` at a time per gateway process
(gateway/admission.py): one more is refused with 429 and Retry-After rather than queued.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromPath, QueryParameter

from events.errors import NotFound, TooManyRequests
from gateway.admission import export_slots
from gateway.content import alternative_answers_operation
from gateway.edge import Injected
from gateway.problems import ProblemError, problems
from services.analysis.report import Branding, Logo, render_html, render_pdf
from services.analysis.report_queries import ReportQueries
from services.analysis.service import AnalysisService
from services.identity.access import Caller
from tenants.assets import AssetStore
from tenants.directory import TenantEntry

HTML = "text/html"
PDF = "application/pdf"
REPORT_FORMATS = {
    HTML: Schema(type=OpenAPIType.STRING),
    PDF: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
}
# The HTML report holds no script and fetches nothing but its own inline styles and data: URLs
# (the logo); a browser is told so, in case anything in it ever slipped through the escaping.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"

Format = Literal["html", "pdf"]


def wanted_format(accept: str | None) -> Format | None:
    """The format an ``Accept`` header prefers (HTML when it names both equally, or any type,
    or is absent); None when it takes neither."""
    if not accept or not accept.strip():
        return "html"
    best: tuple[tuple[float, int, int], Format] | None = None
    for order, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        found: Format | None = (
            "pdf"
            if media == PDF
            else "html"
            if media in (HTML, "text/*", "*/*", "application/xhtml+xml")
            else None
        )
        if found is None or quality <= 0:
            continue
        # the highest quality wins; among equals a named type before a wildcard, then the first
        rank = (quality, 0 if "*" in media else 1, -order)
        if best is None or rank > best[0]:
            best = (rank, found)
    return None if best is None else best[1]


async def branding_of(tenant: TenantEntry, assets: AssetStore) -> Branding:
    """The tenant's branding for its reports, with its stored logo's bytes (never a URL)."""
    logo = None
    if tenant.logo_sha256:
        found = await assets.get(tenant.tenant_id, tenant.logo_sha256)
        if found is not None:
            logo = Logo(content_type=found[0], content=found[1])
    return Branding(
        name=tenant.name,
        language=tenant.default_language,
        primary_colour=tenant.primary_colour,
        secondary_colour=tenant.secondary_colour,
        logo=logo,
    )


class AnalysisReportController(Controller):
    path = "/api/v1/analyses"
    tags = ["analysis"]

    @get(
        "/{analysis_id:uuid}/report",
        operation_id="getAnalysisReport",
        summary="The committee report of an analysis, as HTML or PDF",
        responses=problems(406, 429),
        operation_class=alternative_answers_operation("200", REPORT_FORMATS),
    )
    async def report(
        self,
        request: Request[Any, Any, Any],
        state: State,
        analyses: Injected[AnalysisService],
        report_queries: Injected[ReportQueries],
        assets: Injected[AssetStore],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        analysis_id: FromPath[UUID],
        format: Annotated[
            Format | None,
            QueryParameter(description="html or pdf; without it, the Accept header decides"),
        ] = None,
    ) -> Response[bytes]:
        """The analysis's report for the committee (members and administrators; 404 for
        anyone else), in the municipality's colours, logo and language: the question asked
        (the dialogs' titles and purposes), participation figures with a chart per day, the
        themes with their headings, summaries and example quotes (published posts only; the
        author named only when the post was not anonymous) and a chart of their sizes and
        mean significance, the highest-rated ideas, and what happens next (the decisions and
        results recorded, else a default text). Charts are SVG in both formats. `format`
        (html or pdf) chooses; without it the `Accept` header does (HTML by default), and
        one that takes neither is 406 naming `accept`. At most two PDFs are made at once per
        process; another is 429 with Retry-After."""
        await analyses.get(caller, analysis_id)
        chosen = format or wanted_format(request.headers.get("accept"))
        if chosen is None:
            raise ProblemError(
                406,
                "Not acceptable",
                "accept: the report is text/html or application/pdf (or ask with ?format=)",
                kind="not-acceptable",
                field="accept",
                errors=[{"field": "accept", "reason": f"must take {HTML} or {PDF}"}],
            )
        report = await report_queries.report(
            caller.tenant_id, analysis_id, await branding_of(tenant, assets)
        )
        if report is None:  # started but not yet in the read model
            raise NotFound(f"analysis {analysis_id} is not ready yet")
        html = render_html(report)
        headers = {"Cache-Control": "no-store", "Vary": "Accept"}
        if chosen == "html":
            return Response(
                html.encode(),
                media_type="text/html; charset=utf-8",
                headers={**headers, "Content-Security-Policy": CSP},
            )
        slots = export_slots(state, "report")
        if slots.locked():
            raise TooManyRequests("other reports are being made here; try again shortly", 5)
        async with slots:
            pdf = await asyncio.to_thread(render_pdf, html)
        name = f"report-{analysis_id}.pdf"
        return Response(
            pdf,
            media_type=PDF,
            headers={**headers, "Content-Disposition": f'attachment; filename="{name}"'},
        )
