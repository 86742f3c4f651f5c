-- Invitations to set a password (issue 27): a site admin creates an account
-- of the site and the person gets an e-mail with a single-use link that
-- expires. Only the token's SHA-256 is kept.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    expires_at {{ts}} NOT NULL,
    used_at {{ts}},
    created_at {{ts}} NOT NULL
);
CREATE INDEX invitations_site ON invitations (site_id, user_id);
CREATE INDEX invitations_user ON invitations (user_id);
CREATE INDEX invitations_created_by ON invitations (created_by);
