-- A sign-in link for an address nobody holds yet names no person: the address is kept only
-- inside the code's row, encrypted under a key derived from the code itself (which only the
-- e-mail's reader has), and the person is recorded when the link is redeemed. Expired codes
-- are pruned, so an unanswered request leaves nothing behind.
ALTER TABLE sign_in_codes ALTER COLUMN person_id DROP NOT NULL;
ALTER TABLE sign_in_codes ADD COLUMN email_sealed bytea;
ALTER TABLE sign_in_codes ADD CONSTRAINT sign_in_codes_names_someone
    CHECK (person_id IS NOT NULL OR email_sealed IS NOT NULL);
CREATE INDEX sign_in_codes_expiry ON sign_in_codes (tenant_id, expires_at);

-- Crypto-shredding: each person's data key, which seals the personal fields of their events
-- (a post's title, body and place; an appeal's reason). The key is stored wrapped under a key
-- derived from the deployment's secret. Erasure deletes the row; the events stay, unreadable.
CREATE TABLE person_keys (
    tenant_id  text        NOT NULL,
    person_id  uuid        NOT NULL,
    key        bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['person_keys'], 'ALL', app_grants => 'SELECT, INSERT, DELETE', worker_grants => 'SELECT'
);
