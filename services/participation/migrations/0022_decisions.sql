-- The decision listing (the participation context): each committee decision with the dialogs
-- and posts it answers, written by projection workers and read by the gateway (a dialog's
-- story shows the decisions that answer it or any of its posts).
CREATE TABLE decisions (
    tenant_id   text        NOT NULL,
    decision_id uuid        NOT NULL,
    committee   text        NOT NULL,
    decided_on  date        NOT NULL,
    text        text        NOT NULL,
    reference   text,
    dialog_ids  uuid[]      NOT NULL,
    post_ids    uuid[]      NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, decision_id)
);
CREATE INDEX decisions_by_dialog ON decisions USING gin (dialog_ids);
CREATE INDEX decisions_by_post ON decisions USING gin (post_ids);

SELECT tinget_isolate_tenant_tables(
    ARRAY['decisions'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
