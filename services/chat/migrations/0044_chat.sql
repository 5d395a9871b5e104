-- Live chat (the chat context). chat_messages holds each message of a discussion's chat as
-- it stands now (its text erased with its author); chat_feed holds what the live stream
-- sends, one row per event that changes what watchers see, keyed by the event's log position,
-- which is the server-sent event's id: a client reconnecting with its last id reads the rows
-- after it. moderators_only marks what participants never receive (messages waiting for
-- approval, and the turning down of one).
CREATE TABLE chat_messages (
    tenant_id         text NOT NULL,
    message_id        uuid NOT NULL,
    dialog_id         uuid NOT NULL,
    position          bigint NOT NULL,  -- of its ChatMessagePosted
    author_id         uuid NOT NULL,
    anonymous         boolean NOT NULL,
    by_moderator      boolean NOT NULL,
    body              text NOT NULL,
    status            text NOT NULL,  -- pending, shown, hidden
    pinned            boolean NOT NULL,
    moderation_reason text,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);

CREATE INDEX chat_messages_by_dialog ON chat_messages (tenant_id, dialog_id, position);

CREATE TABLE chat_feed (
    tenant_id       text NOT NULL,
    dialog_id       uuid NOT NULL,
    position        bigint NOT NULL,
    message_id      uuid NOT NULL,
    event           text NOT NULL,  -- message, pending, hidden, pinned, unpinned
    moderators_only boolean NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, position)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['chat_messages', 'chat_feed'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
