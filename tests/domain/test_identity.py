"""The Person aggregate in memory: joining, role changes, erasure."""

from __future__ import annotations

from uuid import UUID

import pytest

from events.errors import Conflict
from services.identity.domain import Person
from tests.domain.gwt import given, then, then_payloads


def joined(person_id: UUID, role: str = "participant") -> Person:
    return given(Person(person_id=person_id, role=role, sign_in="email"))


def test_a_person_joins_under_their_own_id(someone: UUID) -> None:
    person = Person(person_id=someone, role="participant", sign_in="device")
    assert person.id == someone
    assert then_payloads(person) == [
        ("PersonJoined", {"person_id": someone, "role": "participant", "sign_in": "device"})
    ]


def test_a_role_changes(someone: UUID) -> None:
    person = joined(someone)
    person.change_role("moderator")
    assert then_payloads(person) == [("RoleChanged", {"role": "moderator"})]
    assert given(person).role == "moderator"


def test_the_same_role_again_is_refused_naming_the_field(someone: UUID) -> None:
    person = joined(someone, "administrator")
    with pytest.raises(Conflict) as refused:
        person.change_role("administrator")
    assert refused.value.field == "role"
    assert then(person) == []


def test_a_person_is_erased_once(someone: UUID) -> None:
    person = joined(someone)
    assert person.erase()
    assert then(person) == ["PersonErased"]
    person = given(person)
    assert person.erased
    assert not person.erase()
    assert then(person) == []
