-- Participatory budgeting (the budgeting context): each budget round's districts, rules,
-- phases and recorded results; its projects with their review and implementation; and its
-- ballots by their keyed stream id (which names nobody), for the ballot counts per district
-- and the count. Written by projection workers, read by the gateway (per tenant).
CREATE TABLE budget_rounds (
    tenant_id  text        NOT NULL,
    round_id   uuid        NOT NULL,
    dialog_id  uuid        NOT NULL,
    districts  jsonb       NOT NULL,
    rules      jsonb       NOT NULL,
    phases     jsonb       NOT NULL,
    results    jsonb,
    counted_at timestamptz,
    PRIMARY KEY (tenant_id, round_id)
);

CREATE TABLE budget_projects (
    tenant_id            text        NOT NULL,
    project_id           uuid        NOT NULL,
    round_id             uuid        NOT NULL,
    district             text        NOT NULL,
    proposer_id          uuid        NOT NULL,
    title                text        NOT NULL,
    description          text        NOT NULL,
    estimated_cost       bigint      NOT NULL,
    latitude             double precision,
    longitude            double precision,
    address              text,
    image                text,
    feasible             boolean,
    reason               text,
    final_cost           bigint,
    implementation       text,
    implementation_note  text,
    implementation_image text,
    proposed_at          timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, project_id)
);
CREATE INDEX budget_projects_by_round ON budget_projects (tenant_id, round_id, district, proposed_at);
CREATE INDEX budget_projects_by_proposer ON budget_projects (tenant_id, proposer_id);

CREATE TABLE budget_ballots (
    tenant_id text      NOT NULL,
    ballot_id uuid      NOT NULL,
    round_id  uuid      NOT NULL,
    district  text      NOT NULL,
    projects  text[]    NOT NULL,
    points    integer[],
    PRIMARY KEY (tenant_id, ballot_id)
);
CREATE INDEX budget_ballots_by_round ON budget_ballots (tenant_id, round_id, district);

SELECT tinget_isolate_tenant_tables(
    ARRAY['budget_rounds', 'budget_projects', 'budget_ballots'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
