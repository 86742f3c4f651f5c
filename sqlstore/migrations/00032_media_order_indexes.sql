-- The library's listings sort a site's images and documents by title or by
-- size (issue 26: 10,000 images in under 30 ms): indexes in those orders let
-- a page of them be read without sorting the whole site's.
CREATE INDEX images_site_title ON images (site_id, lower(title), id);
CREATE INDEX images_site_size ON images (site_id, file_size, id);
CREATE INDEX documents_site_title ON documents (site_id, lower(title), id);
CREATE INDEX documents_site_size ON documents (site_id, file_size, id);
