-- A focus group's live feed (the focus_groups context): one row per event that changes what a
-- watcher of the group sees, keyed by the event's log position, which is the server-sent
-- event's id. Written by the focus_group_answers read model in the same transaction as the
-- answers and notes it points at, so a row's answer or note is always there to be read. Ids,
-- times and marks only: the texts are read from focus_group_answers and focus_group_notes (an
-- erased person's read '[erased]') and the group's own stream when a row is sent.
CREATE TABLE focus_group_feed (
    tenant_id   text        NOT NULL,
    group_id    uuid        NOT NULL,
    position    bigint      NOT NULL,
    event       text        NOT NULL,  -- created, changed, member-added, member-removed,
                                       -- item-added, released, item-deleted, withdrawn,
                                       -- follow-up, answer, marked, note
    subject_id  uuid        NOT NULL,  -- the group, member, item, follow-up, answer or note
    target_id   uuid,                  -- an answer's item or follow-up; a follow-up's item
    person_id   uuid,                  -- an answer's author, a follow-up's addressee, a member
    role        text,                  -- a member's role
    release_at  timestamptz,           -- a release: from when participants see the item
    cancelled   boolean     NOT NULL,  -- a release moved or its item deleted before its time
    visible     boolean,               -- created, changed: answers_visible_before_answering
    pinned      boolean,               -- marked: the answer's marks from then on
    hidden      boolean,
    highlighted boolean,
    at          timestamptz NOT NULL,  -- when the event was recorded
    PRIMARY KEY (tenant_id, group_id, position)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['focus_group_feed'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);

-- The feed holds every group's history: the read model is emptied and its position dropped,
-- so it reads the store again from the first event on its next start (answers and notes are
-- written again as they were), as 0052_notification_project_followers did for the notifier.
TRUNCATE focus_group_answers, focus_group_notes;
DELETE FROM projection_positions WHERE projection = 'focus_group_answers';
