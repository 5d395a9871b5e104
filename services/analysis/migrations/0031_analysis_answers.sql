-- Free text survey answers as items of the analyses that cover their surveys (the analysis
-- context): written by projection workers from the questionnaires' and responses' events,
-- read by the gateway. Whether a text is hidden is read from the surveys' own moderation
-- (survey_text_decisions) when the items are read.
--
-- The free text questions of each questionnaire, with their text in its default language as
-- its newest form has it (an answer's title). A question that a later form no longer has
-- keeps its row, for the answers given to it.
CREATE TABLE analysis_survey_questions (
    tenant_id        text NOT NULL,
    questionnaire_id uuid NOT NULL,
    question_id      text NOT NULL,
    text             text NOT NULL,
    PRIMARY KEY (tenant_id, questionnaire_id, question_id)
);

-- One row per free text answer of a submitted response: item_id is a uuid5 of (survey,
-- response, question), where response is the keyed hash the surveys' exports and moderation
-- name the response by (never its stream, which is a keyed hash of the person). A response is
-- dated by its day (UTC), never a finer time. person_id is kept for a survey that names its
-- respondents, for erasure alone (their answers' rows are deleted), and is never shown.
-- search is the text's vector in the configuration of the tenant's language when it came.
CREATE TABLE analysis_answers (
    tenant_id        text     NOT NULL,
    item_id          uuid     NOT NULL,
    dialog_id        uuid     NOT NULL,
    questionnaire_id uuid     NOT NULL,
    response         text     NOT NULL,
    question_id      text     NOT NULL,
    body             text     NOT NULL,
    day              date     NOT NULL,
    person_id        uuid,
    search           tsvector NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX analysis_answers_by_dialog ON analysis_answers (tenant_id, dialog_id);
CREATE INDEX analysis_answers_by_person ON analysis_answers (tenant_id, person_id)
    WHERE person_id IS NOT NULL;
CREATE INDEX analysis_answers_search ON analysis_answers USING gin (search);

SELECT tinget_isolate_tenant_tables(
    ARRAY['analysis_survey_questions', 'analysis_answers'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
