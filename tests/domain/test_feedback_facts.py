"""Who the notifier tells of an answer, a report-back warning and a decision (pure functions,
no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from services.notifications.facts import (
    Batch,
    PostFact,
    TitleAt,
    administrators,
    answered,
    decision_recorded,
    delivery_id,
    report_back_due,
    with_titles,
)
from services.notifications.kinds import Channel, Kind

TENANT = "town"


def test_an_answer_goes_to_the_author_and_backers_but_not_to_who_answered() -> None:
    post, dialog, author, backer, official = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    batch = Batch(
        dialogs={(TENANT, dialog): "Benches"},
        posts={(TENANT, post): PostFact(dialog, author, 41)},
    )
    event = SimpleNamespace(state="accepted", text="Yes", answered_by=official)

    note = answered(batch, (TENANT, post), event, {backer, official})

    assert note is not None
    assert note.kind is Kind.POST_ANSWERED
    assert set(note.recipients) == {author, backer}
    assert note.details == {
        "dialog": "Benches",
        "title": TitleAt(41),  # opened from the event at 41 when the note is recorded
        "status": "accepted",
        "message": "Yes",
        "path": f"/posts/{post}",
    }
    opened = with_titles(note, {41: "By the pond", 7: "Another"})
    assert opened.details == {**note.details, "title": "By the pond"}
    assert with_titles(note, {}).details["title"] == ""  # an event no longer stored


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


def test_a_delivery_id_is_the_version_5_uuid_of_event_person_and_channel() -> None:
    namespace = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/notifications/deliveries")
    for channel in Channel:
        event, person = str(uuid4()), str(uuid4())
        made = delivery_id(event, person, channel)
        assert UUID(made) == uuid5(namespace, f"{event}:{person}:{channel.value}")
        assert made == UUID(made).hex
