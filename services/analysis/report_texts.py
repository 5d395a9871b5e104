"""The committee report's built-in texts (headings, labels, the default next step) in every
built-in language through the catalogues (events/texts.py; context ``committee report``). A
language without a catalogue reads English; Norwegian written as ``no`` or ``nn`` reads
Bokmål. Numbers are written per locale by Babel (a decimal comma in the Nordic languages)."""

from __future__ import annotations

from babel.numbers import format_decimal

from events import texts

LANGUAGES = texts.LANGUAGES
_ALIASES = {"no": "nb", "nn": "nb"}


def _texts(language: str) -> dict[str, str]:
    """Each literal a call of its own, so Babel's extractor finds it (tests/test_catalogues.py)."""
    return {
        "report": texts.pgettext(language, "committee report", "Report to the committee"),
        "made_on": texts.pgettext(language, "committee report", "Made on {date}"),
        "page": texts.pgettext(language, "committee report", "Page"),
        "question": texts.pgettext(language, "committee report", "The question asked"),
        "committee": texts.pgettext(language, "committee report", "Committee"),
        "participation": texts.pgettext(language, "committee report", "Participation"),
        "participants": texts.pgettext(language, "committee report", "Participants"),
        "posts": texts.pgettext(language, "committee report", "Posts"),
        "comments": texts.pgettext(language, "committee report", "Comments"),
        "supports": texts.pgettext(language, "committee report", "Supports"),
        "over_time": texts.pgettext(language, "committee report", "Participation per day"),
        "no_activity": texts.pgettext(
            language, "committee report", "No participation has been recorded yet."
        ),
        "themes": texts.pgettext(language, "committee report", "Themes"),
        "themes_chart": texts.pgettext(
            language, "committee report", "Themes by size and mean significance"
        ),
        "size": texts.pgettext(language, "committee report", "Posts in the theme"),
        "significance": texts.pgettext(language, "committee report", "Mean significance (1-10)"),
        "not_rated": texts.pgettext(language, "committee report", "not rated"),
        "no_themes": texts.pgettext(
            language, "committee report", "No themes have been written yet."
        ),
        "quotes": texts.pgettext(language, "committee report", "In the participants' words"),
        "no_quotes": texts.pgettext(
            language, "committee report", "No published post in this theme."
        ),
        "a_participant": texts.pgettext(language, "committee report", "a participant"),
        "top_rated": texts.pgettext(language, "committee report", "The highest-rated ideas"),
        "no_ratings": texts.pgettext(language, "committee report", "No idea has been rated yet."),
        "opinion_groups": texts.pgettext(language, "committee report", "Opinion groups"),
        "group": texts.pgettext(language, "committee report", "Group"),
        "consensus": texts.pgettext(
            language, "committee report", "Statements most groups agree on"
        ),
        "group_size": texts.pgettext(language, "committee report", "People in the group"),
        "next": texts.pgettext(language, "committee report", "What happens next"),
        "decision": texts.pgettext(language, "committee report", "Decision"),
        "results": texts.pgettext(language, "committee report", "Results"),
        "report_back_by": texts.pgettext(
            language, "committee report", "The municipality reports back by {date}."
        ),
        "the_committee": texts.pgettext(language, "committee report", "the committee"),
        "default_next": texts.pgettext(
            language,
            "committee report",
            "The analysis group hands this report to {committee}, which considers it before"
            " deciding. The municipality then tells everyone who took part what was decided"
            " and why.",
        ),
    }


def language_of(language: str) -> str:
    """The language whose texts a tenant's language reads: its own, Bokmål for ``no``/``nn``,
    else English."""
    primary = language.split("-")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else "en"


def labels(language: str) -> dict[str, str]:
    """Every text of the report in ``language`` (see ``language_of``)."""
    return _texts(language_of(language))


def mean_rating(language: str, mean: float, ratings: int) -> str:
    """An idea's mean rating and how many rated it, in the plural form the count takes."""
    return texts.ngettext(
        language_of(language),
        "mean rating {mean} from {n} rating",
        "mean rating {mean} from {n} ratings",
        ratings,
    ).format(mean=number(mean, language), n=number(ratings, language, 0))


def number(value: float, language: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals as ``language`` writes it (``7,5``, ``1 234,5``)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=language_of(language))
