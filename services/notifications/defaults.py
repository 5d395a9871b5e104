"""Built-in texts of every kind of message in Swedish, Danish and English.

A tenant's administrators replace any of them with their own (templates.py); these are what a
municipality gets until then. Sign-in and invitation texts live with the identity service,
which sends them, and are taken from there so they exist once.
"""

from __future__ import annotations

from services.identity.texts import builtin as identity_builtin
from services.notifications.kinds import Kind

# "subject|body" per kind and language.
_TEXTS: dict[Kind, dict[str, str]] = {
    Kind.REPORT_STATUS: {
        "en": "Your report: {status}|Your report «{title}» in «{dialog}» is now {status}."
        "\n\n{message}\n\n{link}",
        "sv": "Din anmälan: {status}|Din anmälan «{title}» i «{dialog}» är nu {status}."
        "\n\n{message}\n\n{link}",
        "da": "Din indberetning: {status}|Din indberetning «{title}» i «{dialog}» er nu"
        " {status}.\n\n{message}\n\n{link}",
    },
    Kind.THRESHOLD_REACHED: {
        "en": "«{title}» reached its goal|Congratulations! «{title}» in «{dialog}» has reached"
        " {count} and with it its goal. {tenant} takes it from here.\n\n{link}",
        "sv": "«{title}» har nått sitt mål|Grattis! «{title}» i «{dialog}» har nått {count}"
        " och därmed sitt mål. {tenant} tar det vidare härifrån.\n\n{link}",
        "da": "«{title}» har nået sit mål|Tillykke! «{title}» i «{dialog}» har nået {count}"
        " og dermed sit mål. {tenant} tager det videre herfra.\n\n{link}",
    },
    Kind.BADGE_EARNED: {
        "en": "You earned a badge: {badge}|Well done! You earned the badge «{badge}» at"
        " {tenant}.\n\n{link}",
        "sv": "Du har fått ett märke: {badge}|Bra jobbat! Du har fått märket «{badge}» hos"
        " {tenant}.\n\n{link}",
        "da": "Du har fået et mærke: {badge}|Godt gået! Du har fået mærket «{badge}» hos"
        " {tenant}.\n\n{link}",
    },
    Kind.LEVEL_REACHED: {
        "en": "A new level: {level}|You are now «{level}» at {tenant}.\n\n{message}\n\n{link}",
        "sv": "En ny nivå: {level}|Du är nu «{level}» hos {tenant}.\n\n{message}\n\n{link}",
        "da": "Et nyt niveau: {level}|Du er nu «{level}» hos {tenant}.\n\n{message}\n\n{link}",
    },
    Kind.MODERATION_DECISION: {
        "en": "About your post in «{dialog}»|A moderator's decision on your post «{title}»:"
        " {status}.\n\n{message}\n\n{link}",
        "sv": "Om ditt inlägg i «{dialog}»|En moderator har beslutat om ditt inlägg «{title}»:"
        " {status}.\n\n{message}\n\n{link}",
        "da": "Om dit indlæg i «{dialog}»|En moderator har truffet en afgørelse om dit indlæg"
        " «{title}»: {status}.\n\n{message}\n\n{link}",
    },
    Kind.DIALOG_RESULTS: {
        "en": "Results: {dialog}|{tenant} has published what came of «{dialog}», which you took"
        " part in:\n\n{message}\n\n{link}",
        "sv": "Resultat: {dialog}|{tenant} har publicerat vad «{dialog}», som du deltog i,"
        " ledde till:\n\n{message}\n\n{link}",
        "da": "Resultater: {dialog}|{tenant} har offentliggjort, hvad «{dialog}», som du deltog"
        " i, førte til:\n\n{message}\n\n{link}",
    },
    Kind.POST_ANSWERED: {
        "en": "An answer to «{title}»: {status}|{tenant} has answered «{title}» in «{dialog}»,"
        " which you took part in: {status}.\n\n{message}\n\n{link}",
        "sv": "Svar på «{title}»: {status}|{tenant} har svarat på «{title}» i «{dialog}»,"
        " som du deltog i: {status}.\n\n{message}\n\n{link}",
        "da": "Svar på «{title}»: {status}|{tenant} har svaret på «{title}» i «{dialog}»,"
        " som du deltog i: {status}.\n\n{message}\n\n{link}",
    },
    Kind.REPORT_BACK_DUE: {
        "en": "Report back on «{dialog}» by {date}|«{dialog}» is to report back to those who"
        " took part by {date}, and its results are not published yet. Publishing them is"
        " reporting back.\n\n{link}",
        "sv": "Återkoppla om «{dialog}» senast {date}|«{dialog}» ska återkoppla till dem som"
        " deltog senast {date}, och resultatet är inte publicerat än. Att publicera det är"
        " att återkoppla.\n\n{link}",
        "da": "Giv tilbagemelding om «{dialog}» senest {date}|«{dialog}» skal give"
        " tilbagemelding til dem, der deltog, senest {date}, og resultaterne er ikke"
        " offentliggjort endnu. At offentliggøre dem er at give tilbagemelding.\n\n{link}",
    },
    Kind.DECISION_RECORDED: {
        "en": "{committee} has decided|{committee} decided on {date} ({reference}) on what you"
        " took part in:\n\n{message}\n\n{link}",
        "sv": "{committee} har fattat beslut|{committee} beslutade den {date} ({reference}) om"
        " det du deltog i:\n\n{message}\n\n{link}",
        "da": "{committee} har truffet en beslutning|{committee} besluttede den {date}"
        " ({reference}) om det, du deltog i:\n\n{message}\n\n{link}",
    },
    Kind.PANEL_ROUND: {
        "en": "«{dialog}»: a survey for {panel}|As a member of {panel}, you are asked to answer"
        " the survey «{dialog}» from {tenant}. Your answers count.\n\n{link}",
        "sv": "«{dialog}»: en enkät till {panel}|Som medlem i {panel} får du en enkät från"
        " {tenant}: «{dialog}». Dina svar räknas.\n\n{link}",
        "da": "«{dialog}»: en undersøgelse til {panel}|Som medlem af {panel} bliver du bedt om"
        " at besvare undersøgelsen «{dialog}» fra {tenant}. Dine svar tæller.\n\n{link}",
    },
    Kind.PANEL_ROUND_REMINDER: {
        "en": "Reminder: «{dialog}»|You have not answered the survey «{dialog}» that {tenant}"
        " sent to {panel} yet. There is still time.\n\n{link}\n\nIf you answered in the"
        " meantime: thank you, and never mind this message.",
        "sv": "Påminnelse: «{dialog}»|Du har inte svarat på enkäten «{dialog}» som {tenant}"
        " skickade till {panel} än. Det finns fortfarande tid.\n\n{link}\n\nHar du svarat"
        " under tiden: tack, och bortse från det här meddelandet.",
        "da": "Påmindelse: «{dialog}»|Du har endnu ikke besvaret undersøgelsen «{dialog}», som"
        " {tenant} sendte til {panel}. Der er stadig tid.\n\n{link}\n\nHar du svaret i"
        " mellemtiden: tak, og se bort fra denne besked.",
    },
    # a near-duplicate merged into another post: to the authors of both and to those who
    # backed or commented on the duplicate (Norwegian and Finnish too: issue 14)
    Kind.POST_MERGED: {
        "en": "«{title}» was merged into «{into}»|«{title}» in «{dialog}» says much the same"
        " as «{into}», so {tenant}'s analysts merged the two. Its supports now count for"
        " «{into}» (once per person), and the discussion goes on there.\n\n{link}",
        "sv": "«{title}» har slagits ihop med «{into}»|«{title}» i «{dialog}» säger i stort"
        " sett samma sak som «{into}», så {tenant}s analytiker har slagit ihop dem. Stödet"
        " räknas nu för «{into}» (en gång per person), och samtalet fortsätter där.\n\n{link}",
        "da": "«{title}» er lagt sammen med «{into}»|«{title}» i «{dialog}» siger stort set det"
        " samme som «{into}», så {tenant}s analytikere har lagt dem sammen. Støtten tæller nu"
        " for «{into}» (én gang pr. person), og samtalen fortsætter dér.\n\n{link}",
        "nb": "«{title}» er slått sammen med «{into}»|«{title}» i «{dialog}» sier stort sett det"
        " samme som «{into}», så analytikerne i {tenant} har slått dem sammen. Støtten teller"
        " nå for «{into}» (én gang per person), og samtalen fortsetter der.\n\n{link}",
        "fi": "«{title}» on yhdistetty aloitteeseen «{into}»|«{title}» ({dialog}) sanoo lähes"
        " saman kuin «{into}», joten {tenant} -palvelun analyytikot yhdistivät ne. Kannatukset"
        " lasketaan nyt aloitteelle «{into}» (kerran henkilöä kohden), ja keskustelu jatkuu"
        " siellä.\n\n{link}",
    },
    Kind.DIGEST: {
        "en": "{tenant}: your daily summary|This is what happened since yesterday:"
        "\n\n{items}\n\n{link}",
        "sv": "{tenant}: din dagliga sammanfattning|Det här har hänt sedan i går:"
        "\n\n{items}\n\n{link}",
        "da": "{tenant}: dit daglige overblik|Det her er sket siden i går:\n\n{items}\n\n{link}",
    },
}

# Words for the statuses and decisions that fill {status}.
_WORDS: dict[str, dict[str, str]] = {
    "received": {"en": "received", "sv": "mottagen", "da": "modtaget"},
    "in-progress": {"en": "in progress", "sv": "påbörjad", "da": "i gang"},
    "fixed": {"en": "fixed", "sv": "åtgärdad", "da": "udbedret"},
    "rejected": {"en": "rejected", "sv": "avvisad", "da": "afvist"},
    "under-consideration": {
        "en": "under consideration",
        "sv": "under beredning",
        "da": "under behandling",
    },
    "accepted": {"en": "accepted", "sv": "bifallen", "da": "vedtaget"},
    "partly-accepted": {
        "en": "partly accepted",
        "sv": "delvis bifallen",
        "da": "delvist vedtaget",
    },
    "implemented": {"en": "implemented", "sv": "genomförd", "da": "gennemført"},
    "hidden": {"en": "hidden", "sv": "dolt", "da": "skjult"},
    "restored": {"en": "shown again", "sv": "visas igen", "da": "vises igen"},
    "appeal-upheld": {
        "en": "your appeal was upheld",
        "sv": "ditt överklagande bifölls",
        "da": "din klage blev imødekommet",
    },
    "appeal-rejected": {
        "en": "your appeal was rejected",
        "sv": "ditt överklagande avslogs",
        "da": "din klage blev afvist",
    },
}


def base_language(language: str) -> str:
    return language.split("-")[0]


def default_template(kind: Kind, language: str) -> tuple[str, str]:
    """The built-in (subject, body) of ``kind`` in ``language``, English when there is none."""
    if kind in (Kind.SIGN_IN, Kind.INVITATION):
        return identity_builtin(kind.value, language)
    variants = _TEXTS[kind]
    subject, body = variants.get(base_language(language), variants["en"]).split("|", 1)
    return subject, body


def status_word(status: str, language: str) -> str:
    """A status or decision (``in-progress``) as words in ``language``; unknown ones as given."""
    words = _WORDS.get(status)
    if words is None:
        return status
    return words.get(base_language(language), words["en"])
