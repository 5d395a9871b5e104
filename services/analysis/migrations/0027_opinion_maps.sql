-- Opinion maps of statements dialogs (the analysis context). The projection keeps the votes
-- on statements (one row per statement and voter: +1 agree, -1 disagree, 0 pass), the ids of
-- the statements (so a moderation decision or a withdrawal finds its dialog) and a counter of
-- changes per dialog. The opinion mapper (in the projection worker) recomputes a dialog's map
-- when its counter moved, at most every few seconds, and keeps the latest map here with who
-- was placed in which group (which the next computation's group ids follow) and the axes.
-- Written by the projection worker, read by the gateway (maps only).
CREATE TABLE opinion_statements (
    tenant_id    text NOT NULL,
    statement_id uuid NOT NULL,
    dialog_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, statement_id)
);

CREATE TABLE opinion_votes (
    tenant_id    text     NOT NULL,
    dialog_id    uuid     NOT NULL,
    statement_id uuid     NOT NULL,
    person_id    uuid     NOT NULL,
    vote         smallint NOT NULL CHECK (vote BETWEEN -1 AND 1),
    PRIMARY KEY (tenant_id, dialog_id, statement_id, person_id)
);

CREATE TABLE opinion_changes (
    tenant_id text   NOT NULL,
    dialog_id uuid   NOT NULL,
    changes   bigint NOT NULL,  -- events that may change the dialog's map, applied so far
    PRIMARY KEY (tenant_id, dialog_id)
);

CREATE TABLE opinion_maps (
    tenant_id   text        NOT NULL,
    dialog_id   uuid        NOT NULL,
    map         jsonb       NOT NULL,  -- what viewers see (services.analysis.opinion.OpinionMap)
    members     jsonb       NOT NULL,  -- placed participant id -> group id (never shown whole)
    axes        jsonb       NOT NULL,  -- statement id -> its loadings on the two axes
    next_group  integer     NOT NULL,  -- the id the next new group gets
    changes     bigint      NOT NULL,  -- opinion_changes.changes the map was computed from
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['opinion_statements', 'opinion_votes', 'opinion_changes'],
    'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['opinion_maps'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE'
);
