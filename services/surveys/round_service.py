"""Commands on panel rounds: staff start one for a drawn sample and a survey; the scheduler
sends it when the survey opens, records each reminder when due and closes it with the survey.

Who a round goes to is decided when it is sent: the sampled members still active and not
erased (the panel's population at that time). Who a reminder goes to is decided when it is
recorded: those sent the round who are still active and have no ``SurveyAnswered`` mark
recorded then. The mark says that a person answered, never what: nothing here reads a response.
A mark still waiting for its batch (services/dialogs/marks.py) does not spare a reminder: the
reminder's list would otherwise tell who answered since the last batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.dialogs.domain import Dialog, Status
from services.dialogs.service import Clock, DialogService, utc_now
from services.identity.access import Caller, Permission, event_metadata
from services.surveys.domain import Stage
from services.surveys.panel_service import PanelService
from services.surveys.panels import PanelSample
from services.surveys.responses import respondent_id
from services.surveys.rounds import (
    PanelRound,
    RoundState,
    duration_text,
    reminder_offsets,
    round_id,
)
from services.surveys.service import SurveyService

_CLOSED = (Status.CLOSED, Status.RESULTS_PUBLISHED)


class StartRound(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A round of a drawn sample for a survey dialog. ``reminders``: when to remind those who
    have not answered, after the sending, each a number of days or an ISO 8601 duration
    (``"P3D"``, ``"PT12H"``), at most 5, each later than the one before and before the survey
    closes."""

    sample_id: UUID
    dialog_id: UUID
    # (how many, and each one's form and range, checked by the service: 422 naming
    # reminders or reminders[i]; the API document keeps no bounds on a union's members)
    reminders: list[int | str] = []


class RoundStarted(msgspec.Struct, kw_only=True):
    round_id: UUID
    panel_id: UUID
    sample_id: UUID
    dialog_id: UUID
    state: str  # waiting (for the survey to open) or sent
    reminders: list[str]  # the schedule as ISO 8601 durations after the sending
    sent: int | None  # how many it was sent to, once sent


class PanelRoundService:
    def __init__(
        self,
        repository: Repository,
        panels: PanelService,
        dialogs: DialogService,
        surveys: SurveyService,
        clock: Clock = utc_now,
    ) -> None:
        self.repository = repository
        self.panels = panels
        self.dialogs = dialogs
        self.surveys = surveys
        self.clock = clock

    async def start(self, caller: Caller, panel_id: UUID, command: StartRound) -> RoundStarted:
        """Start a round (administrators). The survey must be published, not closed, with its
        questionnaire approved and scheduled (or out): otherwise 409 with the reason. A sample
        has one round. Sent at once when the survey is open."""
        caller.require(Permission.ADMINISTER)
        offsets = reminder_offsets(command.reminders)
        panel = await self.panels.get(caller.tenant_id, panel_id)
        sample = await self._sample(caller.tenant_id, panel_id, command.sample_id)
        dialog = await self.dialogs.get(caller.tenant_id, command.dialog_id)
        now = self.clock()
        out = await self._ready(caller.tenant_id, dialog, now)
        if await self._exists(caller.tenant_id, round_id(sample.id)):
            raise Conflict(f"the sample has a round already ({round_id(sample.id)})")
        rnd = PanelRound.start(
            panel_id=panel_id,
            sample_id=sample.id,
            question_id=sample.question_id,
            dialog_id=dialog.id,
            opens_at=dialog.details.opens_at,
            closes_at=dialog.details.closes_at,
            reminders=offsets,
            by=caller,
            now=now,
        )
        if out and dialog.status_at(now) is Status.OPEN:
            rnd.send(now, await self._active(caller.tenant_id, rnd, sample), panel.details.name)
        try:
            await self.repository.save(caller.tenant_id, rnd, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict(f"the sample has a round already ({rnd.id})") from None
        return _started(rnd)

    async def advance(self, tenant_id: str, rid: UUID, now: datetime | None = None) -> bool:
        """The scheduler's command: send the round once its survey is open, record the reminder
        due, or close it with its survey. False when nothing was due (or another worker did
        it meanwhile)."""
        now = self.clock() if now is None else now
        rnd = await self.repository.get(tenant_id, PanelRound, rid)
        if rnd.state is RoundState.CLOSED:
            return False
        dialog = await self.dialogs.get(tenant_id, rnd.dialog_id)
        status = dialog.status_at(now)
        if status in _CLOSED:
            moved = rnd.close(now)
        elif rnd.state is RoundState.WAITING:
            moved = status is Status.OPEN and await self._out(tenant_id, dialog.id, now)
            if moved:
                sample = await self.repository.get(tenant_id, PanelSample, rnd.sample_id)
                panel = await self.panels.get(tenant_id, rnd.panel_id)
                rnd.send(now, await self._active(tenant_id, rnd, sample), panel.details.name)
        elif rnd.due_reminder(now) is not None:
            panel = await self.panels.get(tenant_id, rnd.panel_id)
            moved = rnd.remind(now, await self._unanswered(tenant_id, rnd), panel.details.name)
        else:
            moved = False
        if not moved:
            return False
        try:
            await self.repository.save(tenant_id, rnd, metadata=event_metadata(None))
        except ConcurrencyConflict:
            return False  # another worker moved it: the next pass looks again
        return True

    # -- the rules' inputs ---------------------------------------------------------------------

    async def _sample(self, tenant_id: str, panel_id: UUID, sample_id: UUID) -> PanelSample:
        try:
            sample = await self.repository.get(tenant_id, PanelSample, sample_id)
        except AggregateNotFound:
            sample = None
        if sample is None or sample.panel_id != panel_id:
            raise NotFound(f"no sample {sample_id} of panel {panel_id}")
        return sample

    async def _ready(self, tenant_id: str, dialog: Dialog, now: datetime) -> bool:
        """Refuse a dialog that is no survey (422), or a survey not ready to be sent (409);
        whether its questionnaire has gone out."""
        if not dialog.policy.responses:
            raise InvalidInput("dialog_id", f"is a {dialog.kind.value} dialog, not a survey")
        status = dialog.status_at(now)
        if status is Status.DRAFT:
            raise Conflict("the survey is a draft: publish it before starting a round")
        if status in _CLOSED:
            raise Conflict(f"the survey closed at {dialog.details.closes_at.isoformat()}")
        try:
            questionnaire = await self.surveys.questionnaire(tenant_id, dialog.id)
        except NotFound:
            raise Conflict("the survey has no questionnaire yet") from None
        stage = questionnaire.stage_at(now)
        if stage not in (Stage.SCHEDULED, Stage.LOCKED):
            raise Conflict(
                f"the survey's questionnaire is {stage.value}: a round starts once it is"
                " approved and scheduled"
            )
        return stage is Stage.LOCKED

    async def _out(self, tenant_id: str, dialog_id: UUID, now: datetime) -> bool:
        """Whether the questionnaire has gone out (it may have been sent back meanwhile)."""
        try:
            questionnaire = await self.surveys.questionnaire(tenant_id, dialog_id)
        except NotFound:
            return False
        return questionnaire.stage_at(now) is Stage.LOCKED

    async def _exists(self, tenant_id: str, stream: UUID) -> bool:
        return bool(await self.repository.store.present(tenant_id, [stream]))

    async def _active(self, tenant_id: str, rnd: PanelRound, sample: PanelSample) -> set[UUID]:
        """The sampled members who are active members now and not erased."""
        population = await self.panels.population(tenant_id, rnd.panel_id, None)
        return set(sample.members) & set(population)

    async def _unanswered(self, tenant_id: str, rnd: PanelRound) -> set[UUID]:
        """Those sent the round who are still active and have not answered the survey."""
        population = await self.panels.population(tenant_id, rnd.panel_id, None)
        still = [p for p in rnd.recipients if p in population]
        return set(still) - await self.answered(tenant_id, rnd.dialog_id, still)

    async def answered(self, tenant_id: str, dialog_id: UUID, people: Sequence[UUID]) -> set[UUID]:
        """Which of ``people`` have a mark that they answered the survey (one read for all)."""
        marks = {respondent_id(dialog_id, p): p for p in people}
        present = await self.repository.store.present(tenant_id, list(marks))
        return {marks[m] for m in present}


def _started(rnd: PanelRound) -> RoundStarted:
    sent = rnd.state is not RoundState.WAITING
    return RoundStarted(
        round_id=rnd.id,
        panel_id=rnd.panel_id,
        sample_id=rnd.sample_id,
        dialog_id=rnd.dialog_id,
        state=rnd.state.value,
        reminders=[duration_text(s) for s in rnd.reminders],
        sent=len(rnd.recipients) if sent else None,
    )


__all__ = ["PanelRoundService", "RoundStarted", "StartRound"]
