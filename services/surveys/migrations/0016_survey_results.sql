-- Live results of surveys (the surveys context): counts kept as responses arrive, written by
-- projection workers and read by the gateway. No free text answer is kept here.
--
-- The questions of each questionnaire, as its newest form event has them: their type, their
-- place, the ids of their options (choice, ranking) or rows (matrix), and the points of their
-- scale (rating, Likert, matrix).
CREATE TABLE survey_result_questions (
    tenant_id        text    NOT NULL,
    questionnaire_id uuid    NOT NULL,
    question_id      text    NOT NULL,
    kind             text    NOT NULL,
    place            integer NOT NULL,
    items            jsonb   NOT NULL,
    points           jsonb   NOT NULL,
    PRIMARY KEY (tenant_id, questionnaire_id, question_id)
);

-- How many responses gave each value: an option (cell ''), a point of a rating, Likert or
-- number question (cell ''), a place of a ranked option (cell = option), a point of a
-- matrix row (cell = row). by_question and by_value are '' for all responses, else the single
-- choice question and the option within whose responses these are counted (cross-tabulation).
CREATE TABLE survey_result_counts (
    tenant_id   text   NOT NULL,
    dialog_id   uuid   NOT NULL,
    by_question text   NOT NULL,
    by_value    text   NOT NULL,
    question_id text   NOT NULL,
    cell        text   NOT NULL,
    value       text   NOT NULL,
    responses   bigint NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, by_question, by_value, question_id, cell, value)
);

-- How many responses answered each question (cell '') or matrix row (cell = row), and for
-- numbers and points the sum and the sum of squares (mean and spread); by_question and
-- by_value as in survey_result_counts.
CREATE TABLE survey_result_sums (
    tenant_id   text             NOT NULL,
    dialog_id   uuid             NOT NULL,
    by_question text             NOT NULL,
    by_value    text             NOT NULL,
    question_id text             NOT NULL,
    cell        text             NOT NULL,
    responses   bigint           NOT NULL,
    total       double precision NOT NULL,
    squares     double precision NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, by_question, by_value, question_id, cell)
);

-- Responses per day (UTC) of each survey.
CREATE TABLE survey_result_days (
    tenant_id text   NOT NULL,
    dialog_id uuid   NOT NULL,
    day       date   NOT NULL,
    responses bigint NOT NULL,
    PRIMARY KEY (tenant_id, dialog_id, day)
);

SELECT tinget_isolate_tenant_tables(
    ARRAY['survey_result_questions', 'survey_result_counts', 'survey_result_sums',
          'survey_result_days'],
    'SELECT',
    app_grants => 'SELECT',
    worker_grants => 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'
);
