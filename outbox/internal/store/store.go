// Package store connects the outbox module's packages (outbox, inbox) to
// their store: River's SQLite driver over the pure-Go modernc.org/sqlite,
// or River's pgx v5 driver over a Postgres pool. It applies River's
// migrations and a package's own tables, runs SQL written with '?'
// placeholders on both, and holds the River client.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/tlpartner/tlpartner-go/outbox/internal/settings"
)

// Querier runs SQL written with '?' placeholders on a database, a pool or
// a transaction.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (int64, error)
	QueryRow(ctx context.Context, q string, args ...any) Scanner
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

// Scanner is one result row; Scan returns sql.ErrNoRows for none.
type Scanner interface{ Scan(dest ...any) error }

// Rows iterates over result rows.
type Rows interface {
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

func (p pgQ) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if p.tx != nil {
		tag, err := p.tx.Exec(ctx, Rebind(q), args...)
		return tag.RowsAffected(), err
	}
	tag, err := p.pool.Exec(ctx, Rebind(q), args...)
	return tag.RowsAffected(), err
}

func (p pgQ) QueryRow(ctx context.Context, q string, args ...any) Scanner {
	if p.tx != nil {
		return pgRow{p.tx.QueryRow(ctx, Rebind(q), args...)}
	}
	return pgRow{p.pool.QueryRow(ctx, Rebind(q), args...)}
}

func (p pgQ) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if p.tx != nil {
		rows, err = p.tx.Query(ctx, Rebind(q), args...)
	} else {
		rows, err = p.pool.Query(ctx, Rebind(q), args...)
	}
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

func (s sqlQ) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqlQ) QueryRow(ctx context.Context, q string, args ...any) Scanner {
	return s.q.QueryRowContext(ctx, q, args...)
}

func (s sqlQ) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// TxQuerier returns the Querier of a driver transaction: a pgx.Tx or a
// *sql.Tx; nil for anything else.
func TxQuerier(tx any) Querier {
	switch t := tx.(type) {
	case pgx.Tx:
		return pgQ{tx: t}
	case *sql.Tx:
		return sqlQ{t}
	}
	return nil
}

// Rebind turns the '?' placeholders of q into Postgres's $1, $2, ...
// (the module's SQL has no '?' in literals).
func Rebind(q string) string {
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

// Backend is the River client and database of one store.
type Backend interface {
	// DB runs statements outside a transaction.
	DB() Querier
	// InTx runs fn in a new transaction of the store, committed when fn
	// returns nil. tx is the driver's transaction (pgx.Tx or *sql.Tx).
	InTx(ctx context.Context, fn func(q Querier, tx any) error) error
	// InsertTx inserts a River job in tx (a pgx.Tx or a *sql.Tx).
	InsertTx(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	// Insert inserts a River job outside a transaction.
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Close() error
	// Kind is "sqlite" or "postgres".
	Kind() string
	// SQLDB is the SQLite database; nil for Postgres.
	SQLDB() *sql.DB
}

// Run is the Run method of the outbox and the inbox: unless running is
// already set (errRunning), it starts b's River client, calls loop, which
// returns once ctx is done, and stops the client, letting the jobs under
// way finish for at most stopWithin. name prefixes its errors.
func Run(ctx context.Context, b Backend, running *atomic.Bool, errRunning error, name string, stopWithin time.Duration, loop func(ctx context.Context)) error {
	if !running.CompareAndSwap(false, true) {
		return errRunning
	}
	defer running.Store(false)
	if err := b.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("%s: start workers: %w", name, err)
	}
	loop(ctx)
	stopCtx, cancel := context.WithTimeout(context.Background(), stopWithin)
	defer cancel()
	if err := b.Stop(stopCtx); err != nil {
		return fmt.Errorf("%s: stop workers: %w", name, err)
	}
	return nil
}

// riverBackend is a Backend for River's transaction type TTx.
type riverBackend[TTx any] struct {
	client   *river.Client[TTx]
	kind     string
	plain    Querier
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx) error
	wrap     func(tx TTx) Querier
	closer   func() error
	sqlDB    *sql.DB
}

func (b *riverBackend[TTx]) DB() Querier    { return b.plain }
func (b *riverBackend[TTx]) Kind() string   { return b.kind }
func (b *riverBackend[TTx]) SQLDB() *sql.DB { return b.sqlDB }

func (b *riverBackend[TTx]) InTx(ctx context.Context, fn func(q Querier, tx any) error) error {
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

func (b *riverBackend[TTx]) InsertTx(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	t, ok := tx.(TTx)
	if !ok {
		return nil, fmt.Errorf("a %s store needs a %T transaction, not %T", b.kind, *new(TTx), tx)
	}
	return b.client.InsertTx(ctx, t, args, opts)
}

func (b *riverBackend[TTx]) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return b.client.Insert(ctx, args, opts)
}

func (b *riverBackend[TTx]) Start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) Stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) Close() error {
	if b.closer != nil {
		return b.closer()
	}
	return nil
}

// SQLiteDSN opens path with a busy timeout (other connections and
// processes wait instead of failing), WAL, full fsync and immediate
// write transactions (no lock upgrades that could deadlock).
//
// path is a file name, not a URI: the characters a URI would read as its
// query ('?'), fragment ('#') or an escape ('%') are escaped, so that
// "a?b.db" opens the file "a?b.db" with every pragma (unescaped it opened
// "a" without the busy timeout; "d#e.db" opened "d", "c%41.db" "cA.db").
func SQLiteDSN(path string) string {
	return "file:" + sqlitePathEscaper.Replace(path) + "?_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

var sqlitePathEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// Problem returns why l cannot be a store ("" when it can): it must be
// exactly one of an SQLite file and a Postgres pool, and the file must be
// a durable file named by a path, not ":memory:" (gone with the process,
// and one database per connection) nor a "file:" URI.
func (l Location) Problem() string {
	switch {
	case l.Pool != nil && l.Path != "":
		return "set either an SQLite path or a Postgres pool"
	case l.Pool == nil && l.Path == "":
		return "use outbox.SQLite(path) or outbox.Postgres(pool)"
	case l.Pool != nil:
		return ""
	case l.Path == ":memory:" || strings.HasPrefix(l.Path, "file:"):
		return "the SQLite store must be a file path (not :memory: or a file: URI): what it records must survive the process"
	case strings.ContainsFunc(l.Path, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "the SQLite path must not contain control characters"
	}
	return ""
}

// Location is a store: an SQLite file or a Postgres pool.
type Location struct {
	// Path is the SQLite file; Pool the Postgres pool. Exactly one is set.
	Path string
	Pool *pgxpool.Pool
}

// Spec names the store and the package's own tables.
type Spec struct {
	Location
	// Name prefixes errors ("outbox", "inbox").
	Name string
	// PostgresDDL and SQLiteDDL create the package's tables (idempotent).
	PostgresDDL, SQLiteDDL []string
	// Lock is a Postgres advisory lock key serialising concurrent Opens.
	Lock int64
}

// Open connects River to the store and migrates it.
func Open(ctx context.Context, s Spec, cfg *river.Config) (Backend, error) {
	switch {
	case s.Pool != nil && s.Path != "":
		return nil, errors.New(s.Name + ": set either an SQLite path or a Postgres pool")
	case s.Pool == nil && s.Path == "":
		return nil, errors.New(s.Name + ": no store")
	case s.Pool != nil:
		driver := riverpgxv5.New(s.Pool)
		b := &riverBackend[pgx.Tx]{
			kind:     "postgres",
			plain:    pgQ{pool: s.Pool},
			begin:    func(ctx context.Context) (pgx.Tx, error) { return s.Pool.Begin(ctx) },
			commit:   func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
			rollback: func(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) },
			wrap:     func(tx pgx.Tx) Querier { return pgQ{tx: tx} },
		}
		if err := migratePostgres(ctx, s, b, driver); err != nil {
			return nil, err
		}
		client, err := river.NewClient(driver, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: river: %w", s.Name, err)
		}
		b.client = client
		return b, nil
	default:
		db, err := sql.Open("sqlite", SQLiteDSN(s.Path))
		if err != nil {
			return nil, fmt.Errorf("%s: open sqlite: %w", s.Name, err)
		}
		// SQLite allows one writer; River's documentation advises one
		// connection, which also serialises the package's own writes.
		db.SetMaxOpenConns(1)
		driver := riversqlite.New(db)
		b := &riverBackend[*sql.Tx]{
			kind:     "sqlite",
			plain:    sqlQ{db},
			begin:    func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
			commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
			rollback: func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
			wrap:     func(tx *sql.Tx) Querier { return sqlQ{tx} },
			closer:   db.Close,
			sqlDB:    db,
		}
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("%s: open sqlite: %w", s.Name, err)
		}
		if err := migrate(ctx, b, driver, s.SQLiteDDL, s.Name); err != nil {
			_ = db.Close()
			return nil, err
		}
		client, err := river.NewClient(driver, cfg)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("%s: river: %w", s.Name, err)
		}
		b.client = client
		return b, nil
	}
}

// migratePostgres applies River's migrations (each in its own
// transaction, as some of them must be) and the package's tables, holding
// an advisory lock so that processes starting together do not race.
func migratePostgres(ctx context.Context, s Spec, b *riverBackend[pgx.Tx], driver riverdriver.Driver[pgx.Tx]) error {
	conn, err := s.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%s: migrate postgres store: %w", s.Name, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", s.Lock); err != nil {
		return fmt.Errorf("%s: migrate postgres store: %w", s.Name, err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", s.Lock) }()
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: settings.Logger(nil)})
	if err != nil {
		return fmt.Errorf("%s: migrate: %w", s.Name, err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("%s: migrate postgres store: river migrations: %w", s.Name, err)
	}
	for _, stmt := range s.PostgresDDL {
		if _, err := b.plain.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: migrate postgres store: tables: %w", s.Name, err)
		}
	}
	return nil
}

// migrate applies River's migrations (each in its own transaction, as
// River requires) and then the package's tables (SQLite). Two processes
// opening a new file at once may race on a migration; the loser finds it
// applied when it tries again.
func migrate[TTx any](ctx context.Context, b *riverBackend[TTx], driver riverdriver.Driver[TTx], ddl []string, name string) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: settings.Logger(nil)})
	if err != nil {
		return fmt.Errorf("%s: migrate: %w", name, err)
	}
	for try := 0; ; try++ {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil || try == 3 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(100*(try+1)) * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("%s: migrate %s store: river migrations: %w", name, b.kind, err)
	}
	err = b.InTx(ctx, func(q Querier, _ any) error {
		for _, stmt := range ddl {
			if _, err := q.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: migrate %s store: tables: %w", name, b.kind, err)
	}
	return nil
}
