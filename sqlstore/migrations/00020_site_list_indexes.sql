-- The sites list pages in SQL in each of its orders (issue 13): by hostname
-- (the unique hostname/port index), by name and by creation, each ending in
-- columns that make it unique, so a page is read from an index instead of
-- sorting every site.
CREATE INDEX sites_name ON sites (lower(name), hostname, port);
CREATE INDEX sites_created ON sites (created_at, id);
