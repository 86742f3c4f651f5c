-- The site's features record: feature flags beside its theme.
ALTER TABLE sites ADD COLUMN features TEXT NOT NULL DEFAULT '{}';
