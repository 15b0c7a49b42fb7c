package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tlpartner/tlpartner-go/outbox/internal/store"
)

// Store is where an [Outbox] keeps its entries and River its jobs: an
// SQLite file ([SQLite]) or a Postgres database ([Postgres]). Open applies
// River's migrations and the outbox's own table to it.
type Store struct {
	path string
	pool *pgxpool.Pool
}

// SQLite stores the outbox in the SQLite file at path (created if
// missing), through River's SQLite driver and the pure-Go
// modernc.org/sqlite: nothing to install or run, no cgo. The file is
// opened in WAL mode with synchronous=FULL, so an entry Send reported is
// on disk. Several processes may open the same file, but SQLite lets one
// write at a time; use [Postgres] for a fleet.
//
// path is a file path, any characters allowed ("a?b.db" is that file).
// ":memory:" and "file:" URIs are refused by [Open] with a
// [*ValidationError]: what the outbox records must outlive the process.
func SQLite(path string) Store { return Store{path: path} }

// Postgres stores the outbox in the database of pool, through River's pgx
// v5 driver. Any number of processes may share it; River's job leasing
// and rescuer hand the entries of a crashed process to the others. The
// pool stays the caller's: [Outbox.Close] does not close it.
func Postgres(pool *pgxpool.Pool) Store { return Store{pool: pool} }

// Location returns where the store is. It is for the other packages of
// this module (inbox.Open takes the same Store).
func (s Store) Location() store.Location { return store.Location{Path: s.path, Pool: s.pool} }

// querier runs SQL written with '?' placeholders on a database, a pool or
// a transaction (store.Querier with the outbox's method names).
type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
	query(ctx context.Context, q string, args ...any) (rowsIter, error)
}

type scanner = store.Scanner

type rowsIter = store.Rows

// q adapts a store.Querier.
type q struct{ store.Querier }

func (x q) exec(ctx context.Context, s string, args ...any) (int64, error) {
	return x.Exec(ctx, s, args...)
}

func (x q) queryRow(ctx context.Context, s string, args ...any) scanner {
	return x.QueryRow(ctx, s, args...)
}

func (x q) query(ctx context.Context, s string, args ...any) (rowsIter, error) {
	return x.Query(ctx, s, args...)
}

// backend is the River client and database of the store.
type backend struct{ b store.Backend }

func (b backend) db() querier { return q{b.b.DB()} }

// inTx runs fn in a new transaction of the store, committed when fn
// returns nil.
func (b backend) inTx(ctx context.Context, fn func(q querier, tx any) error) error {
	return b.b.InTx(ctx, func(sq store.Querier, tx any) error { return fn(q{sq}, tx) })
}

// insertJob inserts the River job that drains the chat of a new entry in
// tx (a pgx.Tx or a *sql.Tx), unless the chat has a job already (River's
// unique jobs).
//
// A job that is running may be about to find its chat drained and end
// without seeing this entry, so next to a running job the entry gets a
// job of its own (args.Entry set, so not a duplicate).
func (b backend) insertJob(ctx context.Context, tx any, args sendArgs, entry int64) error {
	res, err := b.b.InsertTx(ctx, tx, args, nil)
	if err == nil && res.UniqueSkippedAsDuplicate && res.Job != nil && res.Job.State == rivertype.JobStateRunning {
		args.Entry = entry
		_, err = b.b.InsertTx(ctx, tx, args, nil)
	}
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// sweep inserts a job for each chat, unique per chat and period (so that
// processes sweeping at once insert it once); it runs even while a job of
// a crashed process still looks running.
func (b backend) sweep(ctx context.Context, chats []sendArgs, period time.Duration) error {
	bucket := time.Now().UnixNano() / int64(period)
	for _, a := range chats {
		a.Sweep = bucket
		if _, err := b.b.Insert(ctx, a, nil); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

func (b backend) close() error      { return b.b.Close() }
func (b backend) database() *sql.DB { return b.b.SQLDB() }

// migrationLock is the Postgres advisory lock key that serialises the
// migrations of concurrent Opens.
const migrationLock = 7243011990

// openBackend connects River to the store and migrates it.
func openBackend(ctx context.Context, s Store, cfg *river.Config) (backend, error) {
	if reason := s.Location().Problem(); reason != "" {
		return backend{}, invalid("store", reason)
	}
	b, err := store.Open(ctx, store.Spec{Location: s.Location(), Name: "outbox", PostgresDDL: postgresDDL,
		SQLiteDDL: sqliteDDL, Lock: migrationLock}, cfg)
	if err != nil {
		return backend{}, err
	}
	return backend{b}, nil
}

// The outbox's own table: one row per key, the source of truth for Status.
// River's jobs only schedule the work (a job carries the row's id), so
// River's job retention does not limit how long a key is remembered.
const tableColumns = `
	workspace_id TEXT NOT NULL,
	msg_key TEXT NOT NULL,
	chat TEXT NOT NULL,
	message TEXT NOT NULL,
	digest TEXT NOT NULL,
	state TEXT NOT NULL,
	message_uid TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	resolved_by TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	refusals INTEGER NOT NULL DEFAULT 0,
	reconcile_failures INTEGER NOT NULL DEFAULT 0,
	first_attempt_at BIGINT NOT NULL DEFAULT 0,
	attempt_at BIGINT NOT NULL DEFAULT 0,
	lease_until BIGINT NOT NULL DEFAULT 0,
	not_before BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (workspace_id, msg_key)
)`

const tableIndexes = `
CREATE INDEX IF NOT EXISTS tlpartner_outbox_chat ON tlpartner_outbox (workspace_id, chat, id);
CREATE INDEX IF NOT EXISTS tlpartner_outbox_uid ON tlpartner_outbox (workspace_id, message_uid);
CREATE INDEX IF NOT EXISTS tlpartner_outbox_updated ON tlpartner_outbox (state, updated_at)`

var (
	postgresDDL = []string{"CREATE TABLE IF NOT EXISTS tlpartner_outbox (id BIGSERIAL PRIMARY KEY," + tableColumns}
	sqliteDDL   = []string{"CREATE TABLE IF NOT EXISTS tlpartner_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT," + tableColumns}
)

func init() {
	for _, stmt := range strings.Split(strings.TrimSpace(tableIndexes), ";") {
		postgresDDL = append(postgresDDL, strings.TrimSpace(stmt))
		sqliteDDL = append(sqliteDDL, strings.TrimSpace(stmt))
	}
}
