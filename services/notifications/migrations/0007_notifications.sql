-- Notifications: message templates, the notifier's own facts, in-app items, the outbox of
-- e-mail and push deliveries, preferences and push subscriptions.

-- The template listing: each tenant's own texts (a read model of NotificationTemplateChanged).
CREATE TABLE notification_templates (
    tenant_id  text        NOT NULL,
    kind       text        NOT NULL,
    language   text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, kind, language)
);

-- What the notifier needs to know to pick recipients and fill texts, fed by its own events so
-- it never waits for another read model. Rebuilt with the notifier.
CREATE TABLE notification_dialogs (
    tenant_id text NOT NULL,
    dialog_id uuid NOT NULL,
    title     text NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id)
);
CREATE TABLE notification_posts (
    tenant_id text NOT NULL,
    post_id   uuid NOT NULL,
    dialog_id uuid NOT NULL,
    author_id uuid NOT NULL,
    title     text NOT NULL,
    PRIMARY KEY (tenant_id, post_id)
);
-- Everyone who posted, commented, supported or signed in a dialog (ballots name nobody).
CREATE TABLE notification_participants (
    tenant_id text NOT NULL,
    dialog_id uuid NOT NULL,
    person_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, person_id)
);

-- In-app items and deliveries are NOT rebuilt: their ids follow from (event, recipient,
-- channel), so a rebuild or a redelivered batch inserts rows that conflict, and nothing is
-- shown or sent twice. Read marks and send states survive a rebuild.
CREATE TABLE notifications (
    tenant_id       text        NOT NULL,
    notification_id uuid        NOT NULL,
    person_id       uuid        NOT NULL,
    kind            text        NOT NULL,
    event_id        uuid        NOT NULL,
    details         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    read_at         timestamptz,
    PRIMARY KEY (tenant_id, notification_id)
);
CREATE INDEX notifications_by_person
    ON notifications (tenant_id, person_id, created_at DESC, notification_id DESC);

CREATE TABLE notification_deliveries (
    tenant_id       text        NOT NULL,
    delivery_id     uuid        NOT NULL,
    person_id       uuid        NOT NULL,
    kind            text        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'push')),
    event_id        uuid        NOT NULL,
    details         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    digest          boolean     NOT NULL DEFAULT false,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    PRIMARY KEY (tenant_id, delivery_id)
);
CREATE INDEX notification_deliveries_due
    ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_failed
    ON notification_deliveries (finished_at DESC) WHERE status = 'failed';

-- What a person wants per kind: each channel on or off, e-mail at once or in a daily digest.
-- No row means the defaults: every channel on, at once.
CREATE TABLE notification_preferences (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    kind       text        NOT NULL,
    email      boolean     NOT NULL DEFAULT true,
    push       boolean     NOT NULL DEFAULT true,
    in_app     boolean     NOT NULL DEFAULT true,
    digest     text        NOT NULL DEFAULT 'immediate' CHECK (digest IN ('immediate', 'daily')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id, kind)
);

-- Web push subscriptions of a person's browsers; the id follows from the endpoint.
CREATE TABLE push_subscriptions (
    tenant_id       text        NOT NULL,
    subscription_id uuid        NOT NULL,
    person_id       uuid        NOT NULL,
    endpoint        text        NOT NULL,
    p256dh          text        NOT NULL,
    auth            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subscription_id)
);
CREATE INDEX push_subscriptions_by_person ON push_subscriptions (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['notification_templates', 'notification_dialogs', 'notification_posts',
          'notification_participants', 'notifications', 'notification_deliveries',
          'notification_preferences', 'push_subscriptions'],
    'ALL'
);

-- Read models the notifier rebuilds.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE
    ON notification_templates, notification_dialogs, notification_posts, notification_participants
    TO tinget_worker;
GRANT SELECT ON notification_templates TO tinget_app;
-- The outbox and the in-app items: the worker inserts and sends; a person marks items read.
GRANT SELECT, INSERT, UPDATE ON notifications TO tinget_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_deliveries TO tinget_worker;
GRANT SELECT ON notifications TO tinget_app;
GRANT UPDATE (read_at) ON notifications TO tinget_app;
-- Written by people over HTTP (and the one-click unsubscribe); read by the sender.
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_preferences, push_subscriptions TO tinget_app;
GRANT SELECT ON notification_preferences TO tinget_worker;
GRANT SELECT, DELETE ON push_subscriptions TO tinget_worker;
-- The sender reads the recipient's address here, and never writes it anywhere else.
GRANT SELECT ON people TO tinget_worker;
