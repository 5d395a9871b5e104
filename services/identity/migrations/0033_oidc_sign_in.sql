-- Sign-in with a municipality's identity provider (OpenID Connect).
--
-- A sign-in under way: the keyed hash of its `state` (never the state), the keyed hash of the
-- value the browser that began it was given in a cookie (so only that browser finishes it), the
-- provider's name, the PKCE verifier and nonce sealed under a key derived from the state (so
-- the table alone opens neither), ten minutes to live and used once. Expired rows go whenever
-- a sign-in starts.
CREATE TABLE oidc_sign_ins (
    tenant_id    text        NOT NULL,
    state_hash   bytea       NOT NULL,
    browser_hash bytea       NOT NULL,
    provider     text        NOT NULL,
    sealed       bytea       NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    PRIMARY KEY (tenant_id, state_hash)
);
CREATE INDEX oidc_sign_ins_expiry ON oidc_sign_ins (tenant_id, expires_at);
SELECT tinget_isolate_tenant_tables(
    ARRAY['oidc_sign_ins'], 'ALL', app_grants => 'SELECT, INSERT, UPDATE, DELETE'
);

-- A citizen signed in by an identity provider, found by a keyed hash (HMAC-SHA256 under a key
-- of the tenant's derived from the deployment's secret) of their national identity number:
-- one number, one person. The number itself is kept nowhere.
CREATE TABLE citizen_identities (
    tenant_id     text        NOT NULL,
    identity_hash bytea       NOT NULL,
    person_id     uuid        NOT NULL,
    linked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, identity_hash)
);
CREATE INDEX citizen_identities_person ON citizen_identities (tenant_id, person_id);
SELECT tinget_isolate_tenant_tables(
    ARRAY['citizen_identities'], 'ALL',
    app_grants => 'SELECT, INSERT, DELETE',
    worker_grants => 'SELECT, DELETE'
);

-- An erased person's keyed hash goes with their e-mail address and name, in the erasure's own
-- transaction (under its tenant): their next sign-in is a new person's.
CREATE FUNCTION tinget_forget_citizen_identity() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    DELETE FROM citizen_identities
        WHERE tenant_id = NEW.tenant_id AND person_id = NEW.person_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER people_erased_forget_citizen_identity
    AFTER INSERT OR UPDATE OF erased_at ON people
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL)
    EXECUTE FUNCTION tinget_forget_citizen_identity();
-- Only the trigger runs it (its EXECUTE right is checked when the trigger is made).
REVOKE ALL ON FUNCTION tinget_forget_citizen_identity() FROM PUBLIC;
