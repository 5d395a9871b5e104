"""Participatory budgeting: a budget round, its projects and its ballots.

A ``BudgetRound`` belongs to one budget dialog (its stream id follows from the dialog's). It
holds the money (one amount per district or theme), the rules voters find when voting opens
(the ballot rule, the counting rule, whether a voter may change their ballot until voting
closes, whether a voter votes in one district only) and the phases, each with its opening and
closing time: proposal collection, review, voting, results and implementation. What a phase
allows is decided from the clock, like a dialog's opening: a proposal after the proposal
collection closed, a ballot before voting opened, a review outside the review are refused with
a ``PhaseClosed`` (a ``Conflict`` naming ``phase``) that says when that phase is.

The rules and the districts are fixed once voting opens; a phase that has begun keeps its
opening time and one that is over keeps its closing time (rescheduling moves what is ahead).

A ``BudgetProject`` is proposed in a district with an estimated cost (by a participant during
proposal collection, or by the municipality's administrators until voting opens). The review
finds it feasible, with a final cost, or not, with a public reason. Once the round's results
are recorded, a funded project gets implementation updates. What its proposer wrote (title,
description) is their personal data, sealed under their key like a post's.

A ``BudgetBallot`` is one voter's ballot in a round (``one_district``) or in one district of it:
its stream id is a keyed hash of the round, the person and, unless the voter votes in one
district only, the district (``ballot_key``), so a second ballot of the same voter is a version
conflict on the same stream, not a check a race could slip past. Its events name no voter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden, InvalidInput
from services.budgeting.ballots import Ballot, BallotRule, Offer, check_ballot, check_rule
from services.budgeting.results import Counting, DistrictResult
from services.identity.access import Caller, Permission
from services.identity.eligibility import RESIDENCE_LENGTH, Facts, birthday
from tenants import values

__all__ = [
    "DESCRIPTION_LENGTH",
    "MAX_AMOUNT",
    "MAX_DISTRICTS",
    "REASON_LENGTH",
    "TITLE_LENGTH",
    "BudgetBallot",
    "BudgetProject",
    "BudgetRound",
    "District",
    "Eligibility",
    "IdentityProviderNeeded",
    "Implementation",
    "MinimumAge",
    "NotEligible",
    "Phase",
    "PhaseClosed",
    "PhaseTime",
    "Place",
    "Residence",
    "Rules",
    "ballot_key",
    "budget_round_id",
    "check_district_key",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/budgeting")
MAX_DISTRICTS = 100
MAX_AMOUNT = 10**12  # whole units of the currency: more than any municipality's budget
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 5000
REASON_LENGTH = 2000
MAX_AGE = 120
MAX_RESIDENCE_VALUES = 500  # Norway has 357 municipalities, Sweden 290, Denmark 98
VOTING_CLOSES, BALLOT = "voting-closes", "ballot"  # when a minimum age is reached, besides a date
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def budget_round_id(dialog_id: UUID) -> UUID:
    """The one budget round of a budget dialog."""
    return uuid5(_NAMESPACE, f"round:{dialog_id}")


def ballot_key(secret: bytes, round_id: UUID, person_id: UUID, district: str | None) -> UUID:
    """The stream of a person's ballot: a keyed hash, so the id names nobody to whoever
    lacks the key. ``district`` is None when the round's voters vote in one district only."""
    message = f"budget-ballot:{round_id}:{person_id}:{district or ''}".encode()
    return UUID(bytes=hmac.new(secret, message, hashlib.sha256).digest()[:16], version=4)


class Phase(StrEnum):
    PROPOSALS = "proposals"  # proposal collection
    REVIEW = "review"  # the municipality checks feasibility and sets final costs
    VOTING = "voting"
    RESULTS = "results"  # counted and published
    IMPLEMENTATION = "implementation"  # funded projects are built; status updates


PHASES = tuple(Phase)


class PhaseTime(msgspec.Struct, frozen=True, kw_only=True):
    phase: Phase
    opens_at: datetime
    closes_at: datetime | None = None  # only implementation may run on without an end


class District(msgspec.Struct, frozen=True, kw_only=True):
    """A district or theme with its own budget; ``key`` names it in ballots and projects."""

    key: str
    name: str
    amount: int


class Eligibility(StrEnum):
    """Who may propose and vote: every signed-in participant, or only those who signed in
    with the municipality's identity provider (its e-ID), nothing of the sign-in stored beyond
    how it was made. An invite-only budget dialog admits its invitees (PIN invitations) on top
    of either. A round's minimum age and residence list (``Rules``) ask more of voters, by
    what the identity provider told at sign-in, and imply ``IDENTITY_PROVIDER``."""

    SIGNED_IN = "signed-in"
    IDENTITY_PROVIDER = "identity-provider"


class MinimumAge(msgspec.Struct, frozen=True, kw_only=True):
    """Voters are at least ``years`` old ``on`` a day: ``voting-closes`` (the day voting
    closes, its UTC date), ``ballot`` (the day the ballot is cast, UTC) or a date the
    municipality gives (``YYYY-MM-DD``)."""

    years: int
    on: str = VOTING_CLOSES


class Residence(msgspec.Struct, frozen=True, kw_only=True):
    """Voters live in ``area`` (its name, as refusals say it): their identity provider's
    residence claim is one of ``values`` (such as municipality codes, "1281"), compared
    without regard to case."""

    area: str
    values: tuple[str, ...]


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """What voters find when voting opens; fixed from then on. A minimum age or a residence
    list (added after the first rounds: those read as neither) makes the round one for the
    identity provider's sign-ins (``voters``), which alone tell a voter's age and residence."""

    ballot: BallotRule
    counting: Counting
    changeable: bool = True  # a voter may change their ballot until voting closes
    one_district: bool = False  # a voter votes in one district only
    voters: Eligibility = Eligibility.SIGNED_IN
    minimum_age: MinimumAge | None = None
    residence: Residence | None = None


class Place(msgspec.Struct, frozen=True, kw_only=True):
    """Where a project would be: a point, and the address as the proposer gave it."""

    latitude: float
    longitude: float
    address: str | None = None


class PhaseClosed(Conflict):
    """An action outside the phase that allows it."""

    problem_type = "budget-phase-closed"


class IdentityProviderNeeded(Forbidden):
    """A round that asks its voters' sign-in with the identity provider (or what it tells:
    age, residence), met with another sign-in or one that told nothing of the kind: a type of
    its own, so a client offers the identity provider's sign-in whatever the language."""

    problem_type = "identity-provider-sign-in-needed"


class NotEligible(Forbidden):
    """A voter the identity provider says is too young or lives elsewhere."""

    problem_type = "budget-not-eligible"


# What a voter without the facts a round checks is told (e-mail sign-ins, providers that tell
# neither, facts of a sign-in more than a week ago).
CHECKED_BY_PROVIDER = (
    "this budget checks voters' age or residence with the municipality's identity provider:"
    " sign in with it"
)


class Implementation(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _administer(by: Caller) -> None:
    by.require(Permission.ADMINISTER)


_KEY = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")


def check_district_key(key: str, field: str) -> str:
    """The key, or a refusal naming ``field``: a district's key is 1-40 lowercase letters,
    digits and hyphens."""
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            field, "1-40 lowercase letters, digits and hyphens, not starting or ending with one"
        )
    return key


def check_districts(districts: Sequence[District]) -> tuple[District, ...]:
    """The districts, or every one that is wrong named (``districts[i].amount``, ...)."""
    if not districts:
        raise InvalidInput("districts", "a round has at least one district or theme")
    if len(districts) > MAX_DISTRICTS:
        raise InvalidInput("districts", f"at most {MAX_DISTRICTS}")
    errors: list[tuple[str, str]] = []
    keys: set[str] = set()
    cleaned: list[District] = []
    for i, d in enumerate(districts):
        try:
            key = check_district_key(d.key, f"districts[{i}].key")
            name = values.text(d.name, f"districts[{i}].name", max_length=TITLE_LENGTH)
        except InvalidInput as error:
            errors.extend(error.errors)
            continue
        if key in keys:
            errors.append((f"districts[{i}].key", f"{key!r} is named twice"))
        keys.add(key)
        if not 1 <= d.amount <= MAX_AMOUNT:
            errors.append((f"districts[{i}].amount", f"must be from 1 to {MAX_AMOUNT}"))
        cleaned.append(District(key=key, name=name, amount=d.amount))
    if errors:
        raise InvalidInput.of(errors)
    return tuple(cleaned)


def check_phases(phases: Sequence[PhaseTime]) -> tuple[PhaseTime, ...]:
    """Every phase once, in order, each closing after it opens and opening no earlier than
    the one before closes; only implementation may have no end."""
    if tuple(p.phase for p in phases) != PHASES:
        raise InvalidInput("phases", f"give each phase once, in order: {', '.join(PHASES)}")
    errors: list[tuple[str, str]] = []
    for i, p in enumerate(phases):
        if p.closes_at is None:
            if p.phase is not Phase.IMPLEMENTATION:
                errors.append((f"phases[{i}].closes_at", f"the {p.phase} phase needs an end"))
        elif p.closes_at <= p.opens_at:
            errors.append((f"phases[{i}].closes_at", "must be after it opens"))
        if i and (before := phases[i - 1].closes_at) is not None and p.opens_at < before:
            errors.append(
                (f"phases[{i}].opens_at", f"must not be before {phases[i - 1].phase} closes")
            )
    if errors:
        raise InvalidInput.of(errors)
    return tuple(phases)


class BudgetRound(Aggregate):
    """A budget dialog's money, rules and phases, and, once counted, its results."""

    @staticmethod
    def create_id(
        dialog_id: UUID,
        districts: tuple[District, ...],
        rules: Rules,
        phases: tuple[PhaseTime, ...],
    ) -> UUID:
        return budget_round_id(dialog_id)

    @classmethod
    def set_up(
        cls,
        dialog_id: UUID,
        districts: Sequence[District],
        rules: Rules,
        phases: Sequence[PhaseTime],
        by: Caller,
    ) -> BudgetRound:
        """A new round, its districts, rules and phases checked."""
        _administer(by)
        return cls(
            dialog_id=dialog_id,
            districts=check_districts(districts),
            rules=_checked_rules(rules),
            phases=check_phases(phases),
        )

    @event("BudgetRoundSetUp")
    def __init__(
        self,
        dialog_id: UUID,
        districts: tuple[District, ...],
        rules: Rules,
        phases: tuple[PhaseTime, ...],
    ) -> None:
        self.dialog_id = dialog_id
        self.districts = districts
        self.rules = rules
        self.phases = phases
        self.results: tuple[DistrictResult, ...] = ()
        self.imported = False  # a Pabulib file was imported into it (once per round)

    # -- the clock ---------------------------------------------------------------------------

    def times(self, phase: Phase) -> PhaseTime:
        return self.phases[PHASES.index(phase)]

    def phase_at(self, now: datetime) -> Phase | None:
        """The phase under way at ``now``; None before the first, between two, after the last."""
        for p in self.phases:
            if p.opens_at <= now and (p.closes_at is None or now < p.closes_at):
                return p.phase
        return None

    def require(self, phase: Phase, now: datetime, action: str) -> None:
        """Refuse ``action`` unless ``phase`` is under way, saying when it is."""
        if self.phase_at(now) is phase:
            return
        t = self.times(phase)
        when = f"from {t.opens_at.isoformat()}" + (
            f" to {t.closes_at.isoformat()}" if t.closes_at is not None else ""
        )
        current = self.phase_at(now)
        now_is = f"the {current} phase is under way" if current else "no phase is under way"
        raise PhaseClosed(f"{action} only in the {phase} phase ({when}); {now_is}", "phase")

    def voting_opened(self, now: datetime) -> bool:
        return now >= self.times(Phase.VOTING).opens_at

    def voting_closed(self, now: datetime) -> bool:
        closes = self.times(Phase.VOTING).closes_at
        return closes is not None and now >= closes

    # -- before voting opens -----------------------------------------------------------------

    def _before_voting(self, now: datetime, field: str) -> None:
        if self.voting_opened(now):
            raise Conflict(
                "voting has opened: the rules and districts stay as voters found them", field
            )

    def change_rules(self, rules: Rules, by: Caller, now: datetime) -> bool:
        """New rules until voting opens; False (nothing recorded) when they are the same."""
        _administer(by)
        self._before_voting(now, "rules")
        rules = _checked_rules(rules)
        if rules == self.rules:
            return False
        self._rules_changed(rules)
        return True

    @event("BudgetRulesChanged")
    def _rules_changed(self, rules: Rules) -> None:
        self.rules = rules

    def change_districts(self, districts: Sequence[District], by: Caller, now: datetime) -> bool:
        """New districts and amounts until proposal collection opens (projects name their
        district); False when they are the same."""
        _administer(by)
        if now >= self.times(Phase.PROPOSALS).opens_at:
            raise Conflict("proposal collection has opened: the districts stay", "districts")
        checked = check_districts(districts)
        if checked == self.districts:
            return False
        self._districts_changed(checked)
        return True

    @event("BudgetDistrictsChanged")
    def _districts_changed(self, districts: tuple[District, ...]) -> None:
        self.districts = districts

    def reschedule(self, phases: Sequence[PhaseTime], by: Caller, now: datetime) -> bool:
        """New phase times: a phase that has begun keeps its opening, one that is over its
        closing. False when they are the times it has."""
        _administer(by)
        checked = check_phases(phases)
        errors: list[tuple[str, str]] = []
        for i, (old, new) in enumerate(zip(self.phases, checked, strict=True)):
            if old.opens_at <= now and new.opens_at != old.opens_at:
                errors.append((f"phases[{i}].opens_at", f"the {old.phase} phase has begun"))
            over = old.closes_at is not None and old.closes_at <= now
            if over and new.closes_at != old.closes_at:
                errors.append((f"phases[{i}].closes_at", f"the {old.phase} phase is over"))
            elif not over and new.closes_at is not None and new.closes_at <= now:
                errors.append((f"phases[{i}].closes_at", "must not be in the past"))
        if errors:
            raise InvalidInput.of(errors)
        if checked == self.phases:
            return False
        self._rescheduled(checked)
        return True

    @event("BudgetPhasesScheduled")
    def _rescheduled(self, phases: tuple[PhaseTime, ...]) -> None:
        self.phases = phases

    # -- importing a Pabulib file -------------------------------------------------------------

    def check_import(self, by: Caller, now: datetime) -> None:
        """Refuse an import unless it is an administrator's, before voting opens, and the
        round's first."""
        _administer(by)
        if self.voting_opened(now):
            current = self.phase_at(now)
            now_is = f"the {current} phase is under way" if current else "no phase is under way"
            opens = self.times(Phase.VOTING).opens_at.isoformat()
            raise PhaseClosed(
                f"a Pabulib file is imported only before voting opens ({opens}); {now_is}",
                "phase",
            )
        if self.imported:
            raise Conflict(
                "a Pabulib file is imported into this round already: one import per round", "file"
            )

    def import_file(
        self,
        district: District,
        ballot: BallotRule,
        digest: str,
        projects: int,
        ballots: int,
        by: Caller,
        now: datetime,
    ) -> None:
        """Record a Pabulib file's import, once, before voting opens: its district (added,
        or its amount made the file's budget) and its ballot rule become the round's; its
        projects (``BudgetProject.from_file``) and ballots (``ImportedBallots``) are recorded
        beside this in the same append."""
        self.check_import(by, now)
        districts = [district if d.key == district.key else d for d in self.districts]
        if all(d.key != district.key for d in self.districts):
            districts.append(district)
        checked = check_districts(districts)
        rules = _checked_rules(msgspec.structs.replace(self.rules, ballot=ballot))
        self._file_imported(checked, rules, district.key, digest, projects, ballots)

    @event("BudgetFileImported")
    def _file_imported(
        self,
        districts: tuple[District, ...],
        rules: Rules,
        district: str,
        digest: str,  # the file's SHA-256, in hex: which file it was
        projects: int,
        ballots: int,
    ) -> None:
        self.districts = districts
        self.rules = rules
        self.imported = True

    # -- who may vote -----------------------------------------------------------------------

    def age_day(self, now: datetime) -> date:
        """The day a voter must have reached the round's minimum age by, for a ballot at
        ``now``."""
        minimum = self.rules.minimum_age
        if minimum is None or minimum.on == BALLOT:
            return now.date()
        if minimum.on == VOTING_CLOSES:
            closes = self.times(Phase.VOTING).closes_at
            assert closes is not None  # voting always has an end
            return closes.date()
        return date.fromisoformat(minimum.on)

    def check_voter(self, facts: Facts | None, now: datetime) -> None:
        """Refuse a ballot at ``now`` from a voter the round's minimum age or residence list
        leaves out, by the ``facts`` of their identity provider's sign-in: none of them
        (``IdentityProviderNeeded``), elsewhere or too young (``NotEligible``, saying from
        which day they would be old enough)."""
        minimum, residence = self.rules.minimum_age, self.rules.residence
        if minimum is None and residence is None:
            return
        if (
            facts is None
            or (minimum is not None and facts.birth_date is None)
            or (residence is not None and facts.residence is None)
        ):
            raise IdentityProviderNeeded(CHECKED_BY_PROVIDER)
        if residence is not None:
            assert facts.residence is not None
            lives = facts.residence.casefold()
            if all(lives != v.casefold() for v in residence.values):
                raise NotEligible(f"this budget is for residents of {residence.area}")
        if minimum is not None:
            assert facts.birth_date is not None
            years, turns = minimum.years, birthday(facts.birth_date, minimum.years)
            day = self.age_day(now)
            if turns <= day:
                return
            closes = self.times(Phase.VOTING).closes_at
            if minimum.on == BALLOT and closes is not None and turns <= closes.date():
                raise NotEligible(
                    f"this budget is for those who are {years} or older;"
                    f" you may vote from {turns.isoformat()}"
                )
            if minimum.on == BALLOT and closes is not None:
                day = closes.date()  # the last day to vote on: too late for them
            raise NotEligible(
                f"this budget is for those who are {years} or older on {day.isoformat()};"
                f" you turn {years} on {turns.isoformat()}"
            )

    # -- districts, ballots and results ------------------------------------------------------

    def district(self, key: str, field: str = "district") -> District:
        for d in self.districts:
            if d.key == key:
                return d
        raise InvalidInput(field, f"{key!r} is not a district of this round")

    def ballot_key(self, secret: bytes, person_id: UUID, district: str) -> UUID:
        """The stream of this person's ballot in ``district`` (in the round, when the round's
        voters vote in one district only)."""
        return ballot_key(secret, self.id, person_id, None if self.rules.one_district else district)

    def record_results(self, results: Sequence[DistrictResult], by: Caller, now: datetime) -> None:
        """Record the count, once, in the results phase: one result per district, each by the
        round's counting rule and of the district's amount."""
        _administer(by)
        self.require(Phase.RESULTS, now, "results are recorded")
        if self.results:
            raise Conflict("the results are recorded already", "results")
        if len(results) != len(self.districts):
            raise InvalidInput(
                "results", f"give one result for each of the {len(self.districts)} districts"
            )
        for i, (d, r) in enumerate(zip(self.districts, results, strict=True)):
            if r.budget != d.amount or r.counting != self.rules.counting:
                raise InvalidInput(
                    f"results[{i}]",
                    f"not a count of {d.key!r} ({d.amount}) by {self.rules.counting}",
                )
        self._results_recorded(tuple(results))

    @event("BudgetResultsRecorded")
    def _results_recorded(self, results: tuple[DistrictResult, ...]) -> None:
        self.results = results

    @property
    def funded(self) -> frozenset[str]:
        """The ids of the projects the recorded results fund."""
        return frozenset(p for r in self.results for p in r.funded)


def _checked_rules(rules: Rules) -> Rules:
    """The rules, or every setting that is wrong named at once; a minimum age or a residence
    list makes the round one for the identity provider's sign-ins."""
    errors: list[tuple[str, str]] = []
    try:
        check_rule(rules.ballot)
    except InvalidInput as error:
        errors.extend(error.errors)
    minimum = rules.minimum_age
    if minimum is not None:
        if isinstance(minimum.years, bool) or not 0 <= minimum.years <= MAX_AGE:
            errors.append(
                ("rules.minimum_age.years", f"must be a whole number from 0 to {MAX_AGE}")
            )
        if minimum.on not in (VOTING_CLOSES, BALLOT) and not _a_day(minimum.on):
            errors.append(
                ("rules.minimum_age.on", "must be voting-closes, ballot or a date (YYYY-MM-DD)")
            )
    residence = rules.residence
    if residence is not None:
        area = residence.area
        try:
            area = values.text(area, "rules.residence.area", max_length=TITLE_LENGTH)
        except InvalidInput as error:
            errors.extend(error.errors)
        listed, residence_errors = _residence_values(residence.values)
        errors.extend(residence_errors)
        residence = Residence(area=area, values=listed)
    if errors:
        raise InvalidInput.of(errors)
    if minimum is None and residence is None:
        return rules
    return msgspec.structs.replace(rules, residence=residence, voters=Eligibility.IDENTITY_PROVIDER)


def _a_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _residence_values(given: Sequence[str]) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """A residence list's values without their surrounding spaces, and what is wrong with
    them: none, too many, one empty, too long, with control characters, or listed twice."""
    field = "rules.residence.values"
    if not given:
        return (), [(field, "must hold at least 1 item")]
    if len(given) > MAX_RESIDENCE_VALUES:
        return (), [(field, f"must hold at most {MAX_RESIDENCE_VALUES} items")]
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    cleaned: list[str] = []
    for i, value in enumerate(given):
        try:
            text = values.text(value, f"{field}[{i}]", max_length=RESIDENCE_LENGTH)
        except InvalidInput as error:
            errors.extend(error.errors)
            continue
        if text.casefold() in seen:
            errors.append((f"{field}[{i}]", "is listed twice"))
        seen.add(text.casefold())
        cleaned.append(text)
    return tuple(cleaned), errors


class BudgetProject(Aggregate):
    """A project proposed in one district of a round, its review and its implementation."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {
        "BudgetProjectProposed": ("title", "description", "place"),
    }
    data_subject: ClassVar[str] = "proposer_id"

    @classmethod
    def propose(
        cls,
        budget_round: BudgetRound,
        district: str,
        title: str,
        description: str,
        estimated_cost: int,
        by: Caller,
        now: datetime,
        *,
        id: UUID,
        place: Place | None = None,
        image: str | None = None,
    ) -> BudgetProject:
        """A participant's proposal during proposal collection; the municipality's
        administrators may add projects until voting opens."""
        if not (by.may(Permission.ADMINISTER) and not budget_round.voting_opened(now)):
            by.require(Permission.TAKE_PART)
            budget_round.require(Phase.PROPOSALS, now, "projects are proposed")
        errors: list[tuple[str, str]] = []
        checked: dict[str, str] = {}
        for field, text, length in (
            ("title", title, TITLE_LENGTH),
            ("description", description, DESCRIPTION_LENGTH),
        ):
            try:
                checked[field] = values.text(text, field, max_length=length)
            except InvalidInput as error:
                errors.extend(error.errors)
        try:
            budget_round.district(district)
        except InvalidInput as error:
            errors.extend(error.errors)
        if not 1 <= estimated_cost <= MAX_AMOUNT:
            errors.append(("estimated_cost", f"must be from 1 to {MAX_AMOUNT}"))
        if errors:
            raise InvalidInput.of(errors)
        return cls(
            round_id=budget_round.id,
            district=district,
            proposer_id=by.person_id,
            title=checked["title"],
            description=checked["description"],
            estimated_cost=estimated_cost,
            id=id,
            place=place,
            image=image,
        )

    @event("BudgetProjectProposed")
    def __init__(
        self,
        round_id: UUID,
        district: str,
        proposer_id: UUID,
        title: str,
        description: str,
        estimated_cost: int,
        *,
        id: UUID,  # eventsourcing takes the aggregate's id by this name
        place: Place | None = None,  # where it would be (personal data, like its texts)
        image: str | None = None,  # an uploaded image's id
    ) -> None:
        self.round_id = round_id
        self.district = district
        self.proposer_id: UUID | None = proposer_id  # None: imported from a file
        self.title = title
        self.description = description
        self.estimated_cost = estimated_cost
        self.place = place
        self.image = image
        self.feasible: bool | None = None  # None until reviewed
        self.review_reason: str | None = None  # public: why (not) feasible
        self.final_cost: int | None = None
        self.implementation: Implementation | None = None
        self.implementation_note: str | None = None
        self.implementation_image: str | None = None
        self.source_id: str | None = None  # an imported project's id in its Pabulib file

    class BudgetProjectImported(Aggregate.Created):
        """A project of an imported Pabulib file, on the ballot at the file's cost: proposed
        by nobody (``proposer_id`` is None, so no description either), its title the file's
        public name of it, ``source_id`` its id in the file."""

        round_id: UUID
        district: str
        proposer_id: UUID | None
        title: str
        description: str
        estimated_cost: int
        final_cost: int
        source_id: str

        def apply(self, aggregate: BudgetProject) -> None:
            aggregate.feasible = True
            aggregate.final_cost = self.final_cost
            aggregate.source_id = self.source_id

    @classmethod
    def from_file(
        cls,
        budget_round: BudgetRound,
        district: str,
        title: str,
        cost: int,
        source_id: str,
        *,
        id: UUID,
    ) -> BudgetProject:
        """A project of a Pabulib file imported into the round (``BudgetRound.import_file``
        checks when), found feasible at its cost."""
        budget_round.district(district)
        return cls._create(
            cls.BudgetProjectImported,
            id=id,
            round_id=budget_round.id,
            district=district,
            proposer_id=None,
            title=title,
            description="",
            estimated_cost=cost,
            final_cost=cost,
            source_id=source_id,
        )

    def _of(self, budget_round: BudgetRound) -> None:
        if budget_round.id != self.round_id:
            raise InvalidInput("project", "the project belongs to another round")

    def review(
        self,
        budget_round: BudgetRound,
        feasible: bool,
        reason: str,
        final_cost: int | None,
        by: Caller,
        now: datetime,
    ) -> bool:
        """The review's finding, during the review: feasible with a final cost, or not with a
        public reason (a feasible one may give a reason too). A finding may be revised until
        the review closes; False (nothing recorded) when it is the one it has."""
        _administer(by)
        self._of(budget_round)
        budget_round.require(Phase.REVIEW, now, "projects are reviewed")
        cleaned = values.text(reason, "reason", max_length=REASON_LENGTH, required=not feasible)
        if feasible:
            if final_cost is None or not 1 <= final_cost <= MAX_AMOUNT:
                raise InvalidInput(
                    "final_cost", f"a feasible project's cost, from 1 to {MAX_AMOUNT}"
                )
        elif final_cost is not None:
            raise InvalidInput("final_cost", "a project found not feasible has no final cost")
        if (feasible, cleaned, final_cost) == (self.feasible, self.review_reason, self.final_cost):
            return False
        self._reviewed(feasible, cleaned, final_cost)
        return True

    @event("BudgetProjectReviewed")
    def _reviewed(self, feasible: bool, reason: str, final_cost: int | None) -> None:
        self.feasible = feasible
        self.review_reason = reason
        self.final_cost = final_cost

    @property
    def offer(self) -> Offer:
        """The project as ballots see it: on the ballot only once found feasible."""
        return Offer(
            district=self.district,
            cost=self.final_cost or self.estimated_cost,
            feasible=self.feasible is True,
        )

    def update_implementation(
        self,
        budget_round: BudgetRound,
        status: Implementation,
        note: str,
        by: Caller,
        now: datetime,
        image: str | None = None,
    ) -> None:
        """A funded project's progress, during implementation."""
        _administer(by)
        self._of(budget_round)
        budget_round.require(Phase.IMPLEMENTATION, now, "implementation is reported")
        if str(self.id) not in budget_round.funded:
            raise Conflict("the project was not funded: it has no implementation", "project")
        if self.implementation is Implementation.CANCELLED:
            raise Conflict("the project's implementation was cancelled", "status")
        cleaned = values.text(note, "note", max_length=REASON_LENGTH, required=False)
        self._implementation_updated(status, cleaned, image)

    @event("BudgetProjectImplementationUpdated")
    def _implementation_updated(
        self, status: Implementation, note: str, image: str | None = None
    ) -> None:
        self.implementation = status
        self.implementation_note = note
        self.implementation_image = image


def offers(projects: Sequence[BudgetProject]) -> dict[str, Offer]:
    """What ballots are checked against: each project by its id."""
    return {str(p.id): p.offer for p in projects}


class BudgetBallot(Aggregate):
    """A ballot in a budget round. Its id is the voter's ballot key; it names no voter."""

    @staticmethod
    def create_id(ballot_id: UUID, round_id: UUID, ballot: Ballot) -> UUID:
        return ballot_id

    @classmethod
    def cast(
        cls,
        ballot_id: UUID,
        budget_round: BudgetRound,
        ballot: Ballot,
        projects: Mapping[str, Offer],
        now: datetime,
    ) -> BudgetBallot:
        """A new ballot, checked, while voting is open."""
        checked = _checked(budget_round, ballot, projects, now)
        return cls(ballot_id=ballot_id, round_id=budget_round.id, ballot=checked)

    @event("BudgetBallotCast")
    def __init__(self, ballot_id: UUID, round_id: UUID, ballot: Ballot) -> None:
        self.round_id = round_id
        self.ballot = ballot

    def change(
        self,
        budget_round: BudgetRound,
        ballot: Ballot,
        projects: Mapping[str, Offer],
        now: datetime,
    ) -> bool:
        """The voter's new ballot in place of this one, while voting is open, if the round
        lets voters change theirs. False (nothing recorded) when it is the same ballot."""
        if budget_round.id != self.round_id:
            raise InvalidInput("round", "the ballot belongs to another round")
        if not budget_round.rules.changeable:
            raise Conflict("a ballot in this round is final once cast", "ballot")
        checked = _checked(budget_round, ballot, projects, now)
        if not budget_round.rules.one_district and checked.district != self.ballot.district:
            raise InvalidInput("district", f"this is the ballot of {self.ballot.district!r}")
        if checked == self.ballot:
            return False
        self._changed(checked)
        return True

    @event("BudgetBallotChanged")
    def _changed(self, ballot: Ballot) -> None:
        self.ballot = ballot


def _checked(
    budget_round: BudgetRound, ballot: Ballot, projects: Mapping[str, Offer], now: datetime
) -> Ballot:
    budget_round.require(Phase.VOTING, now, "ballots are cast")
    district = budget_round.district(ballot.district)
    return check_ballot(budget_round.rules.ballot, ballot, projects, district.amount)
