"""Built-in texts of the sign-in and invitation e-mails, per language (sv, da, en).

Administrators edit their own versions (services/notifications); these are the defaults.
"""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "sign-in": {
        "en": "Sign in to {tenant}|Open this link to sign in to {tenant}:\n\n{link}\n\n"
        "The link works once, for 15 minutes. If you did not ask for it, ignore this e-mail.",
        "sv": "Logga in hos {tenant}|Öppna länken för att logga in hos {tenant}:\n\n{link}\n\n"
        "Länken fungerar en gång, i 15 minuter. Har du inte bett om den kan du bortse från"
        " det här mejlet.",
        "da": "Log ind hos {tenant}|Åbn linket for at logge ind hos {tenant}:\n\n{link}\n\n"
        "Linket virker én gang, i 15 minutter. Har du ikke bedt om det, kan du se bort fra"
        " denne e-mail.",
    },
    "invitation": {
        "en": "You are invited: {dialog}|{tenant} invites you to take part in «{dialog}».\n\n"
        "Your PIN code: {pin}\n\nSign in at {link} with the code. It works once.",
        "sv": "Du är inbjuden: {dialog}|{tenant} bjuder in dig att delta i «{dialog}».\n\n"
        "Din PIN-kod: {pin}\n\nLogga in på {link} med koden. Den fungerar en gång.",
        "da": "Du er inviteret: {dialog}|{tenant} inviterer dig til at deltage i «{dialog}».\n\n"
        "Din PIN-kode: {pin}\n\nLog ind på {link} med koden. Den virker én gang.",
    },
}


def builtin(name: str, language: str) -> tuple[str, str]:
    """The built-in subject and body templates of ``name`` in ``language`` (else English)."""
    variants = _TEXTS[name]
    subject, body = variants.get(language.split("-")[0], variants["en"]).split("|", 1)
    return subject, body


def render(
    name: str, language: str, custom: tuple[str, str] | None = None, **values: str
) -> tuple[str, str]:
    """Subject and body of the text ``name`` in ``language`` (English when unknown), from the
    tenant's own ``custom`` template when it has one (its placeholders were checked on save)."""
    subject, body = custom or builtin(name, language)
    return subject.format(**values), body.format(**values)
