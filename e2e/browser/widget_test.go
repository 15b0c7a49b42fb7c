package browser_test

// End-to-end tests of the widget in headless Chromium, driven with chromedp.
//
// The widget is served on one loopback origin (an httptest server), the fake
// QR page of tlpartnertest on another (a different port is a different
// origin), and forged messages come from a third. The tests need a Chromium
// binary: CHROMIUM_PATH, or chromium, chromium-browser, google-chrome or
// google-chrome-stable on PATH (.ci/install-chromium installs Debian's
// chromium). Without one they skip, unless TLPARTNER_REQUIRE_BROWSER is set
// (as .ci/run does): then they fail. One browser is shared by every test of
// this package (see startBrowser).
//
// Screenshots of every state are written to each test's temp dir (the paths
// are logged); set TLPARTNER_SCREENSHOT_DIR to keep copies.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/embed"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	shutdownBrowser()
	os.Exit(code)
}

// ---- browser ---------------------------------------------------------------

var browser struct {
	once   sync.Once
	path   string
	ctx    context.Context // a chromedp context that has run once
	cancel func()
	dir    string
	err    error
}

// findChromium returns the browser binary, "" when there is none, or an
// error when CHROMIUM_PATH names something unusable.
func findChromium() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("CHROMIUM_PATH=%q: %w", p, err)
		}
		return path, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", nil
}

// startBrowser returns the shared browser, starting it on first use. It
// skips the test when no Chromium is installed.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		if os.Getenv("TLPARTNER_REQUIRE_BROWSER") != "" {
			t.Fatal("no Chromium found and TLPARTNER_REQUIRE_BROWSER is set (set CHROMIUM_PATH or run bash .ci/install-chromium)")
		}
		t.Skip("no Chromium found (set CHROMIUM_PATH or install chromium, e.g. bash .ci/install-chromium); skipping browser test")
	}
	browser.once.Do(func() {
		browser.path = path
		browser.dir, browser.err = os.MkdirTemp("", "embed-chromium-")
		if browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(browser.dir),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-proxy-server", true),
			chromedp.WindowSize(480, 760),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		browser.cancel = func() { cancelCtx(); cancelAlloc() }
		// The first run starts the browser; it must not carry a timeout.
		done := make(chan error, 1)
		go func() { done <- chromedp.Do(ctx) }()
		select {
		case browser.err = <-done:
		case <-time.After(30 * time.Second):
			browser.err = errors.New("timed out starting the browser")
		}
		if browser.err != nil {
			browser.cancel()
			return
		}
		browser.ctx = ctx
	})
	if browser.err != nil {
		t.Fatalf("start %s: %v", browser.path, browser.err)
	}
	return browser.ctx
}

func shutdownBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		_ = os.RemoveAll(browser.dir)
	}
}

// tab is one browser tab with a deadline and a record of its console.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	bctx := startBrowser(t)
	tabCtx, cancelTab := chromedp.NewContext(bctx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	tb := &tab{t: t}
	msgs := chromedp.Console(tabCtx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, fmt.Sprintf("%s %s (%s)", m.Type, m.Text, m.URL))
			tb.mu.Unlock()
		}
	}()
	ctx, cancel := context.WithTimeout(tabCtx, 25*time.Second)
	t.Cleanup(cancel)
	tb.ctx = ctx
	t.Cleanup(func() {
		if t.Failed() {
			for _, line := range tb.consoleLines() {
				t.Logf("console: %s", line)
			}
		}
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(480, 760)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return tb
}

func (tb *tab) consoleLines() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.console...)
}

// noCSPViolations fails the test if the browser reported that a
// Content-Security-Policy blocked something: the widget must run under the
// policy its handler sends.
func (tb *tab) noCSPViolations() {
	tb.t.Helper()
	for _, line := range tb.consoleLines() {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused to") {
			tb.t.Errorf("CSP violation: %s", line)
		}
	}
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(url))
}

func evalIn[T any](tb *tab, expr string, opts ...chromedp.EvaluateOption) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is truthy. On timeout it
// fails with the value of describe, to show what the page looked like.
func (tb *tab) waitFor(cond, describe string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(12*time.Second)))
	if err != nil {
		state := "?"
		if describe != "" {
			if v, err2 := chromedp.Run(tb.ctx, chromedp.Evaluate[string](describe)); err2 == nil {
				state = v
			}
		}
		tb.t.Fatalf("waiting for %s: %v (page: %s)", cond, err, state)
	}
}

// widget helpers; sel is the CSS selector of the widget root.

const root = "#tl-embed"

func stateJS(sel string) string {
	return fmt.Sprintf(`(function(){var r=document.querySelector(%q); if(!r){return "no widget"}; var e=r.querySelector('[data-tl-role=error]'); return JSON.stringify({state:r.dataset.state, sent:r.dataset.sent, starts:r.dataset.starts, qr:r.dataset.qrCount, loaded:r.dataset.loaded, notify:r.dataset.notify, error:e&&e.textContent})})()`, sel)
}

func (tb *tab) waitState(sel, state string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q)?.dataset.state === %q`, sel, state), stateJS(sel))
}

func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return evalIn[string](tb, fmt.Sprintf(`document.querySelector(%q)?.getAttribute(%q) ?? ""`, sel, name))
}

// installSpy records every message event the widget window receives, with
// whether it came from the widget's own iframe, every ConnectedEvent, and
// the data-state history of every widget (window.__states).
func (tb *tab) installSpy() {
	tb.t.Helper()
	evalIn[chromedp.Void](tb, `(function(){
	  window.__spy = []; window.__connected = []; window.__states = [];
	  document.querySelectorAll("[data-tl-embed]").forEach(function (r) {
	    window.__states.push(r.id + ":" + r.dataset.state);
	    new MutationObserver(function () {
	      var s = r.id + ":" + r.dataset.state;
	      if (window.__states[window.__states.length - 1] !== s) { window.__states.push(s); }
	    }).observe(r, {attributes: true, attributeFilter: ["data-state"]});
	  });
	  window.addEventListener("message", function (e) {
	    var f = document.querySelector("#tl-embed [data-tl-role=frame]");
	    window.__spy.push({origin: e.origin, own: !!f && e.source === f.contentWindow,
	      type: e.data && typeof e.data === "object" ? String(e.data.type) : typeof e.data});
	  });
	  document.addEventListener("timelines:connected", function (e) {
	    window.__connected.push({target: e.target.id, mode: e.detail && e.detail.mode, bubbles: e.bubbles});
	  });
	})()`)
}

// screenshot saves a PNG of the viewport under the test's temp dir (and
// TLPARTNER_SCREENSHOT_DIR when set) and returns its bytes.
func (tb *tab) screenshot(name string) []byte {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(tb.t.TempDir(), name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s: %s", name, file)
	if dir := os.Getenv("TLPARTNER_SCREENSHOT_DIR"); dir != "" {
		keep := filepath.Join(dir, tb.t.Name()+"-"+name+".png")
		if err := os.MkdirAll(filepath.Dir(keep), 0o755); err == nil {
			if err := os.WriteFile(keep, buf, 0o644); err == nil {
				tb.t.Logf("screenshot %s kept at %s", name, keep)
			}
		}
	}
	return buf
}

// assertNonBlankPNG checks that b decodes as a PNG whose pixels are not all
// the same colour.
func assertNonBlankPNG(t *testing.T, name string, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	bounds := img.Bounds()
	if bounds.Empty() {
		t.Fatalf("screenshot %s is empty", name)
	}
	r0, g0, b0, a0 := img.At(bounds.Min.X, bounds.Min.Y).RGBA()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if r, g, b, a := img.At(x, y).RGBA(); r != r0 || g != g0 || b != b0 || a != a0 {
				return
			}
		}
	}
	t.Fatalf("screenshot %s is blank (every pixel has the same colour)", name)
}

// ---- servers ---------------------------------------------------------------

// env is one fake TimelinesAI (tlpartnertest) plus the partner's site that
// serves the widget, on two loopback origins.
type env struct {
	t      *testing.T
	fake   *tlpartnertest.Server
	client *tlpartner.Client
	site   *httptest.Server
	mux    *http.ServeMux
	notes  chan embed.Notification
	wsID   string
}

func newEnv(t *testing.T, opts tlpartnertest.Options) *env {
	t.Helper()
	e := &env{t: t, mux: http.NewServeMux(), notes: make(chan embed.Notification, 8)}
	e.site = httptest.NewServer(e.mux)
	t.Cleanup(e.site.Close)
	e.mux.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		n, err := embed.ReadNotification(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case e.notes <- n:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	})

	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hooks.Close)

	opts.EmbedOrigins = append(opts.EmbedOrigins, e.site.URL)
	opts.WebhookURL = hooks.URL
	if opts.QRRotateInterval == 0 {
		opts.QRRotateInterval = 300 * time.Millisecond
	}
	e.fake = tlpartnertest.NewServer(opts)
	t.Cleanup(e.fake.Close)

	c, err := tlpartner.NewClient(e.fake.PartnerID(), e.fake.Secret(), tlpartner.WithBaseURL(e.fake.PartnerAPIURL()))
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	ws, err := c.CreateWorkspace(t.Context(), tlpartner.CreateWorkspaceParams{DisplayName: "Embed browser test", SeatsPurchased: 10})
	if err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	e.wsID = ws.ID
	return e
}

// newLink creates a user and issues a QR link for it through the SDK.
func (e *env) newLink() *tlpartner.QRCode {
	e.t.Helper()
	users, err := e.client.CreateUsers(e.t.Context(), e.wsID, 1)
	if err != nil || len(users.Users) != 1 {
		e.t.Fatalf("CreateUsers: %v", err)
	}
	qr, err := e.client.GenerateQR(e.t.Context(), e.wsID, users.Users[0].ID, tlpartner.GenerateQRParams{})
	if err != nil {
		e.t.Fatalf("GenerateQR: %v", err)
	}
	return qr
}

// serve mounts the widget's handler at path on the partner site and returns
// the page URL.
func (e *env) serve(path string, w embed.Widget) string {
	e.t.Helper()
	if err := w.Validate(); err != nil {
		e.t.Fatalf("widget: %v", err)
	}
	e.mux.Handle("GET "+path, w.Handler())
	return e.site.URL + path
}

func (e *env) waitNotification() embed.Notification {
	e.t.Helper()
	select {
	case n := <-e.notes:
		return n
	case <-time.After(10 * time.Second):
		e.t.Fatal("no POST to NotifyURL")
		return embed.Notification{}
	}
}

// assertConnectedServerSide checks the fake's state and webhook after a
// successful scan.
func (e *env) assertConnectedServerSide(qr *tlpartner.QRCode, phone string) {
	e.t.Helper()
	if st, err := e.fake.QRLinkStatus(qr.URL); err != nil || st != "used" {
		e.t.Errorf("QR link status = %q, %v; want used", st, err)
	}
	details, err := e.client.GetWorkspace(e.t.Context(), e.wsID)
	if err != nil {
		e.t.Fatalf("GetWorkspace: %v", err)
	}
	found := false
	for _, a := range details.WhatsAppAccounts {
		if a.UserID == qr.UserID && a.Connected && a.PhoneNumberE164 == phone {
			found = true
		}
	}
	if !found {
		e.t.Errorf("GetWorkspace shows no connected account for user %d with %s: %+v", qr.UserID, phone, details.WhatsAppAccounts)
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	ds, err := e.fake.WaitForDeliveries(ctx, 1)
	if err != nil {
		e.t.Fatalf("webhook: %v", err)
	}
	var got bool
	for _, d := range ds {
		if d.EventType == "whatsapp_account:connected" && d.WorkspaceID == e.wsID && d.OK() &&
			bytes.Contains(d.Body, []byte(phone)) {
			got = true
		}
	}
	if !got {
		e.t.Errorf("no accepted whatsapp_account:connected webhook for %s; deliveries: %+v", phone, ds)
	}
}

// forger serves pages on a third origin that post forged contract messages
// to their opener or parent with targetOrigin "*".
func newForger(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>forger</title><p>forger</p><script>
var target = window.opener || window.parent;
[{type: "TIMELINES_QR_CONNECTED"},
 {type: "TIMELINES_QR_CODE_DATA", data: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="},
 {type: "TIMELINES_PAIRING_CODE", code: "11112222"},
 {type: "TIMELINES_ERROR", error: "", message: "forged error"}
].forEach(function (m) { target.postMessage(m, "*"); });
</script>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func userGesture(p *runtime.EvaluateParams) {
	v := true
	p.UserGesture = &v
}

// ---- tests -----------------------------------------------------------------

const (
	qrSel      = root + " [data-tl-role=qr]"
	frameSel   = root + " [data-tl-role=frame]"
	errorSel   = root + " [data-tl-role=error]"
	codeSel    = root + " [data-tl-role=code-text]"
	successSel = root + " [data-tl-role=success]"
)

func TestBrowserCustomQR(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	page := e.serve("/connect", embed.Widget{
		QRLink:         qr.URL,
		ExpectedOrigin: e.fake.URL,
		NotifyURL:      "/notify",
	})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()

	// The first QR appears in the widget's own <img>; the iframe stays hidden.
	tb.waitState(root, "qr")
	tb.do(chromedp.WaitVisible(chromedp.CSS(qrSel)))
	if d := evalIn[string](tb, `getComputedStyle(document.querySelector("`+frameSel+`")).display`); d != "none" {
		t.Errorf("iframe display = %q, want none in custom-QR mode", d)
	}
	first := evalIn[string](tb, `document.querySelector("`+qrSel+`").src`)
	if err := (embed.QRCodeData{Data: first}).Validate(); err != nil {
		t.Errorf("shown QR: %v", err)
	}
	assertNonBlankPNG(t, "qr", tb.screenshot("qr"))

	// Every rotation replaces the image.
	tb.waitFor(`(function(){var r=document.querySelector("`+root+`"); return +r.dataset.qrCount >= 3 && r.querySelector("[data-tl-role=qr]").src !== `+jsString(first)+`})()`, stateJS(root))
	if got := tb.attr(root, "data-starts"); got != "1" {
		t.Errorf("data-starts = %s, want 1 (no restart while QRs keep coming)", got)
	}
	tb.screenshot("qr-rotated")

	// The user scans: the fake page posts TIMELINES_QR_CONNECTED.
	if _, err := e.fake.SimulateScan(qr.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "connected")
	tb.do(chromedp.WaitVisible(chromedp.CSS(successSel)), chromedp.WaitNotVisible(chromedp.CSS(qrSel)))
	events := evalIn[[]map[string]any](tb, `window.__connected`)
	if len(events) != 1 || events[0]["target"] != "tl-embed" || events[0]["mode"] != "qr" || events[0]["bubbles"] != true {
		t.Errorf("timelines:connected events = %v, want one bubbling event from tl-embed with mode qr", events)
	}
	if n := e.waitNotification(); n.Type != embed.TypeQRConnected || n.Mode != embed.ModeCustomQR {
		t.Errorf("notification = %+v", n)
	}
	tb.waitFor(`document.querySelector("`+root+`").dataset.notify === "ok"`, stateJS(root))
	e.assertConnectedServerSide(qr, "+31612345678")
	tb.screenshot("connected")
	states := evalIn[[]string](tb, `window.__states`)
	// The spy may start after the first QR arrived.
	if h := strings.TrimPrefix(strings.Join(states, ","), "tl-embed:waiting,"); h != "tl-embed:qr,tl-embed:connected" {
		t.Errorf("state history = %v, want [waiting] qr connected", states)
	}
	tb.noCSPViolations()
}

func TestBrowserPhonePairing(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	page := e.serve("/phone", embed.Widget{
		QRLink:         qr.URL,
		Mode:           embed.ModePhonePairing,
		ExpectedOrigin: e.fake.URL,
		NotifyURL:      "/notify",
	})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()
	tb.waitFor(`document.querySelector("`+root+`").dataset.loaded === "true"`, stateJS(root))

	phone := root + " [data-tl-role=phone]"
	submit := root + " [data-tl-role=phone-form] button"
	phoneErr := root + " [data-tl-role=phone-error]"

	// A malformed number is rejected in the page and nothing is sent.
	for _, bad := range []string{"0612345678", "+0612345678", "+31 6 12", "+31612345678901234", "+31abc45678"} {
		evalIn[chromedp.Void](tb, `document.querySelector("`+root+`").removeAttribute("data-phone-valid")`)
		tb.do(chromedp.SetValue(chromedp.CSS(phone), bad), chromedp.Click(chromedp.CSS(submit)))
		tb.waitFor(`document.querySelector("`+root+`").dataset.phoneValid === "false"`, stateJS(root))
		tb.do(chromedp.WaitVisible(chromedp.CSS(phoneErr)))
		if got := tb.attr(phone, "aria-invalid"); got != "true" {
			t.Errorf("%q: aria-invalid = %q", bad, got)
		}
		if got := tb.attr(root, "data-sent"); got != "0" {
			t.Fatalf("%q: data-sent = %s, want 0 (nothing may be sent for a malformed number)", bad, got)
		}
	}
	msg := evalIn[string](tb, `document.querySelector("`+phoneErr+`").textContent`)
	if !strings.Contains(msg, "international format") {
		t.Errorf("validation message = %q", msg)
	}
	if got := tb.attr(root, "data-state"); got != "waiting" {
		t.Errorf("state after invalid input = %s, want waiting", got)
	}
	if code, _, err := e.fake.PairingCode(qr.URL); err == nil {
		t.Errorf("fake issued pairing code %s for a malformed number", code)
	}
	tb.screenshot("phone-invalid")

	// A valid number, typed with separators, is normalized and sent.
	tb.do(chromedp.SetValue(chromedp.CSS(phone), "+31 6 1234-5678"), chromedp.Click(chromedp.CSS(submit)))
	tb.waitState(root, "code")
	tb.do(chromedp.WaitVisible(chromedp.CSS(codeSel)), chromedp.WaitNotVisible(chromedp.CSS(phoneErr)))
	shown := evalIn[string](tb, `document.querySelector("`+codeSel+`").textContent`)
	code, sentPhone, err := e.fake.PairingCode(qr.URL)
	if err != nil {
		t.Fatal(err)
	}
	want, err := embed.FormatPairingCode(code)
	if err != nil {
		t.Fatalf("fake code %q: %v", code, err)
	}
	if shown != want || !regexp.MustCompile(`^\d{4}-\d{4}$`).MatchString(shown) {
		t.Errorf("shown code = %q, want %q", shown, want)
	}
	if sentPhone != "+31612345678" {
		t.Errorf("phone sent = %q, want +31612345678", sentPhone)
	}
	if got := tb.attr(root, "data-sent"); got != "1" {
		t.Errorf("data-sent = %s, want 1", got)
	}
	assertNonBlankPNG(t, "code", tb.screenshot("code"))

	// A pairing-code timeout arrives as TIMELINES_ERROR: the dead code is
	// hidden, the message shown, and the form can request a new code.
	if err := e.fake.EmitQRError(qr.URL, "Pairing code expired. Request a new one."); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "error")
	tb.do(chromedp.WaitVisible(chromedp.CSS(errorSel)), chromedp.WaitNotVisible(chromedp.CSS(codeSel)))
	if got := evalIn[string](tb, `document.querySelector("`+errorSel+`").textContent`); got != "Pairing code expired. Request a new one." {
		t.Errorf("error text = %q", got)
	}
	tb.screenshot("phone-error")
	tb.do(chromedp.Click(chromedp.CSS(submit)))
	tb.waitState(root, "code")
	tb.do(chromedp.WaitNotVisible(chromedp.CSS(errorSel)), chromedp.WaitVisible(chromedp.CSS(codeSel)))
	if got := tb.attr(root, "data-sent"); got != "2" {
		t.Errorf("data-sent = %s, want 2", got)
	}

	if _, err := e.fake.SimulateScan(qr.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "connected")
	tb.do(chromedp.WaitVisible(chromedp.CSS(successSel)), chromedp.WaitNotVisible(chromedp.CSS(codeSel)))
	if n := e.waitNotification(); n.Mode != embed.ModePhonePairing {
		t.Errorf("notification = %+v", n)
	}
	events := evalIn[[]map[string]any](tb, `window.__connected`)
	if len(events) != 1 || events[0]["mode"] != "phone" {
		t.Errorf("timelines:connected events = %v", events)
	}
	e.assertConnectedServerSide(qr, "+31612345678")
	tb.screenshot("phone-connected")
	tb.noCSPViolations()
}

func TestBrowserError(t *testing.T) {
	// No rotation during the test: a new QR would replace the error state.
	e := newEnv(t, tlpartnertest.Options{QRRotateInterval: time.Hour})
	qr := e.newLink()
	page := e.serve("/connect", embed.Widget{QRLink: qr.URL, ExpectedOrigin: e.fake.URL})
	tb := newTab(t)
	tb.navigate(page)
	tb.waitState(root, "qr")

	// The message is shown as text, markup and all.
	hostile := `QR Code mismatch. Please generate a new one. <img src=x id=injected><b>bold</b>`
	if err := e.fake.EmitQRError(qr.URL, hostile); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "error")
	tb.do(chromedp.WaitVisible(chromedp.CSS(errorSel)), chromedp.WaitNotVisible(chromedp.CSS(qrSel)))
	if got := evalIn[string](tb, `document.querySelector("`+errorSel+`").textContent`); got != hostile {
		t.Errorf("error text = %q, want %q", got, hostile)
	}
	if n := evalIn[int](tb, `document.querySelectorAll("#injected, `+errorSel+` b").length`); n != 0 {
		t.Errorf("error message was parsed as HTML (%d injected elements)", n)
	}
	assertNonBlankPNG(t, "error", tb.screenshot("error"))

	// Retry asks the iframe for a new QR.
	retry := root + " [data-tl-role=retry]"
	tb.do(chromedp.WaitVisible(chromedp.CSS(retry)), chromedp.Click(chromedp.CSS(retry)))
	tb.waitState(root, "qr")
	tb.do(chromedp.WaitNotVisible(chromedp.CSS(errorSel)), chromedp.WaitVisible(chromedp.CSS(qrSel)))
	if got := tb.attr(root, "data-starts"); got != "2" {
		t.Errorf("data-starts after retry = %s, want 2", got)
	}
	tb.noCSPViolations()
}

// TestBrowserRestartsAfterSilentTimeout covers the documented gap: the QR
// page stops rotating on timeout without telling the parent, so the widget
// must send TIMELINES_START_QR again by itself.
func TestBrowserRestartsAfterSilentTimeout(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{QRRotateInterval: 150 * time.Millisecond, QRTimeout: 400 * time.Millisecond})
	qr := e.newLink()
	page := e.serve("/connect", embed.Widget{
		QRLink:          qr.URL,
		ExpectedOrigin:  e.fake.URL,
		RestartInterval: 700 * time.Millisecond,
	})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()
	tb.waitState(root, "qr")
	tb.waitFor(`+document.querySelector("`+root+`").dataset.starts >= 3`, stateJS(root))
	tb.waitState(root, "qr")
	// Each restart first hid the stale QR (state waiting), then showed a
	// fresh one.
	states := evalIn[[]string](tb, `window.__states`)
	if got := strings.Count(strings.Join(states, ","), "tl-embed:qr,tl-embed:waiting,"); got < 2 || states[len(states)-1] != "tl-embed:qr" {
		t.Errorf("state history %v: want at least two qr → waiting → qr restarts", states)
	}
	tb.noCSPViolations()
}

func TestBrowserIgnoresForeignMessages(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	other := e.newLink() // a second embedded session on the same page
	forger := newForger(t)
	page := e.serve("/connect", embed.Widget{QRLink: qr.URL, ExpectedOrigin: e.fake.URL, NotifyURL: "/notify"})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()
	tb.waitState(root, "qr")

	// 1. A page on a third origin posts forged messages into the widget's
	// window (it opened the widget's window or was opened by it).
	evalIn[bool](tb, `(window.__forger = window.open(`+jsString(forger.URL+"/forge")+`, "forger")) !== null`, userGesture)
	tb.waitFor(`window.__spy.filter(function(m){return m.origin === `+jsString(forger.URL)+`}).length >= 4`, `JSON.stringify(window.__spy)`)
	evalIn[chromedp.Void](tb, `void window.__forger.close()`)

	// 2. Another iframe from the expected origin (right origin, wrong
	// source): a second QR session that connects posts
	// TIMELINES_QR_CONNECTED to this window too.
	evalIn[chromedp.Void](tb, `(function(){var f=document.createElement("iframe"); f.src=`+jsString(mustEmbedURL(t, other.URL))+`; f.id="other"; document.body.appendChild(f)})()`)
	tb.waitFor(`(function(){var f=document.getElementById("other"); return f && f.contentWindow && f.contentDocument === null})()`, "")
	if _, err := e.fake.SimulateScan(other.URL, "+31600000001"); err != nil {
		t.Fatal(err)
	}
	tb.waitFor(`window.__spy.some(function(m){return m.origin === `+jsString(e.fake.URL)+` && !m.own && m.type === "TIMELINES_QR_CONNECTED"})`, `JSON.stringify(window.__spy)`)

	// The spy's listener was added after the widget's, so by the time the
	// spy has seen a message the widget has handled it.
	if got := tb.attr(root, "data-state"); got != "qr" {
		t.Fatalf("state after foreign messages = %s, want qr", got)
	}
	if src := evalIn[string](tb, `document.querySelector("`+qrSel+`").src`); strings.Contains(src, "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4") {
		t.Error("widget shows the forged QR image")
	}
	if vis := evalIn[bool](tb, `!document.querySelector("`+errorSel+`").hidden`); vis {
		t.Error("widget shows the forged error")
	}
	if n := evalIn[int](tb, `window.__connected.length`); n != 0 {
		t.Errorf("%d timelines:connected events for foreign messages", n)
	}
	select {
	case n := <-e.notes:
		t.Errorf("NotifyURL called for a foreign message: %+v", n)
	default:
	}
	tb.screenshot("foreign-ignored")

	// The widget's own session still works afterwards.
	if _, err := e.fake.SimulateScan(qr.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "connected")
	if n := evalIn[int](tb, `window.__connected.length`); n != 1 {
		t.Errorf("%d timelines:connected events, want 1", n)
	}
	e.waitNotification()
}

func TestBrowserWrongExpectedOrigin(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	forger := newForger(t)
	// The widget expects the forger's origin, but the iframe is the fake:
	// nothing may flow in either direction.
	page := e.serve("/connect", embed.Widget{QRLink: qr.URL, ExpectedOrigin: forger.URL, NotifyURL: "/notify"})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()
	tb.waitFor(`+document.querySelector("`+root+`").dataset.sent >= 1`, stateJS(root))

	if _, err := e.fake.SimulateScan(qr.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	// The fake page (registered origin = widget site) does post
	// TIMELINES_QR_CONNECTED to the widget window...
	tb.waitFor(`window.__spy.some(function(m){return m.origin === `+jsString(e.fake.URL)+` && m.own && m.type === "TIMELINES_QR_CONNECTED"})`, `JSON.stringify(window.__spy)`)
	// ...but the widget ignores it, and its TIMELINES_START_QR never reached
	// the fake (targetOrigin mismatch), so no QR was ever shown.
	if got := tb.attr(root, "data-state"); got != "waiting" {
		t.Errorf("state = %s, want waiting", got)
	}
	if got := tb.attr(root, "data-qr-count"); got != "0" {
		t.Errorf("data-qr-count = %s, want 0", got)
	}
	if n := evalIn[int](tb, `window.__connected.length`); n != 0 {
		t.Errorf("%d timelines:connected events", n)
	}
	if spied := evalIn[int](tb, `window.__spy.filter(function(m){return m.type === "TIMELINES_QR_CODE_DATA"}).length`); spied != 0 {
		t.Errorf("the fake answered a START_QR sent to the wrong origin (%d QR messages)", spied)
	}
	select {
	case n := <-e.notes:
		t.Errorf("NotifyURL called: %+v", n)
	default:
	}
	tb.screenshot("wrong-origin")
	tb.noCSPViolations()
}

func TestBrowserDefaultUI(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	page := e.serve("/connect", embed.Widget{QRLink: qr.URL, Mode: embed.ModeDefaultUI, ExpectedOrigin: e.fake.URL})
	tb := newTab(t)
	tb.navigate(page)
	tb.installSpy()
	tb.do(chromedp.WaitVisible(chromedp.CSS(frameSel)))
	tb.waitFor(`document.querySelector("`+root+`").dataset.loaded === "true"`, stateJS(root))
	assertNonBlankPNG(t, "default-ui", tb.screenshot("default-ui"))
	if got := tb.attr(root, "data-sent"); got != "0" {
		t.Errorf("data-sent = %s; the default-UI widget must not drive the iframe", got)
	}
	if _, err := e.fake.SimulateScan(qr.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	tb.waitState(root, "connected")
	tb.do(chromedp.WaitVisible(chromedp.CSS(successSel)))
	tb.noCSPViolations()
}

func jsString(s string) string {
	return fmt.Sprintf("%q", s) // Go's quoting is valid JavaScript for these ASCII strings
}

func mustEmbedURL(t *testing.T, link string) string {
	t.Helper()
	u, err := tlpartner.EmbedURL(link)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBrowserTwoWidgetsOnOnePage embeds two fragments in one partner page
// under the page's own CSP: each widget initializes once and listens only to
// its own iframe.
func TestBrowserTwoWidgetsOnOnePage(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qrA, qrB := e.newLink(), e.newLink()
	e.mux.HandleFunc("GET /two", func(rw http.ResponseWriter, r *http.Request) {
		nonce, err := embed.NewNonce()
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		a := embed.Widget{QRLink: qrA.URL, ExpectedOrigin: e.fake.URL, ElementID: "a", Nonce: nonce}
		b := embed.Widget{QRLink: qrB.URL, ExpectedOrigin: e.fake.URL, ElementID: "b", Nonce: nonce, Mode: embed.ModePhonePairing}
		fa, errA := a.Fragment()
		fb, errB := b.Fragment()
		csp, errC := a.ContentSecurityPolicy(nonce)
		if err := errors.Join(errA, errB, errC); err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Security-Policy", csp)
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, "<!DOCTYPE html><meta charset=\"utf-8\"><title>two</title><main>%s<hr>%s</main>", fa, fb)
	})
	tb := newTab(t)
	tb.navigate(e.site.URL + "/two")
	tb.waitState("#a", "qr")
	tb.waitFor(`document.querySelector("#b").dataset.loaded === "true"`, stateJS("#b"))
	if n := evalIn[int](tb, `document.querySelectorAll("[data-tl-init]").length`); n != 2 {
		t.Errorf("%d initialized widgets, want 2", n)
	}

	if _, err := e.fake.SimulateScan(qrA.URL, "+31612345678"); err != nil {
		t.Fatal(err)
	}
	tb.waitState("#a", "connected")
	if got := tb.attr("#a", "data-starts"); got != "1" {
		t.Errorf("widget a sent TIMELINES_START_QR %s times, want 1 (initialized twice?)", got)
	}
	if got := tb.attr("#b", "data-state"); got != "waiting" {
		t.Errorf("widget b state = %s after a's session connected, want waiting", got)
	}
	if got := tb.attr("#b", "data-sent"); got != "0" {
		t.Errorf("widget b sent %s messages without input", got)
	}
	assertNonBlankPNG(t, "two-widgets", tb.screenshot("two-widgets"))
	tb.noCSPViolations()
}

// TestBrowserPhoneRuleMatchesGo submits numbers through the widget's form
// and checks that the JavaScript accepts exactly what embed.NormalizePhone
// accepts.
func TestBrowserPhoneRuleMatchesGo(t *testing.T) {
	e := newEnv(t, tlpartnertest.Options{})
	qr := e.newLink()
	page := e.serve("/phone", embed.Widget{QRLink: qr.URL, Mode: embed.ModePhonePairing, ExpectedOrigin: e.fake.URL})
	tb := newTab(t)
	tb.navigate(page)
	tb.waitFor(`document.querySelector("`+root+`").dataset.loaded === "true"`, stateJS(root))

	inputs := []string{
		"+31612345678", "+31 6 1234 5678", "+1 (415) 555-0100", "+44.20.7946.0958", " +31612345678 ",
		"+31\u00a0612\u00a0345678", "+12345678", "+123456789012345",
		"0612345678", "0031612345678", "+0612345678", "+123456", "+1234567890123456", "+31abc45678",
		"++31612345678", "+\uff13\uff11612345678", "+31_612345678", "31612345678", "", "+",
	}
	sent := 0
	for _, in := range inputs {
		_, goErr := embed.NormalizePhone(in)
		evalIn[chromedp.Void](tb, `(function(){var r=document.querySelector("`+root+`"); r.removeAttribute("data-phone-valid");
		  var i=r.querySelector("[data-tl-role=phone]"); i.value=`+jsString(in)+`;
		  r.querySelector("[data-tl-role=phone-form]").requestSubmit();})()`)
		tb.waitFor(`document.querySelector("`+root+`").hasAttribute("data-phone-valid")`, stateJS(root))
		jsOK := tb.attr(root, "data-phone-valid") == "true"
		if jsOK != (goErr == nil) {
			t.Errorf("%q: widget accepts=%v, NormalizePhone error=%v", in, jsOK, goErr)
		}
		if jsOK {
			sent++
		}
		if got := tb.attr(root, "data-sent"); got != fmt.Sprint(sent) {
			t.Errorf("%q: data-sent = %s, want %d", in, got, sent)
		}
	}
}
