-- The notifier's facts of participatory budgets, so that a funded project's implementation
-- update reaches those who follow it (kind project-updated). Rebuilt with the notifier.
--
-- Each round's dialog (a project names its round; the note links to the dialog's page).
CREATE TABLE notification_budget_rounds (
    tenant_id text NOT NULL,
    round_id  uuid NOT NULL,
    dialog_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, round_id)
);
-- Each project: its dialog, its proposer and where its title is (the position of its
-- proposal: the title is sealed under the proposer's key and opened only when a note shows it).
CREATE TABLE notification_projects (
    tenant_id   text   NOT NULL,
    project_id  uuid   NOT NULL,
    dialog_id   uuid   NOT NULL,
    proposer_id uuid   NOT NULL,
    title_at    bigint NOT NULL,
    PRIMARY KEY (tenant_id, project_id)
);
CREATE INDEX notification_projects_by_proposer ON notification_projects (tenant_id, proposer_id);
-- Who follows which project now (an erased person's follows end).
CREATE TABLE notification_project_followers (
    tenant_id  text NOT NULL,
    project_id uuid NOT NULL,
    person_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, project_id, person_id)
);
CREATE INDEX notification_project_followers_by_person
    ON notification_project_followers (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['notification_budget_rounds', 'notification_projects', 'notification_project_followers'],
    'ALL',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);

-- Rounds and projects recorded before this migration are learnt as every fact is: the
-- notifier's facts are emptied and its position dropped, so it reads the store again from the
-- first event on its next start (its items and deliveries are recorded already and conflict;
-- events older than two days become no e-mail), as 0032_notification_titles did.
TRUNCATE notification_dialogs, notification_posts, notification_participants,
    notification_post_people, notification_administrators;
DELETE FROM projection_positions WHERE projection = 'notifier';
