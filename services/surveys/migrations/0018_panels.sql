-- Citizen panels (the surveys context). The read model of panels and memberships, written by
-- projection workers and read by the gateway, and the members' answers to the background
-- questions: personal data kept outside the events, written by the gateway, deleted with the
-- person on erasure.
CREATE TABLE panels (
    tenant_id        text        NOT NULL,
    panel_id         uuid        NOT NULL,
    name             text        NOT NULL,
    description      text        NOT NULL,
    consent          text        NOT NULL,
    consent_revision integer     NOT NULL,
    questions        jsonb       NOT NULL,
    open_sign_up     boolean     NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, panel_id)
);
CREATE INDEX panels_by_name ON panels (tenant_id, name, panel_id);

CREATE TABLE panel_members (
    tenant_id        text        NOT NULL,
    membership_id    uuid        NOT NULL,
    panel_id         uuid        NOT NULL,
    person_id        uuid        NOT NULL,
    status           text        NOT NULL,
    via              text,
    consent_revision integer,
    invited_at       timestamptz,
    joined_at        timestamptz,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, membership_id)
);
CREATE INDEX panel_members_by_status ON panel_members (tenant_id, panel_id, status, person_id);
CREATE INDEX panel_members_by_person ON panel_members (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['panels', 'panel_members'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);

CREATE TABLE panel_background (
    tenant_id   text        NOT NULL,
    panel_id    uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    question_id text        NOT NULL,
    option_id   text        NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, panel_id, person_id, question_id)
);
CREATE INDEX panel_background_by_person ON panel_background (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['panel_background'], 'ALL', app_grants => 'SELECT, INSERT, UPDATE, DELETE'
);
