-- A dialog's title, purpose and instructions in the municipality's other languages
-- (DialogDetails.translations): language -> {title?, purpose?, instructions?}. Empty: none,
-- the main texts are shown in every language.
ALTER TABLE dialogs ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';

-- The notifier's dialog titles in those languages (language -> title): a notification names
-- the dialog in the recipient's language. No dialog had translations before this migration,
-- so the notifier has nothing to learn again.
ALTER TABLE notification_dialogs ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';
