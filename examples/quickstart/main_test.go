package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/fakecmd"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestQuickstartFakeModeRunsEveryStep(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, config{displayName: "acme-co", phone: "+31612345678", contact: "+4915112345678"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"mode FAKE", "fake Public API   http://127.0.0.1:",
		"[1/15] Create a workspace", `workspace "acme-co" created`,
		"[3/15] Generate a QR link", "display_mode=embedding",
		"webhook whatsapp_account:connected verified",
		"whatsapp account", "connected",
		// The Public API round trip.
		"[7/15] Open the workspace's Public API client", "client at http://127.0.0.1:", "/integrations/api", "Token: [REDACTED]",
		"webhook subscription 789001: message:sent:new", "webhook subscription 789002: message:received:new",
		"[8/15] Send a WhatsApp message",
		"[9/15] The customer replies", `webhook message:received:new: "Thanks, got it!" from +4915112345678`,
		"[10/15] List the chat", "chat 1000001 with +4915112345678 (WhatsApp account 31612345678@s.whatsapp.net)",
		`<- Received  "Thanks, got it!"`, "2 messages in the chat",
		"[11/15] Upload a small file and send it", "uploaded: hello.txt, 17 bytes, text/plain",
		"with the file queued (text plus a file: 2 credits)",
		"a minute later on the fake's clock (srv.Advance), the first message went Queued -> Sent -> Delivered -> Read",
		"[12/15] Rotate the Public API token; the same Public API client keeps working",
		"webhook api_token:rotated verified",
		"the same client got 401 with the old token, fetched the new one and resent: 1 WhatsApp account(s)",
		"the fake saw GET /whatsapp_accounts 1 time(s) refused (401) and 1 time(s) answered (200)",
		"[13/15] Read the credit usage", "message credits: 3 of 10000 used this period",
		"the Partner API reports the same quota: messages 3 of 10000",
		"webhook whatsapp_account:disconnected verified",
		"errors.Is(err, ErrNotFound)",
		"All 15 steps succeeded.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// The UID printed when the message was queued is the one the
	// message:sent:new webhook names, and the first line of the chat.
	m := regexp.MustCompile(`message ([0-9a-f-]{36}) queued for \+4915112345678`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no message UID printed:\n%s", s)
	}
	if !strings.Contains(s, "webhook message:sent:new: message "+m[1]+" sent to +4915112345678 in chat 1000001") {
		t.Errorf("the message:sent:new line does not name %s:\n%s", m[1], s)
	}
	if !regexp.MustCompile(`-> (Sent|Delivered|Read) +"Hello from the tlpartner quick start!"`).MatchString(s) {
		t.Errorf("the chat listing lacks the sent message:\n%s", s)
	}
	// Secrets: tokens are masked, the receiver's URL token too.
	if regexp.MustCompile(`tlpub_[0-9a-f]{8,}`).MatchString(s) || regexp.MustCompile(`/public-events/[A-Za-z0-9_~.-]{12,}`).MatchString(s) {
		t.Errorf("output shows a token:\n%s", s)
	}
	if n := strings.Count(s, "      ok  "); n < 27 {
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
	for _, want := range []string{
		"[6/9] Open the workspace's Public API client", "this run sends nothing",
		"the same client got 401 with the old token, fetched the new one and resent: 0 WhatsApp account(s)",
		"message credits: 0 of 10000", "All 9 steps succeeded.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, tlpartnertest.PublicAPIPrefix) && r.Method != http.MethodGet {
			t.Errorf("live mode changed something through the Public API: %s %s", r.Method, r.Path)
		}
	}
}

// A second -destructive run meets the workspace of the first: the error
// says to pass -name.
func TestQuickstartSecondDestructiveRunHintsName(t *testing.T) {
	srv := tlpartnertest.New(t, tlpartnertest.Options{PartnerID: "live-partner"})
	cfg := config{partnerID: srv.PartnerID(), secret: srv.Secret(), baseURL: srv.PartnerAPIURL(), destructive: true, displayName: "again-co"}
	var out bytes.Buffer
	if err := run(context.Background(), &out, cfg); err != nil {
		t.Fatalf("first run: %v", err)
	}
	out.Reset()
	err := run(context.Background(), &out, cfg)
	if !errors.Is(err, tlpartner.ErrConflict) {
		t.Fatalf("second run: %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "pass -name with another display name, for example -name again-co-2") {
		t.Errorf("no -name hint: %v", err)
	}
	cfg.displayName = "again-co-2"
	if err := run(context.Background(), &out, cfg); err != nil {
		t.Errorf("with the hinted -name: %v", err)
	}
}

// A base URL where nothing listens (a fake that is not running) gets a
// hint, not just "connection refused".
func TestQuickstartRefusedConnectionHint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String() + "/partner/api/v1"
	l.Close()
	var out bytes.Buffer
	err = run(context.Background(), &out, config{partnerID: "p", secret: "s", baseURL: base})
	if err == nil || !strings.Contains(err.Error(), "hint: nothing accepted the connection: check that the server runs") || !strings.Contains(err.Error(), base) {
		t.Fatalf("want a hint naming %s, got %v", base, err)
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
