-- The admin's keyboard shortcuts ("/" to search, "?" for the list, Ctrl+S to
-- save a draft) can be turned off per person (WCAG 2.1.4: single-character
-- shortcuts must be possible to turn off); on by default.
ALTER TABLE users ADD COLUMN keyboard_shortcuts BOOLEAN NOT NULL DEFAULT TRUE;
