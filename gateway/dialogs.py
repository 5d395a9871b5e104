"""Dialogs over HTTP: administrators create and run them; everyone lists and reads them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from events.errors import NotFound
from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from gateway.views import DialogView, dialog_row_view, dialog_view
from services.dialogs.commands import (
    CloseDialog,
    CreateDialog,
    InvitePeople,
    PublishResults,
    SetReportBack,
    UpdateDialog,
)
from services.dialogs.domain import Dialog, DialogKind, Status
from services.dialogs.listing import DialogQueries
from services.dialogs.service import DialogService, utc_now
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry


class IssuedPin(msgspec.Struct, kw_only=True):
    person_id: FromPath[UUID]
    pin: str  # shown once: the administrator hands it over or it was e-mailed


class Invitations(msgspec.Struct, kw_only=True):
    invited: list[IssuedPin]


async def visible_dialog(
    dialogs: DialogService,
    tenant_id: str,
    dialog_id: UUID,
    viewer: Caller | None,
    load: Callable[[str, UUID], Awaitable[Dialog]] | None = None,
) -> Dialog:
    """The dialog (read by ``load`` if given, such as a hot path's cache), unless it is a
    draft and the viewer is not an administrator, or invite-only and the viewer neither
    invited nor staff: to them it does not exist (404)."""
    dialog = await (load or dialogs.get)(tenant_id, dialog_id)
    if dialog.status is Status.DRAFT and not (viewer and viewer.may(Permission.ADMINISTER)):
        raise NotFound(f"no dialog {dialog_id}")
    if not await dialogs.may_view(viewer, dialog):
        raise NotFound(f"no dialog {dialog_id}")
    return dialog


class DialogController(Controller):
    path = "/api/v1/dialogs"
    tags = ["dialogs"]

    @post(
        "/",
        operation_id="createDialog",
        summary="Draft a dialog",
        responses=problems(409, 422),
        status_code=201,
    )
    async def create(
        self,
        dialogs: Injected[DialogService],
        caller: NamedDependency[Caller],
        data: JSONBody[CreateDialog],
    ) -> DialogView:
        """Draft a dialog (administrators). It is published separately."""
        dialog = await dialogs.create(caller, data)
        return dialog_view(dialog, utc_now())

    @get("/", operation_id="listDialogs", summary="List dialogs", responses=problems(422))
    async def list_dialogs(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        kind: FromQuery[DialogKind | None] = None,
        committee: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Page[DialogView]:
        """The municipality's dialogs, newest first (drafts only for administrators; invite-only
        dialogs only for their invitees and staff)."""
        after = decode_cursor(cursor)
        drafts = viewer is not None and viewer.may(Permission.ADMINISTER)
        rows = await dialog_queries.page(
            tenant.tenant_id,
            drafts=drafts,
            signed_in=viewer is not None,  # invite-only dialogs: those the viewer may see, below
            kind=None if kind is None else kind.value,
            committee=committee,
            after=after,
            limit=limit + 1,
        )
        now = utc_now()
        items = [
            dialog_row_view(r, now)
            for r in rows[:limit]
            if r["access"] != "invited" or await dialogs.admitted(viewer, r["dialog_id"])
        ]
        last = rows[limit - 1] if len(rows) > limit else None
        return Page(
            items=items,
            next_cursor=None
            if last is None
            else encode_cursor(last["created_at"], last["dialog_id"]),
        )

    @get(
        "/{dialog_id:uuid}", operation_id="getDialog", summary="Read a dialog", responses=problems()
    )
    async def get_dialog(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> DialogView:
        """One dialog, as it stands now (its status follows the clock)."""
        dialog = await visible_dialog(dialogs, tenant.tenant_id, dialog_id, viewer)
        counts = await dialog_queries.counts(tenant.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @patch(
        "/{dialog_id:uuid}",
        operation_id="updateDialog",
        summary="Change a dialog, or correct the texts of an open one",
        responses=problems(409, 422),
    )
    async def update(
        self,
        dialogs: Injected[DialogService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[UpdateDialog],
    ) -> DialogView:
        """Change a dialog before it opens (administrators); fields left out stay. Once it has
        opened, only its title and instructions can still be corrected (a typo; recorded as
        a correction, `DialogTextsCorrected`); any other change is refused (409 naming the
        field), since people answer to it."""
        dialog = await dialogs.update(caller, dialog_id, data)
        return dialog_view(dialog, utc_now())

    @post(
        "/{dialog_id:uuid}/publish",
        operation_id="publishDialog",
        summary="Publish a draft dialog",
        responses=problems(409),
        status_code=200,
    )
    async def publish(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> DialogView:
        """Publish a draft: it opens at its opening time (at once if that has passed)."""
        dialog = await dialogs.publish(caller, dialog_id)
        counts = await dialog_queries.counts(caller.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @post(
        "/{dialog_id:uuid}/close",
        operation_id="closeDialog",
        summary="Close a dialog early",
        responses=problems(409, 422),
        status_code=200,
    )
    async def close(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[CloseDialog],
    ) -> DialogView:
        """Close a dialog before its closing time, with the reason participants will see."""
        dialog = await dialogs.close(caller, dialog_id, data.reason)
        counts = await dialog_queries.counts(caller.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @post(
        "/{dialog_id:uuid}/results",
        operation_id="publishResults",
        summary="Publish a dialog's outcome",
        responses=problems(409, 422),
        status_code=200,
    )
    async def publish_results(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[PublishResults],
    ) -> DialogView:
        """Tell the participants what came of the dialog: the committee's decision, in the
        municipality's default language (`summary`) and, if given, in its other languages
        (`translations`: language -> text, each one the municipality offers besides its
        default, else 422 naming `translations.<language>`). Read back as `results_summary`
        and `results_translations`; the citizens' pages show the reader's language. Publishing
        again replaces both."""
        dialog = await dialogs.publish_results(caller, dialog_id, data.summary, data.translations)
        counts = await dialog_queries.counts(caller.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @put(
        "/{dialog_id:uuid}/report-back",
        operation_id="setReportBackDate",
        summary="Set when a dialog reports back",
        responses=problems(409, 422),
    )
    async def set_report_back(
        self,
        dialogs: Injected[DialogService],
        dialog_queries: Injected[DialogQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[SetReportBack],
    ) -> DialogView:
        """When the dialog is to report back (publish its results) at the latest
        (administrators): not before it closes. Without one it is 14 days after it closes;
        its administrators are warned two days before."""
        dialog = await dialogs.set_report_back_by(caller, dialog_id, data.report_back_by)
        counts = await dialog_queries.counts(caller.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @post(
        "/{dialog_id:uuid}/invitations",
        operation_id="invitePeople",
        summary="Invite people to an invite-only dialog",
        responses=problems(409, 422),
        status_code=201,
    )
    async def invite(
        self,
        dialogs: Injected[DialogService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
        data: JSONBody[InvitePeople],
    ) -> Invitations:
        """Invite people to an invite-only dialog; each gets a one-time PIN code."""
        issued = await dialogs.invite(caller, tenant, dialog_id, data)
        return Invitations(invited=[IssuedPin(person_id=p, pin=pin) for p, pin in issued])


class ReportBackView(msgspec.Struct, kw_only=True):
    """A dialog that has not reported back yet and is to by ``report_back_by``."""

    dialog_id: UUID
    title: str
    kind: str
    committee: str | None
    closes_at: datetime
    report_back_by: datetime
    overdue: bool  # the date has passed
    posts: int


class ReportBackController(Controller):
    path = "/api/v1/report-backs"
    tags = ["dialogs"]

    @get(
        "/",
        operation_id="listReportBacksDue",
        summary="List dialogs due to report back",
        responses=problems(422),
    )
    async def due(
        self,
        dialog_queries: Injected[DialogQueries],
        caller: NamedDependency[Caller],
        within_days: Annotated[
            int,
            QueryParameter(
                ge=0,
                le=365,
                description="Also those due within this many days from now (0: overdue only)",
            ),
        ] = 7,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
    ) -> list[ReportBackView]:
        """The dialogs that have not reported back (published their results) and are overdue
        or due within ``within_days``, the most urgent first (administrators)."""
        caller.require(Permission.ADMINISTER)
        now = utc_now()
        rows = await dialog_queries.report_back_due(
            caller.tenant_id, now + timedelta(days=within_days), limit
        )
        return [
            ReportBackView(
                dialog_id=r["dialog_id"],
                title=r["title"],
                kind=r["kind"],
                committee=r["committee"],
                closes_at=r["closes_at"],
                report_back_by=r["due"],
                overdue=r["due"] < now,
                posts=r["published_posts"],
            )
            for r in rows
        ]
