"""The committee report's built-in texts (headings, labels, the default next step) in Swedish,
Danish, Norwegian Bokmål, Finnish and English. A language without texts here reads English;
Norwegian written as ``no`` or ``nn`` reads Bokmål."""

from __future__ import annotations

LANGUAGES = ("sv", "da", "nb", "fi", "en")
_ALIASES = {"no": "nb", "nn": "nb"}

_TEXTS: dict[str, dict[str, str]] = {
    "report": {
        "en": "Report to the committee",
        "sv": "Rapport till nämnden",
        "da": "Rapport til udvalget",
        "nb": "Rapport til utvalget",
        "fi": "Raportti lautakunnalle",
    },
    "made_on": {
        "en": "Made on {date}",
        "sv": "Skapad {date}",
        "da": "Udarbejdet {date}",
        "nb": "Laget {date}",
        "fi": "Laadittu {date}",
    },
    "page": {"en": "Page", "sv": "Sida", "da": "Side", "nb": "Side", "fi": "Sivu"},
    "question": {
        "en": "The question asked",
        "sv": "Frågan som ställdes",
        "da": "Spørgsmålet, der blev stillet",
        "nb": "Spørsmålet som ble stilt",
        "fi": "Esitetty kysymys",
    },
    "committee": {
        "en": "Committee",
        "sv": "Nämnd",
        "da": "Udvalg",
        "nb": "Utvalg",
        "fi": "Lautakunta",
    },
    "participation": {
        "en": "Participation",
        "sv": "Deltagande",
        "da": "Deltagelse",
        "nb": "Deltakelse",
        "fi": "Osallistuminen",
    },
    "participants": {
        "en": "Participants",
        "sv": "Deltagare",
        "da": "Deltagere",
        "nb": "Deltakere",
        "fi": "Osallistujat",
    },
    "posts": {"en": "Posts", "sv": "Inlägg", "da": "Indlæg", "nb": "Innlegg", "fi": "Viestit"},
    "comments": {
        "en": "Comments",
        "sv": "Kommentarer",
        "da": "Kommentarer",
        "nb": "Kommentarer",
        "fi": "Kommentit",
    },
    "supports": {
        "en": "Supports",
        "sv": "Stöd",
        "da": "Støtter",
        "nb": "Støtter",
        "fi": "Kannatukset",
    },
    "over_time": {
        "en": "Participation per day",
        "sv": "Deltagande per dag",
        "da": "Deltagelse pr. dag",
        "nb": "Deltakelse per dag",
        "fi": "Osallistuminen päivittäin",
    },
    "no_activity": {
        "en": "No participation has been recorded yet.",
        "sv": "Inget deltagande har registrerats ännu.",
        "da": "Der er endnu ikke registreret nogen deltagelse.",
        "nb": "Ingen deltakelse er registrert ennå.",
        "fi": "Osallistumista ei ole vielä kirjattu.",
    },
    "themes": {"en": "Themes", "sv": "Teman", "da": "Temaer", "nb": "Temaer", "fi": "Teemat"},
    "themes_chart": {
        "en": "Themes by size and mean significance",
        "sv": "Teman efter storlek och genomsnittlig betydelse",
        "da": "Temaer efter størrelse og gennemsnitlig betydning",
        "nb": "Temaer etter størrelse og gjennomsnittlig betydning",
        "fi": "Teemat koon ja keskimääräisen merkittävyyden mukaan",
    },
    "size": {
        "en": "Posts in the theme",
        "sv": "Inlägg i temat",
        "da": "Indlæg i temaet",
        "nb": "Innlegg i temaet",
        "fi": "Viestejä teemassa",
    },
    "significance": {
        "en": "Mean significance (1-10)",
        "sv": "Genomsnittlig betydelse (1-10)",
        "da": "Gennemsnitlig betydning (1-10)",
        "nb": "Gjennomsnittlig betydning (1-10)",
        "fi": "Keskimääräinen merkittävyys (1-10)",
    },
    "not_rated": {
        "en": "not rated",
        "sv": "ej bedömt",
        "da": "ikke vurderet",
        "nb": "ikke vurdert",
        "fi": "ei arvioitu",
    },
    "no_themes": {
        "en": "No themes have been written yet.",
        "sv": "Inga teman har skrivits ännu.",
        "da": "Der er endnu ikke skrevet nogen temaer.",
        "nb": "Ingen temaer er skrevet ennå.",
        "fi": "Teemoja ei ole vielä kirjoitettu.",
    },
    "quotes": {
        "en": "In the participants' words",
        "sv": "Med deltagarnas ord",
        "da": "Med deltagernes ord",
        "nb": "Med deltakernes ord",
        "fi": "Osallistujien sanoin",
    },
    "no_quotes": {
        "en": "No published post in this theme.",
        "sv": "Inga publicerade inlägg i det här temat.",
        "da": "Ingen offentliggjorte indlæg i dette tema.",
        "nb": "Ingen publiserte innlegg i dette temaet.",
        "fi": "Tässä teemassa ei ole julkaistuja viestejä.",
    },
    "a_participant": {
        "en": "a participant",
        "sv": "en deltagare",
        "da": "en deltager",
        "nb": "en deltaker",
        "fi": "osallistuja",
    },
    "top_rated": {
        "en": "The highest-rated ideas",
        "sv": "De högst bedömda idéerna",
        "da": "De højest vurderede idéer",
        "nb": "De høyest vurderte ideene",
        "fi": "Parhaiksi arvioidut ideat",
    },
    "no_ratings": {
        "en": "No idea has been rated yet.",
        "sv": "Ingen idé har bedömts ännu.",
        "da": "Ingen idé er vurderet endnu.",
        "nb": "Ingen idé er vurdert ennå.",
        "fi": "Yhtään ideaa ei ole vielä arvioitu.",
    },
    "mean_rating": {
        "en": "mean rating {mean} from {n} ratings",
        "sv": "medelbetyg {mean} av {n} bedömningar",
        "da": "gennemsnitlig vurdering {mean} af {n} vurderinger",
        "nb": "gjennomsnittlig vurdering {mean} av {n} vurderinger",
        "fi": "keskiarvo {mean}, {n} arviota",
    },
    "opinion_groups": {
        "en": "Opinion groups",
        "sv": "Åsiktsgrupper",
        "da": "Holdningsgrupper",
        "nb": "Meningsgrupper",
        "fi": "Mielipideryhmät",
    },
    "group": {
        "en": "Group",
        "sv": "Grupp",
        "da": "Gruppe",
        "nb": "Gruppe",
        "fi": "Ryhmä",
    },
    "consensus": {
        "en": "Statements most groups agree on",
        "sv": "Påståenden som de flesta grupper håller med om",
        "da": "Udsagn som de fleste grupper er enige i",
        "nb": "Påstander de fleste grupper er enige i",
        "fi": "Väitteet, joista useimmat ryhmät ovat samaa mieltä",
    },
    "group_size": {
        "en": "People in the group",
        "sv": "Personer i gruppen",
        "da": "Personer i gruppen",
        "nb": "Personer i gruppen",
        "fi": "Henkilöitä ryhmässä",
    },
    "next": {
        "en": "What happens next",
        "sv": "Vad händer nu",
        "da": "Hvad sker der nu",
        "nb": "Hva skjer nå",
        "fi": "Mitä seuraavaksi tapahtuu",
    },
    "decision": {
        "en": "Decision",
        "sv": "Beslut",
        "da": "Beslutning",
        "nb": "Vedtak",
        "fi": "Päätös",
    },
    "results": {
        "en": "Results",
        "sv": "Resultat",
        "da": "Resultater",
        "nb": "Resultater",
        "fi": "Tulokset",
    },
    "report_back_by": {
        "en": "The municipality reports back by {date}.",
        "sv": "Kommunen återkopplar senast {date}.",
        "da": "Kommunen giver tilbagemelding senest {date}.",
        "nb": "Kommunen gir tilbakemelding innen {date}.",
        "fi": "Kunta kertoo tuloksista viimeistään {date}.",
    },
    "the_committee": {
        "en": "the committee",
        "sv": "nämnden",
        "da": "udvalget",
        "nb": "utvalget",
        "fi": "lautakunta",
    },
    "default_next": {
        "en": "The analysis group hands this report to {committee}, which considers it before"
        " deciding. The municipality then tells everyone who took part what was decided and why.",
        "sv": "Analysgruppen lämnar den här rapporten till {committee}, som tar ställning till"
        " den innan beslut fattas. Sedan berättar kommunen för alla som deltog vad som"
        " beslutades och varför.",
        "da": "Analysegruppen overdrager denne rapport til {committee}, som behandler den, før"
        " der træffes beslutning. Derefter fortæller kommunen alle, der deltog, hvad der blev"
        " besluttet og hvorfor.",
        "nb": "Analysegruppen overleverer denne rapporten til {committee}, som behandler den før"
        " det fattes vedtak. Deretter forteller kommunen alle som deltok hva som ble vedtatt og"
        " hvorfor.",
        "fi": "Analyysiryhmä luovuttaa tämän raportin käsiteltäväksi ({committee}) ennen"
        " päätöksentekoa. Sen jälkeen kunta kertoo kaikille osallistuneille, mitä päätettiin ja"
        " miksi.",
    },
}


def language_of(language: str) -> str:
    """The language whose texts a tenant's language reads: its own, Bokmål for ``no``/``nn``,
    else English."""
    primary = language.split("-")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else "en"


def labels(language: str) -> dict[str, str]:
    """Every text of the report in ``language`` (see ``language_of``)."""
    chosen = language_of(language)
    return {name: variants[chosen] for name, variants in _TEXTS.items()}


def number(value: float, language: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals, with a decimal comma in the Nordic languages."""
    text = f"{value:.{digits}f}"
    return text if language_of(language) == "en" else text.replace(".", ",")
