"""Commands of participants: post, comment, edit, withdraw, support, sign, vote; report status.

Moderation reaches in at three points: a blocked participant's writes are refused with the
reason (checked from memory, see ``services.moderation.blocklist``); in a pre-moderated dialog a
new post or comment is saved together with its ``PostHeldForReview``; and comments, supports
and signatures go only to posts that moderation has not hidden or still holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from async_lru import alru_cache
from eventsourcing.domain import Aggregate

from events.errors import Conflict, Forbidden, InvalidInput, NotFound, SignInNeeded
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.dialogs.domain import Dialog, DialogKind
from services.dialogs.kinds import Endorsement, Opinion, post_rules
from services.dialogs.marks import Marks
from services.dialogs.service import Clock, DialogService, utc_now
from services.identity.access import Caller, Permission, event_metadata
from services.identity.keys import Keys
from services.identity.records import RateLimiter
from services.identity.service import Limits
from services.moderation.domain import ModerationCase, Visibility, case_id
from services.participation.commands import (
    AnswerPost,
    CastVote,
    ChangeReportStatus,
    Comment,
    EditPost,
    RecordDecision,
    SubmitPost,
    VoteOnStatement,
)
from services.participation.decisions import Decision, known_committee
from services.participation.domain import (
    COMMENT,
    VOTER_MARK,
    AnswerState,
    Ballot,
    Place,
    Post,
    ReportStatus,
    Signature,
    StatementVote,
    Support,
    endorsement_id,
)
from tenants import values
from tenants.domain import Tenant, tenant_stream_id

ImageExists = Callable[[str, str], Awaitable[bool]]
BlockedReason = Callable[[str, UUID], Awaitable[str | None]]  # why a person is blocked, or None
_CARRY_CHUNK = 500  # supports carried over in one append
_DIALOG_TTL = 1.0  # seconds a dialog's state may be served from memory on the hot paths


class ParticipationService:
    def __init__(
        self,
        repository: Repository,
        dialogs: DialogService,
        keys: Keys,
        limiter: RateLimiter,
        image_exists: ImageExists,
        limits: Limits | None = None,
        clock: Clock = utc_now,
        blocked: BlockedReason | None = None,
        marks: Marks | None = None,
    ) -> None:
        self.repository = repository
        self.blocked = blocked
        self.marks = marks
        self.dialogs = dialogs
        self.keys = keys
        self.limiter = limiter
        self.image_exists = image_exists
        self.limits = limits or Limits()
        self.clock = clock
        # Votes arrive by the thousand: a dialog's state is served from memory for up to a
        # second, and when it expires one read refreshes it for every request waiting on it.
        self._dialog = alru_cache(maxsize=10_000, ttl=_DIALOG_TTL)(self.dialogs.get)
        dialogs.changed.append(self._forget)

    def _forget(self, tenant_id: str, dialog_id: UUID) -> None:
        self._dialog.cache_invalidate(tenant_id, dialog_id)

    async def dialog(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        """The dialog as the hot paths see it: from memory for up to a second, forgotten at
        once when this process changes it."""
        return await self._dialog(tenant_id, dialog_id)

    async def admit(self, caller: Caller, dialog: Dialog) -> None:
        """May the caller take part in this dialog now? Raises with the reason if not (what
        surveys ask of their respondents too)."""
        await self._admit(caller, dialog)

    async def _admit(self, caller: Caller, dialog: Dialog) -> None:
        """May the caller take part in this dialog now? Raises with the reason if not."""
        caller.require(Permission.TAKE_PART)
        await self._ensure_not_blocked(caller)
        dialog.ensure_accepting(self.clock())
        if dialog.details.invite_only and not caller.may(Permission.ADMINISTER):
            if not await self.dialogs.invited(caller.tenant_id, dialog.id, caller.person_id):
                raise Forbidden("the dialog is for invited participants only")
        elif caller.anonymous and not dialog.details.settings.anonymous:
            raise SignInNeeded("the dialog asks participants to sign in first")

    async def _ensure_not_blocked(self, caller: Caller) -> None:
        if self.blocked is not None:
            reason = await self.blocked(caller.tenant_id, caller.person_id)
            if reason is not None:
                raise Forbidden(f"you are blocked from taking part: {reason}")

    async def _ensure_published(self, tenant_id: str, post: Post) -> None:
        """Comments, supports and signatures go to posts that moderation shows."""
        try:
            case = await self.repository.get(tenant_id, ModerationCase, case_id(post.id))
        except AggregateNotFound:
            return
        if case.visibility is Visibility.HIDDEN:
            raise Conflict("the post has been hidden by a moderator")
        if case.visibility is Visibility.PENDING:
            raise Conflict("the post is waiting for a moderator's approval")

    def _hold(self, caller: Caller, dialog: Dialog, post: Post) -> list[Aggregate]:
        """In a pre-moderated dialog, the post waits for approval: its case is saved with it."""
        if not dialog.details.settings.premoderation or caller.may(Permission.MODERATE):
            return []
        case = ModerationCase(post_id=post.id, dialog_id=dialog.id, author_id=post.author_id)
        case.hold()
        return [case]

    async def held_for_review(self, caller: Caller, post: Post) -> bool:
        """Whether the caller's new post waits for a moderator (moderators' posts do not)."""
        dialog = await self._dialog(caller.tenant_id, post.dialog_id)
        return bool(self._hold(caller, dialog, post))

    async def _post(self, tenant_id: str, post_id: UUID) -> Post:
        try:
            return await self.repository.get(tenant_id, Post, post_id)
        except AggregateNotFound:
            raise NotFound(f"no post {post_id}") from None

    async def _save(
        self,
        caller: Caller,
        *aggregates: Aggregate,
        hide_actor: bool = False,
        conflict: str = "changed meanwhile; try again",
    ) -> None:
        try:
            await self.repository.save(
                caller.tenant_id,
                *aggregates,
                metadata=event_metadata(caller, hide_actor=hide_actor),
            )
        except ConcurrencyConflict:
            raise Conflict(conflict) from None

    async def _replayed(
        self, caller: Caller, key: str | None, dialog_id: UUID, parent_id: UUID | None, body: str
    ) -> Post | None:
        """The post a request with this idempotency key made already, if any; a key used for
        a different post is a conflict."""
        if key is None:
            return None
        post_id = Post.id_for(caller.tenant_id, caller.person_id, key)
        try:
            earlier = await self.repository.get(caller.tenant_id, Post, post_id)
        except AggregateNotFound:
            return None
        if (earlier.dialog_id, earlier.parent_id, earlier.body) != (dialog_id, parent_id, body):
            raise Conflict("this Idempotency-Key was used for another post")
        return earlier

    async def _save_new(self, caller: Caller, key: str | None, post: Post, dialog: Dialog) -> Post:
        """Save a new post (with its pre-moderation hold); a concurrent retry of the same
        idempotent request that saved first wins, and its post is the answer."""
        try:
            await self._save(caller, post, *self._hold(caller, dialog, post))
        except Conflict:
            earlier = await self._replayed(caller, key, post.dialog_id, post.parent_id, post.body)
            if earlier is None:
                raise
            return earlier
        return post

    async def submit(
        self, caller: Caller, dialog_id: UUID, command: SubmitPost, key: str | None = None
    ) -> Post:
        """Submit a post. With an idempotency ``key``, a retry of the same request answers the
        post the first one made, however often it is sent."""
        body = values.text(command.body, "body", max_length=10_000)
        earlier = await self._replayed(caller, key, dialog_id, None, body)
        if earlier is not None:
            return earlier
        dialog = await self._dialog(caller.tenant_id, dialog_id)
        await self._admit(caller, dialog)
        kind = dialog.post_kind(command.kind)
        place = None
        if command.place is not None:
            p = command.place
            address = (
                None
                if p.address is None
                else values.text(p.address, "place.address", max_length=300)
            )
            place = Place(latitude=p.latitude, longitude=p.longitude, address=address)
        post_rules(kind).ensure_place(place is not None)
        post_rules(kind).ensure_text(command.title, body)
        await self._check_image(caller, dialog, command.image)
        await self.limiter.hit(
            caller.tenant_id, f"post:{caller.person_id}", *self.limits.posts_per_person
        )
        post = Post(
            dialog_id=dialog.id,
            kind=kind.value,
            author_id=caller.person_id,
            anonymous=command.anonymous or caller.anonymous,
            title=None
            if command.title is None
            else values.text(command.title, "title", max_length=200),
            body=body,
            parent_id=None,
            root_id=None,
            place=place,
            image=command.image,
            threshold=dialog.post_threshold(kind),
            id=Post.id_for(caller.tenant_id, caller.person_id, key),
        )
        return await self._save_new(caller, key, post, dialog)

    async def _check_image(self, caller: Caller, dialog: Dialog, image: str | None) -> None:
        if image is None:
            return
        dialog.ensure_images()
        if not await self.image_exists(caller.tenant_id, image):
            raise InvalidInput("image", "no uploaded image has this id; upload it first")

    async def comment(
        self, caller: Caller, parent_id: UUID, command: Comment, key: str | None = None
    ) -> Post:
        parent = await self._post(caller.tenant_id, parent_id)
        body = values.text(command.body, "body", max_length=10_000)
        earlier = await self._replayed(caller, key, parent.dialog_id, parent.id, body)
        if earlier is not None:
            return earlier
        dialog = await self._dialog(caller.tenant_id, parent.dialog_id)
        await self._admit(caller, dialog)
        dialog.ensure_commenting(signed_in=not caller.anonymous)
        if parent.withdrawn:
            raise Conflict("the post has been withdrawn")
        parent.ensure_not_merged()
        await self._ensure_published(caller.tenant_id, parent)
        await self.limiter.hit(
            caller.tenant_id, f"post:{caller.person_id}", *self.limits.posts_per_person
        )
        comment = Post(
            dialog_id=dialog.id,
            kind=COMMENT.value,
            author_id=caller.person_id,
            anonymous=command.anonymous or caller.anonymous,
            title=None,
            body=body,
            parent_id=parent.id,
            root_id=parent.root_id or parent.id,
            place=None,
            image=None,
            threshold=None,
            id=Post.id_for(caller.tenant_id, caller.person_id, key),
        )
        return await self._save_new(caller, key, comment, dialog)

    async def edit(self, caller: Caller, post_id: UUID, command: EditPost) -> Post:
        await self._ensure_not_blocked(caller)
        post = await self._post(caller.tenant_id, post_id)
        title = post.title
        if command.title is None or isinstance(command.title, str):
            title = (
                None
                if command.title is None
                else values.text(command.title, "title", max_length=200)
            )
        body = (
            post.body
            if not isinstance(command.body, str)
            else values.text(command.body, "body", max_length=10_000)
        )
        post.edit(caller.person_id, title, body, self.clock())
        await self._save(caller, post, conflict="the post was changed meanwhile; try again")
        return post

    async def withdraw(self, caller: Caller, post_id: UUID) -> Post:
        post = await self._post(caller.tenant_id, post_id)
        post.withdraw(caller.person_id)
        await self._save(caller, post, conflict="the post was changed meanwhile; try again")
        return post

    async def support(self, caller: Caller, post_id: UUID) -> None:
        post = await self._endorsable(caller, post_id, Endorsement.SUPPORT)
        await self._save(
            caller,
            Support(post_id=post.id, dialog_id=post.dialog_id, person_id=caller.person_id),
            conflict="you support this post already",
        )

    async def sign(self, caller: Caller, post_id: UUID) -> None:
        post = await self._endorsable(caller, post_id, Endorsement.SIGNATURE)
        await self._save(
            caller,
            Signature(post_id=post.id, dialog_id=post.dialog_id, person_id=caller.person_id),
            conflict="you have signed this petition already",
        )

    async def _endorsable(self, caller: Caller, post_id: UUID, endorsement: Endorsement) -> Post:
        post = await self._post(caller.tenant_id, post_id)
        post.ensure_endorsable(endorsement)
        dialog = await self._dialog(caller.tenant_id, post.dialog_id)
        await self._admit(caller, dialog)
        await self._ensure_published(caller.tenant_id, post)
        return post

    async def vote(self, caller: Caller, dialog_id: UUID, command: CastVote) -> None:
        """Cast the caller's one ballot. The ballot's event carries no voter identity."""
        dialog = await self._dialog(caller.tenant_id, dialog_id)
        dialog.ensure_ballots()
        await self._admit(caller, dialog)
        choices = dialog.ballot_choices(command.choices)
        ballot_id = self.keys.ballot_stream(caller.tenant_id, dialog.id, caller.person_id)
        ballot = Ballot(
            ballot_id=ballot_id,
            dialog_id=dialog.id,
            choices=choices,
            signed_in=not caller.anonymous,
        )
        try:
            await self._save(
                caller,
                ballot,
                hide_actor=True,
                conflict="you have voted in this poll already; one vote per person",
            )
        except Conflict:
            # A second ballot; the first one's mark may have been lost with a crash after it.
            await self._mark_voter(caller, dialog.id)
            raise
        await self._mark_voter(caller, dialog.id)

    async def _mark_voter(self, caller: Caller, dialog_id: UUID) -> None:
        """Note that a signed-in voter took part (``TookPartInPoll``, recorded later with
        others, services/dialogs/marks.py), so results and decisions reach them. A device
        token's ballot leaves no mark: nobody could be told but that device's inbox."""
        if self.marks is not None and not caller.anonymous:
            await self.marks.note(caller.tenant_id, VOTER_MARK, dialog_id, caller.person_id)

    async def vote_on_statement(
        self, caller: Caller, dialog_id: UUID, command: VoteOnStatement
    ) -> tuple[StatementVote, bool]:
        """Record the caller's vote on a statement of a statements dialog, or change it; the
        same vote again records nothing. Answers the vote and whether anything was recorded."""
        try:
            opinion = Opinion(command.vote)
        except ValueError:
            values_ = ", ".join(o.value for o in Opinion)
            raise InvalidInput("vote", f"must be one of {values_}") from None
        dialog = await self._dialog(caller.tenant_id, dialog_id)
        dialog.policy.ensure_opinions()
        await self._admit(caller, dialog)
        try:
            post = await self._post(caller.tenant_id, command.statement_id)
        except NotFound:
            post = None
        if post is None or post.dialog_id != dialog.id:
            raise InvalidInput("statement_id", "no statement of this dialog has this id")
        post.ensure_votable(caller.person_id)
        await self._ensure_published(caller.tenant_id, post)
        stream = StatementVote.stream_id(post.id, caller.person_id)
        for _ in range(4):  # the voter's own votes racing each other: the newest wins
            try:
                vote = await self.repository.get(caller.tenant_id, StatementVote, stream)
            except AggregateNotFound:
                vote = StatementVote(
                    statement_id=post.id,
                    dialog_id=dialog.id,
                    person_id=caller.person_id,
                    vote=opinion.number,
                )
            else:
                if not vote.change(opinion):
                    return vote, False
            try:
                await self.repository.save(caller.tenant_id, vote, metadata=event_metadata(caller))
            except ConcurrencyConflict:
                continue
            return vote, True
        raise Conflict("your vote on this statement kept changing meanwhile; try again")

    async def change_report_status(
        self, caller: Caller, post_id: UUID, command: ChangeReportStatus
    ) -> Post:
        caller.require(Permission.ADMINISTER)
        post = await self._post(caller.tenant_id, post_id)
        message = (
            None
            if command.message is None
            else values.text(command.message, "message", max_length=2000)
        )
        post.change_report_status(ReportStatus(command.status), message)
        await self._save(caller, post, conflict="the report was changed meanwhile; try again")
        return post

    async def answer(self, caller: Caller, post_id: UUID, command: AnswerPost) -> Post:
        """Give the municipality's official answer to a post (administrators and committee
        members); its supporters, signers, commenters and author are told (the notifier)."""
        caller.require(Permission.ANSWER)
        try:
            state = AnswerState(command.state)
        except ValueError:
            states = ", ".join(s.value for s in AnswerState)
            raise InvalidInput("state", f"must be one of {states}") from None
        text = values.text(command.text, "text", max_length=5000)
        post = await self._post(caller.tenant_id, post_id)
        post.answer(state, text, caller.person_id)
        await self._save(caller, post, conflict="the post was changed meanwhile; try again")
        return post

    async def record_decision(self, caller: Caller, command: RecordDecision) -> Decision:
        """Record a committee's decision (administrators and committee members), linked to the
        dialogs and posts it answers; the people behind those posts are told (the notifier).
        The committee is checked against the tenant's own list; each linked dialog must exist
        and each post be a proposal, idea, petition or suggestion."""
        caller.require(Permission.ANSWER)
        tenant = await self.repository.get(
            caller.tenant_id, Tenant, tenant_stream_id(caller.tenant_id)
        )
        committee = known_committee(tenant, command.committee)
        for i, dialog_id in enumerate(command.dialog_ids):
            try:
                await self.dialogs.get(caller.tenant_id, dialog_id)
            except NotFound:
                raise InvalidInput(f"dialog_ids[{i}]", f"no dialog {dialog_id}") from None
        for i, post_id in enumerate(command.post_ids):
            try:
                post = await self._post(caller.tenant_id, post_id)
                post.rules.ensure_answerable()
            except NotFound:
                raise InvalidInput(f"post_ids[{i}]", f"no post {post_id}") from None
            except Conflict as refused:
                raise InvalidInput(f"post_ids[{i}]", refused.reason) from None
        decision = Decision.record(
            committee=committee,
            decided_on=command.decided_on,
            text=command.text,
            reference=command.reference,
            dialog_ids=tuple(command.dialog_ids),
            post_ids=tuple(command.post_ids),
            recorded_by=caller.person_id,
        )
        await self._save(caller, decision)
        return decision

    async def decision(self, tenant_id: str, decision_id: UUID) -> Decision:
        try:
            return await self.repository.get(tenant_id, Decision, decision_id)
        except AggregateNotFound:
            raise NotFound(f"no decision {decision_id}") from None

    async def carry_supports(
        self, tenant_id: str, from_post_id: UUID, into_post_id: UUID, people: Sequence[UUID]
    ) -> int:
        """The merge policy's command: the supports of ``people``, who supported the
        duplicate ``from_post_id``, carried to the post it was merged into, each once: one who
        supports that post already (themselves, or carried from another duplicate) has their
        stream there, and is left as they are. How many were carried. Idempotent, so a
        redelivered batch or a rebuild carries nothing twice."""
        into = await self._post(tenant_id, into_post_id)
        carried = 0
        for start in range(0, len(people), _CARRY_CHUNK):
            chunk = sorted(set(people[start : start + _CARRY_CHUNK]))
            for _ in range(5):
                ids = {endorsement_id("support", into.id, p): p for p in chunk}
                present = await self.repository.store.present(tenant_id, list(ids))
                new = [
                    Support.carry_over(
                        post_id=into.id,
                        dialog_id=into.dialog_id,
                        person_id=person,
                        from_post_id=from_post_id,
                    )
                    for stream, person in ids.items()
                    if stream not in present
                ]
                if not new:
                    break
                try:
                    await self.repository.save(tenant_id, *new, metadata=event_metadata(None))
                except ConcurrencyConflict:
                    continue  # one of them supported it themselves meanwhile: look again
                carried += len(new)
                break
            else:
                raise Conflict("supports kept changing; they will be carried on redelivery")
        return carried

    async def record_threshold(self, tenant_id: str, post_id: UUID, count: int) -> None:
        """The policy's command: the post's supports or signatures reached its threshold."""
        for _ in range(5):
            post = await self._post(tenant_id, post_id)
            if not post.reach_threshold(count):
                return
            try:
                await self.repository.save(tenant_id, post, metadata=event_metadata(None))
                return
            except ConcurrencyConflict:
                continue  # the author edited meanwhile: read again
        raise Conflict("the post kept changing; the threshold will be recorded on redelivery")


__all__ = ["DialogKind", "ParticipationService"]
