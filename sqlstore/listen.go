package sqlstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// CanListen reports whether the database announces site changes to other
// processes (PostgreSQL's LISTEN/NOTIFY); SQLite is watched by polling alone.
func (db *DB) CanListen() bool { return db.dialect == Postgres }

// ListenSiteChanges calls fn each time another process commits a site
// change, until ctx ends. It holds one dedicated connection LISTENing
// on SiteChangesChannel and reconnects after a failure (calling fn once
// connected again, since notifications sent meanwhile are lost); onErr is told
// about each failure. On SQLite it returns at once.
func (db *DB) ListenSiteChanges(ctx context.Context, fn func(), onErr func(error)) {
	if db.dialect != Postgres {
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return
		}
		onErr(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, fn func()) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+SiteChangesChannel); err != nil {
		return err
	}
	fn() // whatever changed while not listening
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != db.node {
			fn()
		}
	}
}
