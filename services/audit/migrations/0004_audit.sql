-- The audit trail: every event of a tenant as one entry, numbered 1, 2, 3 ... per tenant in log
-- order and hash-chained: hash = sha256(prev_hash || canonical bytes of the entry), where the
-- canonical form is defined in projections/audit_chain.py. `tinget audit verify` walks it.
CREATE TABLE audit_entries (
    tenant_id   text        NOT NULL,
    seq         bigint      NOT NULL CHECK (seq > 0),
    position    bigint      NOT NULL,
    event_id    uuid        NOT NULL,
    stream_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    context     text        NOT NULL,
    event_type  text        NOT NULL,
    dialog_id   uuid,
    actor       text,
    role        text,
    request_id  text,
    recorded_at timestamptz NOT NULL,
    payload     jsonb       NOT NULL,
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
-- The filters of GET /api/v1/audit (newest first, so each ends in seq), the page cursor (an
-- event id) and the projection's lookup of a stream's dialog.
CREATE INDEX audit_entries_dialog ON audit_entries (tenant_id, dialog_id, seq)
    WHERE dialog_id IS NOT NULL;
CREATE INDEX audit_entries_actor ON audit_entries (tenant_id, actor, seq) WHERE actor IS NOT NULL;
CREATE INDEX audit_entries_type ON audit_entries (tenant_id, event_type, seq);
CREATE INDEX audit_entries_context ON audit_entries (tenant_id, context, seq);
CREATE INDEX audit_entries_time ON audit_entries (tenant_id, recorded_at);
CREATE INDEX audit_entries_event ON audit_entries (tenant_id, event_id);
CREATE INDEX audit_entries_stream ON audit_entries (tenant_id, stream_id, seq)
    WHERE dialog_id IS NOT NULL;

-- The last entry of each tenant's chain: where the next one links on, and what lets
-- `tinget audit verify` notice entries removed from the end, which leave no gap behind.
CREATE TABLE audit_heads (
    tenant_id text   NOT NULL,
    seq       bigint NOT NULL,
    position  bigint NOT NULL,
    hash      bytea  NOT NULL,
    PRIMARY KEY (tenant_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['audit_entries', 'audit_heads'], 'SELECT', app_grants => 'SELECT'
);
-- Entries are only ever appended (or truncated whole by a rebuild): the worker gets no UPDATE or
-- DELETE on them, so a compromised projection worker cannot rewrite history in place.
GRANT SELECT, INSERT, TRUNCATE ON audit_entries TO tinget_worker;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_heads TO tinget_worker;
