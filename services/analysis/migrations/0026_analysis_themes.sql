-- The themes of analyses (the analysis context): a heading and a summary analysts write and
-- the items (posts) they put into the theme, in the order they went in. A theme merged into
-- another is gone from here (its events keep it). Written by projection workers, read by the
-- gateway; an item's themes are found through the GIN index on items.
CREATE TABLE analysis_themes (
    tenant_id   text        NOT NULL,
    analysis_id uuid        NOT NULL,
    theme_id    uuid        NOT NULL,
    heading     text        NOT NULL,
    summary     text        NOT NULL,
    items       uuid[]      NOT NULL,
    split_from  uuid,       -- the theme it was split from, if any
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, analysis_id, theme_id)
);
CREATE INDEX analysis_themes_by_item ON analysis_themes USING gin (items);

SELECT tinget_isolate_tenant_tables(
    ARRAY['analysis_themes'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
