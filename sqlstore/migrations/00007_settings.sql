-- Per-site settings: one row per site and settings group.
CREATE TABLE site_settings (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    updated_at {{ts}} NOT NULL,
    PRIMARY KEY (site_id, name)
);
INSERT INTO site_settings (site_id, name, fields, updated_at) SELECT id, 'general', '{}', {{now}} FROM sites;
