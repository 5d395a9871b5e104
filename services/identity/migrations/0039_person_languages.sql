-- The language each person asked to be spoken to in (PUT /api/v1/me/language), as a read model
-- of PersonLanguageChosen: the notification sender reads it for a batch of deliveries at once.
-- No row: the person has no language of their own, and the municipality's default is used.
CREATE TABLE person_languages (
    tenant_id text NOT NULL,
    person_id uuid NOT NULL,
    language  text NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['person_languages'], 'ALL',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
