-- A dialog's title, purpose and instructions in the municipality's other languages
-- (DialogDetails.translations): language -> {title?, purpose?, instructions?}. Empty: none,
-- the main texts are shown in every language.
ALTER TABLE dialogs ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';
