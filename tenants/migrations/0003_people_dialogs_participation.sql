-- Personal data lives here, outside the events: events name people by an opaque id only, so a
-- person can be erased later without rewriting history.
CREATE TABLE people (
    tenant_id    text        NOT NULL,
    person_id    uuid        NOT NULL,
    email        text,
    display_name text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    erased_at    timestamptz,
    PRIMARY KEY (tenant_id, person_id)
);
CREATE UNIQUE INDEX people_email ON people (tenant_id, email) WHERE email IS NOT NULL;

-- One-time sign-in codes: e-mail links and invitation PINs. Only a keyed hash of the code is
-- kept; a code is used by one atomic UPDATE, so it works once.
CREATE TABLE sign_in_codes (
    tenant_id  text        NOT NULL,
    code_hash  bytea       NOT NULL,
    purpose    text        NOT NULL CHECK (purpose IN ('email-link', 'pin')),
    person_id  uuid        NOT NULL,
    dialog_id  uuid,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code_hash)
);

-- Fixed-window counters for rate limits (sign-in, posting), shared by every gateway replica.
CREATE TABLE rate_limits (
    tenant_id    text        NOT NULL,
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['people', 'sign_in_codes', 'rate_limits'], 'ALL',
    app_grants => 'SELECT, INSERT, UPDATE, DELETE'
);

-- Committees of a tenant, in the tenant directory.
ALTER TABLE tenant_directory ADD COLUMN committees text[] NOT NULL DEFAULT '{}';

-- Read models of dialogs and participation, written by projection workers and read by the
-- gateway under row-level security.
CREATE TABLE dialogs (
    tenant_id       text        NOT NULL,
    dialog_id       uuid        NOT NULL,
    kind            text        NOT NULL,
    title           text        NOT NULL,
    purpose         text        NOT NULL,
    instructions    text        NOT NULL,
    committee       text,
    access          text        NOT NULL,
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL,
    settings        jsonb       NOT NULL,
    status          text        NOT NULL,
    close_reason    text,
    results_summary text,
    posts           integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id)
);
CREATE INDEX dialogs_listing ON dialogs (tenant_id, created_at DESC, dialog_id DESC);
CREATE INDEX dialogs_due ON dialogs (status, opens_at, closes_at);

CREATE TABLE posts (
    tenant_id         text        NOT NULL,
    post_id           uuid        NOT NULL,
    dialog_id         uuid        NOT NULL,
    kind              text        NOT NULL,
    author_id         uuid        NOT NULL,
    anonymous         boolean     NOT NULL,
    title             text,
    body              text        NOT NULL,
    parent_id         uuid,
    root_id           uuid,
    latitude          double precision,
    longitude         double precision,
    address           text,
    image             text,
    status            text        NOT NULL,
    report_status     text,
    report_message    text,
    supports          integer     NOT NULL DEFAULT 0,
    signatures        integer     NOT NULL DEFAULT 0,
    comments          integer     NOT NULL DEFAULT 0,
    threshold_reached boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    edited_at         timestamptz,
    PRIMARY KEY (tenant_id, post_id)
);
CREATE INDEX posts_by_dialog ON posts (tenant_id, dialog_id, created_at DESC, post_id DESC)
    WHERE root_id IS NULL;
CREATE INDEX posts_by_thread ON posts (tenant_id, root_id, created_at, post_id)
    WHERE root_id IS NOT NULL;

CREATE TABLE poll_tallies (
    tenant_id text    NOT NULL,
    dialog_id uuid    NOT NULL,
    choice    text    NOT NULL,
    votes     integer NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, choice)
);

CREATE TABLE poll_ballots (
    tenant_id text    NOT NULL,
    dialog_id uuid    NOT NULL,
    ballots   integer NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id)
);

-- The participation policy's own counts: when supports or signatures reach the post's
-- threshold or goal, it records that on the post, once.
CREATE TABLE endorsement_counts (
    tenant_id  text    NOT NULL,
    post_id    uuid    NOT NULL,
    threshold  integer,
    goal       integer,
    supports   integer NOT NULL DEFAULT 0,
    signatures integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, post_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['dialogs', 'posts', 'poll_tallies', 'poll_ballots', 'endorsement_counts'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
