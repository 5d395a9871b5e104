-- A sign-in link for an address nobody holds yet names no person: the address is kept only
-- inside the code's row, encrypted under a key derived from the code itself (which only the
-- e-mail's reader has), and the person is recorded when the link is redeemed. Expired codes
-- are pruned, so an unanswered request leaves nothing behind.
ALTER TABLE sign_in_codes ALTER COLUMN person_id DROP NOT NULL;
ALTER TABLE sign_in_codes ADD COLUMN email_sealed bytea;
ALTER TABLE sign_in_codes ADD CONSTRAINT sign_in_codes_names_someone
    CHECK (person_id IS NOT NULL OR email_sealed IS NOT NULL);
CREATE INDEX sign_in_codes_expiry ON sign_in_codes (tenant_id, expires_at);
