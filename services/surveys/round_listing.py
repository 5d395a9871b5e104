"""Panel rounds' read model: each round with its state and schedule, the members it was sent
to, its reminders, and who answered which survey; and the queries beside it (a panel's rounds,
one round, its response rate overall and per stratum).

Who answered comes from the ``SurveyAnswered`` marks (they name the person, never an answer),
kept without the time, which could be set beside an anonymous response's.
The strata are the members' answers to the sample's background question, read from
``panel_background`` at query time (personal data outside the events, emptied by erasure), and
only counts leave the database: a response count below the tenant's minimum group size
(``MIN_GROUP_SIZE`` unless it set its own) is shown as null with ``suppressed: true``, as
survey results are, together with as many more strata as it takes
that no hidden count is the overall count less the shown ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from services.surveys.results import MIN_GROUP_SIZE, hidden
from services.surveys.rounds import duration_text

ROUND_EVENTS = frozenset(
    {"PanelRoundStarted", "PanelRoundSent", "PanelRoundReminderDue", "PanelRoundClosed"}
)


def _next(reminders: Sequence[int], reminded: int, sent_at: datetime | None) -> datetime | None:
    if sent_at is None or reminded >= len(reminders):
        return None
    return sent_at + timedelta(seconds=reminders[reminded])


class PanelRounds:
    name = "panel_rounds"
    event_types = ROUND_EVENTS | {"SurveyAnswered"}
    tables: tuple[str, ...] = (
        "panel_rounds",
        "panel_round_recipients",
        "panel_round_reminders",
        "panel_survey_respondents",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        for r in events:  # rounds are few: each event is written as it comes, in log order
            e = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            t, stream = r.tenant_id, r.stream_id
            if r.event_type == "SurveyAnswered":
                await conn.execute(
                    "INSERT INTO panel_survey_respondents (tenant_id, dialog_id, person_id)"
                    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    t,
                    e.dialog_id,
                    e.person_id,
                )
            elif r.event_type == "PanelRoundStarted":
                await conn.execute(
                    "INSERT INTO panel_rounds (tenant_id, round_id, panel_id, sample_id,"
                    " dialog_id, question_id, state, reminders, reminded, started_at, sent)"
                    " VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7, 0, $8, 0)"
                    " ON CONFLICT DO NOTHING",
                    t,
                    stream,
                    e.panel_id,
                    e.sample_id,
                    e.dialog_id,
                    e.question_id,
                    list(e.reminders),
                    e.timestamp,
                )
            elif r.event_type == "PanelRoundSent":
                reminders = await conn.fetchval(
                    "SELECT reminders FROM panel_rounds WHERE tenant_id = $1 AND round_id = $2",
                    t,
                    stream,
                )
                await conn.execute(
                    "UPDATE panel_rounds SET state = 'sent', sent_at = $3, sent = $4,"
                    " next_reminder_at = $5 WHERE tenant_id = $1 AND round_id = $2",
                    t,
                    stream,
                    e.sent_at,
                    len(e.recipients),
                    _next(reminders or [], 0, e.sent_at),
                )
                await conn.execute(
                    "INSERT INTO panel_round_recipients (tenant_id, round_id, person_id)"
                    " SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
                    t,
                    stream,
                    list(e.recipients),
                )
            elif r.event_type == "PanelRoundReminderDue":
                row = await conn.fetchrow(
                    "SELECT reminders, sent_at FROM panel_rounds WHERE tenant_id = $1"
                    " AND round_id = $2",
                    t,
                    stream,
                )
                after = None if row is None else _next(row["reminders"], e.reminder, row["sent_at"])
                await conn.execute(
                    "UPDATE panel_rounds SET reminded = $3, next_reminder_at = $4"
                    " WHERE tenant_id = $1 AND round_id = $2",
                    t,
                    stream,
                    e.reminder,
                    after,
                )
                await conn.execute(
                    "INSERT INTO panel_round_reminders (tenant_id, round_id, reminder, due_at,"
                    " recipients) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    t,
                    stream,
                    e.reminder,
                    e.due_at,
                    len(e.recipients),
                )
            elif r.event_type == "PanelRoundClosed":
                await conn.execute(
                    "UPDATE panel_rounds SET state = 'closed', closed_at = $3,"
                    " next_reminder_at = NULL WHERE tenant_id = $1 AND round_id = $2",
                    t,
                    stream,
                    e.closed_at,
                )


class ReminderRow(msgspec.Struct, kw_only=True):
    reminder: int  # 1 for the first of the schedule
    due_at: datetime
    recipients: int  # how many had not answered then


class RoundRow(msgspec.Struct, kw_only=True):
    round_id: UUID
    panel_id: UUID
    sample_id: UUID
    dialog_id: UUID
    question_id: str | None  # the sample's: the strata of the response rate
    state: str  # waiting (for the survey to open), sent, closed
    reminders: list[str]  # the schedule, as ISO 8601 durations after the sending
    started_at: datetime
    sent_at: datetime | None
    next_reminder_at: datetime | None
    closed_at: datetime | None
    sent: int  # members it was sent to
    reminded: list[ReminderRow] = []


class StratumRate(msgspec.Struct, kw_only=True):
    stratum: str  # an option of the question ("" for members without an answer to it)
    sent: int
    responded: int | None  # null when suppressed
    rate: float | None
    suppressed: bool


class ResponseRate(msgspec.Struct, kw_only=True):
    sent: int
    responded: int | None  # null when suppressed (fewer than the minimum group size)
    rate: float | None
    suppressed: bool
    minimum: int  # the minimum group size: smaller counts are suppressed
    question_id: str | None
    strata: list[StratumRate]


def _round(r: asyncpg.Record) -> RoundRow:
    return RoundRow(
        round_id=r["round_id"],
        panel_id=r["panel_id"],
        sample_id=r["sample_id"],
        dialog_id=r["dialog_id"],
        question_id=r["question_id"],
        state=r["state"],
        reminders=[duration_text(s) for s in r["reminders"]],
        started_at=r["started_at"],
        sent_at=r["sent_at"],
        next_reminder_at=r["next_reminder_at"],
        closed_at=r["closed_at"],
        sent=r["sent"],
    )


# Each recipient's stratum and whether they answered, counted per stratum: no person leaves.
_RATES = (
    "SELECT coalesce(b.option_id, '') AS stratum, count(*) AS sent,"
    " count(a.person_id) AS responded FROM panel_round_recipients x"
    " LEFT JOIN panel_background b ON b.tenant_id = x.tenant_id AND b.panel_id = $3"
    " AND b.person_id = x.person_id AND b.question_id = $5"
    " LEFT JOIN panel_survey_respondents a ON a.tenant_id = x.tenant_id AND a.dialog_id = $4"
    " AND a.person_id = x.person_id"
    " WHERE x.tenant_id = $1 AND x.round_id = $2 GROUP BY 1 ORDER BY 1"
)


def response_rate(
    counts: dict[str, tuple[int, int]],
    options: Sequence[str],
    question_id: str | None,
    minimum: int = MIN_GROUP_SIZE,
) -> ResponseRate:
    """The response rate from (sent, responded) per stratum: every option listed (and ""
    when some member has no answer), small response counts suppressed."""
    order = list(options) + [s for s in sorted(counts) if s not in options]
    sent = sum(n for n, _ in counts.values())
    responded = sum(a for _, a in counts.values())
    shown = responded >= minimum
    small = hidden({s: counts.get(s, (0, 0))[1] for s in order}, minimum, whole=shown)
    strata = []
    for s in order:
        n, a = counts.get(s, (0, 0))
        if s in small:
            strata.append(
                StratumRate(stratum=s, sent=n, responded=None, rate=None, suppressed=True)
            )
        else:
            rate = a / n if n else None
            strata.append(StratumRate(stratum=s, sent=n, responded=a, rate=rate, suppressed=False))
    return ResponseRate(
        sent=sent,
        responded=responded if shown else None,
        rate=(responded / sent if sent else None) if shown else None,
        suppressed=not shown,
        minimum=minimum,
        question_id=question_id,
        strata=strata if question_id is not None else [],
    )


async def _reminders(
    conn: asyncpg.Connection, tenant_id: str, rounds: list[UUID]
) -> dict[UUID, list[ReminderRow]]:
    rows = await conn.fetch(
        "SELECT round_id, reminder, due_at, recipients FROM panel_round_reminders"
        " WHERE tenant_id = $1 AND round_id = ANY($2::uuid[]) ORDER BY round_id, reminder",
        tenant_id,
        rounds,
    )
    found: dict[UUID, list[ReminderRow]] = {}
    for r in rows:
        found.setdefault(r["round_id"], []).append(
            ReminderRow(reminder=r["reminder"], due_at=r["due_at"], recipients=r["recipients"])
        )
    return found


class PanelRoundQueries:
    """Reads of the rounds' read model, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def rounds(self, tenant_id: str, panel_id: UUID) -> list[RoundRow]:
        """The panel's rounds, the latest started first, each with its reminders so far."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT * FROM panel_rounds WHERE tenant_id = $1 AND panel_id = $2"
                " ORDER BY started_at DESC, round_id",
                tenant_id,
                panel_id,
            )
            reminders = await _reminders(conn, tenant_id, [r["round_id"] for r in rows])
        found = [_round(r) for r in rows]
        for row in found:
            row.reminded = reminders.get(row.round_id, [])
        return found

    async def round(self, tenant_id: str, panel_id: UUID, round_id: UUID) -> RoundRow | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT * FROM panel_rounds WHERE tenant_id = $1 AND round_id = $2"
                " AND panel_id = $3",
                tenant_id,
                round_id,
                panel_id,
            )
            if row is None:
                return None
            reminders = await _reminders(conn, tenant_id, [round_id])
        found = _round(row)
        found.reminded = reminders.get(round_id, [])
        return found

    async def rate(
        self,
        tenant_id: str,
        found: RoundRow,
        question_id: str | None,
        options: Sequence[str],
        minimum: int = MIN_GROUP_SIZE,
    ) -> ResponseRate:
        """The round's response rate overall and per answer to ``question_id``."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                _RATES, tenant_id, found.round_id, found.panel_id, found.dialog_id, question_id
            )
        counts: dict[str, tuple[int, int]] = {
            r["stratum"]: (int(r["sent"]), int(r["responded"])) for r in rows
        }
        return response_rate(counts, options, question_id, minimum)
