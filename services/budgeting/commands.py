"""What administrators and participants send to a budget round (request bodies, checked by
msgspec before the round's own rules check them).

None of them carries a tenant, a person or a role: the server takes those from the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from services.budgeting.ballots import MAX_PROJECTS_ON_BALLOT, BallotKind
from services.budgeting.domain import (
    DESCRIPTION_LENGTH,
    MAX_AMOUNT,
    MAX_DISTRICTS,
    REASON_LENGTH,
    TITLE_LENGTH,
    VOTING_CLOSES,
    Eligibility,
    Implementation,
    Phase,
)
from services.budgeting.results import Counting

Moment = Annotated[datetime, Meta(tz=True)]
Amount = Annotated[int, Meta(ge=1, le=MAX_AMOUNT)]
Key = Annotated[str, Meta(min_length=1, max_length=40)]
ProjectId = Annotated[str, Meta(min_length=1, max_length=64)]
ImageRef = Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]


class DistrictInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: Key
    name: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)]
    amount: Amount


class BallotRuleInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: BallotKind
    max_projects: Annotated[int, Meta(ge=1, le=MAX_PROJECTS_ON_BALLOT)] | None = None
    within_budget: bool = False
    points: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None


class MinimumAgeInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Voters are at least ``years`` old (0 to 120) ``on`` a day: ``voting-closes`` (the
    default), ``ballot`` (the day they vote) or a date (``YYYY-MM-DD``). Checked by the round
    (422 naming ``rules.minimum_age.years`` or ``rules.minimum_age.on``)."""

    years: int
    on: str = VOTING_CLOSES


class ResidenceInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Voters live in ``area`` (its name, as refusals say it): the identity provider's
    residence claim is one of ``values`` (1 to 500 of at most 40 characters, such as
    municipality codes). Checked by the round (422 naming ``rules.residence...``)."""

    area: str
    values: list[str]


class RulesInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ballot: BallotRuleInput
    counting: Counting
    changeable: bool = True
    one_district: bool = False
    voters: Eligibility = Eligibility.SIGNED_IN
    # either makes the round one for the identity provider's sign-ins (voters)
    minimum_age: MinimumAgeInput | None = None
    residence: ResidenceInput | None = None


class PhaseInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    phase: Phase
    opens_at: Moment
    closes_at: Moment | None = None


class BudgetSetup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A budget dialog's round as it is created: its districts or themes, its rules and the
    five phases in order (proposals, review, voting, results, implementation)."""

    districts: Annotated[list[DistrictInput], Meta(min_length=1, max_length=MAX_DISTRICTS)]
    rules: RulesInput
    phases: Annotated[list[PhaseInput], Meta(min_length=5, max_length=5)]


class ConfigureRound(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A change of the round: what is left out stays. Districts change until proposal
    collection opens, rules until voting opens; phases that have begun keep their opening."""

    districts: (
        Annotated[list[DistrictInput], Meta(min_length=1, max_length=MAX_DISTRICTS)] | UnsetType
    ) = UNSET
    rules: RulesInput | UnsetType = UNSET
    phases: Annotated[list[PhaseInput], Meta(min_length=5, max_length=5)] | UnsetType = UNSET


class PlaceInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    address: Annotated[str, Meta(max_length=300)] | None = None


class ProposeProject(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    district: Key
    title: Annotated[str, Meta(min_length=1, max_length=TITLE_LENGTH)]
    description: Annotated[str, Meta(min_length=1, max_length=DESCRIPTION_LENGTH)]
    estimated_cost: Amount
    place: PlaceInput | None = None
    image: ImageRef | None = None  # the id of an uploaded image (POST /api/v1/images)


class ReviewProject(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The review's finding: feasible with its final cost, or not feasible with a public
    reason (a feasible one may give a reason too)."""

    feasible: bool
    reason: Annotated[str, Meta(max_length=REASON_LENGTH)] = ""
    final_cost: Amount | None = None


class CastBudgetBallot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A ballot in one district: the projects by id, in the voter's order (a ranked ballot's
    order counts), with the points beside them on a points ballot."""

    district: Key
    projects: Annotated[list[ProjectId], Meta(max_length=MAX_PROJECTS_ON_BALLOT)]
    points: Annotated[list[int], Meta(max_length=MAX_PROJECTS_ON_BALLOT)] | None = None


class UpdateImplementation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: Implementation
    note: Annotated[str, Meta(max_length=REASON_LENGTH)] = ""
    image: ImageRef | None = None
