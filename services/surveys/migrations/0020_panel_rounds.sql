-- Panel rounds (the surveys context): each round of a panel with its state and schedule, the
-- members it was sent to, each reminder recorded, and who answered which survey (from the
-- SurveyAnswered marks, which name a person but no answer; kept without a time, which could
-- be set beside an anonymous response's). Written by projection workers, read
-- by the gateway (per tenant) and by the round scheduler (every tenant, as the worker role).
CREATE TABLE panel_rounds (
    tenant_id        text        NOT NULL,
    round_id         uuid        NOT NULL,
    panel_id         uuid        NOT NULL,
    sample_id        uuid        NOT NULL,
    dialog_id        uuid        NOT NULL,
    question_id      text,
    state            text        NOT NULL,
    reminders        integer[]   NOT NULL,
    reminded         integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    next_reminder_at timestamptz,
    closed_at        timestamptz,
    sent             integer     NOT NULL,
    PRIMARY KEY (tenant_id, round_id)
);
CREATE INDEX panel_rounds_by_panel ON panel_rounds (tenant_id, panel_id, started_at, round_id);
CREATE INDEX panel_rounds_open ON panel_rounds (next_reminder_at) WHERE state <> 'closed';

CREATE TABLE panel_round_recipients (
    tenant_id text NOT NULL,
    round_id  uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, round_id, person_id)
);

CREATE TABLE panel_round_reminders (
    tenant_id  text        NOT NULL,
    round_id   uuid        NOT NULL,
    reminder   integer     NOT NULL,
    due_at     timestamptz NOT NULL,
    recipients integer     NOT NULL,
    PRIMARY KEY (tenant_id, round_id, reminder)
);

CREATE TABLE panel_survey_respondents (
    tenant_id   text        NOT NULL,
    dialog_id   uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, person_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['panel_rounds', 'panel_round_recipients', 'panel_round_reminders',
          'panel_survey_respondents'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
