-- Comments on pages (issue 27: the "comments" notification kind): editors and
-- reviewers discuss a page beside its editor; those who follow the page's
-- comments (who commented, or chose to follow) are told of new ones.
CREATE TABLE page_comments (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    resolved_at {{ts}},
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX page_comments_site ON page_comments (site_id, page_id, id);
CREATE INDEX page_comments_page ON page_comments (page_id);
CREATE INDEX page_comments_user ON page_comments (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX page_comments_resolved_by ON page_comments (resolved_by) WHERE resolved_by IS NOT NULL;
CREATE TABLE page_subscriptions (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (page_id, user_id)
);
CREATE INDEX page_subscriptions_site ON page_subscriptions (site_id, page_id);
CREATE INDEX page_subscriptions_user ON page_subscriptions (user_id);
