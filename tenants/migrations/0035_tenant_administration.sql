-- What a municipality's administrators set over HTTP, in the tenant directory: the languages it
-- offers, its front page (sections in order, featured dialogs), the hero (an uploaded photo or
-- a video link), an uploaded background image, the defaults of new dialogs, and the web origins
-- allowed to call Tinget from a browser (CORS).
ALTER TABLE tenant_directory
    ADD COLUMN languages text[] NOT NULL DEFAULT '{sv,da,nb,fi,en}',
    ADD COLUMN front_page text[] NOT NULL
        DEFAULT '{welcome,open-dialogs-by-committee,results-and-decisions}',
    ADD COLUMN featured_dialogs text[] NOT NULL DEFAULT '{}',
    ADD COLUMN hero_image_sha256 text,
    ADD COLUMN hero_image_content_type text,
    ADD COLUMN hero_video_url text,
    ADD COLUMN background_image_sha256 text,
    ADD COLUMN background_image_content_type text,
    ADD COLUMN default_comments text NOT NULL DEFAULT 'everyone',
    ADD COLUMN default_images boolean NOT NULL DEFAULT false,
    ADD COLUMN default_anonymous boolean NOT NULL DEFAULT true,
    ADD COLUMN default_premoderation boolean NOT NULL DEFAULT false,
    ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';

-- A tenant's staff (everyone whose role is not participant or external analyst) and since
-- when they have been staff: the administrators' staff list. Names and addresses stay in
-- people, which the list joins, so an erasure reaches it.
CREATE TABLE staff_members (
    tenant_id text        NOT NULL,
    person_id uuid        NOT NULL,
    role      text        NOT NULL,
    since     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, person_id)
);
SELECT tinget_isolate_tenant_tables(
    ARRAY['staff_members'], 'ALL',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
