"""Domain errors. The gateway and the CLI turn them into problem responses and messages."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """Something the domain refuses, with a reason a person can read."""

    problem_type: str | None = None  # a more specific problem type than the class's default


class InvalidInput(DomainError):
    """A value breaks a rule: names the field and the reason.

    Input checked as a whole (a questionnaire, a survey response) may break several rules at
    once: ``errors`` holds every (field, reason), the first of them also as ``field`` and
    ``reason``, so a client can show each problem beside its field in one round trip.
    """

    def __init__(self, field: str, reason: str, *, more: Sequence[tuple[str, str]] = ()) -> None:
        extra = f" (and {len(more)} more)" if more else ""
        super().__init__(f"{field}: {reason}{extra}")
        self.field = field
        self.reason = reason
        self.errors: tuple[tuple[str, str], ...] = ((field, reason), *more)

    @classmethod
    def of(cls, errors: Sequence[tuple[str, str]]) -> InvalidInput:
        """One refusal naming every (field, reason) of ``errors`` (at least one)."""
        (field, reason), *more = errors
        return cls(field, reason, more=more)


class UnsupportedType(InvalidInput):
    """Content of a type the operation does not take (an image that is no JPEG, PNG or WebP);
    the gateway answers 415 rather than 422, still naming the field."""


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


class SignInNeeded(Forbidden):
    """A dialog that asks its participants to sign in, met with an anonymous device token: a
    type of its own, so a client (a widget) offers sign-in whatever language the reason is
    written in."""

    problem_type = "sign-in-needed"


class Unauthenticated(DomainError):
    """No valid credentials: missing, malformed, forged, expired or for another tenant."""


class TooManyRequests(DomainError):
    """A rate limit was reached; ``retry_after`` says when to try again, in seconds."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service Tinget depends on (SMTP, storage) does not answer; nothing was changed."""
