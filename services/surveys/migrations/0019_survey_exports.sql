-- Survey responses one by one (the surveys context), for exports and the moderation of free
-- text answers: written by projection workers, read by the gateway.
--
-- A response is named by a keyed hash of its stream (never the stream, which is a keyed hash
-- of the person) and dated by its day (UTC), never a finer time. answers is NULL once the
-- respondent of a survey that names them is erased; person_id is kept for that alone (NULL
-- for anonymous responses) and is in no export.
CREATE TABLE survey_responses (
    tenant_id text    NOT NULL,
    dialog_id uuid    NOT NULL,
    response  text    NOT NULL,
    day       date    NOT NULL,
    version   integer NOT NULL,
    answers   jsonb,
    person_id uuid,
    PRIMARY KEY (tenant_id, dialog_id, response)
);
-- exports read a survey's responses by day, then by response
CREATE INDEX survey_responses_by_day ON survey_responses (tenant_id, dialog_id, day, response);
CREATE INDEX survey_responses_by_person ON survey_responses (tenant_id, person_id)
    WHERE person_id IS NOT NULL;

-- What staff last decided about a free text answer: approved (published in results) or
-- hidden; a text with no row here is pending.
CREATE TABLE survey_text_decisions (
    tenant_id   text        NOT NULL,
    dialog_id   uuid        NOT NULL,
    response    text        NOT NULL,
    question_id text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('approved', 'hidden')),
    decided_by  uuid        NOT NULL,
    decided_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, response, question_id)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['survey_responses', 'survey_text_decisions'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
