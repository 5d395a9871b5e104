-- Where the relay has published up to (one row per relay partition).
CREATE TABLE relay_positions (
    name       text PRIMARY KEY,
    position   bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON relay_positions TO tinget_worker;

-- How far each projection has applied each tenant's events, written in the same transaction
-- as the read model. The row with tenant '*' is the projection's cursor over the whole store.
CREATE TABLE projection_positions (
    projection text   NOT NULL,
    tenant_id  text   NOT NULL,
    position   bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, tenant_id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON projection_positions TO tinget_worker;
GRANT SELECT ON projection_positions TO tinget_app;

-- The tenant directory: every tenant, its hosts and branding. A platform table: the gateway
-- reads it to find the tenant of a request before any tenant is known.
CREATE TABLE tenant_directory (
    tenant_id            text PRIMARY KEY,
    name                 text NOT NULL,
    default_language     text NOT NULL,
    status               text NOT NULL,
    suspension_reason    text,
    hosts                text[] NOT NULL DEFAULT '{}',
    primary_colour       text,
    secondary_colour     text,
    background_colour    text,
    background_image_url text,
    welcome_text         text,
    logo_sha256          text,
    logo_content_type    text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE TABLE tenant_hosts (
    host      text PRIMARY KEY,
    tenant_id text NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON tenant_directory, tenant_hosts TO tinget_worker;
GRANT SELECT ON tenant_directory, tenant_hosts TO tinget_app;

-- Tenant assets (logos), content-addressed: written before the event that names them, so a
-- failed append leaves at most an unreferenced asset, never an event without its bytes.
CREATE TABLE tenant_assets (
    tenant_id    text  NOT NULL,
    sha256       text  NOT NULL,
    content_type text  NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);
SELECT tinget_isolate_tenant_tables(ARRAY['tenant_assets'], 'ALL', app_grants => 'SELECT, INSERT');
