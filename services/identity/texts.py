"""Built-in texts of the sign-in and invitation e-mails and the staff roles' names, in every
built-in language (sv, da, nb, fi, en) through the catalogues (events/texts.py,
events/locale/): the English texts are the message ids, each with a context naming the
e-mail and the part of it.

Administrators edit their own versions (services/notifications); these are the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from events import texts


def _sign_in(language: str) -> tuple[str, str]:
    return (
        texts.pgettext(language, "sign-in e-mail subject", "Sign in to {tenant}"),
        texts.pgettext(
            language,
            "sign-in e-mail body",
            "Open this link to sign in to {tenant}:\n\n{link}\n\n"
            "The link works once, for 15 minutes. If you did not ask for it, ignore this"
            " e-mail.",
        ),
    )


def _invitation(language: str) -> tuple[str, str]:
    return (
        texts.pgettext(language, "invitation e-mail subject", "You are invited: {dialog}"),
        texts.pgettext(
            language,
            "invitation e-mail body",
            "{tenant} invites you to take part in «{dialog}».\n\nYour PIN code: {pin}\n\n"
            "Sign in at {link} with the code. It works once.",
        ),
    )


def _staff_invitation(language: str) -> tuple[str, str]:
    return (
        texts.pgettext(language, "staff-invitation e-mail subject", "Join {tenant} as {role}"),
        texts.pgettext(
            language,
            "staff-invitation e-mail body",
            "{tenant} has added you to its staff as {role} in its citizen dialogue.\n\n"
            "Open this link to sign in:\n\n{link}\n\n"
            "The link works once, within 7 days; after that, ask for a new sign-in link with"
            " this address.",
        ),
    )


def _analysis_invitation(language: str) -> tuple[str, str]:
    return (
        texts.pgettext(language, "analysis-invitation e-mail subject", "Analysis: {analysis}"),
        texts.pgettext(
            language,
            "analysis-invitation e-mail body",
            "{tenant} invites you to the analysis «{analysis}» as an analyst.\n\n"
            "Your PIN code: {pin}\n\n"
            "Sign in at {link} with the code. It works once, within 60 days.",
        ),
    )


# Each text's subject and body in a language; each a literal call, so Babel's extractor finds
# the messages (tests/test_catalogues.py).
_TEXTS: Mapping[str, Callable[[str], tuple[str, str]]] = MappingProxyType(
    {
        "sign-in": _sign_in,
        "invitation": _invitation,
        "staff-invitation": _staff_invitation,
        "analysis-invitation": _analysis_invitation,
    }
)


def _role_names(language: str) -> dict[str, str]:
    return {
        "administrator": texts.pgettext(language, "staff role", "administrator"),
        "moderator": texts.pgettext(language, "staff role", "moderator"),
        "analyst": texts.pgettext(language, "staff role", "analyst"),
        "committee-member": texts.pgettext(language, "staff role", "committee member"),
    }


ROLE_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        role: MappingProxyType({lang: _role_names(lang)[role] for lang in texts.LANGUAGES})
        for role in _role_names(texts.FALLBACK)
    }
)
"""The staff roles as the invitation e-mail names them, per language."""


def role_name(role: str, language: str) -> str:
    """A staff role's name in ``language`` (English when unknown; the role's id otherwise)."""
    if role not in ROLE_NAMES:
        return role
    return _role_names(language)[role]


def builtin(name: str, language: str) -> tuple[str, str]:
    """The built-in subject and body templates of ``name`` in ``language`` (else English)."""
    return _TEXTS[name](language)


def render(
    name: str, language: str, custom: tuple[str, str] | None = None, **values: str
) -> tuple[str, str]:
    """Subject and body of the text ``name`` in ``language`` (English when unknown), from the
    tenant's own ``custom`` template when it has one (its placeholders were checked on save)."""
    subject, body = custom or builtin(name, language)
    return subject.format(**values), body.format(**values)
