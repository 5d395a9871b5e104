"""Decision records: what a committee decided, when, under which reference (a minute number),
and which dialogs and posts it answers.

A decision is the municipality's own record, not personal data. The authors, supporters,
signers and commenters of the posts it links, and everyone who took part in the dialogs it
links, are told of it (the notifier).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.errors import InvalidInput
from tenants import values
from tenants.domain import Tenant


def known_committee(tenant: Tenant, committee: str) -> str:
    """``committee`` (trimmed), if it is one of the municipality's committees: 422 naming
    ``committee`` otherwise."""
    committee = values.text(committee, "committee", max_length=100)
    if committee not in tenant.committees:
        known = ", ".join(tenant.committees) or "none yet"
        raise InvalidInput(
            "committee",
            f"{committee!r} is not a committee of {tenant.name} (committees: {known})",
        )
    return committee


TEXT_LENGTH = 20_000
REFERENCE_LENGTH = 100


class Decision(Aggregate):
    """One committee decision, linked to the dialogs and posts it answers."""

    @classmethod
    def record(
        cls,
        committee: str,
        decided_on: date,
        text: str,
        reference: str | None,
        dialog_ids: tuple[UUID, ...],
        post_ids: tuple[UUID, ...],
        recorded_by: UUID,
    ) -> Decision:
        """A committee's decision answering dialogs and posts; its text and reference are
        checked here (named ``text`` and ``reference`` when refused)."""
        text = values.text(text, "text", max_length=TEXT_LENGTH)
        if reference is not None:
            reference = values.text(reference, "reference", max_length=REFERENCE_LENGTH)
        if not dialog_ids and not post_ids:
            raise InvalidInput("post_ids", "a decision answers at least one dialog or post")
        for field, ids in (("dialog_ids", dialog_ids), ("post_ids", post_ids)):
            if len(set(ids)) != len(ids):
                raise InvalidInput(field, "each may be linked once")
        return cls(
            committee=committee,
            decided_on=decided_on,
            text=text,
            reference=reference,
            dialog_ids=dialog_ids,
            post_ids=post_ids,
            recorded_by=recorded_by,
        )

    @event("DecisionRecorded")
    def __init__(
        self,
        committee: str,
        decided_on: date,
        text: str,
        reference: str | None,
        dialog_ids: tuple[UUID, ...],
        post_ids: tuple[UUID, ...],
        recorded_by: UUID,
    ) -> None:
        self.committee = committee
        self.decided_on = decided_on
        self.text = text
        self.reference = reference
        self.dialog_ids = dialog_ids
        self.post_ids = post_ids
        self.recorded_by = recorded_by
