"""Built-in texts of every kind of message, in every built-in language (sv, da, nb, fi, en)
through the catalogues (events/texts.py, events/locale/): the English texts are the message
ids, each with a context naming the kind and the part (``report-status notification subject``).

A tenant's administrators replace any of them with their own (templates.py); these are what a
municipality gets until then. Sign-in and invitation texts live with the identity service,
which sends them, and are taken from there so they exist once.
"""

from __future__ import annotations

from events import texts
from services.identity.texts import builtin as identity_builtin
from services.notifications.kinds import Kind


def _texts(language: str) -> dict[Kind, tuple[str, str]]:
    """Each kind's (subject, body) in ``language``; each a literal call, so Babel's extractor
    finds the messages (tests/test_catalogues.py)."""
    return {
        Kind.REPORT_STATUS: (
            texts.pgettext(language, "report-status notification subject", "Your report: {status}"),
            texts.pgettext(
                language,
                "report-status notification body",
                "Your report «{title}» in «{dialog}» is now {status}.\n\n{message}\n\n{link}",
            ),
        ),
        Kind.THRESHOLD_REACHED: (
            texts.pgettext(
                language, "threshold-reached notification subject", "«{title}» reached its goal"
            ),
            texts.pgettext(
                language,
                "threshold-reached notification body",
                "Congratulations! «{title}» in «{dialog}» has reached {count} and with it its"
                " goal. {tenant} takes it from here.\n\n{link}",
            ),
        ),
        Kind.BADGE_EARNED: (
            texts.pgettext(
                language, "badge-earned notification subject", "You earned a badge: {badge}"
            ),
            texts.pgettext(
                language,
                "badge-earned notification body",
                "Well done! You earned the badge «{badge}» at {tenant}.\n\n{link}",
            ),
        ),
        Kind.LEVEL_REACHED: (
            texts.pgettext(language, "level-reached notification subject", "A new level: {level}"),
            texts.pgettext(
                language,
                "level-reached notification body",
                "You are now «{level}» at {tenant}.\n\n{message}\n\n{link}",
            ),
        ),
        Kind.MODERATION_DECISION: (
            texts.pgettext(
                language,
                "moderation-decision notification subject",
                "About your post in «{dialog}»",
            ),
            texts.pgettext(
                language,
                "moderation-decision notification body",
                "A moderator's decision on your post «{title}»: {status}.\n\n{message}\n\n{link}",
            ),
        ),
        Kind.DIALOG_RESULTS: (
            texts.pgettext(language, "dialog-results notification subject", "Results: {dialog}"),
            texts.pgettext(
                language,
                "dialog-results notification body",
                "{tenant} has published what came of «{dialog}», which you took part in:"
                "\n\n{message}\n\n{link}",
            ),
        ),
        Kind.POST_ANSWERED: (
            texts.pgettext(
                language,
                "post-answered notification subject",
                "An answer to «{title}»: {status}",
            ),
            texts.pgettext(
                language,
                "post-answered notification body",
                "{tenant} has answered «{title}» in «{dialog}», which you took part in:"
                " {status}.\n\n{message}\n\n{link}",
            ),
        ),
        Kind.REPORT_BACK_DUE: (
            texts.pgettext(
                language,
                "report-back-due notification subject",
                "Report back on «{dialog}» by {date}",
            ),
            texts.pgettext(
                language,
                "report-back-due notification body",
                "«{dialog}» is to report back to those who took part by {date}, and its results"
                " are not published yet. Publishing them is reporting back.\n\n{link}",
            ),
        ),
        Kind.DECISION_RECORDED: (
            texts.pgettext(
                language, "decision-recorded notification subject", "{committee} has decided"
            ),
            texts.pgettext(
                language,
                "decision-recorded notification body",
                "{committee} decided on {date} ({reference}) on what you took part in:"
                "\n\n{message}\n\n{link}",
            ),
        ),
        Kind.PANEL_ROUND: (
            texts.pgettext(
                language, "panel-round notification subject", "«{dialog}»: a survey for {panel}"
            ),
            texts.pgettext(
                language,
                "panel-round notification body",
                "As a member of {panel}, you are asked to answer the survey «{dialog}» from"
                " {tenant}. Your answers count.\n\n{link}",
            ),
        ),
        Kind.PANEL_ROUND_REMINDER: (
            texts.pgettext(
                language, "panel-round-reminder notification subject", "Reminder: «{dialog}»"
            ),
            texts.pgettext(
                language,
                "panel-round-reminder notification body",
                "You have not answered the survey «{dialog}» that {tenant} sent to {panel} yet."
                " There is still time.\n\n{link}\n\nIf you answered in the meantime: thank"
                " you, and never mind this message.",
            ),
        ),
        # a near-duplicate merged into another post: to the authors of both and to those who
        # backed or commented on the duplicate
        Kind.POST_MERGED: (
            texts.pgettext(
                language,
                "post-merged notification subject",
                "«{title}» was merged into «{into}»",
            ),
            texts.pgettext(
                language,
                "post-merged notification body",
                "«{title}» in «{dialog}» says much the same as «{into}», so {tenant}'s analysts"
                " merged the two. Its supports now count for «{into}» (once per person), and"
                " the discussion goes on there.\n\n{link}",
            ),
        ),
        # a funded budget project's implementation update: to those who follow the project
        Kind.PROJECT_UPDATED: (
            texts.pgettext(
                language, "project-updated notification subject", "News of «{title}»: {status}"
            ),
            texts.pgettext(
                language,
                "project-updated notification body",
                "{tenant} has news of «{title}» in «{dialog}», a project you follow: it is now"
                " {status}.\n\n{message}\n\n{photo}\n\n{link}",
            ),
        ),
        Kind.DIGEST: (
            texts.pgettext(language, "digest notification subject", "{tenant}: your daily summary"),
            texts.pgettext(
                language,
                "digest notification body",
                "This is what happened since yesterday:\n\n{items}\n\n{link}",
            ),
        ),
    }


def _words(language: str) -> dict[str, str]:
    """The statuses and decisions that fill {status}, as words in ``language``."""
    return {
        "received": texts.pgettext(language, "problem report status", "received"),
        "in-progress": texts.pgettext(language, "problem report status", "in progress"),
        "fixed": texts.pgettext(language, "problem report status", "fixed"),
        "rejected": texts.pgettext(language, "problem report status", "rejected"),
        "under-consideration": texts.pgettext(language, "official answer", "under consideration"),
        "accepted": texts.pgettext(language, "official answer", "accepted"),
        "partly-accepted": texts.pgettext(language, "official answer", "partly accepted"),
        "implemented": texts.pgettext(language, "official answer", "implemented"),
        "hidden": texts.pgettext(language, "moderation decision", "hidden"),
        "restored": texts.pgettext(language, "moderation decision", "shown again"),
        "appeal-upheld": texts.pgettext(language, "moderation decision", "your appeal was upheld"),
        "appeal-rejected": texts.pgettext(
            language, "moderation decision", "your appeal was rejected"
        ),
    }


def _implementation_words(language: str) -> dict[str, str]:
    """A budget project's implementation statuses, as words in ``language`` (``it is now
    {status}``)."""
    return {
        "planned": texts.pgettext(language, "budget project implementation", "planned"),
        "in-progress": texts.pgettext(language, "budget project implementation", "in progress"),
        "completed": texts.pgettext(language, "budget project implementation", "completed"),
        "cancelled": texts.pgettext(language, "budget project implementation", "cancelled"),
    }


STATUSES = frozenset(_words(texts.FALLBACK))
"""The statuses and decisions that have words."""
IMPLEMENTATION_STATUSES = frozenset(_implementation_words(texts.FALLBACK))
"""A budget project's implementation statuses (the words of ``project-updated``)."""


def base_language(language: str) -> str:
    return language.split("-")[0]


def default_template(kind: Kind, language: str) -> tuple[str, str]:
    """The built-in (subject, body) of ``kind`` in ``language``, English when there is none."""
    if kind in (Kind.SIGN_IN, Kind.INVITATION):
        return identity_builtin(kind.value, language)
    return _texts(language)[kind]


def status_word(status: str, language: str, kind: Kind | None = None) -> str:
    """A status or decision (``in-progress``) as words in ``language``, as ``kind`` says it (a
    budget project's implementation has words of its own); unknown ones as given."""
    words = _implementation_words if kind is Kind.PROJECT_UPDATED else _words
    return words(language).get(status, status)
