"""Budget rounds, projects and ballots in memory: each action an event that reads back through
the codec, and each action outside its phase, role or rules refused with a clear reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import reduce
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string

from events.codec import Codec
from events.errors import Conflict, Forbidden, InvalidInput
from services.budgeting.ballots import Ballot, BallotKind, BallotRule
from services.budgeting.context import BUDGETING
from services.budgeting.counting import (
    Candidate,
    Counting,
    Reason,
    count,
    count_round,
    greedy,
    pabutools_equal_shares,
)
from services.budgeting.domain import (
    BudgetBallot,
    BudgetProject,
    BudgetRound,
    District,
    Implementation,
    Phase,
    PhaseClosed,
    PhaseTime,
    Rules,
    budget_round_id,
    offers,
)
from services.budgeting.pabulib import export_round
from services.identity.access import Caller, Role, SignIn
from tests.domain.gwt import T0
from tinget.catalogue import build_catalogue

A = TypeVar("A", bound=Aggregate)

# The catalogue as it will be once the context is registered: budgeting's events beside all
CATALOGUE = build_catalogue()
for aggregate in BUDGETING.aggregates():
    CATALOGUE.register(aggregate, BUDGETING.name)
CODEC = Codec(CATALOGUE)
_HISTORY: dict[UUID, list[Any]] = {}

DAY = timedelta(days=1)
PROPOSALS = T0 + DAY
REVIEW = T0 + 10 * DAY
VOTING = T0 + 20 * DAY
RESULTS = T0 + 30 * DAY
IMPLEMENTATION = T0 + 40 * DAY
SECRET = b"k" * 32


def then(aggregate: Aggregate) -> list[str]:
    """The names of the events the command recorded (taken off the aggregate)."""
    new = list(aggregate.collect_events())
    _HISTORY.setdefault(aggregate.id, []).extend(new)
    return [CATALOGUE.by_class(type(e)).name for e in new]


def stored(event: Any) -> Any:
    definition, data = CODEC.encode(event)
    return CODEC.decode(definition.name, data, event.originator_id, event.originator_version)


def given(aggregate: A) -> A:
    """The aggregate rebuilt from every event it recorded, each encoded and decoded."""
    then(aggregate)
    events: Iterable[Any] = _HISTORY[aggregate.id]
    rebuilt: Any = reduce(lambda agg, e: stored(e).mutate(agg), events, None)
    assert type(rebuilt) is type(aggregate)
    return rebuilt


def caller(role: Role = Role.ADMINISTRATOR) -> Caller:
    return Caller(tenant_id="town", person_id=uuid4(), role=role, sign_in=SignIn.EMAIL)


ADMIN = caller()
CITIZEN = caller(Role.PARTICIPANT)


def phases(**moved: datetime) -> tuple[PhaseTime, ...]:
    starts = [PROPOSALS, REVIEW, VOTING, RESULTS, IMPLEMENTATION]
    times = []
    for i, phase in enumerate(Phase):
        opens = moved.get(f"{phase.value}_opens", starts[i])
        closes = None if i == 4 else moved.get(f"{phase.value}_closes", starts[i + 1])
        times.append(PhaseTime(phase=phase, opens_at=opens, closes_at=closes))
    return tuple(times)


DISTRICTS = (
    District(key="north", name="Norr", amount=1000),
    District(key="south", name="Söder", amount=600),
)
RULES = Rules(ballot=BallotRule(kind=BallotKind.APPROVAL, max_projects=2), counting=Counting.GREEDY)


def budget_round(rules: Rules = RULES) -> BudgetRound:
    return given(BudgetRound.set_up(uuid4(), DISTRICTS, rules, phases(), ADMIN))


def project(
    r: BudgetRound, district: str = "north", cost: int = 400, by: Caller = CITIZEN
) -> BudgetProject:
    return BudgetProject.propose(
        r, district, "A park", "Trees and benches", cost, by, PROPOSALS + DAY, id=uuid4()
    )


def reviewed(
    r: BudgetRound, cost: int, district: str = "north", feasible: bool = True
) -> BudgetProject:
    p = project(r, district, cost)
    p.review(
        r,
        feasible,
        "" if feasible else "The land is not the town's",
        cost if feasible else None,
        ADMIN,
        REVIEW + DAY,
    )
    return given(p)


# -- the round -------------------------------------------------------------------------------


def test_a_round_is_set_up_with_its_districts_rules_and_phases() -> None:
    dialog = uuid4()
    r = BudgetRound.set_up(dialog, DISTRICTS, RULES, phases(), ADMIN)
    assert r.id == budget_round_id(dialog)
    assert then(r) == ["BudgetRoundSetUp"]
    r = given(r)
    assert r.districts == DISTRICTS
    assert r.rules == RULES
    assert r.phases == phases()
    assert [
        r.phase_at(t)
        for t in (T0, PROPOSALS, REVIEW + DAY, VOTING, RESULTS, IMPLEMENTATION + 900 * DAY)
    ] == [None, Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION]


def test_only_an_administrator_sets_up_a_round() -> None:
    with pytest.raises(Forbidden):
        BudgetRound.set_up(uuid4(), DISTRICTS, RULES, phases(), CITIZEN)


@pytest.mark.parametrize(
    ("districts", "field"),
    [
        ((), "districts"),
        ((District(key="North!", name="N", amount=1),), "districts[0].key"),
        ((District(key="n", name=" ", amount=1),), "districts[0].name"),
        ((District(key="n", name="N", amount=0),), "districts[0].amount"),
        (
            (District(key="n", name="N", amount=1), District(key="n", name="M", amount=1)),
            "districts[1].key",
        ),
    ],
)
def test_wrong_districts_are_named(districts: tuple[District, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), districts, RULES, phases(), ADMIN)
    assert refused.value.field == field


def test_phases_come_once_each_and_in_order() -> None:
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), DISTRICTS, RULES, phases()[::-1], ADMIN)
    assert refused.value.field == "phases"
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), DISTRICTS, RULES, phases(voting_opens=REVIEW), ADMIN)
    assert refused.value.field == "phases[2].opens_at"
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), DISTRICTS, RULES, phases(review_closes=REVIEW), ADMIN)
    assert refused.value.field == "phases[1].closes_at"


def test_a_bad_ballot_rule_is_refused_at_set_up() -> None:
    bad = Rules(ballot=BallotRule(kind=BallotKind.POINTS), counting=Counting.GREEDY)
    with pytest.raises(InvalidInput) as refused:
        BudgetRound.set_up(uuid4(), DISTRICTS, bad, phases(), ADMIN)
    assert refused.value.field == "ballot.points"


def test_rules_change_until_voting_opens_and_then_stay() -> None:
    r = budget_round()
    new = Rules(
        ballot=BallotRule(kind=BallotKind.KNAPSACK),
        counting=Counting.EQUAL_SHARES,
        changeable=False,
    )
    assert r.change_rules(new, ADMIN, VOTING - DAY)
    assert then(r) == ["BudgetRulesChanged"]
    assert given(r).rules == new
    assert not r.change_rules(new, ADMIN, VOTING - DAY)
    assert then(r) == []
    with pytest.raises(Conflict) as refused:
        r.change_rules(RULES, ADMIN, VOTING)
    assert refused.value.field == "rules"


def test_districts_change_until_proposals_open() -> None:
    r = budget_round()
    more = (*DISTRICTS, District(key="harbour", name="Hamnen", amount=300))
    assert r.change_districts(more, ADMIN, T0)
    assert then(r) == ["BudgetDistrictsChanged"]
    assert given(r).districts == more
    with pytest.raises(Conflict) as refused:
        r.change_districts(DISTRICTS, ADMIN, PROPOSALS)
    assert refused.value.field == "districts"


def test_rescheduling_moves_only_what_is_ahead() -> None:
    r = budget_round()
    later = phases(voting_closes=RESULTS + DAY, results_opens=RESULTS + DAY)
    assert r.reschedule(later, ADMIN, VOTING + DAY)
    assert then(r) == ["BudgetPhasesScheduled"]
    assert given(r).times(Phase.VOTING).closes_at == RESULTS + DAY
    with pytest.raises(InvalidInput) as refused:
        r.reschedule(phases(voting_opens=VOTING + 2 * DAY), ADMIN, VOTING + DAY)
    assert refused.value.field == "phases[2].opens_at"
    with pytest.raises(InvalidInput) as refused:
        r.reschedule(phases(proposals_closes=REVIEW - DAY), ADMIN, VOTING + DAY)
    assert refused.value.field == "phases[0].closes_at"


# -- projects --------------------------------------------------------------------------------


def test_a_citizen_proposes_during_proposal_collection_only() -> None:
    r = budget_round()
    p = project(r)
    assert then(p) == ["BudgetProjectProposed"]
    p = given(p)
    assert (p.title, p.district, p.estimated_cost, p.feasible) == ("A park", "north", 400, None)
    for when in (T0, REVIEW + DAY):
        with pytest.raises(PhaseClosed) as refused:
            BudgetProject.propose(r, "north", "Late", "Too late", 5, CITIZEN, when, id=uuid4())
        assert refused.value.field == "phase"
        assert "only in the proposals phase" in refused.value.reason
    # the municipality's administrators may add one until voting opens, not after
    assert BudgetProject.propose(
        r, "south", "A pier", "By the sea", 300, ADMIN, REVIEW + DAY, id=uuid4()
    )
    with pytest.raises(PhaseClosed):
        BudgetProject.propose(r, "south", "A pier", "By the sea", 300, ADMIN, VOTING, id=uuid4())


def test_a_proposal_names_every_wrong_field() -> None:
    r = budget_round()
    with pytest.raises(InvalidInput) as refused:
        BudgetProject.propose(r, "east", " ", "x" * 5001, 0, CITIZEN, PROPOSALS, id=uuid4())
    assert [f for f, _ in refused.value.errors] == [
        "title",
        "description",
        "district",
        "estimated_cost",
    ]


def test_the_review_finds_a_project_feasible_with_a_final_cost_or_not_with_a_reason() -> None:
    r = budget_round()
    p = given(project(r))
    assert p.review(r, True, "", 450, ADMIN, REVIEW + DAY)
    assert then(p) == ["BudgetProjectReviewed"]
    p = given(p)
    assert (p.feasible, p.final_cost, p.offer.cost, p.offer.feasible) == (True, 450, 450, True)
    assert not p.review(r, True, "", 450, ADMIN, REVIEW + DAY)
    assert p.review(r, False, "The land is not the town's", None, ADMIN, REVIEW + 2 * DAY)
    p = given(p)
    assert (p.feasible, p.review_reason, p.offer.feasible) == (
        False,
        "The land is not the town's",
        False,
    )
    for feasible, reason, cost, field in [
        (False, " ", None, "reason"),
        (False, "No", 5, "final_cost"),
        (True, "", None, "final_cost"),
        (True, "", 0, "final_cost"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            p.review(r, feasible, reason, cost, ADMIN, REVIEW + DAY)
        assert refused.value.field == field
    with pytest.raises(PhaseClosed):
        p.review(r, True, "", 450, ADMIN, VOTING)
    with pytest.raises(Forbidden):
        p.review(r, True, "", 450, CITIZEN, REVIEW + DAY)


def test_an_unreviewed_project_is_not_on_the_ballot() -> None:
    r = budget_round()
    assert not project(r).offer.feasible


# -- ballots ---------------------------------------------------------------------------------


def test_a_ballot_is_cast_while_voting_is_open_and_names_no_voter() -> None:
    r = budget_round()
    park, pool = reviewed(r, 400), reviewed(r, 700)
    choice = Ballot(district="north", projects=(str(park.id), str(pool.id)))
    key = r.ballot_key(SECRET, CITIZEN.person_id, "north")
    b = BudgetBallot.cast(key, r, choice, offers([park, pool]), VOTING + DAY)
    assert b.id == key
    assert then(b) == ["BudgetBallotCast"]
    assert given(b).ballot == choice
    payload = vars(_HISTORY[key][0])
    assert str(CITIZEN.person_id) not in str(payload)
    for when in (REVIEW + DAY, RESULTS):
        with pytest.raises(PhaseClosed) as refused:
            BudgetBallot.cast(key, r, choice, offers([park, pool]), when)
        assert refused.value.field == "phase"


def test_a_ballot_is_checked_against_the_reviewed_projects_and_the_district() -> None:
    r = budget_round()
    park, dropped, pier = (
        reviewed(r, 400),
        reviewed(r, 100, feasible=False),
        reviewed(r, 300, "south"),
    )
    on_offer = offers([park, dropped, pier])
    key = r.ballot_key(SECRET, CITIZEN.person_id, "north")
    with pytest.raises(InvalidInput) as refused:
        BudgetBallot.cast(
            key,
            r,
            Ballot(district="north", projects=(str(pier.id), str(dropped.id))),
            on_offer,
            VOTING,
        )
    assert [f for f, _ in refused.value.errors] == ["projects[0]", "projects[1]"]
    with pytest.raises(InvalidInput) as refused:
        BudgetBallot.cast(
            key, r, Ballot(district="east", projects=(str(park.id),)), on_offer, VOTING
        )
    assert refused.value.field == "district"


def test_a_voter_changes_their_ballot_until_voting_closes_if_the_round_allows() -> None:
    r = budget_round()
    park, pool = reviewed(r, 400), reviewed(r, 700)
    on_offer = offers([park, pool])
    key = r.ballot_key(SECRET, CITIZEN.person_id, "north")
    b = given(
        BudgetBallot.cast(
            key, r, Ballot(district="north", projects=(str(park.id),)), on_offer, VOTING
        )
    )
    changed = Ballot(district="north", projects=(str(pool.id),))
    assert b.change(r, changed, on_offer, VOTING + DAY)
    assert then(b) == ["BudgetBallotChanged"]
    assert given(b).ballot == changed
    assert not b.change(r, changed, on_offer, VOTING + DAY)
    with pytest.raises(PhaseClosed):
        b.change(r, Ballot(district="north", projects=(str(park.id),)), on_offer, RESULTS)

    final = budget_round(Rules(ballot=RULES.ballot, counting=Counting.GREEDY, changeable=False))
    park = reviewed(final, 400)
    key = final.ballot_key(SECRET, CITIZEN.person_id, "north")
    b = BudgetBallot.cast(
        key, final, Ballot(district="north", projects=(str(park.id),)), offers([park]), VOTING
    )
    with pytest.raises(Conflict) as refused:
        b.change(final, Ballot(district="north", projects=(str(park.id),)), offers([park]), VOTING)
    assert refused.value.field == "ballot"


def test_one_ballot_per_voter_per_district_or_per_round() -> None:
    """The ballot's stream is the voter's in a district, or in the round when voters vote in
    one district only: a second ballot there is a second event on the same stream."""
    r = budget_round()
    person = uuid4()
    assert r.ballot_key(SECRET, person, "north") != r.ballot_key(SECRET, person, "south")
    assert r.ballot_key(SECRET, person, "north") == r.ballot_key(SECRET, person, "north")
    assert r.ballot_key(SECRET, person, "north") != r.ballot_key(b"x" * 32, person, "north")
    assert r.ballot_key(SECRET, person, "north") != r.ballot_key(SECRET, uuid4(), "north")
    one = budget_round(Rules(ballot=RULES.ballot, counting=Counting.GREEDY, one_district=True))
    assert one.ballot_key(SECRET, person, "north") == one.ballot_key(SECRET, person, "south")
    # in a round of one district per voter, a change may move the ballot to another district
    park, pier = reviewed(one, 400), reviewed(one, 300, "south")
    on_offer = offers([park, pier])
    b = BudgetBallot.cast(
        one.ballot_key(SECRET, person, "north"),
        one,
        Ballot(district="north", projects=(str(park.id),)),
        on_offer,
        VOTING,
    )
    assert b.change(one, Ballot(district="south", projects=(str(pier.id),)), on_offer, VOTING)
    # where a voter votes in each district, a district's ballot stays in it
    park2, pier2 = reviewed(r, 400), reviewed(r, 300, "south")
    b = BudgetBallot.cast(
        r.ballot_key(SECRET, person, "north"),
        r,
        Ballot(district="north", projects=(str(park2.id),)),
        offers([park2, pier2]),
        VOTING,
    )
    with pytest.raises(InvalidInput) as refused:
        b.change(
            r, Ballot(district="south", projects=(str(pier2.id),)), offers([park2, pier2]), VOTING
        )
    assert refused.value.field == "district"


# -- results and implementation --------------------------------------------------------------


def counted(r: BudgetRound, projects: list[BudgetProject], ballots: list[Ballot]) -> list[Any]:
    return [
        greedy(
            d.amount,
            [
                Candidate(id=str(p.id), cost=p.offer.cost, feasible=p.offer.feasible)
                for p in projects
                if p.district == d.key
            ],
            [dict.fromkeys(b.projects, 1) for b in ballots if b.district == d.key],
        )
        for d in r.districts
    ]


def test_results_are_recorded_once_in_the_results_phase_and_funded_projects_are_implemented() -> (
    None
):
    r = budget_round()
    park, pool, pier = reviewed(r, 400), reviewed(r, 700), reviewed(r, 300, "south")
    ballots = [Ballot(district="north", projects=(str(pool.id),))] * 3 + [
        Ballot(district="north", projects=(str(park.id),)),
        Ballot(district="south", projects=(str(pier.id),)),
    ]
    results = counted(r, [park, pool, pier], ballots)
    with pytest.raises(PhaseClosed):
        r.record_results(results, ADMIN, VOTING + DAY)
    with pytest.raises(InvalidInput) as refused:
        r.record_results(results[:1], ADMIN, RESULTS)
    assert refused.value.field == "results"
    with pytest.raises(InvalidInput) as refused:
        r.record_results(results[::-1], ADMIN, RESULTS)
    assert refused.value.field == "results[0]"
    r.record_results(results, ADMIN, RESULTS)
    assert then(r) == ["BudgetResultsRecorded"]
    r = given(r)
    assert r.results == tuple(results)
    assert r.funded == {str(pool.id), str(pier.id)}
    with pytest.raises(Conflict):
        r.record_results(results, ADMIN, RESULTS)

    with pytest.raises(PhaseClosed):
        pool.update_implementation(r, Implementation.IN_PROGRESS, "Digging", ADMIN, RESULTS)
    pool.update_implementation(r, Implementation.IN_PROGRESS, "Digging", ADMIN, IMPLEMENTATION)
    assert then(pool) == ["BudgetProjectImplementationUpdated"]
    assert given(pool).implementation is Implementation.IN_PROGRESS
    with pytest.raises(Conflict) as not_funded:
        park.update_implementation(r, Implementation.PLANNED, "", ADMIN, IMPLEMENTATION)
    assert not_funded.value.field == "project"
    pool.update_implementation(r, Implementation.CANCELLED, "Ground water", ADMIN, IMPLEMENTATION)
    with pytest.raises(Conflict):
        pool.update_implementation(r, Implementation.COMPLETED, "", ADMIN, IMPLEMENTATION)


def test_a_project_of_another_round_is_refused() -> None:
    r, other = budget_round(), budget_round()
    p = given(project(r))
    with pytest.raises(InvalidInput) as refused:
        p.review(other, True, "", 5, ADMIN, REVIEW + DAY)
    assert refused.value.field == "project"


def test_the_proposers_words_are_sealed_personal_data() -> None:
    definition = CATALOGUE.by_name("BudgetProjectProposed")
    assert definition.personal == {"title", "description", "place"}
    assert definition.subject == "proposer_id"
    assert not CATALOGUE.by_name("BudgetBallotCast").personal


def test_a_counted_round_exported_as_pabulib_counts_the_same_in_pabutools() -> None:
    r = budget_round(
        Rules(ballot=BallotRule(kind=BallotKind.APPROVAL), counting=Counting.EQUAL_SHARES)
    )
    north = [reviewed(r, cost) for cost in (500, 300, 300, 200)]
    dropped = reviewed(r, 100, feasible=False)
    south = [reviewed(r, cost, "south") for cost in (400, 350)]
    ids = [str(p.id) for p in north]
    ballots = (
        [Ballot(district="north", projects=(ids[0], ids[1]))] * 6
        + [Ballot(district="north", projects=(ids[2], ids[3]))] * 4
        + [Ballot(district="south", projects=(str(south[0].id),))] * 2
        + [Ballot(district="south", projects=(str(south[1].id),))] * 3
    )
    projects = [*north, dropped, *south]
    results = count_round(r, projects, ballots)
    assert results[0].outcome(str(dropped.id)).reason is Reason.NOT_FEASIBLE
    r.record_results(results, ADMIN, RESULTS)
    r = given(r)
    files = export_round(r, projects, ballots, {"country": "Sweden", "unit": "Umeå"})
    assert set(files) == {"north", "south"}
    for d, result in zip(r.districts, r.results, strict=True):
        instance, profile = parse_pabulib_from_string(files[d.key])
        assert instance.meta["subunit"] == d.name
        assert instance.budget_limit == d.amount
        assert str(dropped.id) not in {p.name for p in instance}  # not on the ballot
        selected = {p.name for p in instance if instance.project_meta[p]["selected"] == "1"}
        assert selected == set(result.funded)
        recount = pabutools_equal_shares(instance, profile, Cost_Sat)
        assert {p.name for p in recount} == set(result.funded)
    assert results[0].funded
    assert results[1].funded


def test_a_points_round_counts_the_points_given() -> None:
    rules = Rules(ballot=BallotRule(kind=BallotKind.POINTS, points=10), counting=Counting.GREEDY)
    r = budget_round(rules)
    park, pool, bench = reviewed(r, 600), reviewed(r, 500), reviewed(r, 400)
    on_offer = offers([park, pool, bench])
    ids = str(park.id), str(pool.id), str(bench.id)
    cast = [
        BudgetBallot.cast(
            r.ballot_key(SECRET, uuid4(), "north"),
            r,
            Ballot(district="north", projects=ids, points=points),
            on_offer,
            VOTING,
        ).ballot
        for points in [(1, 8, 1), (1, 8, 1), (6, 1, 3)]
    ]
    north, south = count_round(r, [park, pool, bench], cast)
    # pool has 17 points, park 8, bench 5: pool (500) and then bench (400) fit 1000, park not
    assert [north.outcome(i).votes for i in ids] == [8, 17, 5]
    assert north.funded == (ids[1], ids[2])
    assert north.outcome(ids[0]).reason is Reason.DID_NOT_FIT
    assert south.funded == ()
    r.record_results([north, south], ADMIN, RESULTS)
    assert then(r) == ["BudgetResultsRecorded"]
    assert given(r).funded == {ids[1], ids[2]}
    with pytest.raises(Conflict) as again:
        r.record_results([north, south], ADMIN, RESULTS)
    assert again.value.field == "results"


def test_results_counted_by_another_rule_are_refused() -> None:
    r = budget_round()  # counted greedily
    results = [
        count(Counting.EQUAL_SHARES, d.amount, [Candidate(id="a", cost=1)], [{"a": 1}])
        for d in r.districts
    ]
    with pytest.raises(InvalidInput) as refused:
        r.record_results(results, ADMIN, RESULTS)
    assert refused.value.field == "results[0]"
    assert "by greedy" in refused.value.reason
