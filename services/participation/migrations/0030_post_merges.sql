-- Near-duplicate posts merged into another (the participation context). The post listing
-- shows a merged post as 'merged' with the post it went into; the merge policy keeps who
-- supports each post and which posts were merged where, so that it carries a duplicate's
-- supports to the post it was merged into (each person once), including a support that
-- reached the duplicate in a race with its merge.
ALTER TABLE posts ADD COLUMN merged_into uuid;

CREATE TABLE post_supporters (
    tenant_id text NOT NULL,
    post_id   uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, post_id, person_id)
);

CREATE TABLE post_merges (
    tenant_id    text NOT NULL,
    post_id      uuid NOT NULL,  -- the duplicate
    into_post_id uuid NOT NULL,  -- the post it was merged into
    PRIMARY KEY (tenant_id, post_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['post_supporters', 'post_merges'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
