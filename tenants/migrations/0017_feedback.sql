-- Closing the feedback loop. A post's latest official answer (the municipality's answer to a
-- proposal, idea, petition or suggestion) shows in the post listing, which can be filtered by
-- its state.
ALTER TABLE posts ADD COLUMN answer_state text;
ALTER TABLE posts ADD COLUMN answer_text  text;
ALTER TABLE posts ADD COLUMN answered_at  timestamptz;
