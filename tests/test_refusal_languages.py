"""A participatory budget's refusals and the staff's read in the caller's language: every
reason the ballot's and the rules' checks give (made by the checks themselves, so a new one
without its translation fails here), the phase refusal with its phases and times in words,
amounts as the language writes numbers, counts in their plural form, staff roles by the
language's names; a reason no pattern knows stays in English. Runs without PostgreSQL or NATS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.errors import InvalidInput
from gateway import problem_texts
from services.budgeting.ballots import (
    Ballot,
    BallotKind,
    BallotRule,
    Offer,
    check_ballot,
    check_rule,
)
from services.budgeting.domain import BudgetRound, District, Phase, PhaseClosed, PhaseTime, Rules
from services.budgeting.results import Counting
from services.identity.access import Caller, Role, SignIn

NBSP = "\xa0"  # Babel's group separator in Swedish, Finnish and Norwegian numbers


def _reasons(*attempts: tuple[BallotRule, Ballot]) -> list[str]:
    offers = {
        "park": Offer(district="north", cost=60_000),
        "pool": Offer(district="north", cost=50_000),
        "road": Offer(district="south", cost=20_000),
        "moon": Offer(district="north", cost=10_000, feasible=False),
    }
    found: list[str] = []
    for rule, ballot in attempts:
        with pytest.raises(InvalidInput) as refused:
            check_ballot(rule, ballot, offers, 100_000)
        found += [reason for _, reason in refused.value.errors]
    return found


def test_every_reason_a_ballot_is_refused_for_reads_in_swedish_and_finnish() -> None:
    approval = BallotRule(kind=BallotKind.APPROVAL, max_projects=1, within_budget=True)
    ranked = BallotRule(kind=BallotKind.RANKED, max_projects=2)
    points = BallotRule(kind=BallotKind.POINTS, points=10)
    reasons = _reasons(
        (approval, Ballot(district="north", projects=())),
        (approval, Ballot(district="north", projects=("park", "pool", "road", "moon", "x"))),
        (approval, Ballot(district="north", projects=("park", "park"), points=(1, 2))),
        (ranked, Ballot(district="north", projects=("park", "park"))),
        (points, Ballot(district="north", projects=("park",))),
        (points, Ballot(district="north", projects=("park", "pool"), points=(5,))),
        (points, Ballot(district="north", projects=("park", "pool"), points=(0, 4))),
        (points, Ballot(district="north", projects=("park", "pool"), points=(3, 4))),
    )
    with pytest.raises(InvalidInput) as rules:
        check_rule(BallotRule(kind=BallotKind.RANKED, within_budget=True, points=3))
    reasons += [reason for _, reason in rules.value.errors]
    assert len(reasons) >= 14, reasons

    for language in ("sv", "fi"):
        untranslated = [r for r in reasons if problem_texts.reason(r, language) in (None, r)]
        assert untranslated == [], language

    assert (
        problem_texts.reason("over budget: they cost 120000 together, the budget is 100000", "sv")
        == f"över budget: de kostar 120{NBSP}000 tillsammans, budgeten är 100{NBSP}000"
    )
    assert problem_texts.reason("at most 1 projects on a ballot", "fi") == (
        "enintään 1 hanke äänestyslipulla"
    )
    assert problem_texts.reason("at most 3 projects on a ballot", "fi") == (
        "enintään 3 hanketta äänestyslipulla"
    )
    assert problem_texts.reason("'park' is ranked twice: a rank repeated", "da") == (
        "park er rangeret to gange: en placering gentages"
    )


def test_a_ballot_outside_voting_is_refused_naming_the_phases_and_times_in_the_language() -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    phases = tuple(
        PhaseTime(phase=p, opens_at=start + i * hour, closes_at=start + (i + 1) * hour)
        for i, p in enumerate(Phase)
    )
    admin = Caller(
        tenant_id="town", person_id=uuid4(), role=Role.ADMINISTRATOR, sign_in=SignIn.EMAIL
    )
    budget_round = BudgetRound.set_up(
        uuid4(),
        (District(key="north", name="Norr", amount=1000),),
        Rules(ballot=BallotRule(kind=BallotKind.APPROVAL), counting=Counting.GREEDY),
        phases,
        admin,
    )
    with pytest.raises(PhaseClosed) as refused:
        budget_round.require(Phase.VOTING, start + hour / 2, "ballots are cast")
    reason = str(refused.value)
    assert reason.startswith("ballots are cast only in the voting phase (from 2026-03-01T10:00")

    assert problem_texts.reason(reason, "sv") == (
        "röster lämnas bara under fasen omröstning"
        " (från 2026-03-01 10:00 UTC till 2026-03-01 11:00 UTC); nu pågår fasen förslag"
    )
    assert problem_texts.reason(reason, "fi") == (
        "ääniä annetaan vain vaiheessa ”äänestys”"
        " (1.3.2026 10.00 UTC \N{EN DASH} 1.3.2026 11.00 UTC); nyt on käynnissä vaihe ”ehdotukset”"
    )
    with pytest.raises(PhaseClosed) as later:
        budget_round.require(Phase.PROPOSALS, start + 9 * hour, "projects are proposed")
    assert problem_texts.reason(str(later.value), "nb") == (
        "prosjekter foreslås bare i fasen forslag"
        " (fra 01.03.2026, 08:00 UTC til 01.03.2026, 09:00 UTC); ingen fase pågår nå"
    )


def test_the_staffs_refusals_read_in_the_language_with_roles_counts_and_values() -> None:
    reason = problem_texts.reason
    assert reason("the role 'analyst' may not administer", "sv") == (
        "rollen analytiker får inte administrera"
    )
    assert reason("the role 'moderator' may not read survey responses", "fi") == (
        "rooli moderaattori ei saa lukea kyselyn vastauksia"
    )
    assert reason("a focus group has at most 1 members", "sv") == (
        "en fokusgrupp har högst 1 medlem"
    )
    assert reason("a focus group has at most 200 members", "sv") == (
        "en fokusgrupp har högst 200 medlemmar"
    )
    assert reason("the analysis was changed meanwhile; try again", "da") == (
        "det blev ændret imens; prøv igen"
    )
    assert reason("the questionnaire was changed meanwhile; read it and try again", "nb") == (
        "det ble endret i mellomtiden; les det på nytt og prøv igjen"
    )
    assert reason("the post is pending, not waiting for approval", "fi") == (
        "viestin tila on pending, se ei odota hyväksyntää"
    )
    assert reason("'Sports' is listed twice", "sv") == "Sports finns två gånger i listan"
    assert reason("must not be before 2026-05-12", "fi") == "ei saa olla ennen 12. toukokuuta 2026"
    assert reason("choose at least 1 options", "nb") == "velg minst 1 alternativ"
    assert reason("choose at least 2 options", "nb") == "velg minst 2 alternativer"
    assert reason("is 9000000 bytes; at most 5000000", "sv") == (
        f"är 9{NBSP}000{NBSP}000 byte; högst 5{NBSP}000{NBSP}000"
    )
    # a value no pattern knows stays in English (the problem keeps its field)
    assert reason("the role 'analyst' may not juggle", "sv") is None
    assert reason("a reason nobody wrote a pattern for", "fi") is None


def test_the_platforms_the_sign_ins_and_the_editors_refusals_read_in_the_language() -> None:
    reason = problem_texts.reason
    # the identity provider's answer, given inside the refusal of its settings, in words too
    assert reason(
        "has no OpenID Connect discovery document Tinget can use: the identity provider's"
        " discovery document answered 404",
        "sv",
    ) == (
        "har inget OpenID Connect-discoverydokument som Tinget kan använda:"
        " inloggningstjänstens discoverydokument svarade 404"
    )
    # ... and what only a library words (the network's error) is kept as it is, inside
    assert reason(
        "the identity provider's discovery document could not be fetched:"
        " [Errno 111] Connection refused",
        "fi",
    ) == (
        "tunnistuspalvelun discovery-dokumenttia ei saatu haettua: [Errno 111] Connection refused"
    )
    # a reason naming its field in front keeps the field
    assert reason("state: this sign-in has expired; sign in again", "da") == (
        "state: dette login er udløbet; log ind igen"
    )
    assert reason("this token is for refresh, not for access", "fi") == (
        "tämän tunnuksen käyttötarkoitus on uusiminen, ei käyttö"
    )
    # a questionnaire's counts take their plural form, for each thing counted
    assert reason("needs at least 1 section", "fi") == "tarvitsee vähintään 1 osio"
    assert reason("needs at least 2 options", "fi") == "tarvitsee vähintään 2 vaihtoehtoa"
    assert reason("at most 20 sections", "nb") == "høyst 20 deler"
    assert reason("a poll dialog takes votes, not posts", "sv") == (
        "en dialog av typen poll tar emot röster, inte inlägg"
    )
    assert reason("the body is larger than 16384 bytes", "sv") == (
        f"innehållet är större än 16{NBSP}384 byte"
    )
    assert reason("not valid JSON: JSON is malformed: trailing comma in object (byte 7)", "nb") == (
        "er ikke gyldig JSON: feil ved byte 7"
    )
    assert reason("tenant 'lund' is suspended: unpaid invoices", "fi") == (
        "kunta lund on jäädytetty: unpaid invoices"
    )
    assert reason("does not decode as PNG: the file is damaged or cut short", "da") == (
        "kan ikke afkodes som PNG: filen er beskadiget eller afkortet"
    )
    # a word no pattern knows leaves the reason in English rather than half translated
    assert reason("a poll dialog takes letters, not posts", "sv") is None
    assert reason("this token is for fun, not for access", "sv") is None
    assert reason("state: a reason nobody wrote a pattern for", "sv") is None
