package pgtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const crashChildEnv = "PGTEST_CRASH_CHILD"

// crashChild starts a cluster, prints its URL and directory, and kills
// its own process before it can stop the cluster.
func crashChild() {
	c, err := Start()
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(c.URL + "\n" + c.dir + "\n")
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// A cluster whose test binary was killed is stopped and removed by the
// next Start; the running clusters of live processes (this one's) stay.
func TestStartReapsClustersOfDeadProcesses(t *testing.T) {
	if _, err := BinDir(); err != nil {
		if os.Getenv(RequireEnv) != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	ctx := context.Background()
	live := DSN(t) // the shared cluster of this (live) process
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1")
	out, _ := cmd.Output() // the child dies of SIGKILL
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "postgres://") {
		t.Fatalf("child printed %q", out)
	}
	url, dir := lines[0], lines[1]
	t.Cleanup(func() { // should the test fail: do not leave the server running
		c := &Cluster{dir: dir, asPG: os.Geteuid() == 0}
		c.bin, _ = BinDir()
		c.Stop()
	})
	if filepath.Dir(dir) != Root() {
		t.Fatalf("cluster in %s, want under %s", dir, Root())
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("the dead child's cluster does not run before the next Start: %v", err)
	}
	_ = conn.Close(ctx)

	next, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	next.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the dead child's cluster directory is still there (%v)", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(cctx, url); err == nil {
		_ = conn.Close(ctx)
		t.Errorf("the dead child's cluster still accepts connections")
	}
	conn, err = pgx.Connect(ctx, live)
	if err != nil {
		t.Fatalf("the live process's cluster was stopped: %v", err)
	}
	_ = conn.Close(ctx)
}
