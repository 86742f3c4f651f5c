-- What a notification is about, so that the admin can say it as a sentence
-- ("alpha-moderator approved “UX page” and published it", with the comment)
-- and link to the change: who acted, the page's title then, the task, the
-- comment, the revision concerned and whether it went live.
ALTER TABLE notifications ADD COLUMN actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE notifications ADD COLUMN page_title TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN task TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN comment TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN revision_id BIGINT;
ALTER TABLE notifications ADD COLUMN published BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX notifications_actor ON notifications (actor_id) WHERE actor_id IS NOT NULL;
