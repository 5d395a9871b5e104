-- A project imported from a Pabulib file (BudgetProjectImported) was proposed by nobody: its
-- row has no proposer. Proposed projects keep theirs (an erased proposer's texts are erased
-- by it, as before).
ALTER TABLE budget_projects ALTER COLUMN proposer_id DROP NOT NULL;
-- The notifier's facts of such a project (its dialog, and where its title is, for a note of
-- its implementation to those who follow it) have no proposer either.
ALTER TABLE notification_projects ALTER COLUMN proposer_id DROP NOT NULL;
