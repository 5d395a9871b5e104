"""Who may vote in a budget by what the identity provider told at sign-in, in memory: the date
of birth read from the ``birthdate`` claim or a Swedish, Danish, Norwegian or Finnish national
identity number, the residence claim's value (or a member of the ``address`` claim),
both sealed for the token and opened only by the tenant and person they were sealed for, and a
round's minimum age and residence list checked, refused naming the field, and applied."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from events.errors import InvalidInput
from services.budgeting.ballots import BallotKind, BallotRule
from services.budgeting.domain import (
    BudgetRound,
    Eligibility,
    IdentityProviderNeeded,
    MinimumAge,
    NotEligible,
    Residence,
    Rules,
)
from services.budgeting.results import Counting
from services.identity import eligibility
from services.identity.eligibility import (
    FACTS_LIFETIME,
    Facts,
    birthdate_claim,
    birthday,
    claim_at,
    derive,
    national_birth_date,
    personnummer_birth_date,
    residence_value,
)
from services.identity.keys import Keys
from tests.domain.test_budget_rounds import ADMIN, DAY, DISTRICTS, VOTING, given, phases

TODAY = date(2026, 5, 4)
KEYS = Keys(b"s" * 32)
BALLOT = BallotRule(kind=BallotKind.APPROVAL)


def rules(
    minimum_age: MinimumAge | None = None, residence: Residence | None = None, **more: object
) -> Rules:
    return Rules(
        ballot=BALLOT,
        counting=Counting.GREEDY,
        minimum_age=minimum_age,
        residence=residence,
        **more,  # type: ignore[arg-type]
    )


def facts(born: date | None = None, lives: str | None = None) -> Facts:
    return Facts(birth_date=born, residence=lives, until=2**40)


def test_a_personnummer_or_samordningsnummer_gives_the_date_of_birth() -> None:
    read = [
        personnummer_birth_date(number, TODAY)
        for number in (
            "200905141234",  # 12 digits, with the century
            "20090514-1234",
            " 2009 0514-1234 ",
            200905141234,  # a number, as some providers send it
            "200905741234",  # samordningsnummer: the day plus 60
            "090514-1234",  # 10 digits: the latest such year
            "0905141234",
            "260101-1234",  # this year, a day gone
            "260601-1234",  # this year, a day still ahead: a century before
            "090514+1234",  # a hundred years or more
        )
    ]
    assert read == [
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2009, 5, 14),
        date(2026, 1, 1),
        date(1926, 6, 1),
        date(1909, 5, 14),
    ]
    for nothing in ("200902301234", "201313131234", "202701011234", "abc", "", None, True, 1.5):
        assert personnummer_birth_date(nothing, TODAY) is None, nothing


def test_danish_norwegian_and_finnish_numbers_give_the_date_of_birth_by_their_centuries() -> None:
    born = date(2009, 5, 14)
    read = {
        # CPR-nummer: the seventh digit and the year say the century
        ("cpr", "140509-4123"): born,
        ("cpr", "1405093123"): date(1909, 5, 14),
        ("cpr", "1405699123"): date(1969, 5, 14),
        ("cpr", 1405094123): born,  # a number, as some providers send it
        # fødselsnummer (the individual number says the century) and D-nummer (day plus 40)
        ("fodselsnummer", "14050950140"): born,
        ("fodselsnummer", "140509 50140"): born,
        ("fodselsnummer", "54050950053"): born,
        ("fodselsnummer", "14050949924"): date(1909, 5, 14),
        # henkilötunnus: the sign says the century (A-F: 2000s; - and U-Y: 1900s)
        ("henkilotunnus", "140509A123B"): born,
        ("henkilotunnus", "131052-308T"): date(1952, 10, 13),
        ("henkilotunnus", "140509Y123B"): date(1909, 5, 14),
        # and the Swedish one as before
        ("personnummer", "20090514-1234"): born,
    }
    assert {key: national_birth_date(*key, TODAY) for key in read} == read
    for source, nothing in (
        ("cpr", "3205094123"),  # no 32 May
        ("cpr", "abc"),
        ("fodselsnummer", "14050950141"),  # a wrong check digit
        ("fodselsnummer", "1405095014"),
        ("henkilotunnus", "140509A123C"),  # a wrong check character
        ("henkilotunnus", "010127A123C"),  # born after today
        ("henkilotunnus", "140509+123B"),  # 1809: before 1850, as no date of birth counts
        ("henkilotunnus", None),
        ("cpr", "1" * 30),
        ("unknown", "140509-4123"),
    ):
        assert national_birth_date(source, nothing, TODAY) is None, (source, nothing)


def test_a_residence_is_read_from_a_claim_or_a_member_of_the_address_claim() -> None:
    claims = {"kommun": "1281", "address": {"locality": "Lund", "postal_code": "22100"}}
    assert claim_at(claims, "kommun") == "1281"
    assert claim_at(claims, "address.locality") == "Lund"
    assert claim_at({**claims, "address.locality": "Malmö"}, "address.locality") == "Malmö"
    assert claim_at(claims, "address.street") is None  # not a member of the standard claim
    assert claim_at({"address": "Lund"}, "address.locality") is None
    assert claim_at(claims, "other.locality") is None
    fin = {"sub": "x", "hetu": "140509A123B", "address": {"postal_code": "00100"}}
    found = derive(fin, ("henkilotunnus",), "address.postal_code", "hetu", TODAY, now=0)
    assert found == Facts(birth_date=date(2009, 5, 14), residence="00100", until=FACTS_LIFETIME)


def test_the_birthdate_claim_counts_only_as_a_whole_date() -> None:
    assert birthdate_claim("2009-05-14", TODAY) == date(2009, 5, 14)
    for nothing in ("0000-05-14", "2009", "2009-5-14", "14.05.2009", "2027-01-01", 20090514):
        assert birthdate_claim(nothing, TODAY) is None, nothing


def test_one_born_on_29_february_is_a_year_older_on_1_march_in_other_years() -> None:
    assert birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)
    assert birthday(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert birthday(date(2009, 5, 14), 16) == date(2025, 5, 14)


def test_only_what_the_settings_name_is_taken_from_the_claims_in_their_order() -> None:
    claims = {
        "sub": "x",
        "birthdate": "1990-01-01",
        "pnr": "200905141234",
        "kommun": 1281,
        "email": "anna@lund.example",
    }
    both = derive(claims, ("birthdate", "personnummer"), "kommun", "pnr", TODAY, now=0)
    assert both == Facts(birth_date=date(1990, 1, 1), residence="1281", until=FACTS_LIFETIME)
    number_first = derive(claims, ("personnummer", "birthdate"), None, "pnr", TODAY, now=0)
    assert number_first == Facts(birth_date=date(2009, 5, 14), until=FACTS_LIFETIME)
    without_birthdate = {k: v for k, v in claims.items() if k != "birthdate"}
    fallback = derive(without_birthdate, ("birthdate", "personnummer"), None, "pnr", TODAY, now=0)
    assert fallback is not None
    assert fallback.birth_date == date(2009, 5, 14)
    assert derive(claims, (), None, "pnr", TODAY) is None  # the provider tells nothing
    assert derive({"sub": "x"}, ("birthdate",), "kommun", None, TODAY) is None
    assert residence_value(" 1281 ") == "1281"
    for nothing in ({"code": "1281"}, ["1281"], "", "x" * 41, "12\n81", None, False):
        assert residence_value(nothing) is None, nothing


def test_sealed_facts_open_only_for_their_tenant_and_person_and_only_in_time() -> None:
    person = uuid4()
    told = Facts(birth_date=date(2009, 5, 14), residence="1281", until=1_000)
    sealed = eligibility.seal(KEYS, "lund", person, told)
    assert "2009" not in sealed
    assert "1281" not in sealed
    assert eligibility.seal(KEYS, "lund", person, told) != sealed  # a new nonce each time
    assert eligibility.open_sealed(KEYS, "lund", person, sealed, now=999) == told
    assert eligibility.open_sealed(KEYS, "lund", person, sealed, now=1_001) is None  # too old
    assert eligibility.open_sealed(KEYS, "malmo", person, sealed, now=0) is None
    assert eligibility.open_sealed(KEYS, "lund", uuid4(), sealed, now=0) is None
    assert eligibility.open_sealed(Keys(b"t" * 32), "lund", person, sealed, now=0) is None
    altered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    assert eligibility.open_sealed(KEYS, "lund", person, altered, now=0) is None
    for nothing in (None, "", "not base64!", "AAAA"):
        assert eligibility.open_sealed(KEYS, "lund", person, nothing, now=0) is None


def test_a_minimum_age_or_residence_list_is_checked_naming_every_field_at_once() -> None:
    bad = rules(
        MinimumAge(years=121, on="2026-02-30"),
        Residence(area=" ", values=("1281", " 1281", "", "x" * 41)),
    )
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), DISTRICTS, bad, phases(), ADMIN)
    assert dict(refused.value.errors) == {
        "rules.minimum_age.years": "must be a whole number from 0 to 120",
        "rules.minimum_age.on": "must be voting-closes, ballot or a date (YYYY-MM-DD)",
        "rules.residence.area": "must not be empty",
        "rules.residence.values[1]": "is listed twice",
        "rules.residence.values[2]": "must not be empty",
        "rules.residence.values[3]": "must be at most 40 characters",
    }
    for minimum in (MinimumAge(years=-1), MinimumAge(years=16, on="tomorrow")):
        with pytest.raises(InvalidInput) as refused:
            BudgetRound.set_up(uuid4(), DISTRICTS, rules(minimum), phases(), ADMIN)
        assert refused.value.field.startswith("rules.minimum_age."), refused.value.errors
    for listed in ((), tuple(str(n) for n in range(501))):
        residence = Residence(area="Lund", values=listed)
        with pytest.raises(InvalidInput) as refused:
            BudgetRound.set_up(uuid4(), DISTRICTS, rules(residence=residence), phases(), ADMIN)
        assert refused.value.field == "rules.residence.values"


def test_either_makes_the_round_one_for_the_identity_providers_sign_ins() -> None:
    residence = Residence(area=" Lunds kommun ", values=(" 1281 ",))
    r = given(BudgetRound.set_up(uuid4(), DISTRICTS, rules(residence=residence), phases(), ADMIN))
    assert r.rules.voters is Eligibility.IDENTITY_PROVIDER
    assert r.rules.residence == Residence(area="Lunds kommun", values=("1281",))
    r = given(BudgetRound.set_up(uuid4(), DISTRICTS, rules(MinimumAge(years=0)), phases(), ADMIN))
    assert r.rules.voters is Eligibility.IDENTITY_PROVIDER
    assert r.rules.minimum_age == MinimumAge(years=0, on="voting-closes")
    plain = given(BudgetRound.set_up(uuid4(), DISTRICTS, rules(), phases(), ADMIN))
    assert plain.rules.voters is Eligibility.SIGNED_IN
    plain.check_voter(None, VOTING + DAY)  # nothing to check


def round_with(minimum: MinimumAge | None, residence: Residence | None = None) -> BudgetRound:
    return given(BudgetRound.set_up(uuid4(), DISTRICTS, rules(minimum, residence), phases(), ADMIN))


def test_a_voter_is_checked_by_the_facts_of_their_sign_in() -> None:
    # voting runs from 2026-05-24 09:00 to 2026-06-03 09:00 (UTC)
    now = VOTING + DAY
    lund = Residence(area="Lunds kommun", values=("1281", "lund"))
    closes = round_with(MinimumAge(years=16), lund)
    closes.check_voter(facts(date(2010, 6, 3), "1281"), now)  # 16 on the day voting closes
    closes.check_voter(facts(date(1990, 1, 1), "LUND"), now)  # compared without case
    with pytest.raises(NotEligible) as refused:
        closes.check_voter(facts(date(2010, 6, 4), "1281"), now)
    assert str(refused.value) == (
        "this budget is for those who are 16 or older on 2026-06-03; you turn 16 on 2026-06-04"
    )
    with pytest.raises(NotEligible) as refused:
        closes.check_voter(facts(date(1990, 1, 1), "0180"), now)
    assert str(refused.value) == "this budget is for residents of Lunds kommun"
    for without in (None, facts(date(1990, 1, 1)), facts(lives="1281")):
        with pytest.raises(IdentityProviderNeeded) as asked:
            closes.check_voter(without, now)
        assert "sign in with it" in str(asked.value)

    on_a_day = round_with(MinimumAge(years=12, on="2026-12-31"))
    on_a_day.check_voter(facts(date(2014, 12, 31)), now)
    with pytest.raises(NotEligible) as refused:
        on_a_day.check_voter(facts(date(2015, 1, 1)), now)
    assert "12 or older on 2026-12-31; you turn 12 on 2027-01-01" in str(refused.value)

    by_ballot = round_with(MinimumAge(years=16, on="ballot"))
    by_ballot.check_voter(facts(date(2010, 5, 25)), now)  # 16 today
    with pytest.raises(NotEligible) as refused:
        by_ballot.check_voter(facts(date(2010, 5, 28)), now)
    assert str(refused.value) == (
        "this budget is for those who are 16 or older; you may vote from 2026-05-28"
    )
    by_ballot.check_voter(facts(date(2010, 5, 28)), datetime(2026, 5, 28, 0, 1, tzinfo=UTC))
    with pytest.raises(NotEligible) as refused:  # 16 only after voting closes
        by_ballot.check_voter(facts(date(2010, 7, 1)), now)
    assert "16 or older on 2026-06-03; you turn 16 on 2026-07-01" in str(refused.value)
