// Package cli runs the tlpartner command's script tests
// (testdata/script/*.txtar, github.com/rogpeppe/go-internal/testscript)
// against an in-process fake of the Partner API and in-process webhook
// receivers built on the SDK's own webhooks.Handler. The command runs as a
// real subprocess: testscript re-executes this test binary as "tlpartner",
// which calls the same entry point as cmd/tlpartner.
package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/cli"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"tlpartner": func() { os.Exit(cli.Main()) }})
}

// world is the in-process state of one script.
type world struct {
	srv *tlpartnertest.Server

	mu       sync.Mutex
	accepted []string // event types the signed receiver's handler accepted
	public   []string // event types the unsigned receiver's events.Handler accepted
	captured []byte   // the last request the capture receiver got, raw
	mark     time.Time
}

const worldKey = "world"

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               setup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":          cmdExits,
			"received":       cmdReceived,
			"publicreceived": cmdPublicReceived,
			"capture":        cmdCapture,
			"connect":        cmdConnect,
			"noleak":         cmdNoLeak,
			"delay":          cmdDelay,
			"fault":          cmdFault,
			"mark":           cmdMark,
			"sleep":          cmdSleep,
			"within":         cmdWithin,
			"tokenvalid":     cmdTokenValid,
			"jwtworks":       cmdJWTWorks,
			"secretfile":     cmdSecretFile,
			"mode":           cmdMode,
			"freeport":       cmdFreePort,
			"waitlisten":     cmdWaitListen,
			"incoming":       cmdIncoming,
			"setfrom":        cmdSetFrom,
		},
	})
}

func setup(env *testscript.Env) error {
	srv, err := tlpartnertest.StartServer(tlpartnertest.Options{})
	if err != nil {
		return err
	}
	env.Defer(srv.Close)
	w := &world{srv: srv}
	env.Values[worldKey] = w

	h, err := webhooks.NewHandler(srv.PartnerID(), srv.Secret())
	if err != nil {
		return err
	}
	h.OnEvent(func(ctx context.Context, e webhooks.Event) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.accepted = append(w.accepted, string(e.Type()))
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/partner", h)
	ph, err := events.NewHandler()
	if err != nil {
		return err
	}
	ph.OnEvent(func(ctx context.Context, e events.Event) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.public = append(w.public, string(e.Type()))
		return nil
	})
	mux.Handle("/public", ph)
	mux.HandleFunc("/capture", func(rw http.ResponseWriter, r *http.Request) {
		dump, err := httputil.DumpRequest(r, true)
		if err != nil {
			http.Error(rw, err.Error(), 500)
			return
		}
		w.mu.Lock()
		w.captured = dump
		w.mu.Unlock()
		fmt.Fprintln(rw, "captured")
	})
	rs := httptest.NewServer(mux)
	env.Defer(rs.Close)

	env.Setenv("TL_PARTNER_BASE_URL", srv.PartnerAPIURL())
	env.Setenv("TL_PARTNER_ID", srv.PartnerID())
	env.Setenv("TL_PARTNER_SECRET", srv.Secret())
	env.Setenv("RECEIVER", rs.URL+"/partner")
	env.Setenv("PUBLIC_RECEIVER", rs.URL+"/public")
	env.Setenv("CAPTURE", rs.URL+"/capture")
	// Nothing may reach the internet: an https request to anywhere but
	// loopback (which bypasses proxies) fails at once.
	env.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
	env.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
	env.Setenv("CONFIG_FILE", filepath.Join(env.WorkDir, ".config", "tlpartner", "config.json"))
	return nil
}

func worldOf(ts *testscript.TestScript) *world { return ts.Value(worldKey).(*world) }

// exits N command [args...]: runs the command and checks its exact exit
// status; stdout and stderr are kept for the following assertions.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Logf("stdout:\n%s\nstderr:\n%s", ts.ReadFile("stdout"), ts.ReadFile("stderr"))
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// received N [event...]: the signed receiver's webhooks.Handler accepted
// exactly N deliveries (of these types, in order, when listed).
func cmdReceived(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	w.mu.Lock()
	got := append([]string(nil), w.accepted...)
	w.mu.Unlock()
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("received: %v", err)
	}
	if len(got) != n || (len(args) > 1 && strings.Join(got, " ") != strings.Join(args[1:], " ")) {
		ts.Fatalf("receiver accepted %d: %v; want %d %v", len(got), got, n, args[1:])
	}
}

// publicreceived N [event...]: like received, for the unsigned receiver
// (the SDK's publicapi/events.Handler).
func cmdPublicReceived(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	w.mu.Lock()
	got := append([]string(nil), w.public...)
	w.mu.Unlock()
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	if len(got) != n || (len(args) > 1 && strings.Join(got, " ") != strings.Join(args[1:], " ")) {
		ts.Fatalf("public receiver accepted %d: %v; want %d %v", len(got), got, n, args[1:])
	}
}

// capture FILE: writes the last request the capture receiver got, as a raw
// HTTP request, to FILE.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	w.mu.Lock()
	b := w.captured
	w.mu.Unlock()
	if b == nil {
		ts.Fatalf("capture: nothing captured")
	}
	if err := os.WriteFile(ts.MkAbs(args[0]), b, 0o644); err != nil {
		ts.Fatalf("capture: %v", err)
	}
}

// connect WORKSPACE USER_ID PHONE: issues a QR link through the SDK and
// simulates the customer's scan, so the user has a connected account.
func cmdConnect(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	c, err := w.srv.Client()
	ts.Check(err)
	uid, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	q, err := c.GenerateQR(context.Background(), args[0], uid, tlpartner.GenerateQRParams{})
	ts.Check(err)
	_, err = w.srv.SimulateScan(q.URL, args[2])
	ts.Check(err)
}

// jwtRE matches a compact JWS (every JWT starts with base64url '{"').
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)

// noleak [-jwt-on-stdout] [-token-on-stdout]: the last command's stdout and
// stderr contain neither the Partner Secret nor a JWT, and stderr holds no
// Public API token. The flags allow the one credential a command exists to
// print on stdout.
func cmdNoLeak(ts *testscript.TestScript, neg bool, args []string) {
	jwtOK, tokenOK := false, false
	for _, a := range args {
		switch a {
		case "-jwt-on-stdout":
			jwtOK = true
		case "-token-on-stdout":
			tokenOK = true
		default:
			ts.Fatalf("noleak: unknown flag %s", a)
		}
	}
	secrets := []string{worldOf(ts).srv.Secret(), ts.Getenv("TL_PARTNER_SECRET")}
	for _, name := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(name)
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				ts.Fatalf("%s contains the Partner Secret", name)
			}
		}
		if jwtRE.MatchString(out) && !(jwtOK && name == "stdout") {
			ts.Fatalf("%s contains a JWT: %s", name, jwtRE.FindString(out))
		}
		if strings.Contains(out, "tlpub_") && !(tokenOK && name == "stdout") {
			ts.Fatalf("%s contains a Public API token", name)
		}
	}
	if !strings.Contains(ts.ReadFile("stderr"), "debug:") {
		ts.Fatalf("noleak: the command did not run with --debug")
	}
}

// delay DURATION: the fake delays the next API request by DURATION.
func cmdDelay(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	worldOf(ts).srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: d})
}

// fault KIND COUNT: the next COUNT API requests of the fake get fault KIND
// (429, 503 or drop).
func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: fault 429|503|drop COUNT")
	}
	kinds := map[string]tlpartnertest.FaultKind{"429": tlpartnertest.Fault429, "503": tlpartnertest.Fault503, "drop": tlpartnertest.FaultDrop}
	kind, ok := kinds[args[0]]
	if !ok {
		ts.Fatalf("unknown fault %q", args[0])
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	worldOf(ts).srv.InjectFaults(tlpartnertest.Fault{Kind: kind, Count: n})
}

// mark: remembers the time, for within.
func cmdMark(ts *testscript.TestScript, neg bool, args []string) { worldOf(ts).mark = time.Now() }

// sleep DURATION: pauses the script.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// within DURATION: less than DURATION has passed since mark.
func cmdWithin(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	if el := time.Since(worldOf(ts).mark); el >= d {
		ts.Fatalf("%v passed since mark, want less than %v", el, d)
	}
}

// TestLeakScriptCoversEveryCommand makes sure the secret-leak script runs
// every command of the tree with --debug.
func TestLeakScriptCoversEveryCommand(t *testing.T) {
	b, err := os.ReadFile("testdata/script/leak.txtar")
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	re := regexp.MustCompile(`tlpartner --debug ((?:[a-z]+ ?)+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			ran[strings.TrimSpace(m[1])] = true
		}
	}
	for _, leaf := range cli.Leaves() {
		if leaf == "fake" {
			// The fake prints its own generated credentials by design
			// and never reads TL_PARTNER_SECRET; fake.txtar checks that.
			continue
		}
		found := false
		for r := range ran {
			if r == leaf || strings.HasPrefix(r, leaf+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("leak.txtar does not run 'tlpartner --debug %s'", leaf)
		}
	}
}

// tokenvalid WORKSPACE: the last stdout (a token) is the workspace's
// current Public API token.
func cmdTokenValid(ts *testscript.TestScript, neg bool, args []string) {
	tok := strings.TrimSpace(ts.ReadFile("stdout"))
	if ok := worldOf(ts).srv.PublicAPITokenValid(args[0], tok); ok == neg {
		ts.Fatalf("token %s valid for %s: %v", tok, args[0], ok)
	}
}

// jwtworks PATH: a GET of PATH (below the API base) with the last stdout as
// the bearer token succeeds.
func cmdJWTWorks(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	req, err := http.NewRequest(http.MethodGet, w.srv.PartnerAPIURL()+args[0], nil)
	ts.Check(err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(ts.ReadFile("stdout")))
	req.Header.Set(tlpartner.HeaderPartnerID, w.srv.PartnerID())
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	resp.Body.Close()
	if (resp.StatusCode == http.StatusOK) == neg {
		ts.Fatalf("GET %s with the minted token: %s", args[0], resp.Status)
	}
}

// secretfile FILE: writes the fake's Partner Secret and a newline to FILE,
// for piping into 'tlpartner config set'.
func cmdSecretFile(ts *testscript.TestScript, neg bool, args []string) {
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(worldOf(ts).srv.Secret()+"\n"), 0o600))
}

// freeport VAR: sets VAR to a loopback TCP port that was free a moment ago.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	ts.Check(ln.Close())
}

// waitlisten PORT: waits (up to 30s) until something accepts connections
// on the loopback PORT, such as a background 'tlpartner fake'.
func cmdWaitListen(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", args[0]), time.Second)
		if err == nil {
			ts.Check(c.Close())
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitlisten: nothing listens on port %s: %v", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// incoming WORKSPACE PHONE TEXT: the contact PHONE sends TEXT to the
// workspace's connected account; sets $CHAT_ID and $MESSAGE_UID.
func cmdIncoming(ts *testscript.TestScript, neg bool, args []string) {
	m, err := worldOf(ts).srv.SimulateIncomingMessage(args[0], args[1], args[2])
	ts.Check(err)
	ts.Setenv("CHAT_ID", strconv.FormatInt(m.ChatID, 10))
	ts.Setenv("MESSAGE_UID", m.MessageUID)
}

// setfrom VAR REGEXP: sets VAR to the first submatch of REGEXP in the last
// stdout.
func cmdSetFrom(ts *testscript.TestScript, neg bool, args []string) {
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("setfrom: no match for %s in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// mode FILE PERM: FILE has exactly the permission bits PERM (octal).
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := st.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s has mode %04o, want %04o", args[0], got, want)
	}
}
