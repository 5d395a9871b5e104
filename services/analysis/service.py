"""Analyses' commands: administrators start an analysis over dialogs with its members; members
build its codebook, tag items with codes and rate their significance.

What the rules need from the tenant's own state is read from the aggregates, never from a
read model that may lag: each dialog and member is loaded when an analysis starts (an id of
another tenant's dialog or person is unknown here, as the store reads one tenant's streams),
and an item is a post or comment loaded from its stream. A free text survey answer is the one
item looked up in a read model (``analysis_answers``): its response's stream is a keyed hash
of the respondent, which its item id does not lead to. An analysis that the caller may not see
does not exist for them (404): only its members and administrators see it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.analysis.commands import (
    AddCode,
    AddMember,
    CoverFocusGroup,
    CreateTheme,
    InviteAnalyst,
    MergeItems,
    MergeThemes,
    RewriteTheme,
    SplitTheme,
    StartAnalysis,
)
from services.analysis.domain import (
    Analysis,
    AnalysisItem,
    Code,
    Codebook,
    Theme,
    codebook_id,
    item_id_of,
)
from services.dialogs.service import DialogService
from services.focus_groups.domain import FocusGroup, FocusGroupAnswer, Mark
from services.identity.access import Caller, Permission, Role, event_metadata
from services.identity.domain import Person
from services.identity.service import IdentityService
from services.moderation.domain import ModerationCase, Visibility, case_id
from services.participation.domain import Post
from tenants.directory import TenantEntry

# Who may be a member of an analysis: the roles that analyse, held in the municipality.
MEMBER_ROLES = frozenset({Role.ADMINISTRATOR, Role.ANALYST, Role.EXTERNAL_ANALYST})
_ATTEMPTS = 4  # tries of a change to one item that others change at the same moment


@dataclass(frozen=True, slots=True)
class SuggestedTheme:
    """A group of the machine suggestions, as an analyst accepts it as a theme."""

    digest: str  # of the items' ids and texts the suggestions were made from
    number: int  # the group's place among them
    items: tuple[UUID, ...]
    terms: tuple[str, ...]


# The survey of a free text answer's item (not hidden), or None: a read of the analysis's
# survey answers (services/analysis/answers.py, ``AnswerQueries.dialog_of``).
AnswerDialog = Callable[[str, UUID], Awaitable[UUID | None]]


class AnalysisService:
    def __init__(
        self,
        repository: Repository,
        dialogs: DialogService,
        identity: IdentityService,
        answer_dialog: AnswerDialog,
    ) -> None:
        self.repository = repository
        self.dialogs = dialogs
        self.identity = identity
        self.answer_dialog = answer_dialog

    # -- the workspace -------------------------------------------------------------------

    async def start(self, caller: Caller, command: StartAnalysis) -> Analysis:
        """Start an analysis (administrators) over dialogs that take posts and surveys, with
        members who are administrators or analysts of this municipality; each is named when
        refused."""
        caller.require(Permission.ADMINISTER)
        tenant_id = caller.tenant_id
        invite_only = False
        for i, dialog_id in enumerate(command.dialog_ids):
            try:
                dialog = await self.dialogs.get(tenant_id, dialog_id)
            except NotFound:
                raise InvalidInput(f"dialog_ids[{i}]", f"no dialog {dialog_id}") from None
            if not (dialog.policy.takes_posts or dialog.policy.responses):
                raise InvalidInput(
                    f"dialog_ids[{i}]",
                    f"a {dialog.kind} dialog has no posts or survey answers to analyse",
                )
            invite_only = invite_only or dialog.details.invite_only
        for i, person_id in enumerate(command.members):
            role = await self._member(tenant_id, person_id, f"members[{i}]")
            if role is Role.EXTERNAL_ANALYST and invite_only:
                raise InvalidInput(
                    f"members[{i}]",
                    "an external analyst may not join an analysis over an invite-only dialog,"
                    " which only its invitees and the municipality's staff see",
                )
        analysis = Analysis.start(
            command.title, command.dialog_ids, command.members, caller.person_id
        )
        await self._save(caller, analysis)
        return analysis

    async def add_member(self, caller: Caller, analysis_id: UUID, command: AddMember) -> Analysis:
        """Make a person of the municipality a member (administrators): an administrator, an
        analyst or an external analyst; a member already is answered as is."""
        caller.require(Permission.ADMINISTER)
        role = await self._member(caller.tenant_id, command.person_id, "person_id")
        if role is Role.EXTERNAL_ANALYST:
            await self._open_to_externals(caller, analysis_id)
        return await self._join(caller, analysis_id, command.person_id, external=False)

    async def invite_analyst(
        self, caller: Caller, tenant: TenantEntry, analysis_id: UUID, command: InviteAnalyst
    ) -> tuple[UUID, str]:
        """Invite an analyst from outside the municipality to the analysis (administrators):
        the person (new, or the participant holding the address) becomes an external analyst
        and a member, and gets a PIN to sign in with. Their id and the PIN."""
        caller.require(Permission.ADMINISTER)
        await self._open_to_externals(caller, analysis_id)  # before anybody is recorded
        analysis = await self.get(caller, analysis_id)
        person_id, pin = await self.identity.invite_analyst(
            tenant, analysis.title, command.email, command.name
        )
        await self._join(caller, analysis_id, person_id, external=True)
        return person_id, pin

    async def _open_to_externals(self, caller: Caller, analysis_id: UUID) -> None:
        """Refuse an external analyst an analysis over an invite-only dialog (409)."""
        analysis = await self.get(caller, analysis_id)
        if await self.covers_invite_only(caller.tenant_id, analysis):
            raise Conflict(
                "the analysis covers an invite-only dialog, which only its invitees and the"
                " municipality's staff see: an external analyst may not join it"
            )

    async def _join(
        self, caller: Caller, analysis_id: UUID, person_id: UUID, external: bool
    ) -> Analysis:
        for _ in range(_ATTEMPTS):  # other administrators may add members at the same moment
            analysis = await self.get(caller, analysis_id)
            if not analysis.add_member(person_id, external):
                return analysis
            try:
                await self.repository.save(
                    caller.tenant_id, analysis, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                continue
            return analysis
        raise Conflict("the analysis was changed meanwhile; try again")

    async def cover_focus_group(
        self, caller: Caller, analysis_id: UUID, command: CoverFocusGroup
    ) -> Analysis:
        """Take a focus group's answers in as items (administrators). The group is loaded
        from its stream (another municipality's is unknown here: 422 naming
        ``focus_group_id``). A focus group is invite-only: an analysis with an external
        analyst among its members takes none (409)."""
        caller.require(Permission.ADMINISTER)
        try:
            await self.repository.get(caller.tenant_id, FocusGroup, command.focus_group_id)
        except AggregateNotFound:
            raise InvalidInput(
                "focus_group_id", f"no focus group {command.focus_group_id}"
            ) from None
        analysis = await self.get(caller, analysis_id)
        for member in analysis.members:
            if await self._role_of(caller.tenant_id, member) is Role.EXTERNAL_ANALYST:
                raise Conflict(
                    "an external analyst is a member: a focus group, invite-only, is shown to"
                    " its members and the municipality's staff alone"
                )
        if analysis.cover_focus_group(command.focus_group_id):
            await self._save(caller, analysis)
        return analysis

    async def _role_of(self, tenant_id: str, person_id: UUID) -> Role | None:
        try:
            person = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            return None
        return Role(person.role)

    async def remove_member(self, caller: Caller, analysis_id: UUID, person_id: UUID) -> Analysis:
        """End a member's membership (administrators): they no longer see the analysis; what
        they recorded stays."""
        caller.require(Permission.ADMINISTER)
        analysis = await self.get(caller, analysis_id)
        analysis.remove_member(person_id)
        await self._save(caller, analysis)
        return analysis

    async def _member(self, tenant_id: str, person_id: UUID, field: str) -> Role:
        """The role of a person who may be a member (422 naming ``field`` otherwise)."""
        try:
            person = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            raise InvalidInput(field, f"no person {person_id}") from None
        if person.erased:
            raise InvalidInput(field, f"the person {person_id} was erased")
        if person.role not in MEMBER_ROLES:
            raise InvalidInput(
                field,
                f"the person {person_id} is a {person.role}: members are administrators,"
                " analysts or external analysts",
            )
        return Role(person.role)

    async def get(self, caller: Caller, analysis_id: UUID) -> Analysis:
        """The analysis if the caller may see it (a member, or an administrator)."""
        try:
            analysis = await self.repository.get(caller.tenant_id, Analysis, analysis_id)
        except AggregateNotFound:
            analysis = None
        if analysis is None or not may_see(caller, analysis.members):
            raise NotFound(f"no analysis {analysis_id}")
        if not caller.staff and await self.covers_invite_only(caller.tenant_id, analysis):
            raise NotFound(f"no analysis {analysis_id}")  # its items are the invitees' and staff's
        return analysis

    async def covers_invite_only(self, tenant_id: str, analysis: Analysis) -> bool:
        """Whether one of the analysis's dialogs is invite-only: what such a dialog holds is
        shown to its invitees and the municipality's staff alone, so an external analyst
        (no staff) is never a member of an analysis over one, nor sees it."""
        if analysis.focus_group_ids:  # a focus group is invite-only
            return True
        for dialog_id in analysis.dialog_ids:
            if (await self.dialogs.get(tenant_id, dialog_id)).details.invite_only:
                return True
        return False

    async def add_code(
        self, caller: Caller, analysis_id: UUID, command: AddCode
    ) -> tuple[UUID, Code]:
        """Add a code to the analysis's codebook; its id and the code."""
        analysis = await self.get(caller, analysis_id)
        code_id = uuid4()
        code = analysis.add_code(code_id, command.label, command.description, command.parent_id)
        await self._save(caller, analysis)
        return code_id, code

    # -- the municipality's codebook ---------------------------------------------------

    async def codebook(self, tenant_id: str) -> Codebook | None:
        """The municipality's own codebook, None before its first code."""
        try:
            return await self.repository.get(tenant_id, Codebook, codebook_id(tenant_id))
        except AggregateNotFound:
            return None

    async def tenant_codes(self, caller: Caller) -> dict[UUID, Code]:
        """The municipality's codes (administrators and analysts), in the order added."""
        caller.require(Permission.ANALYSE)
        codebook = await self.codebook(caller.tenant_id)
        return {} if codebook is None else dict(codebook.codes)

    async def add_tenant_code(self, caller: Caller, command: AddCode) -> tuple[UUID, Code]:
        """Add a code to the municipality's codebook (administrators): every analysis of the
        municipality may tag items with it. Its id and the code."""
        caller.require(Permission.ADMINISTER)
        codebook = await self.codebook(caller.tenant_id) or Codebook(tenant_id=caller.tenant_id)
        code_id = uuid4()
        code = codebook.add_code(code_id, command.label, command.description, command.parent_id)
        await self._save(caller, codebook)
        return code_id, code

    async def codes_for(self, caller: Caller, analysis: Analysis) -> dict[UUID, Code]:
        """Every code an item of ``analysis`` may have: its own and the municipality's."""
        codebook = await self.codebook(caller.tenant_id)
        return {**({} if codebook is None else codebook.codes), **analysis.codes}

    # -- items ---------------------------------------------------------------------------

    async def tag(
        self, caller: Caller, analysis_id: UUID, item_id: UUID, codes: list[UUID]
    ) -> AnalysisItem:
        """Replace the item's codes (each a code of this analysis or of the municipality's
        codebook; any other, another analysis's or municipality's included, is 422 naming
        ``codes[i]``)."""
        analysis = await self.get(caller, analysis_id)
        known = await self.codes_for(caller, analysis)
        return await self._change_item(
            caller, analysis, item_id, lambda item: item.tag(codes, known)
        )

    async def merge_items(self, caller: Caller, analysis_id: UUID, command: MergeItems) -> Post:
        """Mark the item ``duplicate_id`` as a near-duplicate of ``into_id`` and merge it
        there (members): both must be items of this analysis (422 naming the field). The
        posts record the merge (``PostMergedInto`` on the duplicate, ``PostAbsorbed`` on the
        other) in one append, so of two merges that touch either post at once one is saved
        and the other is a conflict (409); the merge policy then carries the duplicate's
        supports over and the notifier tells the people behind both. The merged-into post."""
        analysis = await self.get(caller, analysis_id)
        tenant_id = caller.tenant_id
        duplicate = await self._merged_item(
            tenant_id, analysis, command.duplicate_id, "duplicate_id"
        )
        into = await self._merged_item(tenant_id, analysis, command.into_id, "into_id")
        if duplicate.id == into.id:
            raise InvalidInput("into_id", "a post cannot be merged into itself")
        duplicate.merge_into(into, analysis.id, caller.person_id)
        try:
            await self.repository.save(tenant_id, duplicate, into, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict(
                "one of the posts was changed or merged meanwhile; read them and try again",
                field="duplicate_id",
            ) from None
        return into

    async def _merged_item(
        self, tenant_id: str, analysis: Analysis, post_id: UUID, field: str
    ) -> Post:
        try:
            post = await self.repository.get(tenant_id, Post, post_id)
        except AggregateNotFound:
            raise InvalidInput(field, f"{post_id} is no item of this analysis") from None
        if post.parent_id is not None or not analysis.covers(post.dialog_id):
            raise InvalidInput(field, f"{post_id} is no item of this analysis")
        try:
            case = await self.repository.get(tenant_id, ModerationCase, case_id(post.id))
        except AggregateNotFound:
            return post
        if case.visibility is Visibility.HIDDEN:
            raise InvalidInput(field, f"{post_id} has been hidden by a moderator")
        if case.visibility is Visibility.PENDING:
            raise InvalidInput(field, f"{post_id} is waiting for a moderator's approval")
        return post

    async def rate(
        self, caller: Caller, analysis_id: UUID, item_id: UUID, rating: int
    ) -> AnalysisItem:
        """The caller's rating of the item's significance, 1-10 (replacing theirs)."""
        analysis = await self.get(caller, analysis_id)
        return await self._change_item(
            caller, analysis, item_id, lambda item: item.rate(caller.person_id, rating)
        )

    async def _change_item(
        self,
        caller: Caller,
        analysis: Analysis,
        item_id: UUID,
        change: Callable[[AnalysisItem], bool],
    ) -> AnalysisItem:
        """Apply ``change`` to the item and save it. Members rating or tagging one item at the
        same moment collide on its stream; each change stands on its own (a rating is the
        rater's, codes are given whole), so it is applied again to the newer item, a few
        times, before the caller is told to try again."""
        for _ in range(_ATTEMPTS - 1):
            item = await self._item(caller, analysis, item_id)
            if not change(item):
                return item
            try:
                await self.repository.save(caller.tenant_id, item, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return item
        item = await self._item(caller, analysis, item_id)
        if change(item):
            await self._save(caller, item)
        return item

    async def is_item(
        self, caller: Caller, analysis: Analysis, item_id: UUID, field: str | None = None
    ) -> bool:
        """Whether ``item_id`` is an item of the analysis: a post or comment of one of its
        dialogs, read from its stream, or a free text answer to one of its surveys whose text
        is not hidden or an answer in one of its focus groups (read from its stream) that the
        group's moderator did not hide, for a caller who may read answers (``Permission.ANALYSE``:
        administrators and analysts, who read them in the surveys' exports anyway; an
        external analyst may not). A response's stream is a keyed hash of its respondent, not
        to be found from the item's id, so an answer is looked up in the read model. A
        near-duplicate merged into another post is an item no more: refused naming ``field``
        when given (422), else a conflict (409)."""
        try:
            post = await self.repository.get(caller.tenant_id, Post, item_id)
        except AggregateNotFound:
            post = None
        if post is not None:
            if not analysis.covers(post.dialog_id):
                return False
            _refuse_merged(post, field)
            return True
        if not caller.may(Permission.ANALYSE):
            return False
        if analysis.focus_group_ids:
            try:
                answer = await self.repository.get(caller.tenant_id, FocusGroupAnswer, item_id)
            except AggregateNotFound:
                answer = None
            if answer is not None:  # not hidden by the group's moderator
                return analysis.covers_focus_group(answer.group_id) and (
                    Mark.HIDDEN not in answer.marks
                )
        dialog_id = await self.answer_dialog(caller.tenant_id, item_id)
        return dialog_id is not None and analysis.covers(dialog_id)

    async def is_post(
        self, tenant_id: str, analysis: Analysis, item_id: UUID, field: str | None = None
    ) -> bool:
        """Whether ``item_id`` is a post (not a comment, nor a survey answer) of one of the
        analysis's dialogs, read from its stream: what an idea is made of. A merged one is
        refused as by ``is_item``."""
        try:
            post = await self.repository.get(tenant_id, Post, item_id)
        except AggregateNotFound:
            return False
        if post.parent_id is not None or not analysis.covers(post.dialog_id):
            return False
        _refuse_merged(post, field)
        return True

    async def _item(self, caller: Caller, analysis: Analysis, item_id: UUID) -> AnalysisItem:
        """What the analysis holds about one of its items: a post or comment of its dialogs
        or a free text answer to one of its surveys. Anything else is no item of this
        analysis (404); a merged post takes no more codes or ratings (409)."""
        if not await self.is_item(caller, analysis, item_id):
            raise NotFound(f"no item {item_id} in this analysis")
        try:
            return await self.repository.get(
                caller.tenant_id, AnalysisItem, item_id_of(analysis.id, item_id)
            )
        except AggregateNotFound:
            return AnalysisItem(analysis_id=analysis.id, item_id=item_id)

    # -- themes --------------------------------------------------------------------------

    async def create_theme(self, caller: Caller, analysis_id: UUID, command: CreateTheme) -> Theme:
        """A new theme of the analysis with its heading, summary and first items (each an
        item of this analysis, else 422 naming ``items[i]``)."""
        analysis = await self.get(caller, analysis_id)
        for i, item_id in enumerate(command.items):
            if not await self.is_item(caller, analysis, item_id, f"items[{i}]"):
                raise InvalidInput(f"items[{i}]", f"{item_id} is no item of this analysis")
        theme = Theme.create(analysis.id, command.heading, command.summary, command.items)
        await self._save(caller, theme)
        return theme

    async def accept_suggestion(
        self, caller: Caller, analysis_id: UUID, group: SuggestedTheme, heading: str, summary: str
    ) -> Theme:
        """A theme made of a machine-suggested group (members): its items, the heading the
        analyst chose, and the suggestion as its recorded evidence. The caller made ``group``
        from the analysis's own items, as they are now."""
        analysis = await self.get(caller, analysis_id)
        theme = Theme.create(analysis.id, heading, summary, group.items)
        theme.accept_suggestion(group.digest, group.number, group.terms)
        await self._save(caller, theme)
        return theme

    async def theme(self, caller: Caller, analysis_id: UUID, theme_id: UUID) -> Theme:
        """A theme of the analysis, if the caller sees the analysis (404 otherwise, and for a
        theme of another analysis or one merged away)."""
        analysis = await self.get(caller, analysis_id)
        return await self._theme(caller.tenant_id, analysis, theme_id)

    async def _theme(self, tenant_id: str, analysis: Analysis, theme_id: UUID) -> Theme:
        try:
            theme = await self.repository.get(tenant_id, Theme, theme_id)
        except AggregateNotFound:
            theme = None
        if theme is None or theme.analysis_id != analysis.id:
            raise NotFound(f"no theme {theme_id} in this analysis")
        if theme.gone:
            raise NotFound(f"the theme {theme_id} was merged into {theme.merged_into}")
        return theme

    async def rewrite_theme(
        self, caller: Caller, analysis_id: UUID, theme_id: UUID, command: RewriteTheme
    ) -> Theme:
        """Replace the theme's heading and summary."""
        analysis = await self.get(caller, analysis_id)
        return await self._change_theme(
            caller,
            analysis,
            theme_id,
            lambda theme: theme.rewrite(command.heading, command.summary),
        )

    async def add_to_theme(
        self, caller: Caller, analysis_id: UUID, theme_id: UUID, item_id: UUID
    ) -> Theme:
        """Put an item of the analysis into the theme (422 naming ``item_id`` otherwise)."""
        analysis = await self.get(caller, analysis_id)
        await self._theme(caller.tenant_id, analysis, theme_id)
        if not await self.is_item(caller, analysis, item_id, "item_id"):
            raise InvalidInput("item_id", f"{item_id} is no item of this analysis")
        return await self._change_theme(
            caller, analysis, theme_id, lambda theme: theme.add(item_id)
        )

    async def remove_from_theme(
        self, caller: Caller, analysis_id: UUID, theme_id: UUID, item_id: UUID
    ) -> Theme:
        """Take an item out of the theme (404 when it is not in it)."""
        analysis = await self.get(caller, analysis_id)

        def remove(theme: Theme) -> bool:
            if item_id not in theme.items:
                raise NotFound(f"no item {item_id} in the theme {theme_id}")
            return theme.remove(item_id)

        return await self._change_theme(caller, analysis, theme_id, remove)

    async def merge_themes(
        self, caller: Caller, analysis_id: UUID, theme_id: UUID, command: MergeThemes
    ) -> Theme:
        """Take the theme ``command.theme_id`` into ``theme_id``; the merged theme. Both are
        changed in one append, so a theme changed meanwhile is a conflict (409)."""
        analysis = await self.get(caller, analysis_id)
        kept = await self._theme(caller.tenant_id, analysis, theme_id)
        if command.theme_id == theme_id:
            other = kept
        else:
            try:
                other = await self.repository.get(caller.tenant_id, Theme, command.theme_id)
            except AggregateNotFound:
                raise InvalidInput(
                    "theme_id", f"{command.theme_id} is not a theme of this analysis"
                ) from None
        kept.merge(other, command.heading, command.summary)
        await self._save(caller, kept, other)
        return kept

    async def split_theme(
        self, caller: Caller, analysis_id: UUID, theme_id: UUID, command: SplitTheme
    ) -> Theme:
        """Move some of the theme's items to a new theme; the new theme."""
        analysis = await self.get(caller, analysis_id)
        theme = await self._theme(caller.tenant_id, analysis, theme_id)
        new = theme.split(command.items, command.heading, command.summary)
        await self._save(caller, theme, new)
        return new

    async def _change_theme(
        self,
        caller: Caller,
        analysis: Analysis,
        theme_id: UUID,
        change: Callable[[Theme], bool],
    ) -> Theme:
        """Apply ``change`` to the theme and save it; each change stands on its own (an item
        in or out, a heading and summary whole), so it is applied again to a theme another
        analyst changed meanwhile, a few times, before the caller is told to try again."""
        for _ in range(_ATTEMPTS - 1):
            theme = await self._theme(caller.tenant_id, analysis, theme_id)
            if not change(theme):
                return theme
            try:
                await self.repository.save(caller.tenant_id, theme, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return theme
        theme = await self._theme(caller.tenant_id, analysis, theme_id)
        if change(theme):
            await self._save(caller, theme)
        return theme

    async def _save(self, caller: Caller, *aggregates: Aggregate) -> None:
        try:
            await self.repository.save(
                caller.tenant_id, *aggregates, metadata=event_metadata(caller)
            )
        except ConcurrencyConflict:
            raise Conflict("the analysis was changed meanwhile; read it and try again") from None


def may_see(caller: Caller, members: Container[UUID]) -> bool:
    """Whether the caller sees an analysis with these members: a member or an administrator."""
    return caller.person_id in members or caller.may(Permission.ADMINISTER)


def _refuse_merged(post: Post, field: str | None) -> None:
    """A near-duplicate merged into another post takes nothing more as an item."""
    if post.merged_into is not None:
        if field is None:
            raise Conflict(f"the item {post.id} was merged into {post.merged_into}")
        raise InvalidInput(field, f"{post.id} was merged into {post.merged_into}")
