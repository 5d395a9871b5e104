-- A project imported from a Pabulib file (BudgetProjectImported) was proposed by nobody: its
-- row has no proposer. Proposed projects keep theirs (an erased proposer's texts are erased
-- by it, as before).
ALTER TABLE budget_projects ALTER COLUMN proposer_id DROP NOT NULL;
