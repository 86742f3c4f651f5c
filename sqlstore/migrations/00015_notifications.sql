-- Notifications of moderation steps: stored per recipient and site (listed in
-- the admin), and, for recipients with an email address, queued in an outbox
-- in the same transaction as the step; a mailer sends them afterwards and
-- retries failures, so a mail server being down never fails an editor's action.
CREATE TABLE notifications (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    page_id BIGINT REFERENCES pages (id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    read_at {{ts}}
);
CREATE INDEX notifications_user_site ON notifications (user_id, site_id, id);
CREATE INDEX notifications_site ON notifications (site_id);
CREATE INDEX notifications_page ON notifications (page_id) WHERE page_id IS NOT NULL;

CREATE TABLE mail_outbox (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    notification_id BIGINT REFERENCES notifications (id) ON DELETE CASCADE,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{ts}} NOT NULL,
    sent_at {{ts}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX mail_outbox_site ON mail_outbox (site_id);
CREATE INDEX mail_outbox_notification ON mail_outbox (notification_id);

-- A user's choice per kind of notification (absent: on).
CREATE TABLE notification_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, kind)
);
