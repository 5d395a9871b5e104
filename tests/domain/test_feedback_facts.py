"""Who the notifier tells of an answer, a report-back warning and a decision (pure functions,
no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import uuid4

from services.notifications.facts import (
    Batch,
    PostFact,
    administrators,
    answered,
    decision_recorded,
    report_back_due,
)
from services.notifications.kinds import Kind

TENANT = "town"


def test_an_answer_goes_to_the_author_and_backers_but_not_to_who_answered() -> None:
    post, dialog, author, backer, official = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    batch = Batch(
        dialogs={(TENANT, dialog): "Benches"},
        posts={(TENANT, post): PostFact(dialog, author, "By the pond")},
    )
    event = SimpleNamespace(state="accepted", text="Yes", answered_by=official)

    note = answered(batch, (TENANT, post), event, {backer, official})

    assert note is not None
    assert note.kind is Kind.POST_ANSWERED
    assert set(note.recipients) == {author, backer}
    assert note.details == {
        "dialog": "Benches",
        "title": "By the pond",
        "status": "accepted",
        "message": "Yes",
        "path": f"/posts/{post}",
    }


def test_an_answer_to_a_post_the_notifier_does_not_know_tells_nobody() -> None:
    event = SimpleNamespace(state="accepted", text="Yes", answered_by=uuid4())

    assert answered(Batch(dialogs={}, posts={}), (TENANT, uuid4()), event, {uuid4()}) is None


def test_administrators_follow_the_changes_in_log_order_per_tenant() -> None:
    kept, made, demoted, elsewhere = uuid4(), uuid4(), uuid4(), uuid4()
    changes = [
        (TENANT, made, True),
        (TENANT, demoted, True),
        ("other", elsewhere, True),
        (TENANT, demoted, False),
    ]

    assert administrators({kept}, changes, TENANT) == {kept, made}


def test_a_report_back_warning_names_the_dialog_and_the_date() -> None:
    dialog, admin = uuid4(), uuid4()
    event = SimpleNamespace(report_back_by=datetime(2026, 6, 1, 12, tzinfo=UTC))

    note = report_back_due(
        Batch(dialogs={(TENANT, dialog): "Benches"}, posts={}), (TENANT, dialog), event, {admin}
    )

    assert note.recipients == (admin,)
    assert note.details == {"dialog": "Benches", "date": "2026-06-01", "path": f"/dialogs/{dialog}"}


def test_a_decision_goes_to_the_people_behind_its_posts_but_not_to_who_recorded_it() -> None:
    decision, clerk, author = uuid4(), uuid4(), uuid4()
    event = SimpleNamespace(
        committee="Transport",
        decided_on=date(2026, 5, 12),
        reference=None,
        text="Ten benches",
        recorded_by=clerk,
    )

    note = decision_recorded((TENANT, decision), event, {author, clerk})

    assert note.recipients == (author,)
    assert note.details["reference"] == ""
    assert note.details["date"] == "2026-05-12"
