"""What a sign-in with the municipality's identity provider tells about who may vote, kept no
longer than the sign-in: the person's date of birth and the value of their residence claim.

At the end of an identity provider's sign-in (``services.identity.oidc``), the provider's
settings say where the facts come from (``birth_date_from``: the standard ``birthdate``
claim and/or the Swedish personal identity number the provider gives in ``identity_claim``;
``residence_claim``: the claim whose value is where the person lives, such as a municipality
code). ``derive`` takes only those two values from the verified ID token, and ``seal``
encrypts them, with the moment they stop counting, under a key of the tenant's (AES-256-GCM,
bound to the tenant and the person): the sealed text rides in the access token and the refresh
token Tinget signs (claim ``elg``), and nowhere else. Nothing of it is written to the event log
or to any table; the national identity number itself is never in it, only the date of birth
read from it.

The token is signed by Tinget (HS256 under the tenant's key), so a client can neither add
facts nor change them; sealing them as well keeps a date of birth and a place of residence
out of sight of whoever sees the token (a browser's storage, a copy pasted into a bug report).
A refresh carries the sealed text forward unchanged, so facts never outlive ``FACTS_LIFETIME``
after the sign-in that gave them, however often the session is refreshed.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from stdnum.dk import cpr
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu
from stdnum.no import fodselsnummer

from services.identity.keys import Keys

BirthDateSource = Literal["birthdate", "personnummer", "cpr", "fodselsnummer", "henkilotunnus"]
BIRTH_DATE_SOURCES: tuple[str, ...] = (
    "birthdate",
    "personnummer",  # Swedish, with the samordningsnummer
    "cpr",  # Danish CPR-nummer
    "fodselsnummer",  # Norwegian fødselsnummer, with the D-nummer
    "henkilotunnus",  # Finnish henkilötunnus
)
NATIONAL_NUMBERS: frozenset[str] = frozenset(BIRTH_DATE_SOURCES[1:])
"""The sources read from the national identity number in the provider's ``identity_claim``."""
ADDRESS_MEMBERS = frozenset(
    ("formatted", "street_address", "locality", "region", "postal_code", "country")
)
"""The members of the standard ``address`` claim (OpenID Connect Core 5.1.1) a residence may
be read from, named ``address.locality`` and so on."""
# seconds: as long as a citizen's token from an identity provider lives
FACTS_LIFETIME = 7 * 24 * 3600
RESIDENCE_LENGTH = 40  # characters of a residence value (a municipality code is 4)

_BIRTHDATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A Swedish personnummer or samordningsnummer: with the century (12 digits, a hyphen or not
# before the last four) or without it (10 digits; "-" under 100 years of age, "+" from 100).
_PERSONNUMMER_12 = re.compile(r"(\d{4})(\d{2})(\d{2})-?\d{4}")
_PERSONNUMMER_10 = re.compile(r"(\d{2})(\d{2})(\d{2})([-+]?)\d{4}")


class Facts(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What eligibility needs of a sign-in, and until when (Unix seconds) it counts."""

    birth_date: date | None = msgspec.field(default=None, name="b")
    residence: str | None = msgspec.field(default=None, name="r")
    until: int = msgspec.field(name="u")

    @property
    def empty(self) -> bool:
        return self.birth_date is None and self.residence is None


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Facts).decode


def derive(
    claims: Mapping[str, Any],
    birth_date_from: Sequence[str],
    residence_claim: str | None,
    identity_claim: str | None,
    today: date,
    now: float | None = None,
) -> Facts | None:
    """The facts a verified ID token's ``claims`` give, from the sources the provider's
    settings name, tried in their order; None when it gives none of them."""
    birth: date | None = None
    for source in birth_date_from:
        if source == "birthdate":
            birth = birthdate_claim(claims.get("birthdate"), today)
        elif source in NATIONAL_NUMBERS and identity_claim is not None:
            birth = national_birth_date(source, claims.get(identity_claim), today)
        if birth is not None:
            break
    residence = (
        None if residence_claim is None else residence_value(claim_at(claims, residence_claim))
    )
    if birth is None and residence is None:
        return None
    moment = time.time() if now is None else now
    return Facts(birth_date=birth, residence=residence, until=int(moment) + FACTS_LIFETIME)


def birthdate_claim(value: object, today: date) -> date | None:
    """The standard ``birthdate`` claim (OpenID Connect Core 5.1: ``YYYY-MM-DD``) as a date;
    None for anything else, a year alone or ``0000`` for the year (the date is not known
    then), or a day after ``today``."""
    if not isinstance(value, str):
        return None
    found = _BIRTHDATE.fullmatch(value.strip())
    if found is None:
        return None
    return _date(int(found[1]), int(found[2]), int(found[3]), today)


def personnummer_birth_date(value: object, today: date) -> date | None:
    """The date of birth a Swedish personal identity number (personnummer) or coordination
    number (samordningsnummer: the day plus 60) carries; None when ``value`` is neither.

    With the century: ``YYYYMMDDNNNN`` or ``YYYYMMDD-NNNN``. Without it, ``YYMMDD-NNNN`` is
    the latest such year not after ``today`` and ``YYMMDD+NNNN`` (100 years or older) a
    century before that; ``YYMMDDNNNN`` reads as with ``-``. The check digit is not tested:
    the number comes from the provider's signed ID token."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "")
    found = _PERSONNUMMER_12.fullmatch(text)
    if found is not None:
        year = int(found[1])
        month, day = int(found[2]), int(found[3])
    else:
        short = _PERSONNUMMER_10.fullmatch(text)
        if short is None:
            return None
        month, day = int(short[2]), int(short[3])
        year = today.year - (today.year - int(short[1])) % 100
        if short[4] == "+":
            year -= 100
    if day > 60:  # a samordningsnummer
        day -= 60
    born = _date(year, month, day, today)
    if born is None and found is None and year == today.year:
        # YYMMDD of this year but a day still ahead: born a century before
        born = _date(year - 100, month, day, today)
    return born


def national_birth_date(source: str, value: object, today: date) -> date | None:
    """The date of birth the national identity number ``value`` carries, read as ``source``
    says (one of ``NATIONAL_NUMBERS``); None when it is no such number, or a day after
    ``today``. The Danish, Norwegian and Finnish numbers are read by python-stdnum, which knows
    each country's centuries (the CPR's seventh digit, the fødselsnummer's individual number,
    the henkilötunnus's sign), the Norwegian D-nummer's day plus 40 and the checksums where
    the number has one."""
    if source == "personnummer":
        return personnummer_birth_date(value, today)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value).zfill(10 if source == "cpr" else 11)
    if not isinstance(value, str) or len(value) > 20:
        return None
    try:
        if source == "cpr":
            born = cpr.get_birth_date(value)
        elif source == "fodselsnummer":
            born = fodselsnummer.get_birth_date(fodselsnummer.validate(value))
        elif source == "henkilotunnus":
            born = _henkilotunnus_birth_date(hetu.validate(value, allow_temporary=True))
        else:
            return None
    except (ValidationError, ValueError):
        return None
    return _date(born.year, born.month, born.day, today)


_HETU_CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}


def _henkilotunnus_birth_date(number: str) -> date:
    """A valid henkilötunnus's date of birth (DDMMYY, then the sign of the century)."""
    return date(_HETU_CENTURY[number[6]] + int(number[4:6]), int(number[2:4]), int(number[0:2]))


def claim_at(claims: Mapping[str, Any], name: str) -> object:
    """The claim named ``name``; for ``address.<member>`` not given as a claim of its own, that
    member of the standard ``address`` claim (``ADDRESS_MEMBERS``)."""
    if name in claims:
        return claims[name]
    parent, _, member = name.partition(".")
    address = claims.get("address")
    if parent == "address" and member in ADDRESS_MEMBERS and isinstance(address, Mapping):
        return address.get(member)
    return None


def _date(year: int, month: int, day: int, today: date) -> date | None:
    if year < 1850:
        return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return None if born > today else born


def residence_value(value: object) -> str | None:
    """A residence claim's value as a budget's residence list compares it: a text (or a
    whole number, as some providers send a code) of 1 to 40 characters without control
    characters, its surrounding spaces dropped; None for anything else (an object, a list, an
    empty text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not 1 <= len(text) <= RESIDENCE_LENGTH or _CONTROL.search(text):
        return None
    return text


def birthday(born: date, years: int) -> date:
    """The day one born on ``born`` is ``years`` old: in a year without 29 February, one born
    on it is a year older on 1 March."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(born.year + years, 2, 28) + timedelta(days=1)


def seal(keys: Keys, tenant_id: str, person_id: UUID, facts: Facts) -> str:
    """``facts`` encrypted for the token (AES-256-GCM under the tenant's key; the tenant and
    the person are the associated data): base64url, without padding."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(keys.eligibility_key(tenant_id)).encrypt(
        nonce, _encode(facts), _bound(tenant_id, person_id)
    )
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def open_sealed(
    keys: Keys, tenant_id: str, person_id: UUID, sealed: str | None, now: float | None = None
) -> Facts | None:
    """The facts a token carries, while they count; None without any, when they were sealed
    for another tenant or person, or when their time is over."""
    if not sealed:
        return None
    try:
        blob = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        plain = AESGCM(keys.eligibility_key(tenant_id)).decrypt(
            blob[:12], blob[12:], _bound(tenant_id, person_id)
        )
        facts = _decode(plain)
    except (binascii.Error, ValueError, InvalidTag, msgspec.DecodeError):
        return None
    if facts.until < (time.time() if now is None else now):
        return None
    return facts


def _bound(tenant_id: str, person_id: UUID) -> bytes:
    return f"{tenant_id}\n{person_id}".encode()
