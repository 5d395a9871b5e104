"""Commands on dialogs, for administrators: draft, change, publish, close, results, invite."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from msgspec import UnsetType

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.budgeting.setup import new_round, phases_of, window
from services.dialogs.commands import (
    CreateDialog,
    InvitePeople,
    SettingsInput,
    TextsInput,
    UpdateDialog,
)
from services.dialogs.domain import (
    Commenting,
    Dialog,
    DialogDetails,
    DialogKind,
    DialogSettings,
    DialogTexts,
    Invitation,
    invitation_id,
)
from services.dialogs.marks import Marks
from services.identity.access import Caller, Permission, event_metadata
from services.identity.service import IdentityService
from tenants import values
from tenants.directory import TenantEntry
from tenants.domain import Tenant, tenant_stream_id
from tenants.values import BUILT_IN_LANGUAGES

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _settings(given: SettingsInput, tenant: Tenant) -> DialogSettings:
    """The settings as given, their texts cleaned; the dialog checks them against its kind.
    Who may comment, images, taking part without sign-in and pre-moderation, where left out,
    are the municipality's defaults for new dialogs."""
    options = tuple(
        values.text(o, f"settings.options[{i}]", max_length=200)
        for i, o in enumerate(given.options)
    )
    question = (
        None
        if given.question is None
        else values.text(given.question, "settings.question", max_length=500)
    )
    return DialogSettings(
        comments=Commenting(tenant.default_comments)
        if isinstance(given.comments, UnsetType)
        else given.comments,
        images=tenant.default_images if isinstance(given.images, UnsetType) else given.images,
        anonymous=tenant.default_anonymous
        if isinstance(given.anonymous, UnsetType)
        else given.anonymous,
        support_threshold=given.support_threshold,
        signature_goal=given.signature_goal,
        question=question,
        options=options,
        max_choices=given.max_choices,
        premoderation=tenant.default_premoderation
        if isinstance(given.premoderation, UnsetType)
        else given.premoderation,
    )


_LIMITS = {"title": 200, "purpose": 5000, "instructions": 5000}
_TAG = 35  # the longest language tag named in a refusal


def _translations(
    tenant: Tenant, given: dict[str, TextsInput], held: frozenset[str] = frozenset()
) -> dict[str, DialogTexts]:
    """The translations as given, each language one the municipality offers besides its
    default (whose texts are the main ones), each text as long as its main text may be; an
    empty text is none (the main one is shown), and a language with no text is left out.
    A language the dialog ``held`` already stays allowed, so a municipality that stops
    offering a language (or makes it its default) does not lock its dialogs' texts."""
    translations: dict[str, DialogTexts] = {}
    for language in _translated_languages(tenant, given, held):
        field = f"translations.{language}"
        texts = {
            name: values.text(value, f"{field}.{name}", max_length=limit, required=False) or None
            for name, limit in _LIMITS.items()
            if (value := getattr(given[language], name)) is not None
        }
        if any(texts.values()):
            translations[language] = DialogTexts(**texts)
    return translations


def _translated_languages(
    tenant: Tenant, given: Mapping[str, object], held: frozenset[str]
) -> list[str]:
    """The languages of ``given`` translations, sorted, once each is known to be one the
    municipality offers besides its default (whose text is the main one), or one ``held``
    already; else the refusal naming ``translations.<language>`` (``translations`` for too
    many languages or too long a tag)."""
    if len(given) > len(BUILT_IN_LANGUAGES):
        raise InvalidInput("translations", f"at most {len(BUILT_IN_LANGUAGES)} languages")
    for language in sorted(given):
        if len(language) > _TAG:
            raise InvalidInput("translations", f"a language tag is at most {_TAG} characters")
        field = f"translations.{language}"
        if language in held:
            pass
        elif language == tenant.default_language:
            raise InvalidInput(
                field,
                f"{language} is the municipality's default language: its texts are the main ones",
            )
        elif language not in tenant.languages:
            offered = ", ".join(
                lang for lang in tenant.languages if lang != tenant.default_language
            )
            raise InvalidInput(
                field,
                f"is not a language {tenant.name} offers (others than its default: {offered})",
            )
    return sorted(given)


SUMMARY_LIMIT = 20_000


def _summary_translations(
    tenant: Tenant, given: Mapping[str, str], held: frozenset[str]
) -> dict[str, str]:
    """A results summary's translations as given (language -> text), checked as the dialog's
    texts' are: each language one the municipality offers besides its default, or one the
    summary was published in before (``held``); each text as long as the summary may be,
    trimmed, no control characters (a refusal names ``translations.<language>``); an empty
    text is none."""
    translations: dict[str, str] = {}
    for language in _translated_languages(tenant, given, held):
        field = f"translations.{language}"
        text = values.text(given[language], field, max_length=SUMMARY_LIMIT, required=False)
        if text:
            translations[language] = text
    return translations


def _details(tenant: Tenant, c: CreateDialog, held: frozenset[str] = frozenset()) -> DialogDetails:
    committee = None
    if c.committee is not None:
        committee = values.text(c.committee, "committee", max_length=100)
        if committee not in tenant.committees:
            known = ", ".join(tenant.committees) or "none yet"
            raise InvalidInput(
                "committee",
                f"{committee!r} is not a committee of {tenant.name} (committees: {known})",
            )
    if c.closes_at <= c.opens_at:
        raise InvalidInput("closes_at", "must be after opens_at")
    return DialogDetails(
        title=values.text(c.title, "title", max_length=200),
        purpose=values.text(c.purpose, "purpose", max_length=5000),
        instructions=values.text(c.instructions, "instructions", max_length=5000, required=False),
        committee=committee,
        invite_only=c.invite_only,
        opens_at=c.opens_at.astimezone(UTC),
        closes_at=c.closes_at.astimezone(UTC),
        settings=_settings(c.settings, tenant),
        translations=_translations(tenant, c.translations, held),
    )


class DialogService:
    def __init__(
        self,
        repository: Repository,
        identity: IdentityService,
        clock: Clock = utc_now,
        marks: Marks | None = None,
    ) -> None:
        self.repository = repository
        self.identity = identity
        self.clock = clock
        self.marks = marks
        self.changed: list[Callable[[str, UUID], None]] = []  # cache invalidation hooks
        # Invitations are never taken back, so one found is remembered for the process's life.
        self._invited: set[tuple[str, UUID, UUID]] = set()

    async def invited(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> bool:
        """Whether the person was invited to the dialog (its invitation stream exists)."""
        key = (tenant_id, dialog_id, person_id)
        if key in self._invited:
            return True
        if not await self.repository.store.read_stream(
            tenant_id, invitation_id(dialog_id, person_id)
        ):
            return False
        self._invited.add(key)
        return True

    async def may_view(self, viewer: Caller | None, dialog: Dialog) -> bool:
        """Whether ``viewer`` sees the dialog at all: an open one everybody, an invite-only one
        only its invitees and the municipality's staff."""
        return not dialog.details.invite_only or await self.admitted(viewer, dialog.id)

    async def admitted(self, viewer: Caller | None, dialog_id: UUID) -> bool:
        """Whether ``viewer`` sees an invite-only dialog: staff, or invited to it."""
        if viewer is None:
            return False
        return viewer.staff or await self.invited(viewer.tenant_id, dialog_id, viewer.person_id)

    async def get(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        try:
            return await self.repository.get(tenant_id, Dialog, dialog_id)
        except AggregateNotFound:
            raise NotFound(f"no dialog {dialog_id}") from None

    async def _tenant(self, tenant_id: str) -> Tenant:
        """The tenant's aggregate, not the directory's copy: a committee set a moment ago is
        known here at once (read-your-writes)."""
        return await self.repository.get(tenant_id, Tenant, tenant_stream_id(tenant_id))

    async def tenant(self, tenant_id: str) -> Tenant:
        """The tenant as it stands (its languages, committees): read from its aggregate."""
        return await self._tenant(tenant_id)

    async def create(self, caller: Caller, command: CreateDialog) -> Dialog:
        """A new draft; a budget dialog together with its budget round, in one append."""
        caller.require(Permission.ADMINISTER)
        tenant = await self._tenant(caller.tenant_id)
        setup = command.budget
        if command.kind is DialogKind.BUDGET:
            if setup is None:
                raise InvalidInput(
                    "budget", "a budget dialog needs its round: districts, rules and phases"
                )
            opening, voting = window(phases_of(setup.phases))
            assert voting.closes_at is not None  # checked: only implementation runs on
            command = msgspec.structs.replace(
                command, opens_at=opening.opens_at, closes_at=voting.closes_at
            )
        elif setup is not None:
            raise InvalidInput("budget", "only a budget dialog has a budget round")
        dialog = Dialog.draft(command.kind, _details(tenant, command))
        companions = [] if setup is None else [new_round(dialog.id, setup, caller)]
        await self._save(caller.tenant_id, caller, dialog, *companions)
        return dialog

    async def update(self, caller: Caller, dialog_id: UUID, command: UpdateDialog) -> Dialog:
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        d = dialog.details
        current = CreateDialog(
            kind=dialog.kind,
            title=d.title,
            purpose=d.purpose,
            instructions=d.instructions,
            committee=d.committee,
            invite_only=d.invite_only,
            opens_at=d.opens_at,
            closes_at=d.closes_at,
            settings=msgspec.convert(msgspec.to_builtins(d.settings), SettingsInput),
            translations={
                language: TextsInput(
                    title=texts.title, purpose=texts.purpose, instructions=texts.instructions
                )
                for language, texts in d.translations.items()
            },
        )
        changes = {
            f: getattr(command, f)
            for f in command.__struct_fields__
            if getattr(command, f) is not msgspec.UNSET
        }
        if dialog.kind is DialogKind.BUDGET:
            for moment in ("opens_at", "closes_at"):
                if moment in changes:
                    raise InvalidInput(
                        moment,
                        "a budget dialog opens and closes with its round: reschedule its phases",
                    )
        merged = msgspec.structs.replace(current, **changes)
        details = _details(await self._tenant(caller.tenant_id), merged, frozenset(d.translations))
        if dialog.change_details(details, self.clock()):
            await self._save(caller.tenant_id, caller, dialog)
        return dialog

    async def publish(self, caller: Caller, dialog_id: UUID) -> Dialog:
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        now = self.clock()
        dialog.schedule(now)
        dialog.open_if_due(now)
        await self._save(caller.tenant_id, caller, dialog)
        return dialog

    async def close(self, caller: Caller, dialog_id: UUID, reason: str) -> Dialog:
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        dialog.close(values.text(reason, "reason", max_length=500), self.clock())
        await self._save(caller.tenant_id, caller, dialog)
        return dialog

    async def publish_results(
        self,
        caller: Caller,
        dialog_id: UUID,
        summary: str,
        translations: Mapping[str, str] | None = None,
    ) -> Dialog:
        """Publish what came of the dialog: ``summary`` in the municipality's default language
        and its ``translations`` (language -> text) in the others; publishing again replaces
        both. Nothing is recorded when any of it is refused."""
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        main = values.text(summary, "summary", max_length=SUMMARY_LIMIT)
        others = (
            _summary_translations(
                await self._tenant(caller.tenant_id),
                translations,
                frozenset(dialog.results_translations),
            )
            if translations
            else {}
        )
        dialog.publish_results(main, self.clock(), others)
        if self.marks is not None:  # those who took part last are told too
            await self.marks.record(caller.tenant_id, dialog.id)
        await self._save(caller.tenant_id, caller, dialog)
        return dialog

    async def set_report_back_by(self, caller: Caller, dialog_id: UUID, when: datetime) -> Dialog:
        """An administrator sets when the dialog is to report back at the latest."""
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        if dialog.set_report_back_by(when.astimezone(UTC)):
            await self._save(caller.tenant_id, caller, dialog)
        return dialog

    async def remind_report_back(self, tenant_id: str, dialog_id: UUID) -> bool:
        """Record that the dialog's report-back date is near or past (the scheduler's command,
        once per date): the notifier warns the tenant's administrators."""
        dialog = await self.get(tenant_id, dialog_id)
        if not dialog.remind_report_back(self.clock()):
            return False
        try:
            await self._save(tenant_id, None, dialog)
        except Conflict:
            return False  # changed meanwhile: the next round looks again
        return True

    async def invite(
        self,
        caller: Caller,
        tenant: TenantEntry,
        dialog_id: UUID,
        command: InvitePeople,
    ) -> list[tuple[UUID, str]]:
        """Invite people to a dialog: each gets a PIN (returned once, e-mailed if possible)."""
        caller.require(Permission.ADMINISTER)
        dialog = await self.get(caller.tenant_id, dialog_id)
        if not dialog.details.invite_only:
            raise Conflict("the dialog is open to all; invitations are for invite-only dialogs")
        issued: list[tuple[UUID, str]] = []
        for i, invitee in enumerate(command.invitees):
            name = (
                None
                if invitee.name is None
                else values.text(invitee.name, f"invitees[{i}].name", max_length=200)
            )
            try:
                person_id, pin = await self.identity.invite(
                    tenant, dialog_id, dialog.details.title, invitee.email, name
                )
            except InvalidInput as error:
                raise InvalidInput(f"invitees[{i}].{error.field}", error.reason) from None
            invitation = Invitation(dialog_id=dialog_id, person_id=person_id)
            with suppress(ConcurrencyConflict):  # invited before: the new PIN works as well
                await self.repository.save(
                    caller.tenant_id, invitation, metadata=event_metadata(caller)
                )
            issued.append((person_id, pin))
        return issued

    async def advance(self, tenant_id: str, dialog_id: UUID) -> bool:
        """Open or close a dialog whose time has come (the scheduler's command)."""
        dialog = await self.get(tenant_id, dialog_id)
        now = self.clock()
        moved = dialog.close_if_due(now) or dialog.open_if_due(now)
        if moved:
            try:
                await self._save(tenant_id, None, dialog)
            except Conflict:
                return False
        return moved

    async def _save(
        self, tenant_id: str, caller: Caller | None, dialog: Dialog, *more: Aggregate
    ) -> None:
        try:
            await self.repository.save(tenant_id, dialog, *more, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict("the dialog was changed meanwhile; try again") from None
        for hook in self.changed:
            hook(tenant_id, dialog.id)
