package fakecmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

func TestRunServesTheFake(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr testutil.SyncBuffer
	errc := make(chan error, 1)
	go func() {
		env := Env{Stdin: strings.NewReader("# extra partners\nglobex=gsecret\n\n"), Getenv: func(k string) string {
			return map[string]string{EnvSecret: "from-env", "TL_PARTNER_SECRET": "real-secret-never-adopted"}[k]
		}}
		errc <- runEnv(ctx, DefaultProg, []string{"-addr", "127.0.0.1:0", "-partner-id", "acme", "-embed-origin", "http://127.0.0.1:3000,http://localhost:3000", "-partners-stdin", "-v"},
			env, pw, &stderr)
		pw.Close()
	}()
	vals := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(vals) < 4 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		vals[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if vals["TL_PARTNER_ID"] != "acme" || vals["TL_PARTNER_SECRET"] != "from-env" || !strings.HasPrefix(vals["TL_PARTNER_BASE_URL"], "http://127.0.0.1:") {
		t.Fatalf("printed %v", vals)
	}

	c, err := tlpartner.NewClient(vals["TL_PARTNER_ID"], vals["TL_PARTNER_SECRET"], tlpartner.WithBaseURL(vals["TL_PARTNER_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	ws, err := c.CreateWorkspace(rctx, tlpartner.CreateWorkspaceParams{DisplayName: "cmd", SeatsPurchased: 2})
	if err != nil || ws.ID != "cmd" {
		t.Fatalf("create: %+v %v", ws, err)
	}
	g, _ := tlpartner.NewClient("globex", "gsecret", tlpartner.WithBaseURL(vals["TL_PARTNER_BASE_URL"]))
	if _, err := g.GetWorkspace(rctx, ws.ID); !errors.Is(err, tlpartner.ErrUnauthorized) {
		t.Fatalf("extra partner: %v", err)
	}
	// The same listener serves the Public API, with the workspace's token.
	tok, err := c.GetPublicAPIToken(rctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int{tok.Token: 200, "wrong": 401} {
		req, _ := http.NewRequestWithContext(rctx, "GET", vals["TL_PUBLIC_API_BASE_URL"]+"/workspace", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("Public API with a %s token: %d", map[bool]string{true: "good", false: "wrong"}[want == 200], resp.StatusCode)
		}
	}
	// The control endpoints are on by default.
	origin := strings.TrimSuffix(vals["TL_PARTNER_BASE_URL"], "/partner/api/v1")
	resp, err := http.Get(origin + "/_fake/workspaces/cmd")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("control endpoint: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "POST /partner/api/v1/workspaces -> 201") || strings.Contains(logs, "from-flag") {
		t.Fatalf("stderr:\n%s", logs)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	cases := [][]string{
		{"-addr", "0.0.0.0:0"},
		{"-addr", ":0"},
		{"-secret", "s"},
		{"--secret=s"},
		{"-partner", "globex=gsecret"},
		{"-embed-origin", "http://example.com/path"},
		{"-addr", "127.0.0.1:0", "extra-arg"},
		{"-no-such-flag"},
	}
	for _, args := range cases {
		var out, errOut testutil.SyncBuffer
		if err := run(context.Background(), DefaultProg, args, &out, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
		if out.String() != "" {
			t.Errorf("%v printed credentials: %q", args, out.String())
		}
	}
	var out, errOut testutil.SyncBuffer
	if err := run(context.Background(), DefaultProg, []string{"-h"}, &out, &errOut); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(errOut.String(), "-embed-origin") {
		t.Fatal("usage does not list -embed-origin")
	}
}

func TestRunIgnoresSecretEnv(t *testing.T) {
	t.Setenv("TL_PARTNER_SECRET", "real-secret-must-not-leak")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut testutil.SyncBuffer
	if err := run(ctx, DefaultProg, []string{"-addr", "127.0.0.1:0"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String()+errOut.String(), "real-secret-must-not-leak") {
		t.Fatal("the fake adopted and printed TL_PARTNER_SECRET")
	}
}

func TestRunNonLoopbackNeedsFlag(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once after starting
	var out, errOut testutil.SyncBuffer
	// The flag path is exercised with a loopback address so the test never
	// opens a public port.
	if err := run(ctx, DefaultProg, []string{"-addr", "127.0.0.1:0", "-allow-non-loopback"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "TL_PARTNER_SECRET=") {
		t.Fatalf("output %q", out.String())
	}
}

func TestRunExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"-h"}, ExitOK},
		{[]string{"-addr", "127.0.0.1:0"}, ExitOK},
		{[]string{"-no-such-flag"}, ExitUsage},
		{[]string{"-addr", "127.0.0.1:0", "extra-arg"}, ExitUsage},
		{[]string{"-secret", "s"}, ExitUsage},
		{[]string{"-addr", "0.0.0.0:0"}, ExitUsage},
		{[]string{"-addr", busy.Addr().String()}, ExitError},
		{[]string{"token", "-secret", "s"}, ExitUsage},
		{[]string{"token", "-ttl", "0s"}, ExitUsage},
		{[]string{"token", "-h"}, ExitOK},
	}
	for _, tc := range cases {
		var out, errOut testutil.SyncBuffer
		if got := RunNamed(stopped, "tlpartner fake", tc.args, &out, &errOut); got != tc.want {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", tc.args, got, tc.want, errOut.String())
		}
		if tc.want != ExitOK && !strings.Contains(errOut.String(), "tlpartner fake: ") {
			t.Errorf("%v: stderr does not name the program: %q", tc.args, errOut.String())
		}
	}
}

func TestLoopbackErrorNamesTheFlag(t *testing.T) {
	var out, errOut testutil.SyncBuffer
	if code := Run(context.Background(), []string{"-addr", "0.0.0.0:0"}, &out, &errOut); code == ExitOK {
		t.Fatal("non-loopback address accepted")
	}
	if !strings.Contains(errOut.String(), "-allow-non-loopback") {
		t.Fatalf("stderr does not name the flag:\n%s", errOut.String())
	}
}

// startFake runs the fake in the background and returns the printed
// assignments and its stderr; the fake stops at the end of the test.
func startFake(t *testing.T, args ...string) (map[string]string, *testutil.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &testutil.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("fake exited %d:\n%s", code, stderr.String())
		}
	})
	vals := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(vals) < 3 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		vals[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(vals) < 3 {
		t.Fatalf("fake printed %v; stderr:\n%s", vals, stderr.String())
	}
	// stderr's last start-up line follows the assignments on stdout.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "serving"); {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up lines on stderr:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return vals, stderr
}

// call sends an authenticated GET with a hand-supplied token, as curl would.
func call(t *testing.T, url, partnerID, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-TL-Partner-Id", partnerID)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestTokenSubcommandMintsAnAcceptedJWT(t *testing.T) {
	vals, _ := startFake(t, "-controls=false")
	var out, errOut testutil.SyncBuffer
	// The secret comes from TL_PARTNER_SECRET, as the fake printed it.
	fromEnv := Env{Stdin: strings.NewReader(""), Getenv: func(k string) string {
		if k == "TL_PARTNER_SECRET" {
			return vals["TL_PARTNER_SECRET"]
		}
		return ""
	}}
	code := RunEnv(context.Background(), DefaultProg, []string{"token", "-partner-id", vals["TL_PARTNER_ID"]}, fromEnv, &out, &errOut)
	if code != ExitOK {
		t.Fatalf("token: exit %d: %s", code, errOut.String())
	}
	tok := strings.TrimSpace(out.String())
	if strings.Count(tok, ".") != 2 || strings.Contains(tok, "\n") {
		t.Fatalf("token output %q", out.String())
	}
	if st := call(t, vals["TL_PARTNER_BASE_URL"]+"/workspaces/nope", vals["TL_PARTNER_ID"], tok); st != http.StatusNotFound {
		t.Fatalf("fake answered %d to the minted token, want 404 (authenticated)", st)
	}
	if st := call(t, vals["TL_PARTNER_BASE_URL"]+"/workspaces/nope", vals["TL_PARTNER_ID"], tok+"x"); st != http.StatusUnauthorized {
		t.Fatalf("tampered token: %d", st)
	}

	// Or from the first line of standard input.
	noEnv := func(string) string { return "" }
	var out1, errOut1 testutil.SyncBuffer
	code = RunEnv(context.Background(), DefaultProg, []string{"token", "-partner-id", vals["TL_PARTNER_ID"]},
		Env{Stdin: strings.NewReader(vals["TL_PARTNER_SECRET"] + "\n"), Getenv: noEnv}, &out1, &errOut1)
	if code != ExitOK {
		t.Fatalf("token from stdin: exit %d: %s", code, errOut1.String())
	}
	if st := call(t, vals["TL_PARTNER_BASE_URL"]+"/workspaces/nope", vals["TL_PARTNER_ID"], strings.TrimSpace(out1.String())); st != http.StatusNotFound {
		t.Fatalf("fake answered %d to the token minted from stdin", st)
	}

	// Never from a flag; without either source, a usage error saying where.
	var out2, errOut2 testutil.SyncBuffer
	if code := RunEnv(context.Background(), DefaultProg, []string{"token", "-secret", vals["TL_PARTNER_SECRET"]}, Env{Stdin: strings.NewReader(""), Getenv: noEnv}, &out2, &errOut2); code != ExitUsage || out2.String() != "" {
		t.Fatalf("token -secret: exit %d, out %q", code, out2.String())
	}
	if !strings.Contains(errOut2.String(), "secrets are never flags") || strings.Contains(errOut2.String(), vals["TL_PARTNER_SECRET"]) {
		t.Fatalf("stderr %q", errOut2.String())
	}
	var out3, errOut3 testutil.SyncBuffer
	if code := RunEnv(context.Background(), DefaultProg, []string{"token"}, Env{Stdin: strings.NewReader(""), Getenv: noEnv}, &out3, &errOut3); code != ExitUsage {
		t.Fatalf("token without a secret: exit %d", code)
	}
	if !strings.Contains(errOut3.String(), "TL_PARTNER_SECRET") {
		t.Fatalf("stderr %q", errOut3.String())
	}
}

// TestPrintedCurlLineWorks: the fake prints a curl command; its pieces (token
// URL, headers and API URL) produce an authenticated request.
func TestPrintedCurlLineWorks(t *testing.T) {
	vals, stderr := startFake(t)
	var line string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "curl ") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no curl line on stderr:\n%s", stderr.String())
	}
	tokenURL := between(t, line, "$(curl -s ", ")")
	pid := between(t, line, `-H "X-TL-Partner-Id: `, `"`)
	apiURL := line[strings.LastIndex(line, " ")+1:]
	if pid != vals["TL_PARTNER_ID"] || !strings.HasPrefix(apiURL, vals["TL_PARTNER_BASE_URL"]+"/") {
		t.Fatalf("curl line %q", line)
	}
	resp, err := http.Get(tokenURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if st := call(t, apiURL, pid, strings.TrimSpace(string(b))); st != http.StatusNotFound {
		t.Fatalf("curl line's request answered %d, want 404 (authenticated, no such workspace)", st)
	}
	if strings.Contains(line, vals["TL_PARTNER_SECRET"]) {
		t.Fatal("the curl line holds the secret")
	}
	if !strings.Contains(stderr.String(), "/_fake/ lists") {
		t.Fatalf("stderr does not point at the control index:\n%s", stderr.String())
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("%q lacks %q", s, start)
	}
	v, _, ok := strings.Cut(after, end)
	if !ok {
		t.Fatalf("%q lacks %q after %q", s, end, start)
	}
	return v
}
