"""The audit trail over HTTP, for a municipality's administrators: browse it, or export it.

Both take the same filters: ``dialog_id``, ``actor`` (a person id), ``kind`` (an event type such
as ``PostSubmitted`` or a context such as ``participation``), ``since`` (inclusive) and
``until`` (exclusive), times with a time zone. The listing is newest first, in keyset pages;
the export is oldest first, streamed as CSV or as a JSON array (see ``gateway.audit_query``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import QueryParameter
from litestar.response import Stream

from events.errors import InvalidInput, TooManyRequests
from gateway.admission import export_slots
from gateway.audit_query import AuditEntryView, entry_view, export_chunks
from gateway.content import alternative_answers_operation
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from services.audit.trail import AuditFilter, AuditQueries
from services.identity.access import Caller, Permission

DialogFilter = Annotated[UUID | None, QueryParameter(description="Entries of this dialog")]
ActorFilter = Annotated[UUID | None, QueryParameter(description="Entries by this person")]
KindFilter = Annotated[
    str | None,
    QueryParameter(max_length=100, description="An event type, or a context such as 'identity'"),
]
SinceFilter = Annotated[datetime | None, QueryParameter(description="From (inclusive)")]
UntilFilter = Annotated[datetime | None, QueryParameter(description="Until (exclusive)")]

# The export's answer: CSV with a header row, or a JSON array of entries.
EXPORT_FORMATS = {
    "text/csv": Schema(type=OpenAPIType.STRING),
    "application/json": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
}


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/",
        operation_id="listAuditEntries",
        summary="List the audit trail",
        responses=problems(422),
    )
    async def list_entries(
        self,
        audit_queries: Injected[AuditQueries],
        caller: NamedDependency[Caller],
        dialog_id: DialogFilter = None,
        actor: ActorFilter = None,
        kind: KindFilter = None,
        since: SinceFilter = None,
        until: UntilFilter = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[AuditEntryView]:
        """Every event of the municipality as an audit entry, newest first (administrators)."""
        caller.require(Permission.ADMINISTER)
        chosen = audit_queries.checked(AuditFilter(dialog_id, actor, kind, since, until))
        after = decode_cursor(cursor)
        rows = await audit_queries.page(
            caller.tenant_id, chosen, None if after is None else after[1], limit + 1
        )
        last = rows[limit - 1] if len(rows) > limit else None
        after_last = None if last is None else encode_cursor(last["recorded_at"], last["event_id"])
        return Page(items=[entry_view(r) for r in rows[:limit]], next_cursor=after_last)

    @get(
        "/export",
        operation_id="exportAuditEntries",
        summary="Export the audit trail",
        responses=problems(422, 429),
        operation_class=alternative_answers_operation("200", EXPORT_FORMATS),
    )
    async def export(
        self,
        state: State,
        audit_queries: Injected[AuditQueries],
        caller: NamedDependency[Caller],
        dialog_id: DialogFilter = None,
        actor: ActorFilter = None,
        kind: KindFilter = None,
        since: SinceFilter = None,
        until: UntilFilter = None,
        format: Annotated[
            Literal["csv", "json"] | None,
            QueryParameter(description="Required: csv (with a header row) or json (an array)"),
        ] = None,
    ) -> Stream:
        """The audit trail as a file, oldest first, streamed however long it is."""
        caller.require(Permission.ADMINISTER)
        if format is None:  # required, but named in the problem (litestar's own check is not)
            raise InvalidInput("format", "is required: csv or json")
        chosen = audit_queries.checked(AuditFilter(dialog_id, actor, kind, since, until))
        slots = export_slots(state, "audit")
        if slots.locked():
            raise TooManyRequests("other exports are running here; try again shortly", 5)
        as_csv = format == "csv"

        async def chunks() -> AsyncIterator[bytes]:
            async with slots:
                async for chunk in export_chunks(
                    audit_queries.entries(caller.tenant_id, chosen), as_csv
                ):
                    yield chunk

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"audit-{caller.tenant_id}-{stamp}.{format}"
        return Stream(
            chunks(),
            media_type="text/csv" if as_csv else "application/json",  # text/: + charset=utf-8
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
