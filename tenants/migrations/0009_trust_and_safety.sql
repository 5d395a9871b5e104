-- Where a tenant's links point: its configured public URL, never a request's Host header.
ALTER TABLE tenant_directory ADD COLUMN public_url text;

-- Tokens that can be taken back: a person's token generation. Every token carries the
-- generation it was issued under; a role change, a block, an erasure or a sign-out raises the
-- person's generation, and a token of an older generation is refused. Only people whose tokens
-- were ever revoked have a row, so each process keeps a tenant's rows in memory.
CREATE TABLE token_generations (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    generation integer     NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['token_generations'], 'ALL',
    app_grants => 'SELECT, INSERT, UPDATE',
    worker_grants => 'SELECT, INSERT, UPDATE'
);

-- Which of these people joined the tenant (have a PersonJoined event): the check that a token
-- names a person who exists, for many tokens at once in one round trip. It sets the tenant for
-- its own statement's transaction, so row-level security applies as in tenant_transaction; it
-- refuses to run inside a transaction already set to another tenant.
CREATE FUNCTION tinget_people_joined(p_tenant text, p_people uuid[]) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    IF coalesce(current_setting('app.tenant_id', true), '') NOT IN ('', p_tenant) THEN
        RAISE EXCEPTION 'tinget_people_joined: the transaction is set to another tenant'
            USING ERRCODE = '42501';
    END IF;
    PERFORM set_config('app.tenant_id', p_tenant, true);
    RETURN QUERY SELECT e.stream_id FROM events e
        WHERE e.tenant_id = p_tenant AND e.stream_id = ANY (p_people)
          AND e.event_type = 'PersonJoined';
END
$$;
GRANT EXECUTE ON FUNCTION tinget_people_joined TO tinget_app;

-- Each gateway process loads a tenant's people (and tops its copy up once a second) to check
-- that a token names a person who exists: a small index of who joined, in log order.
CREATE INDEX events_people_joined ON events (tenant_id, position) WHERE event_type = 'PersonJoined';
