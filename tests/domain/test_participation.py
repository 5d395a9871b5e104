"""Posts, supports, signatures and ballots in memory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError

from events.errors import Conflict, Forbidden
from services.dialogs.kinds import Endorsement, PostKind, ReportStatus
from services.identity.keys import Keys
from services.participation.domain import (
    EDIT_WINDOW,
    Ballot,
    Place,
    Post,
    Signature,
    Support,
    endorsement_id,
)
from tests.domain.gwt import CODEC, given, memory_store, replay, then, then_payloads

KEYS = Keys(b"k" * 32)
TENANT = "town"


def submitted(kind: PostKind, author: UUID, *, threshold: int | None = None, **fields: Any) -> Post:
    """Given a post of ``kind`` by ``author`` (rebuilt from its ``PostSubmitted``)."""
    values: dict[str, Any] = {
        "dialog_id": uuid4(),
        "kind": kind.value,
        "author_id": author,
        "anonymous": False,
        "title": "Benches by the pond",
        "body": "Somewhere to sit",
        "parent_id": None,
        "root_id": None,
        "place": Place(latitude=59.3, longitude=18.1) if kind is PostKind.PROBLEM_REPORT else None,
        "image": None,
        "threshold": threshold,
        "id": uuid4(),
    } | fields
    return given(Post(**values))


def test_a_submitted_post_records_what_its_author_wrote(author: UUID) -> None:
    post = Post(
        dialog_id=uuid4(),
        kind="idea",
        author_id=author,
        anonymous=True,
        title=None,
        body="More trees",
        parent_id=None,
        root_id=None,
        place=None,
        image=None,
        threshold=None,
        id=uuid4(),
    )
    [(name, payload)] = then_payloads(post)
    assert name == "PostSubmitted"
    assert (payload["kind"], payload["author_id"], payload["body"]) == (
        "idea",
        author,
        "More trees",
    )


def test_a_problem_report_starts_received_and_other_posts_have_no_status(author: UUID) -> None:
    assert submitted(PostKind.PROBLEM_REPORT, author).report_status is ReportStatus.RECEIVED
    for kind in set(PostKind) - {PostKind.PROBLEM_REPORT}:
        assert submitted(kind, author).report_status is None


def test_a_place_survives_the_store(author: UUID) -> None:
    report = submitted(
        PostKind.PROBLEM_REPORT, author, place=Place(latitude=1.5, longitude=2.5, address="Torget")
    )
    assert report.place == Place(latitude=1.5, longitude=2.5, address="Torget")


def test_the_author_edits_within_the_window(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    post.edit(author, "Benches", "By the pond", post.created_on + EDIT_WINDOW)
    assert then_payloads(post) == [("PostEdited", {"title": "Benches", "body": "By the pond"})]


def test_an_edit_after_the_window_is_refused(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    late = post.created_on + EDIT_WINDOW + timedelta(seconds=1)
    with pytest.raises(Conflict, match="can be edited for 15 minutes"):
        post.edit(author, None, "Too late", late)
    assert then(post) == []


def test_only_the_author_edits_or_withdraws(author: UUID, someone: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    with pytest.raises(Forbidden, match="only the author"):
        post.edit(someone, None, "Mine now", post.created_on)
    with pytest.raises(Forbidden, match="only the author"):
        post.withdraw(someone)
    assert then(post) == []


def test_a_post_is_withdrawn_once(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    post.withdraw(author)
    assert then(post) == ["PostWithdrawn"]
    post = given(post)
    assert post.withdrawn
    with pytest.raises(Conflict, match="withdrawn"):
        post.withdraw(author)
    with pytest.raises(Conflict, match="withdrawn"):
        post.edit(author, None, "Back again", post.created_on)
    assert then(post) == []


def test_a_withdrawn_post_takes_no_supports(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author)
    post.ensure_endorsable(Endorsement.SUPPORT)
    post.withdraw(author)
    with pytest.raises(Conflict, match="the post has been withdrawn"):
        given(post).ensure_endorsable(Endorsement.SUPPORT)


def test_the_kind_is_asked_before_withdrawal(author: UUID) -> None:
    petition = submitted(PostKind.PETITION, author)
    petition.withdraw(author)
    with pytest.raises(Conflict, match="a petition is signed, not supported"):
        given(petition).ensure_endorsable(Endorsement.SUPPORT)


@pytest.mark.parametrize(
    ("kind", "endorsement", "refusal"),
    [
        (PostKind.PETITION, Endorsement.SUPPORT, "a petition is signed, not supported"),
        (PostKind.PROPOSAL, Endorsement.SIGNATURE, "only a petition can be signed"),
        (PostKind.COMMENT, Endorsement.SUPPORT, "a comment cannot be supported"),
        (PostKind.COMMENT, Endorsement.SIGNATURE, "only a petition can be signed"),
    ],
)
def test_a_post_refuses_what_its_kind_does_not_gather(
    author: UUID, kind: PostKind, endorsement: Endorsement, refusal: str
) -> None:
    with pytest.raises(Conflict) as refused:
        submitted(kind, author).ensure_endorsable(endorsement)
    assert refused.value.reason == refusal


def test_supports_below_the_threshold_record_nothing(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author, threshold=3)
    assert not post.reach_threshold(2)
    assert then(post) == []


def test_a_proposal_reaches_its_threshold_once(author: UUID) -> None:
    post = submitted(PostKind.PROPOSAL, author, threshold=3)
    assert post.reach_threshold(3)
    assert then_payloads(post) == [("ThresholdReached", {"count": 3})]
    post = given(post)
    assert post.threshold_reached
    assert not post.reach_threshold(4)  # a redelivered or later count records nothing
    assert then(post) == []


def test_a_petition_reaches_its_signature_goal(author: UUID) -> None:
    petition = submitted(PostKind.PETITION, author, threshold=1000)
    assert petition.reach_threshold(1000)
    assert then(petition) == ["SignatureGoalReached"]


def test_a_post_without_a_threshold_never_reaches_one(author: UUID) -> None:
    post = submitted(PostKind.TOPIC, author)
    assert not post.reach_threshold(1_000_000)
    assert then(post) == []


def test_a_problem_reports_status_changes_with_a_message(author: UUID) -> None:
    report = submitted(PostKind.PROBLEM_REPORT, author)
    report.change_report_status(ReportStatus.IN_PROGRESS, "A crew is on its way")
    assert then_payloads(report) == [
        ("ReportStatusChanged", {"status": "in-progress", "message": "A crew is on its way"})
    ]
    assert given(report).report_status is ReportStatus.IN_PROGRESS


def test_the_same_status_again_needs_a_message(author: UUID) -> None:
    report = submitted(PostKind.PROBLEM_REPORT, author)
    with pytest.raises(Conflict) as refused:
        report.change_report_status(ReportStatus.RECEIVED, None)
    assert (refused.value.reason, refused.value.field) == (
        "the report is received already",
        "status",
    )
    report.change_report_status(ReportStatus.RECEIVED, "We have it, thank you")
    assert then(report) == ["ReportStatusChanged"]


@pytest.mark.parametrize("kind", [k for k in PostKind if k is not PostKind.PROBLEM_REPORT])
def test_only_a_problem_report_has_a_status(author: UUID, kind: PostKind) -> None:
    post = submitted(kind, author)
    with pytest.raises(Conflict, match="only a problem report has a status"):
        post.change_report_status(ReportStatus.FIXED, None)
    assert then(post) == []


def test_a_retried_post_names_the_same_stream(author: UUID, someone: UUID) -> None:
    first = Post.id_for(TENANT, author, "key-1")
    assert Post.id_for(TENANT, author, "key-1") == first
    assert Post.id_for(TENANT, author, "key-2") != first
    assert Post.id_for(TENANT, someone, "key-1") != first
    assert Post.id_for("elsewhere", author, "key-1") != first
    assert Post.id_for(TENANT, author, None) != Post.id_for(TENANT, author, None)


def test_one_support_and_one_signature_per_person_and_post(author: UUID, someone: UUID) -> None:
    post_id, dialog_id = uuid4(), uuid4()
    support = Support(post_id=post_id, dialog_id=dialog_id, person_id=author)
    assert support.id == endorsement_id("support", post_id, author)
    assert Support(post_id=post_id, dialog_id=dialog_id, person_id=author).id == support.id
    assert Support(post_id=post_id, dialog_id=dialog_id, person_id=someone).id != support.id
    signature = Signature(post_id=post_id, dialog_id=dialog_id, person_id=author)
    assert signature.id != support.id
    assert then(support) == ["SupportGiven"]
    assert then(signature) == ["PetitionSigned"]


def test_a_second_support_by_the_same_person_collides_in_the_store(
    author: UUID, someone: UUID
) -> None:
    store = memory_store()
    post_id, dialog_id = uuid4(), uuid4()
    store.save(Support(post_id=post_id, dialog_id=dialog_id, person_id=author))
    with pytest.raises(IntegrityError):
        store.save(Support(post_id=post_id, dialog_id=dialog_id, person_id=author))
    store.save(Support(post_id=post_id, dialog_id=dialog_id, person_id=someone))


def _ballot(dialog_id: UUID, person_id: UUID, *choices: str) -> Ballot:
    return Ballot(
        ballot_id=KEYS.ballot_stream(TENANT, dialog_id, person_id),
        dialog_id=dialog_id,
        choices=choices,
        signed_in=True,
    )


def test_a_ballots_stream_follows_from_poll_and_person_but_names_neither(
    author: UUID, someone: UUID
) -> None:
    poll = uuid4()
    ballot = _ballot(poll, author, "yes")
    assert ballot.id == KEYS.ballot_stream(TENANT, poll, author)
    assert _ballot(poll, someone, "yes").id != ballot.id
    assert _ballot(uuid4(), author, "yes").id != ballot.id
    assert KEYS.ballot_stream("elsewhere", poll, author) != ballot.id
    assert Keys(b"o" * 32).ballot_stream(TENANT, poll, author) != ballot.id
    [(name, payload)] = then_payloads(ballot)
    assert name == "BallotCast"
    assert set(payload) == {"ballot_id", "dialog_id", "choices", "signed_in"}
    assert author not in payload.values()


def test_one_person_counts_once_in_a_poll(author: UUID, someone: UUID) -> None:
    store = memory_store()
    poll = uuid4()
    store.save(_ballot(poll, author, "yes"))
    with pytest.raises(IntegrityError):
        store.save(_ballot(poll, author, "no"))  # a change of mind is a second ballot
    store.save(_ballot(poll, someone, "no"))
    kept: Any = store.repository.get(KEYS.ballot_stream(TENANT, poll, author))
    assert list(kept.choices) == ["yes"]  # the first ballot stands


def test_a_version_1_ballot_reads_as_anonymous() -> None:
    ballot_id, dialog_id = uuid4(), uuid4()
    v1 = msgspec.json.encode(
        {
            "timestamp": "2025-01-01T12:00:00+00:00",
            "originator_topic": "services.participation.domain:Ballot",
            "ballot_id": str(ballot_id),
            "dialog_id": str(dialog_id),
            "choices": ["yes"],
        }
    )
    ballot = replay(Ballot, [CODEC.decode("BallotCast", v1, ballot_id, 1)])
    assert (ballot.choices, ballot.signed_in) == (("yes",), False)
