-- Notes that people took part, many in one statement (services/dialogs/marks.py, Marks.note):
-- the notes of one tenant made while an earlier write was committing go in one call, one
-- commit. Runs as its caller (SECURITY INVOKER): the policies hold as for the INSERT itself.
CREATE FUNCTION tinget_note_took_part_many(
    p_tenant text, p_dialogs uuid[], p_persons uuid[], p_kinds text[]
)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant, true);
    INSERT INTO took_part_pending (tenant_id, dialog_id, person_id, kind)
    SELECT p_tenant, n.dialog_id, n.person_id, n.kind
    FROM unnest(p_dialogs, p_persons, p_kinds) AS n(dialog_id, person_id, kind)
    ON CONFLICT DO NOTHING;
END
$$;
GRANT EXECUTE ON FUNCTION tinget_note_took_part_many TO tinget_app;
