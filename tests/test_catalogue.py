"""The event catalogue and codec: names, versions, upcasting and the integrators' export."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgspec
import pytest
from eventsourcing.domain import Aggregate, event

from events.catalogue import Catalogue, UnknownEventType
from events.codec import Codec, EventDecodeError
from tinget.catalogue import build_catalogue


class Petition(Aggregate):
    @event("Created")
    def __init__(self, title: str) -> None:
        self.title = title
        self.goal = 0

    class GoalSet(Aggregate.Event):
        """Version 2 added the unit of the goal; version 1 payloads meant signatures."""

        class_version = 2
        goal: int
        unit: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["unit"] = "signatures"

        def apply(self, aggregate: Aggregate) -> None:
            aggregate.goal = self.goal  # type: ignore[attr-defined]

    @event(GoalSet)
    def set_goal(self, goal: int, unit: str) -> None:
        pass


def codec() -> Codec:
    catalogue = Catalogue()
    catalogue.register(Petition, "petitions")
    return Codec(catalogue)


def test_events_round_trip_with_their_types() -> None:
    c = codec()
    petition = Petition(title="Fler parkbänkar")
    petition.set_goal(goal=500, unit="signatures")

    for original in petition.collect_events():
        definition, data = c.encode(original)
        decoded = c.decode(
            definition.name, data, original.originator_id, original.originator_version
        )
        assert type(decoded) is type(original)
        assert vars(decoded) == vars(original)


def test_a_version_1_payload_is_upcast_on_read() -> None:
    c = codec()
    stored_v1 = b'{"timestamp": "2026-01-01T00:00:00Z", "goal": 300}'

    decoded = c.decode("GoalSet", stored_v1, uuid4(), 2)

    assert (decoded.goal, decoded.unit) == (300, "signatures")
    assert decoded.timestamp.year == 2026


def test_a_payload_of_the_wrong_shape_is_a_clear_error() -> None:
    with pytest.raises(EventDecodeError, match="GoalSet"):
        codec().decode(
            "GoalSet", b'{"timestamp": "x", "goal": "many", "class_version": 2}', uuid4(), 2
        )
    with pytest.raises(UnknownEventType):
        codec().decode("NoSuchEvent", b"{}", uuid4(), 1)


def test_the_export_describes_every_event_for_integrators() -> None:
    exported = build_catalogue().export("tinget")
    names = {e["name"] for e in exported["events"]}

    assert {"TenantCreated", "HostAdded", "TenantSuspended", "HostClaimed"} <= names
    created = next(e for e in exported["events"] if e["name"] == "TenantCreated")
    assert created["subject"] == "tinget.*.tenants.TenantCreated"
    assert created["version"] == 1
    schema = msgspec.json.encode(created["schema"])
    assert b"default_language" in schema


def test_the_export_describes_a_questionnaire_s_question_types_and_sealed_comments() -> None:
    exported = {e["name"]: e for e in build_catalogue().export("tinget")["events"]}

    drafted = exported["QuestionnaireDrafted"]
    commented = exported["QuestionnaireCommented"]
    assert drafted["subject"] == "tinget.*.surveys.QuestionnaireDrafted"
    assert drafted["personal_fields"] == []
    schema = msgspec.json.encode(drafted["schema"])
    for tag in (b'"single-choice"', b'"likert"', b'"matrix"', b'"ranking"', b'"one-of"'):
        assert tag in schema, tag
    assert commented["personal_fields"] == ["text"]


class Letter(Aggregate):
    """An aggregate with a personal field, for the views' refusal."""

    personal_fields = {"LetterCreated": ("text",)}
    data_subject = "author"

    @event("Created")
    def __init__(self, author: str, text: str) -> None:
        self.author = author


def test_a_view_reads_some_fields_as_the_catalogue_types_them() -> None:
    view = codec().catalogue.view("GoalSet", ("goal", "unit"))
    current = (
        b'{"timestamp": "2026-01-01T00:00:00Z", "goal": 7, "unit": "euros", "class_version": 2}'
    )

    read = view.decode(current)

    assert (read.goal, read.unit) == (7, "euros")
    assert codec().catalogue.view("GoalSet", ("goal",)).struct.__struct_fields__ == (
        "goal",
        "class_version",
    )


def test_a_view_upcasts_what_an_older_version_wrote() -> None:
    catalogue = codec().catalogue
    unit = catalogue.view("GoalSet", ("unit",))  # a field version 1 did not have
    goal = catalogue.view("GoalSet", ("goal",))  # a field both versions have
    stored_v1 = b'{"timestamp": "2026-01-01T00:00:00Z", "goal": 300}'

    assert unit.decode(stored_v1).unit == "signatures"
    assert goal.decode(stored_v1).goal == 300
    assert goal.decode(stored_v1).class_version == 2  # read as of the current version


def test_a_view_is_made_once_and_refuses_unknown_personal_and_malformed() -> None:
    catalogue = codec().catalogue
    catalogue.register(Letter, "letters")
    view = catalogue.view("GoalSet", ("goal",))

    assert catalogue.view("GoalSet", ("goal",)) is view
    with pytest.raises(ValueError, match="has no field colour"):
        catalogue.view("GoalSet", ("goal", "colour"))
    with pytest.raises(ValueError, match="text is personal"):
        catalogue.view("LetterCreated", ("text",))
    with pytest.raises(EventDecodeError, match="GoalSet"):
        view.decode(b'{"goal": "many", "class_version": 2}')
    with pytest.raises(EventDecodeError, match="GoalSet"):
        view.decode(b"not json")
    with pytest.raises(UnknownEventType):
        catalogue.view("NoSuchEvent", ("goal",))
