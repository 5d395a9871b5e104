-- Focus groups (the focus_groups context): the participants' answers with the moderator's marks,
-- and the notes staff leave, as the gateway reads them (per tenant). The group itself (members,
-- guide, releases, follow-ups) is read from its own stream. Texts are personal data: a person's
-- erasure turns theirs into '[erased]', as a rebuild of their sealed events does.
CREATE TABLE focus_group_answers (
    tenant_id   text        NOT NULL,
    answer_id   uuid        NOT NULL,
    group_id    uuid        NOT NULL,
    item_id     uuid        NOT NULL,
    person_id   uuid        NOT NULL,
    text        text        NOT NULL,
    pinned      boolean     NOT NULL,
    hidden      boolean     NOT NULL,
    highlighted boolean     NOT NULL,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, answer_id)
);
CREATE INDEX focus_group_answers_by_group
    ON focus_group_answers (tenant_id, group_id, answered_at, answer_id);
CREATE INDEX focus_group_answers_by_person ON focus_group_answers (tenant_id, person_id);

CREATE TABLE focus_group_notes (
    tenant_id  text        NOT NULL,
    note_id    uuid        NOT NULL,
    group_id   uuid        NOT NULL,
    author_id  uuid        NOT NULL,
    item_id    uuid,
    answer_id  uuid,
    text       text        NOT NULL,
    written_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, note_id)
);
CREATE INDEX focus_group_notes_by_group ON focus_group_notes (tenant_id, group_id, written_at);
CREATE INDEX focus_group_notes_by_author ON focus_group_notes (tenant_id, author_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['focus_group_answers', 'focus_group_notes'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);

-- The groups and who is in them, for the listing of a person's groups (the group's own stream
-- decides every rule; this only lists). No personal data: ids, roles and the staff's titles.
CREATE TABLE focus_groups (
    tenant_id    text        NOT NULL,
    group_id     uuid        NOT NULL,
    title        text        NOT NULL,
    participants integer     NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, group_id)
);
CREATE INDEX focus_groups_by_time ON focus_groups (tenant_id, created_at, group_id);

CREATE TABLE focus_group_members (
    tenant_id text        NOT NULL,
    group_id  uuid        NOT NULL,
    person_id uuid        NOT NULL,
    role      text        NOT NULL,
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, group_id, person_id)
);
CREATE INDEX focus_group_members_by_person ON focus_group_members (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['focus_groups', 'focus_group_members'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
