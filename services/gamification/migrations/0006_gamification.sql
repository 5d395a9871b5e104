-- Gamification. The policy's own tables (it decides from them what is earned, and they are the
-- read models of points): the rules in force per tenant, points and tallies per person, points
-- per person in each dialog (leaderboards), and each post's author (threshold events name only
-- the post). Then the progress projection's: badges awarded and leaderboard choices.
CREATE TABLE gamification_rules_in_force (
    tenant_id text  NOT NULL,
    rules     jsonb NOT NULL,
    PRIMARY KEY (tenant_id)
);

CREATE TABLE gamification_people (
    tenant_id    text    NOT NULL,
    person_id    uuid    NOT NULL,
    points       integer NOT NULL DEFAULT 0,
    posts        integer NOT NULL DEFAULT 0,
    comments     integer NOT NULL DEFAULT 0,
    endorsements integer NOT NULL DEFAULT 0,
    thresholds   integer NOT NULL DEFAULT 0,
    dialogs      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, person_id)
);

CREATE TABLE gamification_dialog_people (
    tenant_id text    NOT NULL,
    dialog_id uuid    NOT NULL,
    person_id uuid    NOT NULL,
    points    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, dialog_id, person_id)
);
CREATE INDEX gamification_leaderboard
    ON gamification_dialog_people (tenant_id, dialog_id, points DESC, person_id);

CREATE TABLE gamification_posts (
    tenant_id text    NOT NULL,
    post_id   uuid    NOT NULL,
    author_id uuid    NOT NULL,
    dialog_id uuid    NOT NULL,
    tally     text    NOT NULL,
    points    integer NOT NULL,
    status    text    NOT NULL,  -- counted, uncounted, hidden (by a moderator), withdrawn
    PRIMARY KEY (tenant_id, post_id)
);

CREATE TABLE gamification_badges (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    badge      text        NOT NULL,
    level      integer     NOT NULL,
    title      text        NOT NULL,
    dialog_id  uuid,
    awarded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, person_id, badge, level)
);

CREATE TABLE leaderboard_opt_ins (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    opted_in   boolean     NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['gamification_rules_in_force', 'gamification_people', 'gamification_dialog_people',
          'gamification_posts', 'gamification_badges', 'leaderboard_opt_ins'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
