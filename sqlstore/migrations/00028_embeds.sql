-- oEmbed answers, fetched once per URL when an editor puts the URL on a line
-- of its own in rich text, sanitised, and kept: pages show the stored HTML.
-- Installation-wide (an embed of a public URL is the same for every site),
-- as Wagtail's Embed model.
CREATE TABLE embeds (
    id {{id}},
    url TEXT NOT NULL,
    provider TEXT NOT NULL,
    type TEXT NOT NULL,
    html TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    thumbnail_url TEXT NOT NULL DEFAULT '',
    width INTEGER,
    height INTEGER,
    fetched_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX embeds_url ON embeds (url);
