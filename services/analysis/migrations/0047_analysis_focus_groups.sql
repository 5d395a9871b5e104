-- The focus groups an analysis covers (the analysis context): their answers, those the group's
-- moderator did not hide, are items of the analysis (read from focus_group_answers, 0046).
ALTER TABLE analyses ADD COLUMN focus_group_ids uuid[] NOT NULL DEFAULT '{}';
