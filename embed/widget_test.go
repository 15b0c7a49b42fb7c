package embed

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go"
)

const testLink = "https://app.timelines.ai/qr/abcdef123456"

func mustFragment(t *testing.T, w Widget) string {
	t.Helper()
	h, err := w.Fragment()
	if err != nil {
		t.Fatalf("Fragment: %v", err)
	}
	return string(h)
}

// attr returns the unescaped value of the first attribute name="..." in s.
func attr(t *testing.T, s, name string) string {
	t.Helper()
	m := regexp.MustCompile(`\s` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no attribute %s in output", name)
	}
	return html.UnescapeString(m[1])
}

func TestFragmentDefaults(t *testing.T) {
	out := mustFragment(t, Widget{QRLink: testLink})
	checks := map[string]string{
		"id":                      DefaultElementID,
		"data-mode":               "qr",
		"data-state":              "waiting",
		"data-origin":             Origin,
		"data-src":                testLink + "?display_mode=embedding",
		"data-restart-ms":         "60000",
		"data-sent":               "0",
		"data-qr-count":           "0",
		"data-text-error":         "Something went wrong. Please try again.",
		"data-tl-role":            "frame",
		"data-text-phone-invalid": "Enter the number in international format: + and country code, e.g. +31612345678.",
	}
	for name, want := range checks {
		if got := attr(t, out, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if strings.Contains(out, "nonce=") {
		t.Error("nonce attribute rendered without a nonce")
	}
	if strings.Contains(out, "data-notify-url") {
		t.Error("data-notify-url rendered without NotifyURL")
	}
	// The iframe gets its src from the script, after its load listener.
	if regexp.MustCompile(`<iframe[^>]*\ssrc=`).MatchString(out) {
		t.Error("iframe has a src attribute in the markup")
	}
	if !regexp.MustCompile(`<iframe[^>]*\shidden[\s>]`).MatchString(out) {
		t.Error("iframe is not hidden in custom-QR mode")
	}
	for _, role := range []string{"qr", "qr-box", "retry", "error", "success", "waiting"} {
		if !strings.Contains(out, `data-tl-role="`+role+`"`) {
			t.Errorf("custom-QR fragment lacks role %s", role)
		}
	}
	if strings.Contains(out, `data-tl-role="phone-form"`) {
		t.Error("custom-QR fragment has a phone form")
	}
}

func TestFragmentModes(t *testing.T) {
	phone := mustFragment(t, Widget{QRLink: testLink, Mode: ModePhonePairing})
	for _, role := range []string{"phone-form", "phone", "phone-error", "code", "code-text", "error", "success"} {
		if !strings.Contains(phone, `data-tl-role="`+role+`"`) {
			t.Errorf("phone fragment lacks role %s", role)
		}
	}
	if strings.Contains(phone, `data-tl-role="qr"`) || strings.Contains(phone, `data-tl-role="retry"`) {
		t.Error("phone fragment has QR parts")
	}
	if !strings.Contains(phone, "novalidate") {
		t.Error("phone form must use the widget's validation (novalidate)")
	}

	def := mustFragment(t, Widget{QRLink: testLink, Mode: ModeDefaultUI})
	if regexp.MustCompile(`<iframe[^>]*\shidden[\s>]`).MatchString(def) {
		t.Error("iframe hidden in default-UI mode")
	}
	if attr(t, def, "data-mode") != "default" {
		t.Error("wrong mode")
	}

	if _, err := (Widget{QRLink: testLink, Mode: "popup"}).Fragment(); !errors.Is(err, ErrInvalidWidget) {
		t.Errorf("unknown mode: err = %v", err)
	}
}

func TestFragmentIsCSPFriendly(t *testing.T) {
	const nonce = "rAnd0m+N0nce/Value=="
	out := mustFragment(t, Widget{QRLink: testLink, Nonce: nonce, Mode: ModePhonePairing})
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script> elements, want 1", n)
	}
	if n := strings.Count(out, "<style"); n != 1 {
		t.Errorf("%d <style> elements, want 1", n)
	}
	for _, tag := range []string{"<script", "<style"} {
		if got := attr(t, out[strings.Index(out, tag):], "nonce"); got != nonce {
			t.Errorf("%s nonce = %q, want %q", tag, got, nonce)
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).FindString(out); m != "" {
		t.Errorf("inline event handler: %s", m)
	}
	if m := regexp.MustCompile(`(?i)\sstyle\s*=`).FindString(out); m != "" {
		t.Errorf("inline style attribute: %s", m)
	}
	if m := regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]*\s(src|href)=`).FindString(out); m != "" {
		t.Errorf("external resource: %s", m)
	}
	for _, bad := range []string{"eval(", "new Function", ".innerHTML", "outerHTML", "document.write", "setTimeout(\"", "insertAdjacentHTML"} {
		if strings.Contains(widgetJS, bad) {
			t.Errorf("widget.js uses %s", bad)
		}
	}
}

// TestScriptMatchesGoContract guards against the JavaScript drifting away
// from the Go side of the contract.
func TestScriptMatchesGoContract(t *testing.T) {
	for _, typ := range []MessageType{TypeStartQR, TypeStartPhoneLinking, TypeQRCodeData, TypePairingCode, TypeQRConnected, TypeError} {
		if !strings.Contains(widgetJS, `"`+string(typ)+`"`) {
			t.Errorf("widget.js lacks %s", typ)
		}
	}
	if !strings.Contains(widgetJS, `"`+QRDataURLPrefix+`"`) {
		t.Error("widget.js lacks the QR data URL prefix")
	}
	phone := fmt.Sprintf(`/^\+[1-9][0-9]{%d,%d}$/`, MinPhoneDigits-1, MaxPhoneDigits-1)
	if !strings.Contains(widgetJS, phone) {
		t.Errorf("widget.js phone rule is not %s", phone)
	}
	if !strings.Contains(widgetJS, `PHONE_SEPARATORS = /[ \t\n\r\u00a0().-]/g;`) {
		t.Error("widget.js strips other phone separators than NormalizePhone")
	}
	if !strings.Contains(widgetJS, fmt.Sprintf("MAX_QR_LEN = %d", maxQRDataLen)) {
		t.Error("widget.js QR size limit differs from maxQRDataLen")
	}
	if !strings.Contains(widgetJS, `"`+ConnectedEvent+`"`) {
		t.Errorf("widget.js does not dispatch %s", ConnectedEvent)
	}
}

func TestFragmentEscapesHostileInput(t *testing.T) {
	hostileLinks := []string{
		`https://app.timelines.ai/qr/abc"><script>alert(1)</script>`,
		`https://app.timelines.ai/qr/abc?x="'><img src=x onerror=alert(1)>&y=</script>`,
		"https://app.timelines.ai/qr/abc#\"><svg onload=alert(1)>",
	}
	for _, link := range hostileLinks {
		out, err := (Widget{QRLink: link, Texts: Texts{Title: `</h2><script>alert("title")</script>`}}).Fragment()
		if err != nil {
			continue // rejecting is fine too
		}
		s := string(out)
		if strings.Count(s, "<script") != 1 || strings.Contains(s, "alert(1)</script>") || strings.Contains(s, "<img src") ||
			strings.Contains(s, "<svg") || strings.Contains(s, `<script>alert("title")`) {
			t.Errorf("hostile input leaked into markup for %q:\n%s", link, s[:strings.Index(s, "<script")])
		}
		src := attr(t, s, "data-src")
		if !strings.HasPrefix(src, "https://app.timelines.ai/qr/") || strings.ContainsAny(src, `"'<> `) {
			t.Errorf("data-src = %q", src)
		}
	}

	rejected := []string{
		"", "   ", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//app.timelines.ai/qr/x",
		"/qr/abc", "http://app.timelines.ai/qr/abc", "ftp://app.timelines.ai/qr/abc",
	}
	for _, link := range rejected {
		_, err := (Widget{QRLink: link}).Fragment()
		if err == nil {
			t.Errorf("QRLink %q accepted", link)
			continue
		}
		if !errors.Is(err, ErrInvalidWidget) {
			t.Errorf("QRLink %q: error %v does not wrap ErrInvalidWidget", link, err)
		}
		var ve *tlpartner.ValidationError
		if strings.TrimSpace(link) != "" && !errors.As(err, &ve) {
			t.Errorf("QRLink %q: error %v does not wrap the EmbedURL ValidationError", link, err)
		}
		if link != "" && strings.TrimSpace(link) != "" && strings.Contains(err.Error(), link) {
			t.Errorf("error repeats the QR link: %v", err)
		}
	}
	// Loopback http is fine (the fake server).
	if _, err := (Widget{QRLink: "http://127.0.0.1:8080/qr/abc"}).Fragment(); err != nil {
		t.Errorf("loopback link: %v", err)
	}
}

func TestWidgetValidation(t *testing.T) {
	bad := []Widget{
		{QRLink: testLink, Nonce: `abc" onload="alert(1)`},
		{QRLink: testLink, Nonce: `abc; script-src *`},
		{QRLink: testLink, Nonce: `abc def`},
		{QRLink: testLink, Nonce: `'nonce-abc'`},
		{QRLink: testLink, ElementID: `x" onclick="alert(1)`},
		{QRLink: testLink, ElementID: "1abc"},
		{QRLink: testLink, ElementID: strings.Repeat("a", 65)},
		{QRLink: testLink, ExpectedOrigin: "*"},
		{QRLink: testLink, ExpectedOrigin: "null"},
		{QRLink: testLink, ExpectedOrigin: "app.timelines.ai"},
		{QRLink: testLink, ExpectedOrigin: "https://app.timelines.ai/qr"},
		{QRLink: testLink, ExpectedOrigin: "https://app.timelines.ai?x=1"},
		{QRLink: testLink, ExpectedOrigin: "https://user@app.timelines.ai"},
		{QRLink: testLink, ExpectedOrigin: "http://app.timelines.ai"},
		{QRLink: testLink, ExpectedOrigin: "javascript:alert(1)"},
		{QRLink: testLink, NotifyURL: "//evil.example/hook"},
		{QRLink: testLink, NotifyURL: `/\evil.example`},
		{QRLink: testLink, NotifyURL: "javascript:alert(1)"},
		{QRLink: testLink, NotifyURL: "relative/path"},
		{QRLink: testLink, NotifyURL: "http://partner.example/hook"},
		{QRLink: testLink, NotifyURL: "https://partner.example/hook#frag"},
	}
	for _, w := range bad {
		if err := w.Validate(); !errors.Is(err, ErrInvalidWidget) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidWidget", w, err)
		}
		if _, err := w.Fragment(); err == nil {
			t.Errorf("Fragment(%+v) rendered", w)
		}
	}
	good := []Widget{
		{QRLink: testLink},
		{QRLink: testLink, Nonce: "abc-_DEF+/0=="},
		{QRLink: testLink, ElementID: "whatsapp-connect_2"},
		{QRLink: testLink, NotifyURL: "/whatsapp/connected?user=42"},
		{QRLink: testLink, NotifyURL: "https://partner.example/hook"},
		{QRLink: testLink, NotifyURL: "http://localhost:8080/hook"},
		{QRLink: testLink, ExpectedOrigin: "http://127.0.0.1:8080"},
		{QRLink: testLink, ExpectedOrigin: "http://[::1]:8080"},
		{QRLink: testLink, RestartInterval: -1},
	}
	for _, w := range good {
		if err := w.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", w, err)
		}
	}
}

func TestExpectedOriginNormalized(t *testing.T) {
	tests := map[string]string{
		"https://app.timelines.ai":     "https://app.timelines.ai",
		"https://app.timelines.ai/":    "https://app.timelines.ai",
		"HTTPS://App.Timelines.AI:443": "https://app.timelines.ai",
		"https://staging.example:8443": "https://staging.example:8443",
		"http://127.0.0.1:80":          "http://127.0.0.1",
		"http://LOCALHOST:3000/":       "http://localhost:3000",
		"http://[::1]:9000":            "http://[::1]:9000",
	}
	for in, want := range tests {
		out := mustFragment(t, Widget{QRLink: testLink, ExpectedOrigin: in})
		if got := attr(t, out, "data-origin"); got != want {
			t.Errorf("ExpectedOrigin %q rendered as %q, want %q", in, got, want)
		}
	}
}

func TestRestartInterval(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "60000"},
		{-time.Second, "0"},
		{40 * time.Second, "40000"},
		{1500 * time.Microsecond, "1"},
		{time.Nanosecond, "1"},
	}
	for _, tt := range tests {
		out := mustFragment(t, Widget{QRLink: testLink, RestartInterval: tt.d})
		if got := attr(t, out, "data-restart-ms"); got != tt.want {
			t.Errorf("RestartInterval %v rendered as %s, want %s", tt.d, got, tt.want)
		}
	}
}

func TestTextsAreEscapedAndDefaulted(t *testing.T) {
	out := mustFragment(t, Widget{QRLink: testLink, Mode: ModePhonePairing, Texts: Texts{
		Title:        `<b>Koppel</b> WhatsApp & "meer"`,
		PhoneInvalid: `"><script>alert(1)</script>`,
		Connected:    "Verbonden!",
	}})
	if !strings.Contains(out, "&lt;b&gt;Koppel&lt;/b&gt; WhatsApp &amp; &#34;meer&#34;") {
		t.Error("title not escaped")
	}
	if got := attr(t, out, "data-text-phone-invalid"); got != `"><script>alert(1)</script>` {
		t.Errorf("data-text-phone-invalid = %q", got)
	}
	if strings.Count(out, "<script") != 1 {
		t.Error("hostile text produced a script element")
	}
	if !strings.Contains(out, "Verbonden!") || !strings.Contains(out, "Get pairing code") {
		t.Error("custom text or default missing")
	}
}

func TestPage(t *testing.T) {
	p, err := Widget{QRLink: testLink, Nonce: "n0nce", Texts: Texts{Lang: "nl", Title: "Koppel WhatsApp"}}.Page()
	if err != nil {
		t.Fatal(err)
	}
	s := string(p)
	for _, want := range []string{"<!DOCTYPE html>", `<html lang="nl">`, "<title>Koppel WhatsApp</title>", `<meta charset="utf-8">`, `<script nonce="n0nce">`, `<style nonce="n0nce">`} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if _, err := (Widget{}).Page(); err == nil {
		t.Error("Page without QRLink rendered")
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	csp, err := Widget{QRLink: testLink}.ContentSecurityPolicy("abc")
	if err != nil {
		t.Fatal(err)
	}
	want := "default-src 'none'; script-src 'nonce-abc'; style-src 'nonce-abc'; img-src data:; frame-src https://app.timelines.ai; connect-src 'none'; base-uri 'none'; form-action 'none'"
	if csp != want {
		t.Errorf("CSP =\n%s\nwant\n%s", csp, want)
	}

	// A link on another host (it may redirect to the iframe origin) and an
	// absolute notify URL.
	csp, err = Widget{QRLink: "https://timelines.ai/qr/abc", NotifyURL: "https://partner.example:8443/hook"}.ContentSecurityPolicy("abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"frame-src https://app.timelines.ai https://timelines.ai;", "connect-src https://partner.example:8443;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	csp, _ = Widget{QRLink: testLink, NotifyURL: "/done"}.ContentSecurityPolicy("abc")
	if !strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("CSP %q lacks connect-src 'self'", csp)
	}

	for _, n := range []string{"", "a b", "x'; script-src *", "abc;"} {
		if _, err := (Widget{QRLink: testLink}).ContentSecurityPolicy(n); !errors.Is(err, ErrInvalidWidget) {
			t.Errorf("nonce %q: err = %v", n, err)
		}
	}
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		n, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 24 || !noncePattern.MatchString(n) {
			t.Errorf("nonce %q", n)
		}
		if seen[n] {
			t.Fatalf("nonce %q repeated", n)
		}
		seen[n] = true
	}
}

var nonceAttr = regexp.MustCompile(`<script nonce="([^"]+)">`)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Widget{QRLink: testLink, NotifyURL: "/done", Nonce: "ignored"}.Handler())
	defer srv.Close()

	var nonces []string
	for range 2 {
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		for h, want := range map[string]string{
			"Content-Type":           "text/html; charset=utf-8",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		m := nonceAttr.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no script nonce in body")
		}
		nonce := html.UnescapeString(string(m[1]))
		if nonce == "ignored" {
			t.Error("handler used Widget.Nonce instead of a fresh nonce")
		}
		if !strings.Contains(string(body), `<style nonce="`+string(m[1])+`">`) {
			t.Error("style nonce differs from script nonce")
		}
		csp := res.Header.Get("Content-Security-Policy")
		want := "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
			"'; img-src data:; frame-src https://app.timelines.ai; connect-src 'self'; base-uri 'none'; form-action 'none'"
		if csp != want {
			t.Errorf("CSP =\n%s\nwant\n%s", csp, want)
		}
		nonces = append(nonces, nonce)
	}
	if nonces[0] == nonces[1] {
		t.Error("nonce reused across requests")
	}

	// HEAD: headers, no body.
	res, err := http.Head(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD: status %d, %d body bytes", res.StatusCode, len(body))
	}

	// Other methods.
	res, err = http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestHandlerErrorsAreGeneric(t *testing.T) {
	secretLink := "http://evil.example/qr/secret-token"
	for name, h := range map[string]http.Handler{
		"invalid widget": Widget{QRLink: secretLink}.Handler(),
		"callback error": NewHandler(func(*http.Request) (Widget, error) {
			return Widget{}, errors.New("database down: " + secretLink)
		}),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d", name, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "secret-token") || strings.Contains(rec.Body.String(), "database") {
			t.Errorf("%s: body leaks details: %q", name, rec.Body.String())
		}
	}

	// NewHandler sees the request, e.g. to issue a link for the user.
	h := NewHandler(func(r *http.Request) (Widget, error) {
		return Widget{QRLink: testLink, ElementID: r.URL.Query().Get("id")}, nil
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?id=mine", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="mine"`) {
		t.Errorf("per-request widget not used: %d", rec.Code)
	}
}

func TestReadNotification(t *testing.T) {
	req := func(method, ctype, body string) *http.Request {
		r := httptest.NewRequest(method, "/notify", strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	n, err := ReadNotification(req("POST", "application/json", `{"type":"TIMELINES_QR_CONNECTED","mode":"phone"}`))
	if err != nil || n != (Notification{Type: TypeQRConnected, Mode: ModePhonePairing}) {
		t.Errorf("ReadNotification = %+v, %v", n, err)
	}
	if _, err := ReadNotification(req("POST", "application/json; charset=utf-8", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr"}`)); err != nil {
		t.Errorf("charset parameter: %v", err)
	}
	bad := []*http.Request{
		req("GET", "application/json", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr"}`),
		req("POST", "text/plain", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr"}`),
		req("POST", "", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr"}`),
		req("POST", "application/json", `{"type":"TIMELINES_ERROR","mode":"qr"}`),
		req("POST", "application/json", `{"type":"TIMELINES_QR_CONNECTED","mode":"popup"}`),
		req("POST", "application/json", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr"`),
		req("POST", "application/json", `{"type":"TIMELINES_QR_CONNECTED","mode":"qr","pad":"`+strings.Repeat("x", 5000)+`"}`),
	}
	for i, r := range bad {
		if n, err := ReadNotification(r); !errors.Is(err, ErrInvalidNotification) || n != (Notification{}) {
			t.Errorf("case %d: %+v, %v; want ErrInvalidNotification", i, n, err)
		}
	}
}
