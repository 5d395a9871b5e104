"""Citizen panels: standing groups of residents a municipality asks several surveys a year.

A ``Panel`` (e.g. "Tidaholmspanelen") has a name, a description, the consent text a member
accepts, and background questions (age band, district, gender, ...), each with its options.
Its name is unique within the municipality: ``PanelNames``, one stream per tenant, records
which panel holds which name, and is saved with the panel in one append, so two panels created
at once under one name cannot both succeed.

A background question, once offered, stays, and so does each of its options: members'
answers name them, and a sample stratified by a question must find every answer among its
options. Labels may change, and questions and options may be added.

A ``Membership`` is one person's standing in one panel (its stream id follows from the pair):
invited, active, paused or left. The events record only these facts (who, which panel, how
they joined, which consent text they accepted); the answers to the background questions are
personal data and kept outside the events, in a table keyed by tenant, panel and person that
erasure empties (services/surveys/panel_service.py).

A ``PanelSample`` is the list of members a round goes to: every active member, or a
stratified random sample by one background question with proportional allocation, drawn with
a seed the event records.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden, InvalidInput
from services.identity.access import Caller, Permission
from tenants import values

__all__ = [
    "UNANSWERED",
    "BackgroundOption",
    "BackgroundQuestion",
    "Membership",
    "MembershipStatus",
    "Panel",
    "PanelDetails",
    "PanelNames",
    "PanelSample",
    "SampleMethod",
    "allocate",
    "check_details",
    "draw",
    "membership_id",
    "panel_names_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/panels")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 5000
CONSENT_LENGTH = 10_000
LABEL_LENGTH = 200
MAX_QUESTIONS = 20
MAX_OPTIONS = 50
UNANSWERED = ""  # the stratum of members who have not answered the question (added later)


class BackgroundOption(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    label: str


class BackgroundQuestion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    label: str
    options: tuple[BackgroundOption, ...]

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)


class PanelDetails(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    description: str
    consent: str  # what a member accepts on joining
    questions: tuple[BackgroundQuestion, ...]
    open_sign_up: bool  # False: members join by invitation only

    def question(self, question_id: str) -> BackgroundQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)


def _check_id(value: str, field: str) -> str:
    if not _ID.fullmatch(value):
        raise InvalidInput(
            field,
            "must be 1-40 lower-case letters, digits, '-' or '_', starting with one of a-z0-9",
        )
    return value


def check_details(details: PanelDetails) -> PanelDetails:
    """The details with their texts cleaned, or every problem of them named."""
    problems: list[tuple[str, str]] = []

    def text(value: str, field: str, max_length: int, required: bool = True) -> str:
        try:
            return values.text(value, field, max_length=max_length, required=required)
        except InvalidInput as error:
            problems.append((error.field or field, error.reason))
            return value

    def ident(value: str, field: str) -> str:
        try:
            return _check_id(value, field)
        except InvalidInput as error:
            problems.append((field, error.reason))
            return value

    name = text(details.name, "name", NAME_LENGTH)
    description = text(details.description, "description", DESCRIPTION_LENGTH, required=False)
    consent = text(details.consent, "consent", CONSENT_LENGTH)
    if len(details.questions) > MAX_QUESTIONS:
        problems.append(("questions", f"at most {MAX_QUESTIONS} background questions"))
    questions: list[BackgroundQuestion] = []
    seen: set[str] = set()
    for i, q in enumerate(details.questions):
        at = f"questions[{i}]"
        qid = ident(q.id, f"{at}.id")
        if qid in seen:
            problems.append((f"{at}.id", f"{qid!r} is the id of another question"))
        seen.add(qid)
        label = text(q.label, f"{at}.label", LABEL_LENGTH)
        if not 2 <= len(q.options) <= MAX_OPTIONS:
            problems.append((f"{at}.options", f"a question has 2 to {MAX_OPTIONS} options"))
        options: list[BackgroundOption] = []
        ids: set[str] = set()
        for j, o in enumerate(q.options):
            oid = ident(o.id, f"{at}.options[{j}].id")
            if oid in ids:
                problems.append((f"{at}.options[{j}].id", f"{oid!r} is listed twice"))
            ids.add(oid)
            options.append(
                BackgroundOption(id=oid, label=text(o.label, f"{at}.options[{j}].label", 200))
            )
        questions.append(BackgroundQuestion(id=qid, label=label, options=tuple(options)))
    if problems:
        raise InvalidInput.of(problems)
    return PanelDetails(
        name=name,
        description=description,
        consent=consent,
        questions=tuple(questions),
        open_sign_up=details.open_sign_up,
    )


def _keeps_what_was_offered(before: PanelDetails, after: PanelDetails) -> None:
    """A question, once offered, stays with each of its options (members' answers name them)."""
    problems: list[tuple[str, str]] = []
    for old in before.questions:
        new = after.question(old.id)
        if new is None:
            problems.append(
                ("questions", f"{old.id!r} is missing: a background question, once offered, stays")
            )
            continue
        index = after.questions.index(new)
        missing = [o for o in old.option_ids() if o not in new.option_ids()]
        if missing:
            problems.append(
                (
                    f"questions[{index}].options",
                    f"{', '.join(map(repr, missing))} missing: an option, once offered, stays",
                )
            )
    if problems:
        raise InvalidInput.of(problems)


def _may_administer(caller: Caller) -> None:
    caller.require(Permission.ADMINISTER)


class Panel(Aggregate):
    """A citizen panel: what it is, what its members consent to, what they are asked about
    themselves."""

    @classmethod
    def create(cls, details: PanelDetails, by: Caller) -> Panel:
        _may_administer(by)
        return cls(details=check_details(details), id=uuid4())

    @event("PanelCreated")
    def __init__(self, details: PanelDetails, *, id: UUID) -> None:
        self.details = details
        self.consent_revision = 1  # counts changes of the consent text: a member accepts one

    def change(self, details: PanelDetails, by: Caller) -> bool:
        """Replace the details; False (nothing recorded) when they are the ones it has."""
        _may_administer(by)
        details = check_details(details)
        _keeps_what_was_offered(self.details, details)
        if details == self.details:
            return False
        self._changed(details)
        return True

    @event("PanelChanged")
    def _changed(self, details: PanelDetails) -> None:
        if details.consent != self.details.consent:
            self.consent_revision += 1
        self.details = details

    def check_consent(self, consent: bool | None, field: str = "consent") -> int:
        """The consent revision a joining person accepts, or a refusal naming ``field``."""
        if consent is not True:
            raise InvalidInput(field, "the panel's consent text must be accepted (true) to join")
        return self.consent_revision

    def check_background(
        self, answers: Mapping[str, str], field: str = "background", *, partial: bool = False
    ) -> dict[str, str]:
        """Answers to the background questions by question id, each an option of its question:
        every question answered, unless ``partial``."""
        problems: list[tuple[str, str]] = []
        for qid, oid in answers.items():
            question = self.details.question(qid)
            if question is None:
                known = ", ".join(q.id for q in self.details.questions) or "none"
                problems.append(
                    (
                        f"{field}.{qid}",
                        f"not a background question of the panel (questions: {known})",
                    )
                )
            elif oid not in question.option_ids():
                problems.append(
                    (
                        f"{field}.{qid}",
                        f"{oid!r} is not an option (options: {', '.join(question.option_ids())})",
                    )
                )
        if not partial:
            problems.extend(
                (f"{field}.{q.id}", "must be answered")
                for q in self.details.questions
                if q.id not in answers
            )
        if problems:
            raise InvalidInput.of(problems)
        return dict(answers)


def panel_names_id(tenant_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"panel-names:{tenant_id}")


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


class PanelNames(Aggregate):
    """Which panel holds which name in a municipality: one stream per tenant."""

    @classmethod
    def start(cls, tenant_id: str) -> PanelNames:
        return cls(tenant_id=tenant_id, id=panel_names_id(tenant_id))

    @event("PanelNamesStarted")
    def __init__(self, tenant_id: str, *, id: UUID) -> None:
        self.holders: dict[str, UUID] = {}  # name key -> panel

    def take(self, panel_id: UUID, name: str, previous: str | None = None) -> bool:
        """Give ``name`` to the panel (releasing ``previous``); a name another panel holds
        is refused (422 on ``name``); False when the panel holds it already."""
        holder = self.holders.get(_key(name))
        if holder == panel_id:
            return False
        if holder is not None:
            raise InvalidInput("name", f"another panel is called {name!r}: pick another name")
        self._taken(panel_id, name, previous)
        return True

    @event("PanelNameTaken")
    def _taken(self, panel_id: UUID, name: str, previous: str | None) -> None:
        if previous is not None and self.holders.get(_key(previous)) == panel_id:
            del self.holders[_key(previous)]
        self.holders[_key(name)] = panel_id


def membership_id(panel_id: UUID, person_id: UUID) -> UUID:
    """The one membership stream of a person in a panel."""
    return uuid5(_NAMESPACE, f"membership:{panel_id}:{person_id}")


class MembershipStatus(StrEnum):
    NONE = "none"  # opened, before the first invitation or joining (never seen outside)
    INVITED = "invited"  # invited by the municipality, not joined yet
    ACTIVE = "active"  # a member, in samples
    PAUSED = "paused"  # a member taking a break: in no sample until they resume
    LEFT = "left"  # left: in no sample; may be invited again, or sign up again


class JoinedVia(StrEnum):
    INVITATION = "invitation"
    SIGN_UP = "sign-up"


class Membership(Aggregate):
    """One person's membership of one panel. A member pauses, resumes or leaves at any time."""

    @classmethod
    def open(cls, panel_id: UUID, person_id: UUID) -> Membership:
        return cls(panel_id=panel_id, person_id=person_id, id=membership_id(panel_id, person_id))

    @event("PanelMembershipOpened")
    def __init__(self, panel_id: UUID, person_id: UUID, *, id: UUID) -> None:
        self.panel_id = panel_id
        self.person_id = person_id
        self.status = MembershipStatus.NONE
        self.via: JoinedVia | None = None
        self.consent_revision: int | None = None

    @property
    def member(self) -> bool:
        return self.status in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)

    def invite(self) -> bool:
        """Invite the person; False when they are invited or a member already."""
        if self.status in (MembershipStatus.INVITED, *_MEMBER):
            return False
        self._invited()
        return True

    @event("PanelMemberInvited")
    def _invited(self) -> None:
        self.status = MembershipStatus.INVITED

    def join(self, consent_revision: int, *, open_sign_up: bool) -> JoinedVia:
        """Join: by the invitation the person holds, or by the open sign-up form. The consent
        revision accepted is recorded."""
        if self.member:
            raise Conflict(f"already a member of the panel ({self.status.value})")
        if self.status is MembershipStatus.INVITED:
            via = JoinedVia.INVITATION
        elif open_sign_up:
            via = JoinedVia.SIGN_UP
        else:
            raise Forbidden("the panel takes members by invitation only, and there is none for you")
        self._joined(via.value, consent_revision)
        return via

    @event("PanelMemberJoined")
    def _joined(self, via: str, consent_revision: int) -> None:
        self.status = MembershipStatus.ACTIVE
        self.via = JoinedVia(via)
        self.consent_revision = consent_revision

    def pause(self) -> None:
        if self.status is not MembershipStatus.ACTIVE:
            raise Conflict(f"the membership is {self.status.value}; only an active one pauses")
        self._paused()

    @event("PanelMemberPaused")
    def _paused(self) -> None:
        self.status = MembershipStatus.PAUSED

    def resume(self) -> None:
        if self.status is not MembershipStatus.PAUSED:
            raise Conflict(f"the membership is {self.status.value}; only a paused one resumes")
        self._resumed()

    @event("PanelMemberResumed")
    def _resumed(self) -> None:
        self.status = MembershipStatus.ACTIVE

    def leave(self) -> None:
        """Leave (or decline an invitation): from now on in no sample."""
        if self.status not in (MembershipStatus.INVITED, *_MEMBER):
            raise Conflict(f"the membership is {self.status.value}; there is nothing to leave")
        self._left()

    @event("PanelMemberLeft")
    def _left(self) -> None:
        self.status = MembershipStatus.LEFT


_MEMBER = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)


class SampleMethod(StrEnum):
    ALL = "all"  # every active member
    STRATIFIED = "stratified"  # a random sample, proportional to the strata of one question


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Proportional allocation of ``total`` over strata of the given sizes (Hamilton's largest
    remainder method): each stratum gets the whole part of its share, and the places left go to
    the largest remainders (ties: the larger stratum, then the stratum's name). No stratum gets
    more than it has."""
    population = sum(sizes.values())
    if not 0 <= total <= population:
        raise InvalidInput("total", f"must be between 0 and the {population} active members")
    if population == 0:
        return dict.fromkeys(sizes, 0)
    shares = {s: total * n / population for s, n in sizes.items()}
    given = {s: int(share) for s, share in shares.items()}
    left = total - sum(given.values())
    order = sorted(sizes, key=lambda s: (-(shares[s] - given[s]), -sizes[s], s))
    for s in order[:left]:
        given[s] += 1
    return given


def draw(
    strata: Mapping[UUID, str], total: int, seed: int
) -> tuple[dict[str, int], tuple[UUID, ...]]:
    """A stratified random sample of ``total`` members, given each member's stratum: the
    allocation per stratum and the members drawn (sorted). The same population, total and seed
    give the same sample: members are taken in id order and drawn with a generator seeded with
    ``seed``, stratum by stratum in name order."""
    by_stratum: dict[str, list[UUID]] = {}
    for person, stratum in strata.items():
        by_stratum.setdefault(stratum, []).append(person)
    allocation = allocate({s: len(p) for s, p in by_stratum.items()}, total)
    rng = random.Random(seed)
    drawn: list[UUID] = []
    for stratum in sorted(by_stratum):
        drawn.extend(rng.sample(sorted(by_stratum[stratum]), allocation[stratum]))
    return dict(sorted(allocation.items())), tuple(sorted(drawn))


class PanelSample(Aggregate):
    """The members one round of a panel goes to, as drawn (one stream per draw).

    The event holds the method, the question stratified by, the total, the seed, how many were
    drawn from each stratum and who was drawn, never anyone's answers: a stratum's members are
    not listed apart."""

    @classmethod
    def record(
        cls,
        panel_id: UUID,
        method: SampleMethod,
        question_id: str | None,
        total: int,
        seed: int | None,
        allocation: Mapping[str, int],
        members: Sequence[UUID],
    ) -> PanelSample:
        return cls(
            panel_id=panel_id,
            method=method.value,
            question_id=question_id,
            total=total,
            seed=seed,
            allocation=dict(allocation),
            members=tuple(members),
            id=uuid4(),
        )

    @event("PanelSampleDrawn")
    def __init__(
        self,
        panel_id: UUID,
        method: str,
        question_id: str | None,
        total: int,
        seed: int | None,
        allocation: dict[str, int],
        members: tuple[UUID, ...],
        *,
        id: UUID,
    ) -> None:
        self.panel_id = panel_id
        self.method = SampleMethod(method)
        self.question_id = question_id
        self.total = total
        self.seed = seed
        self.allocation = allocation
        self.members = members
