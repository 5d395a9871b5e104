-- Note that several people took part, in one statement (services/dialogs/marks.py: the notes
-- that arrive while one is being written go together, as appends do): each tenant's rows
-- under its own row-level security, a note already waiting kept.
CREATE FUNCTION tinget_note_took_part_together(
    p_tenants text[], p_dialogs uuid[], p_people uuid[], p_kinds text[]
)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT DISTINCT u FROM unnest(p_tenants) AS u LOOP
        PERFORM set_config('app.tenant_id', t, true);
        INSERT INTO took_part_pending (tenant_id, dialog_id, person_id, kind)
        SELECT n.tenant_id, n.dialog_id, n.person_id, n.kind
        FROM unnest(p_tenants, p_dialogs, p_people, p_kinds)
            AS n(tenant_id, dialog_id, person_id, kind)
        WHERE n.tenant_id = t
        ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION tinget_note_took_part_together TO tinget_app;
DROP FUNCTION tinget_note_took_part(text, uuid, uuid, text);
