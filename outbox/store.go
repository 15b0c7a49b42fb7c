package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
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
func SQLite(path string) Store { return Store{path: path} }

// Postgres stores the outbox in the database of pool, through River's pgx
// v5 driver. Any number of processes may share it; River's job leasing
// and rescuer hand the entries of a crashed process to the others. The
// pool stays the caller's: [Outbox.Close] does not close it.
func Postgres(pool *pgxpool.Pool) Store { return Store{pool: pool} }

// querier runs SQL written with '?' placeholders on a database, a pool or
// a transaction.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
	query(ctx context.Context, q string, args ...any) (rowsIter, error)
}

type scanner interface{ Scan(dest ...any) error }

type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// pgQ adapts a pgx pool or transaction; it rewrites '?' to $n.
type pgQ struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
}

func (p pgQ) execer() interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
} {
	if p.tx != nil {
		return p.tx
	}
	return p.pool
}

func (p pgQ) exec(ctx context.Context, q string, args ...any) (int64, error) {
	var (
		n   int64
		err error
	)
	if p.tx != nil {
		tag, e := p.tx.Exec(ctx, rebind(q), args...)
		n, err = tag.RowsAffected(), e
	} else {
		tag, e := p.pool.Exec(ctx, rebind(q), args...)
		n, err = tag.RowsAffected(), e
	}
	return n, err
}

func (p pgQ) queryRow(ctx context.Context, q string, args ...any) scanner {
	return pgRow{p.execer().QueryRow(ctx, rebind(q), args...)}
}

func (p pgQ) query(ctx context.Context, q string, args ...any) (rowsIter, error) {
	rows, err := p.execer().Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

// sqlQ adapts a *sql.DB or *sql.Tx.
type sqlQ struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

func (s sqlQ) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqlQ) queryRow(ctx context.Context, q string, args ...any) scanner {
	return s.q.QueryRowContext(ctx, q, args...)
}

func (s sqlQ) query(ctx context.Context, q string, args ...any) (rowsIter, error) {
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// rebind turns the '?' placeholders of q into Postgres's $1, $2, ...
// (the outbox's SQL has no '?' in literals).
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// backend is the River client and database of one store kind.
type backend interface {
	db() querier
	// inTx runs fn in a new transaction of the store, committed when fn
	// returns nil.
	inTx(ctx context.Context, fn func(q querier, tx any) error) error
	// insertJob inserts the River job of entry id in tx (a pgx.Tx or a
	// *sql.Tx).
	insertJob(ctx context.Context, tx any, id int64) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	close() error
	name() string
	database() *sql.DB
}

// riverBackend is a backend for River's transaction type TTx.
type riverBackend[TTx any] struct {
	client   *river.Client[TTx]
	kind     string
	plain    querier
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx) error
	wrap     func(tx TTx) querier
	closer   func() error
	sqlDB    *sql.DB // the SQLite database; nil for Postgres
}

func (b *riverBackend[TTx]) db() querier  { return b.plain }
func (b *riverBackend[TTx]) name() string { return b.kind }

func (b *riverBackend[TTx]) database() *sql.DB { return b.sqlDB }

func (b *riverBackend[TTx]) inTx(ctx context.Context, fn func(q querier, tx any) error) error {
	tx, err := b.begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(b.wrap(tx), tx); err != nil {
		_ = b.rollback(context.WithoutCancel(ctx), tx)
		return err
	}
	return b.commit(ctx, tx)
}

func (b *riverBackend[TTx]) insertJob(ctx context.Context, tx any, id int64) error {
	t, ok := tx.(TTx)
	if !ok {
		return fmt.Errorf("outbox: a %s store needs a %T transaction, not %T", b.kind, *new(TTx), tx)
	}
	_, err := b.client.InsertTx(ctx, t, sendArgs{EntryID: id}, nil)
	return err
}

func (b *riverBackend[TTx]) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) close() error {
	if b.closer != nil {
		return b.closer()
	}
	return nil
}

// sqliteDSN opens path with a busy timeout (other connections and
// processes wait instead of failing), WAL, full fsync and immediate
// write transactions (no lock upgrades that could deadlock).
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

// openBackend connects River to the store and migrates it.
func openBackend(ctx context.Context, s Store, cfg *river.Config) (backend, error) {
	switch {
	case s.pool != nil && s.path != "":
		return nil, invalid("store", "set either an SQLite path or a Postgres pool")
	case s.pool != nil:
		driver := riverpgxv5.New(s.pool)
		b := &riverBackend[pgx.Tx]{
			kind:     "postgres",
			plain:    pgQ{pool: s.pool},
			begin:    func(ctx context.Context) (pgx.Tx, error) { return s.pool.Begin(ctx) },
			commit:   func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
			rollback: func(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) },
			wrap:     func(tx pgx.Tx) querier { return pgQ{tx: tx} },
		}
		if err := migratePostgres(ctx, s.pool, b, driver); err != nil {
			return nil, err
		}
		client, err := river.NewClient(driver, cfg)
		if err != nil {
			return nil, fmt.Errorf("outbox: river: %w", err)
		}
		b.client = client
		return b, nil
	case s.path != "":
		db, err := sql.Open("sqlite", sqliteDSN(s.path))
		if err != nil {
			return nil, fmt.Errorf("outbox: open sqlite: %w", err)
		}
		// SQLite allows one writer; River's documentation advises one
		// connection, which also serialises the outbox's own writes.
		db.SetMaxOpenConns(1)
		driver := riversqlite.New(db)
		b := &riverBackend[*sql.Tx]{
			kind:     "sqlite",
			plain:    sqlQ{db},
			begin:    func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
			commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
			rollback: func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
			wrap:     func(tx *sql.Tx) querier { return sqlQ{tx} },
			closer:   db.Close,
		}
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("outbox: open sqlite: %w", err)
		}
		if err := migrate(ctx, b, driver, sqliteDDL); err != nil {
			_ = db.Close()
			return nil, err
		}
		client, err := river.NewClient(driver, cfg)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("outbox: river: %w", err)
		}
		b.client = client
		b.sqlDB = db
		return b, nil
	}
	return nil, invalid("store", "use outbox.SQLite(path) or outbox.Postgres(pool)")
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

// migrate applies River's migrations (each in its own transaction, as
// River requires) and then the outbox table (SQLite). Two processes
// opening a new file at once may race on a migration; the loser finds it
// applied when it tries again.
func migrate[TTx any](ctx context.Context, b *riverBackend[TTx], driver riverdriver.Driver[TTx], ddl []string) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: discardLogger()})
	if err != nil {
		return fmt.Errorf("outbox: migrate: %w", err)
	}
	for try := 0; ; try++ {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil || try == 3 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(100*(try+1)) * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("outbox: migrate %s store: river migrations: %w", b.kind, err)
	}
	err = b.inTx(ctx, func(q querier, _ any) error {
		for _, stmt := range ddl {
			if _, err := q.exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: migrate %s store: outbox table: %w", b.kind, err)
	}
	return nil
}

// migrationLock is the Postgres advisory lock key that serialises the
// migrations of concurrent Opens.
const migrationLock = 7243011990

// migratePostgres applies River's migrations (each in its own transaction,
// as some of them must be) and the outbox table, holding an advisory lock
// so that processes starting together do not race.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, b *riverBackend[pgx.Tx], driver riverdriver.Driver[pgx.Tx]) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("outbox: migrate postgres store: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("outbox: migrate postgres store: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) }()
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: discardLogger()})
	if err != nil {
		return fmt.Errorf("outbox: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("outbox: migrate postgres store: river migrations: %w", err)
	}
	for _, stmt := range postgresDDL {
		if _, err := b.plain.exec(ctx, stmt); err != nil {
			return fmt.Errorf("outbox: migrate postgres store: outbox table: %w", err)
		}
	}
	return nil
}
