-- A rebuild writes a read model's tables from empty. Keeping their plain indexes up to date row
-- by row costs more than building each once the rows are in (audit_entries has seven). The
-- worker owns no table, so it may not drop or create an index itself: these two functions, run
-- with the owner's rights, do it for it, and only on a table the worker may empty anyway
-- (TRUNCATE). A plain index is one that backs no constraint and is not unique: primary keys and
-- unique indexes stay, as the rows written rely on them.
--
-- A dropped index's definition is kept in rebuild_deferred_indexes, in the same transaction as
-- the drop, so an index a crashed rebuild left dropped is built by whoever restores next.
CREATE TABLE rebuild_deferred_indexes (
    table_name text NOT NULL,
    index_name text NOT NULL,
    definition text NOT NULL,
    PRIMARY KEY (table_name, index_name)
);
GRANT SELECT ON rebuild_deferred_indexes TO tinget_worker;

-- Drops the plain indexes of p_table (in the public schema), keeping their definitions; returns
-- their names.
CREATE FUNCTION tinget_defer_indexes(p_table text) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    target constant regclass := to_regclass(format('public.%I', p_table));
    found record;
BEGIN
    IF target IS NULL OR NOT has_table_privilege('tinget_worker', target, 'TRUNCATE') THEN
        RAISE EXCEPTION '% is no table the worker may empty', p_table;
    END IF;
    FOR found IN
        SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = target AND NOT i.indisunique AND NOT i.indisexclusion
          AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
    LOOP
        INSERT INTO rebuild_deferred_indexes (table_name, index_name, definition)
        VALUES (p_table, found.name, found.definition)
        ON CONFLICT (table_name, index_name) DO UPDATE SET definition = excluded.definition;
        EXECUTE format('DROP INDEX public.%I', found.name);
        RETURN NEXT found.name;
    END LOOP;
END
$$;

-- Builds one index of p_table dropped by tinget_defer_indexes (unless it exists again) and
-- forgets its definition; returns whether it built it.
CREATE FUNCTION tinget_restore_index(p_table text, p_index text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    target constant regclass := to_regclass(format('public.%I', p_table));
    kept text;
BEGIN
    IF target IS NULL OR NOT has_table_privilege('tinget_worker', target, 'TRUNCATE') THEN
        RAISE EXCEPTION '% is no table the worker may empty', p_table;
    END IF;
    DELETE FROM rebuild_deferred_indexes WHERE table_name = p_table AND index_name = p_index
    RETURNING definition INTO kept;
    IF kept IS NULL OR to_regclass(format('public.%I', p_index)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE kept;
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION tinget_defer_indexes(text), tinget_restore_index(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tinget_defer_indexes(text), tinget_restore_index(text, text)
    TO tinget_worker;
