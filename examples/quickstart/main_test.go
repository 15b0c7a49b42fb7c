package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/fakecmd"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestQuickstartFakeModeRunsEveryStep(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, config{displayName: "acme-co", phone: "+31612345678"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"mode FAKE",
		"[1/9] Create a workspace", `workspace "acme-co" created`,
		"[3/9] Generate a QR link", "display_mode=embedding",
		"webhook whatsapp_account:connected verified",
		"whatsapp account", "connected",
		"webhook api_token:rotated verified",
		"webhook whatsapp_account:disconnected verified",
		"errors.Is(err, ErrNotFound)",
		"All 9 steps succeeded.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "      ok  "); n < 13 {
		t.Errorf("only %d ok lines:\n%s", n, s)
	}
}

func TestQuickstartLiveModeIsReadOnly(t *testing.T) {
	srv := tlpartnertest.New(t, tlpartnertest.Options{PartnerID: "live-partner"})

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: srv.Secret(), baseURL: srv.PartnerAPIURL(),
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "mode LIVE, read-only") || !strings.Contains(out.String(), "credentials ok") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			t.Errorf("read-only mode sent %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(out.String(), srv.Secret()) {
		t.Error("output contains the partner secret")
	}
}

func TestQuickstartLiveModeRejectsBadCredentials(t *testing.T) {
	srv := tlpartnertest.New(t, tlpartnertest.Options{PartnerID: "live-partner"})

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: "not-the-secret", baseURL: srv.PartnerAPIURL(),
	})
	if err == nil || !strings.Contains(err.Error(), "rejected the credentials") {
		t.Fatalf("want a credentials error, got %v", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Error("error contains the secret")
	}
}

func TestQuickstartLiveDestructiveRunsLifecycle(t *testing.T) {
	srv := tlpartnertest.New(t, tlpartnertest.Options{PartnerID: "live-partner"})

	var out bytes.Buffer
	err := run(context.Background(), &out, config{
		partnerID: srv.PartnerID(), secret: srv.Secret(), baseURL: srv.PartnerAPIURL(),
		destructive: true, displayName: "live-co",
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if _, ok := srv.Workspace("live-co"); !ok {
		t.Error("destructive mode did not create the workspace")
	}
	if !strings.Contains(out.String(), "All 7 steps succeeded.") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
}

func TestQuickstartNeedsBothCredentials(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, config{partnerID: "only-id"})
	if err == nil {
		t.Fatal("want an error when only TL_PARTNER_ID is set")
	}
}

// TestQuickstartFollowsTheFakesInstructions: cmd/tlpartner-fake prints shell
// assignments for the user to export; the quick start must read exactly
// those names. Before the fix it read TL_BASE_URL, so a user who exported
// the fake's TL_PARTNER_BASE_URL sent the fake's credentials to production.
func TestQuickstartFollowsTheFakesInstructions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- fakecmd.Run(ctx, []string{"-addr", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 3 && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("fake printed %q", sc.Text())
		}
		env[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("fake exited %d: %s", code, stderr.String())
		}
	}()

	cfg, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.baseURL != env["TL_PARTNER_BASE_URL"] {
		t.Fatalf("quick start base URL %q, the fake printed TL_PARTNER_BASE_URL=%s", cfg.baseURL, env["TL_PARTNER_BASE_URL"])
	}

	// The base URL is printed before the first request leaves.
	origin := strings.TrimSuffix(env["TL_PARTNER_BASE_URL"], tlpartnertest.APIPrefix)
	w := &firstWriteProbe{probe: func() int { return countRequests(t, origin) }}
	if err := run(ctx, w, cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, w.buf.String())
	}
	if !strings.Contains(w.first, env["TL_PARTNER_BASE_URL"]) || w.requestsAtFirst != 0 {
		t.Fatalf("first output (after %d requests) does not name the base URL %s:\n%s", w.requestsAtFirst, env["TL_PARTNER_BASE_URL"], w.first)
	}
	if n := countRequests(t, origin); n == 0 {
		t.Fatal("no request reached the fake")
	}
}

func TestQuickstartRefusesTheOldBaseURLName(t *testing.T) {
	env := map[string]string{"TL_PARTNER_ID": "p", "TL_PARTNER_SECRET": "s", "TL_BASE_URL": "http://127.0.0.1:1/partner/api/v1"}
	_, err := configFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "TL_PARTNER_BASE_URL") {
		t.Fatalf("TL_BASE_URL alone: %v", err)
	}
}

func TestQuickstartNamesProductionBeforeCalling(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the probe fails at once; nothing leaves the machine
	var out bytes.Buffer
	_ = run(ctx, &out, config{partnerID: "p", secret: "s"})
	if !strings.Contains(out.String(), tlpartner.DefaultBaseURL) || !strings.Contains(out.String(), "production") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// firstWriteProbe records the first write and the request count at that time.
type firstWriteProbe struct {
	probe           func() int
	first           string
	requestsAtFirst int
	buf             bytes.Buffer
}

func (p *firstWriteProbe) Write(b []byte) (int, error) {
	if p.first == "" {
		p.first = string(b)
		p.requestsAtFirst = p.probe()
	}
	return p.buf.Write(b)
}

// countRequests asks the stand-alone fake how many API requests it served.
func countRequests(t *testing.T, origin string) int {
	t.Helper()
	resp, err := http.Get(origin + tlpartnertest.ControlPrefix + "/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reqs []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&reqs); err != nil {
		t.Fatal(err)
	}
	return len(reqs)
}
