-- The analysis workspace (the analysis context): analyses with their dialogs and members,
-- their codebooks, the codes and ratings of their items, and a full-text search vector per
-- post (in the text search configuration of the tenant's language), written by projection
-- workers and read by the gateway. An item is a post: its text, status and supports are read
-- from the post listing (posts).
CREATE TABLE analyses (
    tenant_id   text        NOT NULL,
    analysis_id uuid        NOT NULL,
    title       text        NOT NULL,
    dialog_ids  uuid[]      NOT NULL,
    members     uuid[]      NOT NULL,
    created_by  uuid        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, analysis_id)
);
CREATE INDEX analyses_by_member ON analyses USING gin (members);

CREATE TABLE analysis_codes (
    tenant_id   text    NOT NULL,
    analysis_id uuid    NOT NULL,
    code_id     uuid    NOT NULL,
    label       text    NOT NULL,
    description text    NOT NULL,
    parent_id   uuid,
    added       integer NOT NULL,  -- the analysis's version that added it: the codebook's order
    PRIMARY KEY (tenant_id, analysis_id, code_id)
);

CREATE TABLE analysis_item_codes (
    tenant_id   text   NOT NULL,
    analysis_id uuid   NOT NULL,
    item_id     uuid   NOT NULL,
    codes       uuid[] NOT NULL,
    PRIMARY KEY (tenant_id, analysis_id, item_id)
);
CREATE INDEX analysis_item_codes_by_code ON analysis_item_codes USING gin (codes);

CREATE TABLE analysis_ratings (
    tenant_id   text     NOT NULL,
    analysis_id uuid     NOT NULL,
    item_id     uuid     NOT NULL,
    person_id   uuid     NOT NULL,
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 10),
    PRIMARY KEY (tenant_id, analysis_id, item_id, person_id)
);

CREATE TABLE analysis_texts (
    tenant_id text     NOT NULL,
    post_id   uuid     NOT NULL,
    dialog_id uuid     NOT NULL,
    author_id uuid     NOT NULL,
    titled    boolean  NOT NULL,  -- whether the post has a title (an erased one reads erased)
    search    tsvector NOT NULL,
    PRIMARY KEY (tenant_id, post_id)
);
CREATE INDEX analysis_texts_by_author ON analysis_texts (tenant_id, author_id);
CREATE INDEX analysis_texts_search ON analysis_texts USING gin (search);

SELECT tinget_isolate_tenant_tables(
    ARRAY['analyses', 'analysis_codes', 'analysis_item_codes', 'analysis_ratings',
          'analysis_texts'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
