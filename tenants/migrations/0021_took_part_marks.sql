-- Marks that a person took part in a dialog (a ballot, a survey response), noted by the gateway
-- and recorded as events by the projection worker in batches (services/dialogs/marks.py), so
-- that no mark's place in the event log tells which contribution is its person's. No time is
-- kept: a row says only that the mark waits.
CREATE TABLE took_part_pending (
    tenant_id text NOT NULL,
    dialog_id uuid NOT NULL,
    person_id uuid NOT NULL,
    kind      text NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, person_id)
);
CREATE INDEX took_part_pending_by_person ON took_part_pending (tenant_id, person_id);

SELECT tinget_isolate_tenant_tables(
    ARRAY['took_part_pending'],
    'ALL',
    app_grants => 'SELECT, INSERT, DELETE',
    worker_grants => 'SELECT, DELETE'
);
