-- Dashboards: activity counted per dialog in hourly and daily buckets; committee and kind come
-- from the dialog listing at query time, tenant totals are sums over dialogs.
CREATE TABLE activity_counts (
    tenant_id    text        NOT NULL,
    granularity  text        NOT NULL CHECK (granularity IN ('hour', 'day')),
    bucket_start timestamptz NOT NULL,
    dialog_id    uuid        NOT NULL,  -- the nil uuid for activity outside dialogs (joining)
    metric       text        NOT NULL,
    count        integer     NOT NULL,
    PRIMARY KEY (tenant_id, granularity, bucket_start, dialog_id, metric)
);

-- Who was active in a bucket, so participants are counted once per bucket (ballots name no
-- voter, so voting alone does not make a participant here).
CREATE TABLE activity_people (
    tenant_id    text        NOT NULL,
    granularity  text        NOT NULL,
    bucket_start timestamptz NOT NULL,
    dialog_id    uuid        NOT NULL,
    person_id    uuid        NOT NULL,
    PRIMARY KEY (tenant_id, granularity, bucket_start, dialog_id, person_id)
);

-- Moderation timing: when a post was first flagged or held for review, and when a moderator
-- decided.
CREATE TABLE moderation_timing (
    tenant_id   text        NOT NULL,
    post_id     uuid        NOT NULL,
    dialog_id   uuid        NOT NULL,
    waiting_since timestamptz NOT NULL,
    decided_at  timestamptz,
    PRIMARY KEY (tenant_id, post_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['activity_counts', 'activity_people', 'moderation_timing'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
