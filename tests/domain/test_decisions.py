"""Decision records in memory: what one records, and what it refuses."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from events.errors import InvalidInput
from services.participation.decisions import Decision
from tests.domain.gwt import given, then_payloads


def test_a_decision_records_the_committee_date_text_reference_and_links() -> None:
    dialog, post, clerk = uuid4(), uuid4(), uuid4()

    decision = Decision.record(
        committee="Transport",
        decided_on=date(2026, 5, 12),
        text="A crossing by the school, built this summer",
        reference="§ 42",
        dialog_ids=(dialog,),
        post_ids=(post,),
        recorded_by=clerk,
    )

    assert then_payloads(decision) == [
        (
            "DecisionRecorded",
            {
                "committee": "Transport",
                "decided_on": date(2026, 5, 12),
                "text": "A crossing by the school, built this summer",
                "reference": "§ 42",
                "dialog_ids": (dialog,),
                "post_ids": (post,),
                "recorded_by": clerk,
            },
        )
    ]
    again = given(decision)
    assert again.decided_on == date(2026, 5, 12)
    assert again.post_ids == (post,)


def test_a_decision_answers_something() -> None:
    with pytest.raises(InvalidInput) as refused:
        Decision.record("Transport", date(2026, 5, 12), "Yes", None, (), (), uuid4())

    assert refused.value.field == "post_ids"


def test_a_post_is_linked_once() -> None:
    post = uuid4()

    with pytest.raises(InvalidInput) as refused:
        Decision.record("Transport", date(2026, 5, 12), "Yes", None, (), (post, post), uuid4())

    assert refused.value.field == "post_ids"
