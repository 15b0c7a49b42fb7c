// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb and
// pg_ctl from Debian's packages, on a random loopback port, with its data in
// a temporary directory that is removed when the cluster stops. Postgres
// refuses to run as root, so a root test process runs the server as the
// "postgres" user through runuser.
//
// One cluster serves a whole test binary; each test gets a database of its
// own from [DSN]:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		dsn := pgtest.DSN(t) // a fresh, empty database
//		...
//	}
//
// When Postgres is not installed, [DSN] skips the test, unless the
// environment sets OUTBOX_REQUIRE_POSTGRES=1 (as .ci/run does): then it
// fails. PG_BINDIR overrides where initdb and pg_ctl are looked for.
//
// Clusters live in directories under [Root], each with the pid and start
// time of the process that owns it. A test binary that crashes (or is
// killed) cannot stop its cluster; the next [Start] on the machine stops
// and removes the clusters whose owner is gone.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequireEnv is the environment variable that turns a missing Postgres
// from a skip into a failure.
const RequireEnv = "OUTBOX_REQUIRE_POSTGRES"

// Cluster is a running throwaway Postgres cluster.
type Cluster struct {
	// URL is the connection URL of the "postgres" database as the
	// superuser "postgres" (trust authentication, loopback only).
	URL string

	dir    string
	bin    string
	asPG   bool
	port   int
	nextDB atomic.Int64
}

var (
	shared    *Cluster
	sharedErr error
	once      sync.Once
)

// Main runs the tests and then stops the shared cluster, if one was
// started. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// Shared returns the test binary's cluster, starting it on first use.
func Shared() (*Cluster, error) {
	once.Do(func() { shared, sharedErr = Start() })
	return shared, sharedErr
}

// DSN returns the URL of a new, empty database in the shared cluster. The
// test is skipped when Postgres is not installed, or fails when
// OUTBOX_REQUIRE_POSTGRES=1.
func DSN(tb testing.TB) string {
	tb.Helper()
	c, err := Shared()
	if err != nil {
		if errors.Is(err, ErrNotInstalled) && os.Getenv(RequireEnv) != "1" {
			tb.Skipf("pgtest: %v (set %s=1 to fail instead)", err, RequireEnv)
		}
		tb.Fatalf("pgtest: %v", err)
	}
	dsn, err := c.NewDatabase(context.Background())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// ErrNotInstalled reports that initdb or pg_ctl was not found.
var ErrNotInstalled = errors.New("postgres is not installed (no initdb/pg_ctl found; run .ci/install-postgres)")

// BinDir finds the directory holding initdb and pg_ctl: $PG_BINDIR, the
// newest /usr/lib/postgresql/*/bin, or the directory of initdb on PATH.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Start initialises and starts a new cluster on a random loopback port,
// after stopping the clusters left by processes that died (see [Reap]).
func Start() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, asPG: os.Geteuid() == 0}
	Reap()
	root, err := makeRoot()
	if err != nil {
		return nil, err
	}
	c.dir, err = os.MkdirTemp(root, dirPrefix)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), []byte(ownerOf(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(c.dir)
		return nil, err
	}
	if c.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(c.dir)
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			_ = os.RemoveAll(c.dir)
			return nil, err
		}
	}
	data := filepath.Join(c.dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"); err != nil {
		c.remove()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	var lastErr error
	for range 5 {
		c.port, err = freePort()
		if err != nil {
			c.remove()
			return nil, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB", c.port, c.dir)
		out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
			return c, nil
		}
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		lastErr = fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		if !strings.Contains(string(log), "in use") {
			break
		}
	}
	c.remove()
	return nil, lastErr
}

// run runs one of the cluster's binaries, as the postgres user when the
// process is root.
func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.nextDB.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name), nil
}

// Stop stops the server immediately and removes its files.
func (c *Cluster) Stop() {
	_, _ = c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	c.remove()
}

func (c *Cluster) remove() { _ = os.RemoveAll(c.dir) }
