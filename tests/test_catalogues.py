"""Every built-in text exists in every language Tinget ships: the messages the code asks for
(found by Babel's extractor) are in the English catalogue, and each has a non-empty
translation in Swedish, Danish, Norwegian Bokmål and Finnish with the same ``{name}`` fields
and the plural forms the language has. A check that can fail is shown failing on catalogues
built here with a message missing, a field lost and a plural form short. Runs without
PostgreSQL or NATS."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from events import texts
from services.analysis.report_texts import mean_rating
from services.dialogs.kinds import KIND_POLICIES, DialogKind
from services.gamification.rules import DEFAULT_RULES, DEFAULT_TEXTS, default_text, in_language
from services.notifications.defaults import STATUSES, default_template, status_word
from services.notifications.kinds import Kind
from services.notifications.templates import compose

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("events", "tenants", "services", "projections", "gateway", "tinget")
# events/texts.py's functions take the language first: the message is their second argument.
KEYWORDS = {"N_": None, "gettext": (2,), "ngettext": (2, 3), "pgettext": ((2, "c"), 3)}
# The pages' texts (context "page"): ``page.say("...")`` in the gateway, ``_("...")`` in its
# templates (gateway/templates, Jinja2).
PAGE_CONTEXT = "page"
TEMPLATES = ROOT / "gateway" / "templates"

Key = tuple[str | None, str]  # (context, message id)


def extracted() -> set[Key]:
    """Every message the code marks or asks for with a literal text."""
    found: set[Key] = set()
    for layer in LAYERS:
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / layer, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.add((context, msgid))
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "gateway", method_map=[("**.py", "python")], keywords={"say": None}
    ):
        found.add((PAGE_CONTEXT, message if isinstance(message, str) else message[0]))
    for _file, _line, message, _comments, _context in extract_from_dir(
        TEMPLATES,
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        keywords={"_": None},
    ):
        found.add((PAGE_CONTEXT, message if isinstance(message, str) else message[0]))
    return found


def shipped() -> dict[str, Catalog]:
    catalogues = {}
    for language in texts.LANGUAGES:
        with texts.catalogue_path(language).open("rb") as po:
            catalogues[language] = read_po(po, locale=language, domain=texts.DOMAIN)
    return catalogues


def fields(text: str) -> set[str]:
    """The ``{name}`` fields of a text (``{{`` is no field)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _key(message: Message) -> Key:
    msgid = message.id
    return message.context, str(msgid[0] if isinstance(msgid, tuple | list) else msgid)


def _texts(value: object) -> list[str]:
    """A message's id or translation as its forms (one, or one per plural form)."""
    if isinstance(value, tuple | list):
        return [str(v or "") for v in value]
    return [str(value or "")]


def problems(catalogues: Mapping[str, Catalog], used: Iterable[Key]) -> list[str]:
    """What keeps the catalogues from being complete, one line each (none when complete)."""
    found: list[str] = []
    english = catalogues["en"]
    known = {_key(m) for m in english if m.id}
    found += [
        f"en: {k!r} is used in the code but missing" for k in sorted(set(used) - known, key=str)
    ]
    for language, catalogue in sorted(catalogues.items()):
        expected = get_plural(language).num_plurals
        if catalogue.num_plurals != expected:
            found.append(f"{language}: {catalogue.num_plurals} plural forms, not {expected}")
        own = {_key(m): m for m in catalogue if m.id}
        for key in sorted(known, key=str):
            message = own.get(key)
            if message is None:
                found.append(f"{language}: {key!r} is missing")
                continue
            ids = _texts(message.id)
            forms = _texts(message.string)
            if message.pluralizable and len(forms) != expected:
                found.append(f"{language}: {key!r} has {len(forms)} forms, not {expected}")
            if message.fuzzy or not all(f.strip() for f in forms):
                found.append(f"{language}: {key!r} is not translated")
            wanted = set().union(*(fields(i) for i in ids))
            for form in forms:
                if form.strip() and fields(form) != wanted:
                    found.append(
                        f"{language}: {key!r} has fields {sorted(fields(form))},"
                        f" not {sorted(wanted)}"
                    )
    return found


def test_every_built_in_text_is_translated_into_every_language() -> None:
    catalogues = shipped()
    assert set(catalogues) == {"sv", "da", "nb", "fi", "en"}
    used = extracted()
    assert ("vox pop answer", "yes") in used  # the extractor finds the calls it is meant to
    assert (None, "Newcomer") in used
    assert (PAGE_CONTEXT, "Sign in to {tenant}") in used  # the pages' code
    assert (PAGE_CONTEXT, "Skip to the content") in used  # the pages' templates
    assert problems(catalogues, used) == []


def test_the_catalogues_hold_no_message_the_code_no_longer_uses() -> None:
    used = extracted()
    stale = {
        language: sorted({_key(m) for m in catalogue if m.id} - used, key=str)
        for language, catalogue in shipped().items()
    }
    assert stale == {language: [] for language in texts.LANGUAGES}


def _catalogue(language: str, messages: Iterable[tuple[object, object]]) -> Catalog:
    catalogue = Catalog(locale=language, domain=texts.DOMAIN)
    for msgid, msgstr in messages:
        catalogue.add(msgid, msgstr)  # type: ignore[arg-type]
    return catalogue


def test_a_catalogue_lacking_a_message_a_field_or_a_plural_form_is_caught() -> None:
    plural = ("{count} vote", "{count} votes")
    english = [("Welcome to {tenant}", "Welcome to {tenant}"), (plural, plural)]
    complete = {
        "en": _catalogue("en", english),
        "sv": _catalogue(
            "sv",
            [("Welcome to {tenant}", "Välkommen till {tenant}"), (plural, ("{count} röst",) * 2)],
        ),
    }
    assert problems(complete, [(None, "Welcome to {tenant}")]) == []

    broken = {
        "en": _catalogue("en", english),
        "sv": _catalogue("sv", [(plural, ("{count} röst",))]),  # a form short, a message gone
        "da": _catalogue(
            "da", [("Welcome to {tenant}", "Velkommen til {kommune}"), (plural, ("", ""))]
        ),
    }
    found = problems(broken, [(None, "Welcome to {tenant}"), (None, "Goodbye")])

    assert found == [
        "en: (None, 'Goodbye') is used in the code but missing",
        "da: (None, 'Welcome to {tenant}') has fields ['kommune'], not ['tenant']",
        "da: (None, '{count} vote') is not translated",
        "sv: (None, 'Welcome to {tenant}') is missing",
        "sv: (None, '{count} vote') has 1 forms, not 2",
    ]


def test_a_language_falls_back_to_its_base_then_english_then_the_message() -> None:
    assert texts.gettext("sv", "Newcomer") == "Nykomling"
    assert texts.gettext("sv-FI", "Newcomer") == "Nykomling"
    assert texts.gettext("fi", "Newcomer") == "Tulokas"
    assert texts.gettext("de", "Newcomer") == "Newcomer"  # no German: English
    assert texts.gettext("sv", "Not a built-in text") == "Not a built-in text"
    assert texts.ngettext("en", "{count} point", "{count} points", 2) == "{count} points"


def test_dates_and_numbers_are_written_per_locale() -> None:
    day = date(2026, 12, 1)
    assert texts.format_date(day, "sv") == "1 december 2026"
    assert texts.format_date(day, "da") == "1. december 2026"
    assert texts.format_date(day, "nb") == "1. desember 2026"
    assert texts.format_date(day, "fi") == "1. joulukuuta 2026"
    assert texts.format_date(day, "en") == "December 1, 2026"
    assert texts.format_number(1234.5, "sv") == "1\xa0234,5"
    assert texts.format_number(1234.5, "en") == "1,234.5"
    assert texts.format_number(1234.5, "de-AT") != ""  # any tag Babel knows, none refused
    moment = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert "2026" in texts.format_datetime(moment, "nb")


def test_the_default_gamification_texts_read_in_the_tenants_language() -> None:
    swedish = in_language(DEFAULT_RULES, "sv")
    assert [level.name for level in swedish.levels] == [
        "Nykomling",
        "Deltagare",
        "Bidragsgivare",
        "Samhällsbyggare",
        "Medborgarförebild",
    ]
    assert swedish.badges[0].levels[0].title == "Första förslaget"
    assert in_language(DEFAULT_RULES, "en") == DEFAULT_RULES
    for language in ("da", "nb", "fi"):
        shown = {default_text(text, language) for text in DEFAULT_TEXTS}
        assert not shown & DEFAULT_TEXTS, language  # not one left in English
    assert default_text("Our own level", "sv") == "Our own level"  # an administrator's text


def test_a_vox_pops_answers_are_shown_in_the_language_and_stored_as_yes_and_no() -> None:
    vox_pop = KIND_POLICIES[DialogKind.VOX_POP]
    assert vox_pop.fixed_options == ("yes", "no")
    shown = {
        language: [vox_pop.option_label(o, language) for o in vox_pop.fixed_options]
        for language in texts.LANGUAGES
    }
    assert shown == {
        "sv": ["Ja", "Nej"],
        "da": ["Ja", "Nej"],
        "nb": ["Ja", "Nei"],
        "fi": ["Kyllä", "Ei"],
        "en": ["Yes", "No"],
    }
    assert KIND_POLICIES[DialogKind.POLL].option_label("yes", "sv") == "yes"  # as written


def test_the_language_is_the_persons_then_the_browsers_then_the_municipalitys() -> None:
    offered = ["sv", "fi", "en"]
    choose = texts.choose_language
    # the person's own preference first, when the municipality offers it
    assert choose("fi", "en-GB,en;q=0.9", offered, "sv") == "fi"
    # one it does not offer: the browser's, in the order of its q values
    assert choose("da", "da;q=1, en;q=0.5, fi-FI;q=0.8", offered, "sv") == "fi"
    assert choose(None, "en-US,en;q=0.9", offered, "sv") == "en"
    # nothing offered asked for, q=0, a wildcard, junk: the municipality's default
    assert choose(None, "de-DE, fi;q=0, *", offered, "sv") == "sv"
    assert choose(None, "<script>, ;;;, fi;q=abc, en;q=2", offered, "sv") == "sv"
    assert choose(None, None, offered, "sv") == "sv"
    # a hostile header's ranges past the twentieth are not read
    assert choose(None, "de," * 25 + "fi", offered, "sv") == "sv"
    # the answer keeps the municipality's own tag
    assert choose(None, "sv", ["sv-FI", "fi"], "fi") == "sv-FI"


def test_every_notification_and_status_word_reads_in_every_language() -> None:
    for kind in Kind:
        english = default_template(kind, "en")
        for language in ("sv", "da", "nb", "fi"):
            subject, body = default_template(kind, language)
            assert subject != english[0], (kind, language)
            assert body != english[1], (kind, language)
    for status in STATUSES:
        for language in ("sv", "da", "nb", "fi"):
            assert status_word(status, language) != status_word(status, "en"), status
    assert status_word("in-progress", "nb") == "under arbeid"
    assert status_word("fixed", "fi") == "korjattu"
    assert status_word("something-new", "fi") == "something-new"  # unknown: as given


def test_a_notifications_date_and_count_are_written_as_the_language_writes_them() -> None:
    message = compose(
        Kind.DECISION_RECORDED,
        {"committee": "Tekninen lautakunta", "date": "2026-05-12", "reference": "§ 42"},
        "Lund",
        "fi",
        "https://lund.example",
        {},
    )
    assert "teki 12. toukokuuta 2026 (§ 42) päätöksen" in message.body
    assert mean_rating("sv", 8.5, 1) == "medelbetyg 8,5 av 1 bedömning"
    assert mean_rating("sv", 8.5, 2) == "medelbetyg 8,5 av 2 bedömningar"
    assert mean_rating("en", 8.25, 1234) == "mean rating 8.2 from 1,234 ratings"
