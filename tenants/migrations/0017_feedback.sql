-- Closing the feedback loop. A post's latest official answer (the municipality's answer to a
-- proposal, idea, petition or suggestion) shows in the post listing, which can be filtered by
-- its state.
ALTER TABLE posts ADD COLUMN answer_state text;
ALTER TABLE posts ADD COLUMN answer_text  text;
ALTER TABLE posts ADD COLUMN answered_at  timestamptz;

-- The notifier's fact: who backed (supported, signed) or commented on which post, so that the
-- post's official answer reaches them as well as its author. Rebuilt with the notifier.
CREATE TABLE notification_post_people (
    tenant_id text NOT NULL,
    post_id   uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, post_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['notification_post_people'], 'ALL',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);

-- Reporting back: the date an administrator set for a dialog to publish its results by (null:
-- 14 days after it closes) and the date its administrators were last warned of.
ALTER TABLE dialogs ADD COLUMN report_back_by           timestamptz;
ALTER TABLE dialogs ADD COLUMN report_back_reminded_for timestamptz;

-- The notifier's fact: each tenant's administrators, who are warned of a dialog's report-back
-- date. Rebuilt with the notifier.
CREATE TABLE notification_administrators (
    tenant_id text NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['notification_administrators'], 'ALL',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
