-- Moderation: the posts read model carries the last moderation reason (its status may now be
-- 'pending' or 'hidden' as well); the moderators' queue; who is blocked.
ALTER TABLE posts ADD COLUMN moderation_reason text;

-- The store keeps one append's events in stream order, not in the order given, so a post's
-- PostHeldForReview can reach the posts projection before its PostSubmitted: it waits here.
CREATE TABLE post_holds (
    tenant_id text NOT NULL,
    post_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, post_id)
);

-- One row per post that was flagged, held for approval or moderated.
CREATE TABLE moderation_queue (
    tenant_id        text        NOT NULL,
    post_id          uuid        NOT NULL,
    dialog_id        uuid        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('open', 'decided')),
    flags            integer     NOT NULL DEFAULT 0,
    reasons          text[]      NOT NULL DEFAULT '{}',
    first_flagged_at timestamptz,
    pending          boolean     NOT NULL DEFAULT false,
    appeal_open      boolean     NOT NULL DEFAULT false,
    appeal_reason    text,
    decision         text,
    decision_reason  text,
    decided_at       timestamptz,
    decided_by       uuid,
    queued_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, post_id)
);
CREATE INDEX moderation_queue_by_state ON moderation_queue (tenant_id, state, queued_at, post_id);
CREATE INDEX moderation_queue_all ON moderation_queue (tenant_id, queued_at, post_id);

-- Every person with a block record; each process keeps a copy in memory (one read a second).
CREATE TABLE blocked_people (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    blocked    boolean     NOT NULL,
    reason     text        NOT NULL,
    version    integer     NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['post_holds', 'moderation_queue', 'blocked_people'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
