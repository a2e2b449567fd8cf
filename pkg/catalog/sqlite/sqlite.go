// Package sqlite is the embedded catalog store: one SQLite file through the
// pure-Go modernc.org/sqlite driver, in WAL mode with a busy timeout.
//
// Writes go through a single connection with BEGIN IMMEDIATE transactions, so
// read-modify-write operations are serialised without SQLITE_BUSY upgrades;
// reads use a separate pool and run concurrently with the writer (WAL).
// Migrations are embedded SQL files applied in order and tracked in
// PRAGMA user_version.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/buylink/buylink/pkg/catalog"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a catalog.Store over one SQLite database file.
type Store struct {
	w   *sql.DB // one connection, every write
	r   *sql.DB // read pool
	now func() time.Time
}

var _ catalog.Store = (*Store)(nil)

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock used for CreatedAt and UpdatedAt (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open opens (creating if needed) the database file at path and applies any
// pending migrations.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, catalog.Invalid("path", "the SQLite database path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create %s: %w", dir, err)
		}
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{w: w, r: r, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return catalog.Unavailable(err, "sqlite store does not answer")
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var version int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this build knows (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		body, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", names[i], err)
		}
	}
	return nil
}

// tx runs fn in one write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(err, "begin transaction")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbErr(err, "commit")
	}
	return nil
}

// dbErr turns a driver error into a domain error.
func dbErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *catalog.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return catalog.Unavailable(err, "%s: interrupted", what)
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED:
			return catalog.Unavailable(err, "%s: database is busy", what)
		case sqlite3lib.SQLITE_CONSTRAINT:
			return catalog.Conflict("%s: the record clashes with a stored one", what)
		}
	}
	return catalog.Internal(err, "%s", what)
}

func nanos(t time.Time) int64 { return t.UnixNano() }

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
