-- Who follows which budget project (BudgetProjectFollowed, ...FollowedAgain, ...Unfollowed; an
-- erased person's rows go on PersonErased): read for a count per project and whether the
-- reader follows it, never listed.
CREATE TABLE budget_project_followers (
    tenant_id  text NOT NULL,
    project_id uuid NOT NULL,
    person_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, project_id, person_id)
);
CREATE INDEX budget_project_followers_by_person ON budget_project_followers (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['budget_project_followers'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
