"""Participation: posts and comments, supports, petition signatures and ballots.

One support per person per post, one signature per person per petition and one ballot per
person per poll are enforced by the store itself: each lives in a stream whose id follows from
(post or poll, person), and a second one is a version conflict on that stream, not a check that
a race could slip past. A ballot's stream id is a keyed hash, and its event names no voter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden, InvalidInput
from services.dialogs.kinds import (
    AnswerState,
    Endorsement,
    Opinion,
    PostKind,
    PostRules,
    ReportStatus,
    post_rules,
)

__all__ = [
    "COMMENT",
    "EDIT_WINDOW",
    "MERGEABLE",
    "AnswerState",
    "Ballot",
    "Place",
    "Post",
    "ReportStatus",
    "Signature",
    "StatementVote",
    "Support",
    "endorsement_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/participation")
EDIT_WINDOW = timedelta(minutes=15)
COMMENT = PostKind.COMMENT


class Place(msgspec.Struct, frozen=True, kw_only=True):
    latitude: float
    longitude: float
    address: str | None = None


# The kinds a near-duplicate is merged among: those that gather supports. A petition's
# signatures are each signer's own declaration for its text, so they never move to another.
MERGEABLE = frozenset({PostKind.PROPOSAL.value, PostKind.IDEA.value, PostKind.SUGGESTION.value})

_IDEMPOTENT_POSTS = uuid5(_NAMESPACE, "posts by idempotency key")


class Post(Aggregate):
    """A proposal, idea, petition, suggestion, topic, problem report or comment.

    What its author wrote and where is personal data: stored sealed under the author's key,
    which erasure destroys (``events.personal``)."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {
        "PostSubmitted": ("title", "body", "place"),
        "PostEdited": ("title", "body"),
    }
    data_subject: ClassVar[str] = "author_id"

    @event("PostSubmitted")
    def __init__(
        self,
        dialog_id: UUID,
        kind: str,
        author_id: UUID,
        anonymous: bool,
        title: str | None,
        body: str,
        parent_id: UUID | None,
        root_id: UUID | None,
        place: Place | None,
        image: str | None,
        threshold: int | None,
        *,
        id: UUID,  # eventsourcing takes the aggregate's id by this name
    ) -> None:
        self.dialog_id = dialog_id
        self.kind = kind
        self.author_id = author_id
        self.title = title
        self.body = body
        self.anonymous = anonymous
        self.parent_id = parent_id
        self.root_id = root_id
        self.place = place
        self.image = image
        self.threshold = threshold
        self.withdrawn = False
        self.threshold_reached = False
        self.report_status = post_rules(kind).initial_status
        self.answer_state: AnswerState | None = None  # the municipality's latest answer
        self.answer_text: str | None = None
        self.merged_into: UUID | None = None  # the post it was merged into as a duplicate
        self.absorbed: tuple[UUID, ...] = ()  # the duplicates merged into it

    @property
    def rules(self) -> PostRules:
        """What this kind of post gathers and needs (``services.dialogs.kinds``)."""
        return post_rules(self.kind)

    @staticmethod
    def id_for(tenant_id: str, author_id: UUID, key: str | None) -> UUID:
        """A new post's id: random, or, for a request sent with an idempotency key, derived
        from (tenant, author, key), so a retried request names the same stream and cannot
        post twice."""
        if key is None:
            return uuid4()
        return uuid5(_IDEMPOTENT_POSTS, f"{tenant_id}\n{author_id}\n{key}")

    def _ensure_author(self, person_id: UUID) -> None:
        if person_id != self.author_id:
            raise Forbidden("only the author may change or withdraw a post")
        if self.withdrawn:
            raise Conflict("the post has been withdrawn")
        self.ensure_not_merged()

    def ensure_not_merged(self) -> None:
        """A duplicate merged into another post takes nothing more: the other one does."""
        if self.merged_into is not None:
            raise Conflict(f"the post was merged into {self.merged_into}; take part there")

    def merge_into(self, original: Post, analysis_id: UUID, merged_by: UUID) -> None:
        """Merge this post, a near-duplicate, into ``original`` (``into_id``): recorded on
        both in one append (``PostMergedInto`` here, ``PostAbsorbed`` there), so two merges
        touching either post cannot both be saved. Supports are carried over by the merge
        policy; signatures are not (see ``MERGEABLE``). The caller has checked that both are
        items of one analysis."""
        if original.id == self.id:
            raise InvalidInput("into_id", "a post cannot be merged into itself")
        if self.parent_id is not None:
            raise InvalidInput("duplicate_id", "a comment is not merged")
        if original.parent_id is not None:
            raise InvalidInput("into_id", "a comment is not merged")
        if self.merged_into is not None:
            raise Conflict(
                f"the post was merged into {self.merged_into} already", field="duplicate_id"
            )
        if original.merged_into is not None:
            raise InvalidInput(
                "into_id", f"{original.id} was itself merged into {original.merged_into}"
            )
        for field, post in (("duplicate_id", self), ("into_id", original)):
            if post.kind not in MERGEABLE:
                raise InvalidInput(
                    field,
                    f"a {post.kind} is not merged: only proposals, ideas and suggestions"
                    " (a petition's signatures are its signers' own, for its text)",
                )
            if post.withdrawn:
                raise InvalidInput(field, f"{post.id} has been withdrawn")
        self._merged_into(original.id, original.dialog_id, analysis_id, merged_by)
        original._absorbed(self.id, analysis_id)

    @event("PostMergedInto")
    def _merged_into(
        self, into_post_id: UUID, into_dialog_id: UUID, analysis_id: UUID, merged_by: UUID
    ) -> None:
        self.merged_into = into_post_id

    @event("PostAbsorbed")
    def _absorbed(self, post_id: UUID, analysis_id: UUID) -> None:
        self.absorbed = (*self.absorbed, post_id)

    def edit(self, person_id: UUID, title: str | None, body: str, now: datetime) -> None:
        self._ensure_author(person_id)
        self.rules.ensure_editable()
        if now - self.created_on > EDIT_WINDOW:
            minutes = int(EDIT_WINDOW.total_seconds() // 60)
            raise Conflict(f"a post can be edited for {minutes} minutes after it was sent")
        self._edited(title, body)

    @event("PostEdited")
    def _edited(self, title: str | None, body: str) -> None:
        self.title = title
        self.body = body

    def withdraw(self, person_id: UUID) -> None:
        self._ensure_author(person_id)
        self._withdrawn()

    @event("PostWithdrawn")
    def _withdrawn(self) -> None:
        self.withdrawn = True

    def ensure_endorsable(self, endorsement: Endorsement) -> None:
        """Refuse a support or signature its kind does not take, or of a withdrawn post."""
        self.rules.ensure_endorsable(endorsement)
        if self.withdrawn:
            raise Conflict("the post has been withdrawn")
        self.ensure_not_merged()

    def ensure_votable(self, person_id: UUID) -> None:
        """Refuse a vote on anything but a statement, on a withdrawn one, and by its author:
        a statement says what its author thinks, so the opinion map counts it as the author's
        agreement (as Polis does) and the author does not vote on it."""
        self.rules.ensure_votable()
        if self.withdrawn:
            raise Conflict("the statement has been withdrawn")
        if person_id == self.author_id:
            raise Conflict("you wrote this statement; it counts as your agreement")

    def reach_threshold(self, count: int) -> bool:
        """Record, once, that supports reached the threshold (or signatures the goal)."""
        if self.threshold_reached or self.threshold is None or count < self.threshold:
            return False
        if self.merged_into is not None:
            return False  # a support that raced its merge counts where it was merged into
        if self.rules.endorsement is Endorsement.SIGNATURE:
            self._goal_reached(count)
        else:
            self._threshold_reached(count)
        return True

    @event("ThresholdReached")
    def _threshold_reached(self, count: int) -> None:
        self.threshold_reached = True

    @event("SignatureGoalReached")
    def _goal_reached(self, count: int) -> None:
        self.threshold_reached = True

    def change_report_status(self, status: ReportStatus, message: str | None) -> None:
        self.rules.ensure_has_status()
        if status is self.report_status and message is None:
            raise Conflict(f"the report is {status.value} already", field="status")
        self._report_status_changed(status.value, message)

    @event("ReportStatusChanged")
    def _report_status_changed(self, status: str, message: str | None) -> None:
        self.report_status = ReportStatus(status)

    def answer(self, state: AnswerState, text: str, answered_by: UUID) -> None:
        """Record the municipality's official answer (an administrator's or a committee
        member's, ``answered_by``). A post can be answered again as things move on (received,
        then accepted, then implemented); ``received`` comes only before any other answer, and
        the answer it has already, word for word, is not recorded twice."""
        self.rules.ensure_answerable()
        if self.withdrawn:
            raise Conflict("the post has been withdrawn")
        self.ensure_not_merged()
        latest = self.answer_state
        if state is AnswerState.RECEIVED and latest is not None and latest is not state:
            raise Conflict(
                f"the post is {latest.value} already; 'received' comes before any other answer",
                field="state",
            )
        if state is latest and text == self.answer_text:
            raise Conflict(f"the post has this answer ({state.value}) already", field="state")
        self._answered(state.value, text, answered_by)

    @event("PostAnswered")
    def _answered(self, state: str, text: str, answered_by: UUID) -> None:
        self.answer_state = AnswerState(state)
        self.answer_text = text


def endorsement_id(kind: str, post_id: UUID, person_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"{kind}:{post_id}:{person_id}")


class Support(Aggregate):
    """One person's support of one post: given by them (``SupportGiven``), or carried over
    from a near-duplicate they supported when it was merged into this post
    (``SupportCarriedOver``, naming the duplicate). Either way one stream per (post, person),
    so a person who supported both counts once."""

    class SupportCarriedOver(Aggregate.Created):
        post_id: UUID
        dialog_id: UUID
        person_id: UUID
        from_post_id: UUID

    @staticmethod
    def create_id(post_id: UUID, dialog_id: UUID, person_id: UUID) -> UUID:
        return endorsement_id("support", post_id, person_id)

    @event("SupportGiven")
    def __init__(self, post_id: UUID, dialog_id: UUID, person_id: UUID) -> None:
        self.post_id = post_id

    @classmethod
    def carry_over(
        cls, post_id: UUID, dialog_id: UUID, person_id: UUID, from_post_id: UUID
    ) -> Support:
        """The support of a duplicate's supporter, carried to the post it was merged into."""
        return cls._create(
            cls.SupportCarriedOver,
            id=endorsement_id("support", post_id, person_id),
            post_id=post_id,
            dialog_id=dialog_id,
            person_id=person_id,
            from_post_id=from_post_id,
        )


class Signature(Aggregate):
    """One person's signature on one petition."""

    @staticmethod
    def create_id(post_id: UUID, dialog_id: UUID, person_id: UUID) -> UUID:
        return endorsement_id("signature", post_id, person_id)

    @event("PetitionSigned")
    def __init__(self, post_id: UUID, dialog_id: UUID, person_id: UUID) -> None:
        self.post_id = post_id


class StatementVote(Aggregate):
    """One person's vote on one statement: agree (+1), disagree (-1) or pass (0). One stream
    per (statement, person), so a person has one vote per statement, which they may change;
    each change is an event. Votes name their voter, as supports do: the opinion map needs to
    know which votes are one person's."""

    @staticmethod
    def create_id(statement_id: UUID, dialog_id: UUID, person_id: UUID, vote: int) -> UUID:
        return endorsement_id("statement-vote", statement_id, person_id)

    @staticmethod
    def stream_id(statement_id: UUID, person_id: UUID) -> UUID:
        return endorsement_id("statement-vote", statement_id, person_id)

    @event("StatementVoteCast")
    def __init__(self, statement_id: UUID, dialog_id: UUID, person_id: UUID, vote: int) -> None:
        self.statement_id = statement_id
        self.dialog_id = dialog_id
        self.person_id = person_id
        self.vote = vote

    @property
    def opinion(self) -> Opinion:
        return Opinion.of_number(self.vote)

    def change(self, opinion: Opinion) -> bool:
        """Change the vote; the same vote again records nothing (False)."""
        if opinion is self.opinion:
            return False
        self._changed(self.statement_id, self.dialog_id, self.person_id, opinion.number)
        return True

    @event("StatementVoteChanged")
    def _changed(self, statement_id: UUID, dialog_id: UUID, person_id: UUID, vote: int) -> None:
        self.vote = vote


class Ballot(Aggregate):
    """A ballot in a poll or vox pop. Its id comes from the ballot key; it names no voter.

    It says only whether its voter was signed in (an e-mail link or an invitation PIN) or
    took part with an anonymous device token, so results can show how many of each.
    """

    class BallotCast(Aggregate.Created):
        """Version 2 added ``signed_in``. Version 1 ballots did not say, and are read as
        anonymous: nothing claims a sign-in that was not recorded."""

        class_version = 2
        ballot_id: UUID
        dialog_id: UUID
        choices: tuple[str, ...]
        signed_in: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["signed_in"] = False

    @staticmethod
    def create_id(
        ballot_id: UUID, dialog_id: UUID, choices: tuple[str, ...], signed_in: bool
    ) -> UUID:
        return ballot_id

    @event(BallotCast)
    def __init__(
        self, ballot_id: UUID, dialog_id: UUID, choices: tuple[str, ...], signed_in: bool
    ) -> None:
        self.dialog_id = dialog_id
        self.choices = choices
        self.signed_in = signed_in


class Voter(Aggregate):
    """That one signed-in person voted in one poll: no choice, no link to the ballot. Recorded
    in a batch with others, apart from the ballot (services/dialogs/marks.py)."""

    @staticmethod
    def create_id(dialog_id: UUID, person_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"voter:{dialog_id}:{person_id}")

    @event("TookPartInPoll")
    def __init__(self, dialog_id: UUID, person_id: UUID) -> None:
        self.dialog_id = dialog_id
        self.person_id = person_id


class Voters(Aggregate):
    """That these signed-in people voted in one poll (or a budget's round): one event for a
    batch of voters' marks, no choice, no link to any ballot, the people in the order of their
    ids (which says nothing of when each voted). Recorded apart from the ballots
    (services/dialogs/marks.py). Its id is made of the dialog and the people, so a batch
    recorded again after a crash is refused by the store. Marks recorded before batches were
    one ``TookPartInPoll`` each (``Voter``), read as ever."""

    @staticmethod
    def create_id(dialog_id: UUID, person_ids: list[UUID]) -> UUID:
        return uuid5(_NAMESPACE, f"voters:{dialog_id}:{','.join(map(str, person_ids))}")

    @event("VotersTookPart")
    def __init__(self, dialog_id: UUID, person_ids: list[UUID]) -> None:
        self.dialog_id = dialog_id
        self.person_ids = person_ids


VOTER_MARK = "poll"


def voter_mark(dialog_id: UUID, person_id: UUID) -> Voter:
    """The mark of one signed-in voter (as recorded before batches; ``voters_mark`` now)."""
    return Voter(dialog_id=dialog_id, person_id=person_id)


def voters_mark(dialog_id: UUID, person_ids: list[UUID]) -> Voters:
    """The marks of a batch of signed-in voters, in one event."""
    people = sorted(set(person_ids))
    return Voters(dialog_id=dialog_id, person_ids=people)
