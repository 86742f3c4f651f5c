-- Redirects Canopy creates itself when a live page's address changes (a move,
-- a new slug): from each old address of the page and its live descendants to
-- the page. A new automatic redirect replaces an older automatic one from the
-- same address; a redirect someone made by hand is never replaced.
ALTER TABLE redirects ADD COLUMN automatic BOOLEAN NOT NULL DEFAULT FALSE;
