package tlpartnertest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// recordingTB records what New does with its testing.TB.
type recordingTB struct {
	testing.TB // methods not overridden below panic (nil)
	mu         sync.Mutex
	logs       []string
	cleanups   []func()
	fatal      string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Cleanup(f func())  { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

func (r *recordingTB) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

func TestNewLogsToTBAndClosesOnCleanup(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{}
	srv := tlpartnertest.New(rec, tlpartnertest.Options{PartnerID: "acme"})
	if srv == nil || len(rec.cleanups) != 1 {
		t.Fatalf("server %v, %d cleanups registered", srv, len(rec.cleanups))
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || strings.HasSuffix(srv.URL, "/") {
		t.Fatalf("URL %q is not the root of the fake", srv.URL)
	}
	if srv.PartnerAPIURL() != srv.URL+"/partner/api/v1" || srv.PublicAPIURL() != srv.URL+"/integrations/api" {
		t.Fatalf("PartnerAPIURL %q, PublicAPIURL %q", srv.PartnerAPIURL(), srv.PublicAPIURL())
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetWorkspace(context.Background(), "nope"); err == nil {
		t.Fatal("unknown workspace found")
	}
	if logs := rec.logText(); !strings.Contains(logs, "GET /partner/api/v1/workspaces/nope -> 404") {
		t.Fatalf("the request was not logged to the TB:\n%s", logs)
	}
	if strings.Contains(rec.logText(), srv.Secret()) {
		t.Fatal("the log holds the secret")
	}

	rec.cleanups[0]()
	resp, err := http.Get(srv.PartnerAPIURL() + "/workspaces/nope")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("server still answers after cleanup: %d", resp.StatusCode)
	}
}

func TestNewKeepsCallersLogf(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{}
	var mine []string
	var mu sync.Mutex
	srv := tlpartnertest.New(rec, tlpartnertest.Options{Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		mine = append(mine, fmt.Sprintf(f, a...))
	}})
	defer rec.cleanups[0]()
	resp, err := http.Get(srv.PartnerAPIURL() + "/workspaces/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(mine) == 0 || rec.logText() != "" {
		t.Fatalf("caller's Logf got %q, TB got %q", mine, rec.logText())
	}
}

func TestNewFailsTheTestOnBadOptions(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{}
	if srv := tlpartnertest.New(rec, tlpartnertest.Options{Addr: "0.0.0.0:0"}); srv != nil {
		srv.Close()
		t.Fatal("non-loopback address accepted")
	}
	if !strings.Contains(rec.fatal, "non-loopback") || len(rec.cleanups) != 0 {
		t.Fatalf("fatal %q, %d cleanups", rec.fatal, len(rec.cleanups))
	}
}
