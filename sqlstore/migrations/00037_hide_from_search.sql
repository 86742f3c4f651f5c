-- A page can be kept out of search engines (issue 28): left out of the
-- site's sitemap and served with a robots noindex meta tag. Like the other
-- promote fields it is part of the page's content and its revisions.
ALTER TABLE pages ADD COLUMN hide_from_search BOOLEAN NOT NULL DEFAULT FALSE;
