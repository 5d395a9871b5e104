"""Tinget's built-in texts in the languages it ships: gettext catalogues read with Babel.

Each language has one catalogue, ``events/locale/<lang>/LC_MESSAGES/tinget.po``; the message
ids are the English texts. The ``.po`` files are read directly with Babel's ``read_po`` the
first time a language is asked for (once per process), and turned into standard
``gettext.GNUTranslations`` in memory: no compiled ``.mo`` files to build or to forget to
rebuild, so a checkout, the wheel and the Docker image need no step beyond installing the
package (the catalogues ship as package data).

A language tag is looked up as given (``sv-FI``), then by its base (``sv``), then English,
then the message id itself: a text missing from one catalogue shows in English rather than
as nothing. Texts defined where the language is not yet known (the gamification defaults)
are marked with ``N_`` so Babel's extractor finds them, and translated when they are shown.

Dates and numbers are written per locale through Babel's format functions.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "tinget"
LANGUAGES = ("sv", "da", "nb", "fi", "en")
"""The languages every built-in text exists in (tenants/values.py offers the same five)."""
FALLBACK = "en"


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a marker, known to the extractor)
    """Mark ``message`` as a built-in text to translate later; returns it unchanged."""
    return message


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(language: str) -> _gettext.GNUTranslations | None:
    """The catalogue of exactly ``language`` as gettext translations, or None without one."""
    path = catalogue_path(language)
    if not path.is_file():
        return None
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def _candidates(language: str) -> list[str]:
    """``language`` as given (normalised to ``sv_FI``'s dash form), its base, then English."""
    tag = language.strip().replace("_", "-").lower()
    base = tag.split("-")[0]
    return list(dict.fromkeys(t for t in (tag, base, FALLBACK) if t))


@lru_cache(maxsize=64)
def translator(language: str) -> _gettext.NullTranslations:
    """The texts of ``language`` (a tag such as ``sv`` or ``sv-FI``), falling back to its base
    language, then English, then the message id. Loaded once per tag (the tags in use are the
    tenants' few languages; the cache is bounded all the same)."""
    chain: _gettext.NullTranslations = _gettext.NullTranslations()
    found = [t for t in (_load(c) for c in _candidates(language)) if t is not None]
    if found:
        chain = found[0]
        for more in found[1:]:
            chain.add_fallback(more)
    return chain


def gettext(language: str, message: str) -> str:
    """``message`` (an English message id) in ``language``."""
    return translator(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural (by ``language``'s plural rule for ``n``) in ``language``."""
    return translator(language).ngettext(singular, plural, n)


def pgettext(language: str, context: str, message: str) -> str:
    """``message`` in ``language``, for the one ``context`` it is used in."""
    return translator(language).pgettext(context, message)


def _locale(language: str) -> Locale:
    for candidate in _candidates(language):
        try:
            return Locale.parse(candidate, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse(FALLBACK)


def format_date(value: date, language: str, style: str = "long") -> str:
    """A date as ``language`` writes it (``1 december 2026`` in Swedish)."""
    return _format_date(value, format=style, locale=_locale(language))


def format_datetime(value: datetime, language: str, style: str = "medium") -> str:
    """A moment as ``language`` writes it, in the moment's own time zone."""
    return _format_datetime(value, format=style, tzinfo=value.tzinfo, locale=_locale(language))


def format_number(value: int | float | Decimal, language: str) -> str:
    """A number as ``language`` writes it (``1 234,5`` in Swedish, ``1,234.5`` in English)."""
    return format_decimal(value, locale=_locale(language))


def _accepted(header: str) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first (by q, then by
    their order in the header); ``*``, ranges with q=0 and malformed parts left out. At most
    the first 20 ranges are read (a hostile header may be long)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if not tag or tag == "*" or len(tag) > 35 or not 0 < quality <= 1:
            continue
        if not all(piece.isalnum() for piece in tag.split("-")):
            continue
        ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(
    preferred: str | None,
    accept_language: str | None,
    offered: Sequence[str],
    default: str,
) -> str:
    """The language to speak to someone in: their own ``preferred`` language when the
    municipality offers it, else the first of the browser's ``Accept-Language`` ranges the
    municipality offers (``sv-SE`` and ``sv`` both choose ``sv``), else the municipality's
    ``default``. ``offered`` is the municipality's languages (built-in ones); the answer is
    one of them or ``default``."""
    offered_bases = {language.split("-")[0].lower(): language for language in offered}
    if preferred:
        chosen = offered_bases.get(preferred.split("-")[0].lower())
        if chosen is not None:
            return chosen
    for tag in _accepted(accept_language or ""):
        chosen = offered_bases.get(tag.split("-")[0].lower())
        if chosen is not None:
            return chosen
    return default
