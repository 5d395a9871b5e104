"""A person taking part in a municipality's dialogs, known to the events by an opaque id only."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict


class Person(Aggregate):
    """Someone with a role in one tenant. Name and e-mail live in the person record, not here."""

    @staticmethod
    def create_id(person_id: UUID, role: str, sign_in: str) -> UUID:
        return person_id

    @event("PersonJoined")
    def __init__(self, person_id: UUID, role: str, sign_in: str) -> None:
        self.role = role
        self.sign_in = sign_in
        self.erased = False

    def erase(self) -> bool:
        """Record the erasure once (its data key is destroyed first); False if it was already."""
        if getattr(self, "erased", False):
            return False
        self._erased()
        return True

    @event("PersonErased")
    def _erased(self) -> None:
        """The person's data key was destroyed: read models show their texts as erased."""
        self.erased = True

    def change_role(self, role: str) -> None:
        if role == self.role:
            raise Conflict(f"the person has the role {role!r} already", field="role")
        self._role_changed(role)

    @event("RoleChanged")
    def _role_changed(self, role: str) -> None:
        self.role = role
