package certs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/canopy-cms/canopy/sqlstore"
)

// DBStorage keeps certificates and ACME state in the installation's
// database (tls_storage, tls_locks), so that every node serves the same
// certificates and one node at a time obtains or renews each: CertMagic
// takes a lock before it asks the CA, and the lock is a lease in the
// database, renewed while it is held and taken over when its node died.
type DBStorage struct {
	DB *sqlstore.DB
	// LeaseTTL is how long a lock lasts without renewal (default 1 minute);
	// Poll how often a waiting node tries again (default 1 second).
	LeaseTTL, Poll time.Duration

	owner string
	mu    sync.Mutex
	held  map[string]context.CancelFunc
}

// NewDBStorage makes the storage over db.
func NewDBStorage(db *sqlstore.DB) *DBStorage {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &DBStorage{DB: db, LeaseTTL: time.Minute, Poll: time.Second, owner: hex.EncodeToString(b), held: map[string]context.CancelFunc{}}
}

var _ certmagic.Storage = (*DBStorage)(nil)

func notExist(err error) error {
	if errors.Is(err, sqlstore.ErrNoTLSKey) {
		return fs.ErrNotExist
	}
	return err
}

func (s *DBStorage) Store(ctx context.Context, key string, value []byte) error {
	return s.DB.TLSStore(ctx, key, value)
}

func (s *DBStorage) Load(ctx context.Context, key string) ([]byte, error) {
	v, err := s.DB.TLSLoad(ctx, key)
	return v, notExist(err)
}

func (s *DBStorage) Delete(ctx context.Context, key string) error { return s.DB.TLSDelete(ctx, key) }

func (s *DBStorage) Exists(ctx context.Context, key string) bool {
	_, err := s.DB.TLSStat(ctx, key)
	return err == nil
}

func (s *DBStorage) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	keys, err := s.DB.TLSList(ctx, path, recursive)
	if err == nil && len(keys) == 0 {
		return nil, fs.ErrNotExist
	}
	return keys, err
}

func (s *DBStorage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	st, err := s.DB.TLSStat(ctx, key)
	if err != nil {
		return certmagic.KeyInfo{}, notExist(err)
	}
	return certmagic.KeyInfo{Key: st.Key, Modified: st.Modified, Size: st.Size, IsTerminal: st.Terminal}, nil
}

// Lock waits until this node holds the lease on name, then keeps renewing
// it until Unlock.
func (s *DBStorage) Lock(ctx context.Context, name string) error {
	for {
		got, err := s.DB.TLSLock(ctx, name, s.owner, s.LeaseTTL)
		if err != nil {
			return err
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.Poll):
		}
	}
	keep, stop := context.WithCancel(context.Background())
	s.mu.Lock()
	s.held[name] = stop
	s.mu.Unlock()
	go func() {
		t := time.NewTicker(s.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-keep.Done():
				return
			case <-t.C:
				_, _ = s.DB.TLSLock(keep, name, s.owner, s.LeaseTTL)
			}
		}
	}()
	return nil
}

// Unlock gives the lease on name up.
func (s *DBStorage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	if stop := s.held[name]; stop != nil {
		stop()
		delete(s.held, name)
	}
	s.mu.Unlock()
	return s.DB.TLSUnlock(ctx, name, s.owner)
}

func (s *DBStorage) String() string { return "canopy database" }
