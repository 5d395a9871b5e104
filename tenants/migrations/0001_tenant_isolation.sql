-- Row-level security of a tenant's table, in one place: each table named gets row-level
-- security enabled and forced (the owner is bound too), a policy `<table>_isolation` that lets a
-- session see (and, for 'ALL', write) only the rows of the tenant in `app.tenant_id`, and the
-- grants given to the request role (tinget_app) and the worker role (tinget_worker).
--
--   SELECT tinget_isolate_tenant_tables(ARRAY['people', 'sign_in_codes'], 'ALL',
--                                       app_grants => 'SELECT, INSERT, UPDATE, DELETE');
--
-- policy_for: 'ALL' (USING and WITH CHECK: read and write one tenant's rows) or 'SELECT' (read
-- one tenant's rows; a read model only the worker role writes, and it bypasses row security).
-- app_grants / worker_grants: table privileges (SELECT, INSERT, UPDATE, DELETE, TRUNCATE), comma
-- separated; NULL grants nothing (the migration grants what it needs itself).
--
-- This migration's name sorts right after 0001, so a fresh database has the function before the
-- migrations that call it; a database that ran the others already gets it at its next migrate,
-- before any later migration (pending ones are applied in name order). The function is
-- replaced, never changed in place: a migration that needs other behaviour defines a function
-- of another name, so that a fresh database keeps building the same tables as the ones running.
CREATE OR REPLACE FUNCTION tinget_isolate_tenant_tables(
    tables        text[],
    policy_for    text,
    app_grants    text DEFAULT NULL,
    worker_grants text DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    tenant_rule constant text := 'tenant_id = current_setting(''app.tenant_id'', true)';
BEGIN
    IF policy_for IS NULL OR policy_for NOT IN ('ALL', 'SELECT') THEN
        RAISE EXCEPTION 'policy_for must be ''ALL'' or ''SELECT'', not %', policy_for;
    END IF;
    IF EXISTS (
        SELECT FROM unnest(string_to_array(concat_ws(',', app_grants, worker_grants), ',')) g
        WHERE upper(btrim(g)) NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
    ) THEN
        RAISE EXCEPTION 'grants must be table privileges, not % / %', app_grants, worker_grants;
    END IF;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        IF policy_for = 'SELECT' THEN
            EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (%s)',
                           t || '_isolation', t, tenant_rule);
        ELSE
            EXECUTE format('CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                           t || '_isolation', t, tenant_rule, tenant_rule);
        END IF;
        IF app_grants IS NOT NULL THEN
            EXECUTE format('GRANT %s ON %I TO tinget_app', app_grants, t);
        END IF;
        IF worker_grants IS NOT NULL THEN
            EXECUTE format('GRANT %s ON %I TO tinget_worker', worker_grants, t);
        END IF;
    END LOOP;
END
$$;

-- Only migrations (the owner) call it.
REVOKE ALL ON FUNCTION tinget_isolate_tenant_tables(text[], text, text, text) FROM PUBLIC;
