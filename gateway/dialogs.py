"""Dialogs over HTTP: administrators create and run them; everyone lists and reads them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from events.db import tenant_transaction
from events.errors import NotFound
from gateway.auth import platform_of
from gateway.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from gateway.problems import problems
from gateway.views import DialogView, dialog_row_view, dialog_view
from services.dialogs.commands import (
    CloseDialog,
    CreateDialog,
    InvitePeople,
    PublishResults,
    UpdateDialog,
)
from services.dialogs.domain import Dialog, DialogKind, Status
from services.dialogs.service import utc_now
from services.identity.access import Caller, Permission
from tenants.directory import TenantEntry
from tinget.bootstrap import AppPlatform


class IssuedPin(msgspec.Struct, kw_only=True):
    person_id: FromPath[UUID]
    pin: str  # shown once: the administrator hands it over or it was e-mailed


class Invitations(msgspec.Struct, kw_only=True):
    invited: list[IssuedPin]


# A dialog's posts as participants count them: published, not hidden, pending or withdrawn.
PUBLISHED_POSTS = (
    "(SELECT count(*) FROM posts p WHERE p.tenant_id = d.tenant_id AND p.dialog_id = d.dialog_id"
    " AND p.root_id IS NULL AND p.status = 'published')::int AS published_posts"
)


async def _counts(
    platform: AppPlatform, tenant_id: str, dialog_id: FromPath[UUID]
) -> tuple[int, int]:
    async with tenant_transaction(platform.app_pool, tenant_id) as conn:
        row = await conn.fetchrow(
            f"SELECT {PUBLISHED_POSTS}, coalesce(b.ballots, 0) AS ballots FROM dialogs d"
            " LEFT JOIN poll_ballots b USING (tenant_id, dialog_id)"
            " WHERE d.tenant_id = $1 AND d.dialog_id = $2",
            tenant_id,
            dialog_id,
        )
    return (0, 0) if row is None else (row["published_posts"], row["ballots"])


async def visible_dialog(
    platform: AppPlatform, tenant_id: str, dialog_id: FromPath[UUID], viewer: Caller | None
) -> Dialog:
    """The dialog, unless it is a draft and the viewer is not an administrator, or invite-only
    and the viewer neither invited nor staff: to them it does not exist (404)."""
    dialog = await platform.dialogs.get(tenant_id, dialog_id)
    if dialog.status is Status.DRAFT and not (viewer and viewer.may(Permission.ADMINISTER)):
        raise NotFound(f"no dialog {dialog_id}")
    if not await platform.dialogs.may_view(viewer, dialog):
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
        state: State,
        caller: NamedDependency[Caller],
        data: JSONBody[CreateDialog],
    ) -> DialogView:
        """Draft a dialog (administrators). It is published separately."""
        dialog = await platform_of(state).dialogs.create(caller, data)
        return dialog_view(dialog, utc_now())

    @get("/", operation_id="listDialogs", summary="List dialogs", responses=problems(422))
    async def list_dialogs(
        self,
        state: State,
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
        platform = platform_of(state)
        async with tenant_transaction(platform.app_pool, tenant.tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT d.*, {PUBLISHED_POSTS}, coalesce(b.ballots, 0) AS ballots FROM dialogs d"
                " LEFT JOIN poll_ballots b USING (tenant_id, dialog_id)"
                " WHERE d.tenant_id = $1 AND ($2 OR d.status <> 'draft')"
                " AND ($8 OR d.access <> 'invited')"
                " AND ($3::text IS NULL OR d.kind = $3)"
                " AND ($4::text IS NULL OR d.committee = $4)"
                " AND ($5::timestamptz IS NULL OR (d.created_at, d.dialog_id) < ($5, $6::uuid))"
                " ORDER BY d.created_at DESC, d.dialog_id DESC LIMIT $7",
                tenant.tenant_id,
                drafts,
                None if kind is None else kind.value,
                committee,
                None if after is None else after[0],
                None if after is None else after[1],
                limit + 1,
                viewer is not None,  # invite-only dialogs: those the viewer may see, below
            )
        now = utc_now()
        items = [
            dialog_row_view(r, now)
            for r in rows[:limit]
            if r["access"] != "invited" or await platform.dialogs.admitted(viewer, r["dialog_id"])
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
        state: State,
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        dialog_id: FromPath[UUID],
    ) -> DialogView:
        """One dialog, as it stands now (its status follows the clock)."""
        platform = platform_of(state)
        dialog = await visible_dialog(platform, tenant.tenant_id, dialog_id, viewer)
        counts = await _counts(platform, tenant.tenant_id, dialog_id)
        return dialog_view(dialog, utc_now(), counts)

    @patch(
        "/{dialog_id:uuid}",
        operation_id="updateDialog",
        summary="Change a dialog before it opens",
        responses=problems(409, 422),
    )
    async def update(
        self,
        state: State,
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[UpdateDialog],
    ) -> DialogView:
        """Change a dialog before it opens (administrators); fields left out stay."""
        dialog = await platform_of(state).dialogs.update(caller, dialog_id, data)
        return dialog_view(dialog, utc_now())

    @post(
        "/{dialog_id:uuid}/publish",
        operation_id="publishDialog",
        summary="Publish a draft dialog",
        responses=problems(409),
        status_code=200,
    )
    async def publish(
        self, state: State, caller: NamedDependency[Caller], dialog_id: FromPath[UUID]
    ) -> DialogView:
        """Publish a draft: it opens at its opening time (at once if that has passed)."""
        platform = platform_of(state)
        dialog = await platform.dialogs.publish(caller, dialog_id)
        return dialog_view(dialog, utc_now(), await _counts(platform, caller.tenant_id, dialog_id))

    @post(
        "/{dialog_id:uuid}/close",
        operation_id="closeDialog",
        summary="Close a dialog early",
        responses=problems(409, 422),
        status_code=200,
    )
    async def close(
        self,
        state: State,
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[CloseDialog],
    ) -> DialogView:
        """Close a dialog before its closing time, with the reason participants will see."""
        platform = platform_of(state)
        dialog = await platform.dialogs.close(caller, dialog_id, data.reason)
        return dialog_view(dialog, utc_now(), await _counts(platform, caller.tenant_id, dialog_id))

    @post(
        "/{dialog_id:uuid}/results",
        operation_id="publishResults",
        summary="Publish a dialog's outcome",
        responses=problems(409, 422),
        status_code=200,
    )
    async def publish_results(
        self,
        state: State,
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[PublishResults],
    ) -> DialogView:
        """Tell the participants what came of the dialog: the committee's decision."""
        platform = platform_of(state)
        dialog = await platform.dialogs.publish_results(caller, dialog_id, data.summary)
        return dialog_view(dialog, utc_now(), await _counts(platform, caller.tenant_id, dialog_id))

    @post(
        "/{dialog_id:uuid}/invitations",
        operation_id="invitePeople",
        summary="Invite people to an invite-only dialog",
        responses=problems(409, 422),
        status_code=201,
    )
    async def invite(
        self,
        state: State,
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
        data: JSONBody[InvitePeople],
    ) -> Invitations:
        """Invite people to an invite-only dialog; each gets a one-time PIN code."""
        issued = await platform_of(state).dialogs.invite(caller, tenant, dialog_id, data)
        return Invitations(invited=[IssuedPin(person_id=p, pin=pin) for p, pin in issued])
