-- The notifier keeps where a post's title is, the position of the event that last set it, not
-- the title: the title is sealed under its author's key and is opened only when a notification
-- shows it. An erased author's title is then unreadable here too (the table held it in clear),
-- and neither a rebuild nor learning a post opens a sealed text.
--
-- The notifier's facts are emptied and its positions dropped, so it learns them again from the
-- store on its next start (from the first event, as a read model added to a running
-- deployment: its items and deliveries are recorded already and conflict, and events older
-- than two days become no e-mail). Its tables force row security, so no statement here could
-- rewrite their rows in place.
TRUNCATE notification_dialogs, notification_posts, notification_participants,
    notification_post_people, notification_administrators;
DELETE FROM projection_positions WHERE projection = 'notifier';
ALTER TABLE notification_posts DROP COLUMN title, ADD COLUMN title_at bigint NOT NULL;
