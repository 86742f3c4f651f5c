package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// TLS storage (migration 39): certificates, keys and ACME account data as
// key-value pairs shared by the nodes of an installation, and leases so
// that one node at a time obtains or renews a certificate. Values are kept
// base64-encoded in a TEXT column (the same on both databases).

// ErrNoTLSKey is returned by TLSLoad and TLSStat for a key that is not there.
var ErrNoTLSKey = errors.New("no such TLS storage key")

// noRows reports whether a read found no row (read translates it).
func noRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || canopy.ErrorCode(err) == canopy.ENOTFOUND
}

// TLSKeyInfo describes a stored key (or a "directory" of keys).
type TLSKeyInfo struct {
	Key      string
	Modified time.Time
	Size     int64
	Terminal bool
}

// TLSStore puts value at key.
func (db *DB) TLSStore(ctx context.Context, key string, value []byte) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tls_storage (key, value, modified_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at`,
			key, base64.StdEncoding.EncodeToString(value), tx.now)
		return err
	})
}

// TLSLoad returns the value at key, or ErrNoTLSKey.
func (db *DB) TLSLoad(ctx context.Context, key string) ([]byte, error) {
	var v string
	err := db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value FROM tls_storage WHERE key = $1`, key).Scan(&v)
	})
	if noRows(err) {
		return nil, ErrNoTLSKey
	}
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(v)
}

// under is the key range of a "directory": keys that start with dir + "/".
func under(dir string) (lo, hi string) {
	dir = strings.TrimSuffix(dir, "/")
	return dir + "/", dir + "0" // '0' follows '/'
}

// TLSDelete removes key and every key below it (none: no error).
func (db *DB) TLSDelete(ctx context.Context, key string) error {
	lo, hi := under(key)
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tls_storage WHERE key = $1 OR (key >= $2 AND key < $3)`, key, lo, hi)
		return err
	})
}

// TLSList lists the keys below dir: every one when recursive, else the
// names directly below it (files and implied directories).
func (db *DB) TLSList(ctx context.Context, dir string, recursive bool) ([]string, error) {
	lo, hi := under(dir)
	var keys []string
	err := db.read(ctx, func(tx *Tx) error {
		return eachRow(func(r scanner) (string, error) {
			var k string
			return k, r.Scan(&k)
		}, func(k string) { keys = append(keys, k) })(tx.QueryContext(ctx, `SELECT key FROM tls_storage WHERE key >= $1 AND key < $2 ORDER BY key`, lo, hi))
	})
	if err != nil || recursive {
		return keys, err
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		first, _, _ := strings.Cut(k[len(lo):], "/")
		if name := lo + first; !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// TLSStat describes key: a stored value, or a directory of them; else
// ErrNoTLSKey.
func (db *DB) TLSStat(ctx context.Context, key string) (TLSKeyInfo, error) {
	var v string
	var mod time.Time
	err := db.read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value, modified_at FROM tls_storage WHERE key = $1`, key).Scan(&v, &mod)
	})
	if err == nil {
		return TLSKeyInfo{Key: key, Modified: mod.UTC(), Size: int64(base64.StdEncoding.DecodedLen(len(v))), Terminal: true}, nil
	}
	if !noRows(err) {
		return TLSKeyInfo{}, err
	}
	below, err := db.TLSList(ctx, key, false)
	if err != nil {
		return TLSKeyInfo{}, err
	}
	if len(below) == 0 {
		return TLSKeyInfo{}, ErrNoTLSKey
	}
	return TLSKeyInfo{Key: key}, nil
}

// TLSLock takes the lease on name for owner until ttl from now, if it is
// free or expired (or already owner's); it reports whether it did.
func (db *DB) TLSLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	var got bool
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tls_locks (name, owner, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			WHERE tls_locks.expires_at < $4 OR tls_locks.owner = excluded.owner`, name, owner, tx.now.Add(ttl), tx.now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		got = n == 1
		return nil
	})
	return got, err
}

// TLSUnlock gives up owner's lease on name (someone else's stays).
func (db *DB) TLSUnlock(ctx context.Context, name, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tls_locks WHERE name = $1 AND owner = $2`, name, owner)
		return err
	})
}
