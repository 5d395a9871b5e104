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
ALTER TABLE token_generations ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_generations FORCE ROW LEVEL SECURITY;
CREATE POLICY token_generations_isolation ON token_generations
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON token_generations TO tinget_app;
GRANT SELECT, INSERT, UPDATE ON token_generations TO tinget_worker;
