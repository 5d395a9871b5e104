"""Built-in texts of the sign-in and invitation e-mails, per language (sv, da, en; the
analysts' and the staff's invitations also nb and fi).

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
    "staff-invitation": {
        "en": "Join {tenant} as {role}|{tenant} has added you to its staff as {role} in its"
        " citizen dialogue.\n\nOpen this link to sign in:\n\n{link}\n\nThe link works once,"
        " within 7 days; after that, ask for a new sign-in link with this address.",
        "sv": "Välkommen till {tenant} som {role}|{tenant} har lagt till dig i sin personal som"
        " {role} i medborgardialogen.\n\nÖppna länken för att logga in:\n\n{link}\n\n"
        "Länken fungerar en gång, inom 7 dagar; be sedan om en ny inloggningslänk med den här"
        " adressen.",
        "da": "Velkommen til {tenant} som {role}|{tenant} har tilføjet dig til sit personale som"
        " {role} i borgerdialogen.\n\nÅbn linket for at logge ind:\n\n{link}\n\nLinket"
        " virker én gang, inden for 7 dage; bed derefter om et nyt login-link med denne"
        " adresse.",
        "nb": "Velkommen til {tenant} som {role}|{tenant} har lagt deg til i sine ansatte som"
        " {role} i innbyggerdialogen.\n\nÅpne lenken for å logge inn:\n\n{link}\n\nLenken"
        " virker én gang, innen 7 dager; be deretter om en ny innloggingslenke med denne"
        " adressen.",
        "fi": "Tervetuloa: {tenant}, rooli {role}|{tenant} on lisännyt sinut"
        " asukasvuoropuhelunsa henkilöstöön (rooli: {role}).\n\nKirjaudu sisään avaamalla"
        " linkki:\n\n{link}\n\nLinkki toimii kerran, 7 päivän ajan; sen jälkeen pyydä uusi"
        " kirjautumislinkki tällä osoitteella.",
    },
    "analysis-invitation": {
        "en": "Analysis: {analysis}|{tenant} invites you to the analysis «{analysis}» as an"
        " analyst.\n\nYour PIN code: {pin}\n\nSign in at {link} with the code. It works once,"
        " within 60 days.",
        "sv": "Analys: {analysis}|{tenant} bjuder in dig som analytiker i analysen"
        " «{analysis}».\n\nDin PIN-kod: {pin}\n\nLogga in på {link} med koden. Den fungerar"
        " en gång, inom 60 dagar.",
        "da": "Analyse: {analysis}|{tenant} inviterer dig som analytiker i analysen"
        " «{analysis}».\n\nDin PIN-kode: {pin}\n\nLog ind på {link} med koden. Den virker én"
        " gang, inden for 60 dage.",
        "nb": "Analyse: {analysis}|{tenant} inviterer deg som analytiker i analysen"
        " «{analysis}».\n\nPIN-koden din: {pin}\n\nLogg inn på {link} med koden. Den virker én"
        " gang, innen 60 dager.",
        "fi": "Analyysi: {analysis}|{tenant} kutsuu sinut analyytikoksi analyysiin"
        " «{analysis}».\n\nPIN-koodisi: {pin}\n\nKirjaudu osoitteessa {link} koodilla. Se"
        " toimii kerran, 60 päivän ajan.",
    },
}


ROLE_NAMES: dict[str, dict[str, str]] = {
    "administrator": {
        "en": "administrator",
        "sv": "administratör",
        "da": "administrator",
        "nb": "administrator",
        "fi": "ylläpitäjä",
    },
    "moderator": {
        "en": "moderator",
        "sv": "moderator",
        "da": "moderator",
        "nb": "moderator",
        "fi": "moderaattori",
    },
    "analyst": {
        "en": "analyst",
        "sv": "analytiker",
        "da": "analytiker",
        "nb": "analytiker",
        "fi": "analyytikko",
    },
    "committee-member": {
        "en": "committee member",
        "sv": "nämndledamot",
        "da": "udvalgsmedlem",
        "nb": "utvalgsmedlem",
        "fi": "lautakunnan jäsen",
    },
}
"""The staff roles as the invitation e-mail names them, per language."""


def role_name(role: str, language: str) -> str:
    """A staff role's name in ``language`` (English when unknown; the role's id otherwise)."""
    names = ROLE_NAMES.get(role, {})
    return names.get(language.split("-")[0], names.get("en", role))


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
