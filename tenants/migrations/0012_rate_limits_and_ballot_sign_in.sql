-- Rate-limit counters keyed only by keyed hashes (HMAC under a key derived from the signing
-- secret), never by a client address in clear or a bare SHA-256 of an e-mail address as
-- before. The old rows are such keys; they are counters of windows minutes long, so they are
-- dropped rather than converted (the hash needs the secret, which the database never sees).
DELETE FROM rate_limits;

-- Each counter expires with its window; the projection worker deletes expired ones.
ALTER TABLE rate_limits ADD COLUMN expires_at timestamptz NOT NULL;
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);
GRANT SELECT, DELETE ON rate_limits TO tinget_worker;

-- The tally counts ballots from signed-in people apart from those of anonymous device
-- tokens (the rest of `ballots`). Ballots cast before the ballot said so count as anonymous.
ALTER TABLE poll_ballots ADD COLUMN signed_in_ballots integer NOT NULL DEFAULT 0;
