-- One round trip where a request needs one statement under its tenant's row-level security.
-- A transaction of its own (BEGIN, set_config, the statement, COMMIT) costs four round trips;
-- these functions set the tenant for the statement's own transaction and run it, so a bare
-- call (autocommit) does the same in one. Both run as their caller (SECURITY INVOKER): the
-- policies hold as for the statement itself.

-- One stream's events after a version, in version order (EventStore.read_stream).
CREATE FUNCTION tinget_read_stream(p_tenant text, p_stream uuid, p_after integer)
RETURNS TABLE (
    "position"  bigint,
    tenant_id   text,
    stream_id   uuid,
    version     integer,
    event_id    uuid,
    context     text,
    event_type  text,
    data        bytea,
    metadata    bytea,
    recorded_at timestamptz
)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant, true);
    RETURN QUERY
        SELECT e.position, e.tenant_id, e.stream_id, e.version, e.event_id, e.context,
               e.event_type, convert_to(e.data::text, 'UTF8'), convert_to(e.metadata::text, 'UTF8'),
               e.recorded_at
        FROM events e
        WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream AND e.version > p_after
        ORDER BY e.version;
END
$$;
GRANT EXECUTE ON FUNCTION tinget_read_stream TO tinget_app, tinget_worker;

-- Note that a person took part in a dialog (services/dialogs/marks.py, Marks.note).
CREATE FUNCTION tinget_note_took_part(p_tenant text, p_dialog uuid, p_person uuid, p_kind text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant, true);
    INSERT INTO took_part_pending (tenant_id, dialog_id, person_id, kind)
    VALUES (p_tenant, p_dialog, p_person, p_kind)
    ON CONFLICT DO NOTHING;
END
$$;
GRANT EXECUTE ON FUNCTION tinget_note_took_part TO tinget_app;
