-- Certificates and ACME state shared by every node of an installation
-- (issue 28 item 1, tls_storage = "database"): a key-value store with the
-- keys' "directories" implied by "/", and named leases so that one node at a
-- time obtains or renews a certificate. Installation-wide, not per site.
CREATE TABLE tls_storage (
    key {{path}} PRIMARY KEY,
    value TEXT NOT NULL,
    modified_at {{ts}} NOT NULL
);
CREATE TABLE tls_locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at {{ts}} NOT NULL
);
