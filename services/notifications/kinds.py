"""The kinds of message Tinget sends, the channels they travel by, and their placeholders."""

from __future__ import annotations

from enum import StrEnum

from events.errors import InvalidInput


class Kind(StrEnum):
    SIGN_IN = "sign-in"  # the one-time sign-in link (sent at once, never stored)
    INVITATION = "invitation"  # an invitation to a dialog with its PIN (sent at once)
    REPORT_STATUS = "report-status"  # a problem report moved along, to the reporter
    THRESHOLD_REACHED = "threshold-reached"  # supports or signatures reached the goal
    BADGE_EARNED = "badge-earned"
    LEVEL_REACHED = "level-reached"
    MODERATION_DECISION = "moderation-decision"  # hidden, restored, appeal decided
    DIALOG_RESULTS = "dialog-results"  # results and feedback, to everyone who took part
    POST_ANSWERED = "post-answered"  # the official answer, to a post's author and backers
    REPORT_BACK_DUE = "report-back-due"  # a dialog's report-back date is near, to administrators
    DECISION_RECORDED = "decision-recorded"  # a committee decided, to those behind its posts
    POST_MERGED = "post-merged"  # a near-duplicate merged into another, to those behind both
    PANEL_ROUND = "panel-round"  # a survey sent to a panel's sample, to its members
    PANEL_ROUND_REMINDER = "panel-round-reminder"  # to sampled members who have not answered
    PROJECT_UPDATED = "project-updated"  # a budget project's implementation, to its followers
    DIGEST = "digest"  # the daily e-mail that bundles the rest


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"
    IN_APP = "in-app"


class Digest(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


# The kinds a person gets because something happened, and may turn off per channel. Sign-in
# links and invitations are answers to a request, so they are always sent.
NOTIFYING: tuple[Kind, ...] = (
    Kind.REPORT_STATUS,
    Kind.THRESHOLD_REACHED,
    Kind.BADGE_EARNED,
    Kind.LEVEL_REACHED,
    Kind.MODERATION_DECISION,
    Kind.DIALOG_RESULTS,
    Kind.POST_ANSWERED,
    Kind.REPORT_BACK_DUE,
    Kind.DECISION_RECORDED,
    Kind.PANEL_ROUND,
    Kind.PANEL_ROUND_REMINDER,
    Kind.POST_MERGED,
    Kind.PROJECT_UPDATED,
)

# The languages Tinget ships texts in; a tenant may add templates in any other language tag.
BUILT_IN_LANGUAGES = ("sv", "da", "nb", "fi", "en")

_COMMON = frozenset({"tenant", "link"})
PLACEHOLDERS: dict[Kind, frozenset[str]] = {
    Kind.SIGN_IN: _COMMON,
    Kind.INVITATION: _COMMON | {"dialog", "pin"},
    Kind.REPORT_STATUS: _COMMON | {"dialog", "title", "status", "message"},
    Kind.THRESHOLD_REACHED: _COMMON | {"dialog", "title", "count"},
    Kind.BADGE_EARNED: _COMMON | {"dialog", "badge", "level"},
    Kind.LEVEL_REACHED: _COMMON | {"level", "message"},
    Kind.MODERATION_DECISION: _COMMON | {"dialog", "title", "status", "message"},
    Kind.DIALOG_RESULTS: _COMMON | {"dialog", "message"},
    Kind.POST_ANSWERED: _COMMON | {"dialog", "title", "status", "message"},
    Kind.REPORT_BACK_DUE: _COMMON | {"dialog", "date"},
    Kind.DECISION_RECORDED: _COMMON | {"committee", "date", "reference", "message"},
    Kind.PANEL_ROUND: _COMMON | {"dialog", "panel"},
    Kind.PANEL_ROUND_REMINDER: _COMMON | {"dialog", "panel"},
    Kind.POST_MERGED: _COMMON | {"dialog", "title", "into"},
    Kind.PROJECT_UPDATED: _COMMON | {"dialog", "title", "status", "message", "photo"},
    Kind.DIGEST: _COMMON | {"items"},
}

# A template without these would be useless: a sign-in e-mail without its link.
REQUIRED: dict[Kind, frozenset[str]] = {
    Kind.SIGN_IN: frozenset({"link"}),
    Kind.INVITATION: frozenset({"pin"}),
    Kind.DIGEST: frozenset({"items"}),
}


def kind_of(value: str, field: str = "kind") -> Kind:
    try:
        return Kind(value)
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise InvalidInput(
            field, f"{value!r} is not a kind of notification; known: {known}"
        ) from None


def notifying_kind(value: str, field: str = "kind") -> Kind:
    kind = kind_of(value, field)
    if kind not in NOTIFYING:
        known = ", ".join(k.value for k in NOTIFYING)
        raise InvalidInput(field, f"{value!r} cannot be turned off; these can: {known}")
    return kind
