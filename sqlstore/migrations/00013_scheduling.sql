-- Scheduled publishing and expiry. A published revision whose go-live time is
-- in the future waits in scheduled_revision_id (the page stays as it is and is
-- locked for editing) until the scheduler publishes it; a live page with
-- expire_at is unpublished (expired) when the time comes.
ALTER TABLE pages ADD COLUMN go_live_at {{ts}};
ALTER TABLE pages ADD COLUMN expire_at {{ts}};
ALTER TABLE pages ADD COLUMN expired BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pages ADD COLUMN scheduled_revision_id BIGINT;
CREATE INDEX pages_scheduled ON pages (go_live_at) WHERE scheduled_revision_id IS NOT NULL;
CREATE INDEX pages_expiring ON pages (expire_at) WHERE expire_at IS NOT NULL;
