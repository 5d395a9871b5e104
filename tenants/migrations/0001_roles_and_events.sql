-- Roles: tinget_app serves requests and is bound by row-level security; tinget_worker runs the
-- relay and the projections, which read the whole log. Neither owns any object.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tinget_app') THEN
        CREATE ROLE tinget_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tinget_worker') THEN
        CREATE ROLE tinget_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tinget_app, tinget_worker;

-- The event log. It is also the outbox: the relay publishes what is committed here.
-- position = (id of the writing transaction << 16) + the event's place in it, so positions follow
-- transaction ids, and a reader that stops below the oldest running transaction never skips a
-- row that commits later.
CREATE TABLE events (
    tenant_id   text        NOT NULL,
    stream_id   uuid        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    position    bigint      NOT NULL,
    event_id    uuid        NOT NULL,
    context     text        NOT NULL,
    event_type  text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, stream_id, version)
);
CREATE INDEX events_log ON events (position);

-- The group commit writes many tenants' events in one statement. It names the batch's tenants
-- in one transaction-local setting (',a,b,c,'), set once per batch; the row check below is one
-- substring search, whatever the number of tenants in the batch.
CREATE FUNCTION tinget_may_append(p_tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT strpos(current_setting('app.append_tenants', true), ',' || p_tenant || ',') > 0
$$;

-- The current transaction's own position range, so it can read back and undo what it wrote.
CREATE FUNCTION tinget_own_position(p bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (p >> 16) = pg_current_xact_id_if_assigned()::text::bigint
$$;

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_read ON events FOR SELECT
    USING (tenant_id = current_setting('app.tenant_id', true) OR tinget_own_position(position));
CREATE POLICY events_append ON events FOR INSERT
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true)
                OR tinget_may_append(tenant_id));
CREATE POLICY events_undo ON events FOR DELETE
    USING (tinget_own_position(position));

GRANT SELECT, INSERT, DELETE ON events TO tinget_app;
GRANT SELECT ON events TO tinget_worker;

-- Appends a batch of events in one statement. Rows carry the number of the append they belong
-- to; an append any of whose versions already exists is left out whole (its other rows are
-- removed again), and the others are kept. Returns the batch's position base (row n of the
-- batch has position base + n) and the numbers of the appends that were left out.
CREATE FUNCTION tinget_append(
    p_append   integer[],
    p_tenant   text[],
    p_stream   uuid[],
    p_version  integer[],
    p_event_id uuid[],
    p_context  text[],
    p_type     text[],
    p_data     bytea[],
    p_metadata bytea[],
    OUT base   bigint,
    OUT failed integer[]
)
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    v_count    integer := cardinality(p_append);
    v_inserted integer;
BEGIN
    IF v_count >= 65536 THEN
        RAISE EXCEPTION 'an append batch holds at most 65535 events' USING ERRCODE = '54000';
    END IF;
    base := pg_current_xact_id()::text::bigint << 16;
    PERFORM set_config('app.append_tenants',
                       ',' || array_to_string(ARRAY(SELECT DISTINCT unnest(p_tenant)), ',') || ',',
                       true);
    INSERT INTO events (tenant_id, stream_id, version, position, event_id, context,
                        event_type, data, metadata)
    SELECT u.t, u.s, u.v, base + u.n, u.e, u.c, u.ty,
           convert_from(u.d, 'UTF8')::jsonb, convert_from(u.m, 'UTF8')::jsonb
    FROM unnest(p_tenant, p_stream, p_version, p_event_id, p_context, p_type, p_data,
                p_metadata) WITH ORDINALITY AS u(t, s, v, e, c, ty, d, m, n)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_inserted = ROW_COUNT;

    IF v_inserted < v_count THEN
        SELECT array_agg(DISTINCT p_append[n]) INTO failed
        FROM generate_subscripts(p_append, 1) AS n
        WHERE NOT EXISTS (SELECT 1 FROM events ev WHERE ev.position = base + n);
        DELETE FROM events ev
        WHERE ev.position > base AND ev.position <= base + v_count
          AND p_append[(ev.position - base)::integer] = ANY (failed);
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION tinget_append TO tinget_app, tinget_worker;

-- The global log for readers that follow it: only positions below the oldest transaction still
-- running, so a row that commits later can never land behind a reader.
CREATE FUNCTION tinget_log_horizon() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16
$$;
GRANT EXECUTE ON FUNCTION tinget_log_horizon TO tinget_app, tinget_worker;
