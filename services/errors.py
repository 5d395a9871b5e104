"""Domain errors. The gateway and the CLI turn them into problem responses and messages."""

from __future__ import annotations


class DomainError(Exception):
    """Something the domain refuses, with a reason a person can read."""


class InvalidInput(DomainError):
    """A value breaks a rule: names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(DomainError):
    """The thing asked for does not exist (for this tenant)."""


class Conflict(DomainError):
    """The request collides with the current state (taken, already done, changed meanwhile)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Forbidden(DomainError):
    """Not allowed in the current state or role; the reason says why."""
