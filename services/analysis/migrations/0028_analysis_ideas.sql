-- The ideas of analyses (the analysis context's idea development): each idea with its stage
-- (raw, assessed, developed, ready-for-decision, decided), title, owner, the items it came
-- from, the questions of each stage it entered ({"stage": [{"key", "text"}]}) and their
-- answers ({"stage": {"key": "answer"}}), its notes and, once decided, its decision.
-- Written by projection workers, read by the gateway.
CREATE TABLE analysis_ideas (
    tenant_id   text        NOT NULL,
    analysis_id uuid        NOT NULL,
    idea_id     uuid        NOT NULL,
    title       text        NOT NULL,
    stage       text        NOT NULL,
    owner_id    uuid,
    items       uuid[]      NOT NULL,
    questions   jsonb       NOT NULL,
    answers     jsonb       NOT NULL,
    notes       jsonb       NOT NULL,
    created_by  uuid        NOT NULL,
    created_at  timestamptz NOT NULL,
    changed_at  timestamptz NOT NULL,
    decision_id uuid,       -- the committee decision (decisions), once decided
    outcome     text,
    committee   text,
    decided_on  date,
    PRIMARY KEY (tenant_id, analysis_id, idea_id)
);
CREATE INDEX analysis_ideas_by_item ON analysis_ideas USING gin (items);

SELECT tinget_isolate_tenant_tables(
    ARRAY['analysis_ideas'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
