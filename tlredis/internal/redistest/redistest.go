// Package redistest starts a throw-away redis-server for tests: a real
// server process (Debian package redis-server) on a random loopback port,
// with its files in a temporary directory, stopped when the test ends.
//
// Without a redis-server binary the test is skipped with a message, unless
// the environment variable TLREDIS_REQUIRE_SERVER is set to 1 (as .ci/run
// does): then it fails, so that CI cannot pass by skipping.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv is the environment variable that turns a missing redis-server
// into a test failure instead of a skip.
const RequireEnv = "TLREDIS_REQUIRE_SERVER"

// BinaryEnv names an environment variable that may point at the
// redis-server binary; otherwise it is looked up on PATH.
const BinaryEnv = "REDIS_SERVER"

// Server is a running redis-server.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1.
	Addr string

	bin string
	dir string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Binary returns the path of the redis-server binary, or "" when there is
// none.
func Binary() string {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// Start starts a redis-server for t and registers its stop with t.Cleanup.
// It skips t (or fails it, see [RequireEnv]) when no binary is available.
func Start(t testing.TB) *Server {
	t.Helper()
	if Binary() == "" {
		msg := "redis-server not found (install the Debian package redis-server, or set " + BinaryEnv + "); skipping the Redis tests"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg + " is not allowed: " + RequireEnv + "=1")
		}
		t.Skip(msg)
	}
	s, err := StartProcess(t.TempDir())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Kill)
	return s
}

// ErrNoBinary is returned by [StartProcess] when there is no redis-server.
var ErrNoBinary = errors.New("redistest: redis-server not found (install the Debian package redis-server, or set " + BinaryEnv + ")")

// StartProcess starts a redis-server keeping its files in dir, for callers
// without a testing.TB (a TestMain that serves the package's examples).
// The caller stops it with [Server.Kill].
func StartProcess(dir string) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, ErrNoBinary
	}
	s := &Server{bin: bin, dir: dir}
	var err error
	for range 5 { // a freshly chosen free port can be taken by someone else before the server binds it
		var port int
		port, err = freePort()
		if err != nil {
			continue
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("starting redis-server: %w", err)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server on s.Addr and waits until it answers PING.
func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1",
		"--port", port,
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--logfile", "",
		"--loglevel", "warning",
	)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited during start-up: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.mu.Lock()
			s.cmd = cmd
			s.mu.Unlock()
			// Reap the process when it exits, whoever stops it.
			go func() { <-exited }()
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("redis-server did not answer PING within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL, as a crash would) and waits
// until its port no longer accepts connections. Killing a stopped server
// does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	for range 200 {
		c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond)
		if err != nil {
			return
		}
		_ = c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// Restart starts the server again on the same address after [Server.Kill].
// The data is gone (the server keeps none on disk).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("redistest: restarting redis-server: %v", err)
	}
}

// Client returns a go-redis client for the server, closed when the test
// ends. Its timeouts are short so that tests of an unavailable server run
// fast.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr:         s.Addr,
		DialTimeout:  500 * time.Millisecond,
		ReadTimeout:  500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond,
		MaxRetries:   1,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
