-- The admin's side navigation, hidden or shown, is remembered per person.
ALTER TABLE users ADD COLUMN nav_collapsed BOOLEAN NOT NULL DEFAULT FALSE;
