package embed

import (
	"bytes"
	"crypto/rand"
	stdembed "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go"
)

// Mode selects how a [Widget] uses the embedded QR page.
type Mode string

const (
	// ModeCustomQR hides the iframe and renders the QR code in the
	// widget: it sends TIMELINES_START_QR after the iframe's load event,
	// shows the newest TIMELINES_QR_CODE_DATA image and restarts the flow
	// when no new QR arrives for [Widget.RestartInterval]. After a
	// TIMELINES_ERROR it stops restarting and offers a button that starts
	// a new QR. It is the default.
	ModeCustomQR Mode = "qr"
	// ModePhonePairing hides the iframe and shows a phone-number form. A
	// valid number is sent with TIMELINES_START_PHONE_LINKING and the
	// pairing code is shown as 1234-5678.
	ModePhonePairing Mode = "phone"
	// ModeDefaultUI shows the iframe with TimelinesAI's own UI and sends
	// nothing to it; the widget only listens for TIMELINES_QR_CONNECTED and
	// TIMELINES_ERROR.
	ModeDefaultUI Mode = "default"
)

// DefaultRestartInterval is the default [Widget.RestartInterval]. The QR
// rotates about every 45 s, so a minute without a new QR means the flow has
// stopped, most likely because the QR timed out, which the iframe does not
// report.
const DefaultRestartInterval = 60 * time.Second

// DefaultElementID is the id of the widget's root element when
// [Widget.ElementID] is empty.
const DefaultElementID = "tl-embed"

// ConnectedEvent is the name of the DOM CustomEvent the widget dispatches on
// its root element when TIMELINES_QR_CONNECTED arrives. It bubbles; its
// detail is {mode: "qr"|"phone"|"default"}. Listen for it with
//
//	document.addEventListener("timelines:connected", (e) => { ... });
const ConnectedEvent = "timelines:connected"

// Widget is a partner-side widget that embeds a QR link and drives the
// postMessage contract in the browser. The zero value of every field except
// QRLink is usable.
//
// The rendered HTML is self-contained: one <style> and one <script> element
// (each carrying Nonce when set), no external resources, no inline event
// handlers, no eval and no innerHTML, so it runs under a strict
// Content-Security-Policy such as the one [Widget.ContentSecurityPolicy]
// returns. Configuration travels in data-* attributes of the root element,
// escaped by html/template.
//
// The widget's progress is observable on its root element:
//
//   - data-state: "waiting", "qr" (a QR code is shown), "code" (a pairing
//     code is shown), "error" (a TIMELINES_ERROR message is shown) or
//     "connected" (final);
//   - data-qr-count: QR images shown so far; data-starts: TIMELINES_START_QR
//     messages sent; data-sent: messages posted to the iframe;
//   - data-loaded="true" once the iframe fired its load event;
//   - data-phone-valid: "true"/"false" after the phone form was submitted;
//   - data-notify: "pending", "ok" or "failed" for the NotifyURL request;
//   - the [ConnectedEvent] DOM event.
//
// To restyle it, override the tl-embed-* classes (tl-embed, tl-embed-title,
// tl-embed-frame, tl-embed-qr, tl-embed-status, tl-embed-error,
// tl-embed-success, tl-embed-code, tl-embed-code-text, tl-embed-form,
// tl-embed-field-error) in the host page's own stylesheet.
type Widget struct {
	// QRLink is the qr_link from [tlpartner.Client.GenerateQR], as
	// returned. The widget adds display_mode=embedding with
	// [tlpartner.EmbedURL], which also rejects anything but an absolute
	// https URL (http only for loopback hosts). The link is a bearer
	// credential for connecting a WhatsApp account: render it only for the
	// user it was issued for.
	QRLink string
	// Mode is the integration mode; empty means [ModeCustomQR].
	Mode Mode
	// ExpectedOrigin is the only origin the widget talks to: the
	// targetOrigin of every message it sends and the required event.origin
	// of every message it accepts. Empty means [Origin]; tests set it to
	// the fake server's origin. It must be a bare origin (scheme, host,
	// optional port); https only, except http for loopback hosts. The
	// widget does not derive it from QRLink, because the link's host may
	// redirect to the iframe origin.
	ExpectedOrigin string
	// Nonce, when set, is put on the widget's <style> and <script>
	// elements so a Content-Security-Policy with 'nonce-…' sources admits
	// them. It must be base64 or base64url text. [Widget.Handler]
	// generates a fresh nonce per request and ignores this field.
	Nonce string
	// RestartInterval is how long the custom-QR widget waits for a new QR
	// code before it treats the shown one as expired, hides it and sends
	// TIMELINES_START_QR again. The iframe does not report QR timeouts, so
	// silence is the only signal; the same rule covers a first
	// TIMELINES_START_QR that got no answer. Zero means
	// [DefaultRestartInterval]; a negative value disables restarts. It is
	// rounded down to milliseconds (minimum 1 ms).
	RestartInterval time.Duration
	// NotifyURL, when set, receives a POST from the browser after
	// TIMELINES_QR_CONNECTED, with Content-Type application/json and the
	// body of [Notification] ({"type":"TIMELINES_QR_CONNECTED","mode":...}).
	// Same-origin requests include cookies. It is either an absolute path
	// ("/whatsapp/connected?user=42") or an absolute https URL (http only
	// for loopback hosts); a URL on another origin gets no cookies and must
	// answer the CORS preflight that the JSON content type triggers. The
	// request comes from the user's browser and proves nothing; see
	// [ReadNotification].
	NotifyURL string
	// ElementID is the id of the widget's root element; empty means
	// [DefaultElementID]. Give widgets on one page distinct ids. It must
	// start with a letter and hold only letters, digits, '-' and '_' (at
	// most 64 characters).
	ElementID string
	// Texts overrides the widget's visible English texts.
	Texts Texts
}

// Texts are the user-visible texts of a [Widget]. Empty fields get English
// defaults. They are rendered as escaped text, never as HTML.
type Texts struct {
	// Lang is the page's lang attribute (Page and Handler only); default "en".
	Lang string
	// Title heads the widget and names the standalone page; default
	// "Connect WhatsApp". Hide the heading with CSS (.tl-embed-title) when
	// the host page has its own.
	Title string
	// FrameTitle is the iframe's accessible name; default "TimelinesAI
	// WhatsApp connection".
	FrameTitle string
	// Waiting is shown while the widget waits for a QR or pairing code.
	Waiting string
	// ScanPrompt is shown under the QR code.
	ScanPrompt string
	// QRAlt is the QR image's alternative text.
	QRAlt string
	// Retry labels the button that requests a new QR after an error.
	Retry string
	// PhoneLabel labels the phone-number field.
	PhoneLabel string
	// PhonePlaceholder is the phone field's placeholder; default
	// "+31612345678".
	PhonePlaceholder string
	// PhoneSubmit labels the button that requests a pairing code.
	PhoneSubmit string
	// PhoneInvalid is shown when the typed number is not E.164.
	PhoneInvalid string
	// CodePrompt is shown above the pairing code.
	CodePrompt string
	// Connected is shown after a successful connection.
	Connected string
	// Error is shown for a TIMELINES_ERROR message whose message field is
	// empty.
	Error string
}

func (t Texts) withDefaults(mode Mode) Texts {
	def := func(s *string, v string) {
		if strings.TrimSpace(*s) == "" {
			*s = v
		}
	}
	def(&t.Lang, "en")
	def(&t.Title, "Connect WhatsApp")
	def(&t.FrameTitle, "TimelinesAI WhatsApp connection")
	switch mode {
	case ModePhonePairing:
		def(&t.Waiting, "Requesting a pairing code\u2026")
	default:
		def(&t.Waiting, "Preparing the QR code\u2026")
	}
	def(&t.ScanPrompt, "Open WhatsApp on your phone, go to Linked devices, tap Link a device and scan this code.")
	def(&t.QRAlt, "WhatsApp QR code")
	def(&t.Retry, "Get a new QR code")
	def(&t.PhoneLabel, "Your WhatsApp phone number, with country code")
	def(&t.PhonePlaceholder, "+31612345678")
	def(&t.PhoneSubmit, "Get pairing code")
	def(&t.PhoneInvalid, "Enter the number in international format: + and country code, e.g. +31612345678.")
	def(&t.CodePrompt, "In WhatsApp, open Linked devices, tap Link with phone number instead, and enter this code:")
	def(&t.Connected, "WhatsApp is connected.")
	def(&t.Error, "Something went wrong. Please try again.")
	return t
}

// ErrInvalidWidget is returned, wrapped, for a [Widget] with an invalid
// field. The message names the field but does not repeat secrets such as the
// QR link.
var ErrInvalidWidget = errors.New("embed: invalid widget")

//go:embed assets/widget.js assets/widget.css assets/widget.html.tmpl
var assets stdembed.FS

var (
	widgetJS   = mustAsset("assets/widget.js")
	widgetCSS  = mustAsset("assets/widget.css")
	widgetTmpl = template.Must(template.New("widget").Parse(mustAsset("assets/widget.html.tmpl")))
)

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	elementIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	noncePattern     = regexp.MustCompile(`^[A-Za-z0-9+/_-]+={0,2}$`)
)

// view is what the template sees.
type view struct {
	ID        string
	Mode      Mode
	Origin    string
	Src       string
	RestartMS int64
	NotifyURL string
	Nonce     string
	Texts     Texts
	JS        template.JS
	CSS       template.CSS
}

// resolved is a validated widget with defaults applied.
type resolved struct {
	view
	frameOrigins  []string // CSP frame-src
	connectOrigin string   // CSP connect-src ("" = none)
}

// Validate reports whether w can be rendered. Errors wrap
// [ErrInvalidWidget]; for a bad QRLink they also wrap the
// [*tlpartner.ValidationError] of [tlpartner.EmbedURL].
func (w Widget) Validate() error {
	_, err := w.resolve(w.Nonce)
	return err
}

func (w Widget) resolve(nonce string) (*resolved, error) {
	r := &resolved{}
	if strings.TrimSpace(w.QRLink) == "" {
		return nil, fmt.Errorf("%w: QRLink is empty", ErrInvalidWidget)
	}
	src, err := tlpartner.EmbedURL(w.QRLink)
	if err != nil {
		return nil, fmt.Errorf("%w: QRLink: %w", ErrInvalidWidget, err)
	}
	srcURL, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%w: QRLink is not a URL", ErrInvalidWidget)
	}
	r.Src = src

	switch w.Mode {
	case "":
		r.Mode = ModeCustomQR
	case ModeCustomQR, ModePhonePairing, ModeDefaultUI:
		r.Mode = w.Mode
	default:
		return nil, fmt.Errorf("%w: unknown Mode %q", ErrInvalidWidget, w.Mode)
	}

	r.Origin = Origin
	if w.ExpectedOrigin != "" {
		o, err := normalizeOrigin(w.ExpectedOrigin)
		if err != nil {
			return nil, fmt.Errorf("%w: ExpectedOrigin %v", ErrInvalidWidget, err)
		}
		r.Origin = o
	}
	r.frameOrigins = []string{r.Origin}
	if lo := originOf(srcURL); lo != r.Origin {
		// The link's own origin must be loadable too; it may redirect to
		// the expected origin.
		r.frameOrigins = append(r.frameOrigins, lo)
	}

	if nonce != "" && !noncePattern.MatchString(nonce) {
		return nil, fmt.Errorf("%w: Nonce must be base64 or base64url text", ErrInvalidWidget)
	}
	r.Nonce = nonce

	switch {
	case w.RestartInterval < 0:
		r.RestartMS = 0
	case w.RestartInterval == 0:
		r.RestartMS = DefaultRestartInterval.Milliseconds()
	default:
		r.RestartMS = max(w.RestartInterval.Milliseconds(), 1)
	}

	if w.NotifyURL != "" {
		n, origin, err := checkNotifyURL(w.NotifyURL)
		if err != nil {
			return nil, fmt.Errorf("%w: NotifyURL %v", ErrInvalidWidget, err)
		}
		r.NotifyURL, r.connectOrigin = n, origin
	}

	r.ID = DefaultElementID
	if w.ElementID != "" {
		if !elementIDPattern.MatchString(w.ElementID) {
			return nil, fmt.Errorf("%w: ElementID must match %s", ErrInvalidWidget, elementIDPattern)
		}
		r.ID = w.ElementID
	}
	r.Texts = w.Texts.withDefaults(r.Mode)
	r.JS = template.JS(widgetJS)
	r.CSS = template.CSS(widgetCSS)
	return r, nil
}

// normalizeOrigin checks that s is a bare http(s) origin and returns it the
// way browsers serialize event.origin: lower-case scheme and host, no default
// port, no trailing slash.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", errors.New("must be an origin such as https://app.example.com")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errors.New("must be a bare origin: no path, query, fragment or user info")
	}
	if err := checkScheme(u); err != nil {
		return "", err
	}
	return originOf(u), nil
}

// originOf serializes the origin of an absolute http(s) URL.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("must use https (http only for loopback hosts)")
	}
	return errors.New("must use https")
}

func isLoopback(host string) bool {
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkNotifyURL accepts an absolute path or an absolute http(s) URL and
// returns it with the CSP source it needs ('self' or the URL's origin).
func checkNotifyURL(s string) (string, string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", errors.New("is not a URL")
	}
	if u.Fragment != "" || u.User != nil {
		return "", "", errors.New("must not have a fragment or user info")
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) {
			return "", "", errors.New("must be an absolute path or an absolute URL")
		}
		return u.String(), "'self'", nil
	}
	if u.Host == "" {
		return "", "", errors.New("must be an absolute path or an absolute URL")
	}
	if err := checkScheme(u); err != nil {
		return "", "", err
	}
	return u.String(), originOf(u), nil
}

// Fragment renders the widget as a self-contained HTML fragment (a <style>,
// the widget's root <div> and a <script>) to place in the body of a partner
// page. The page's Content-Security-Policy, if any, must admit the widget;
// see [Widget.ContentSecurityPolicy].
func (w Widget) Fragment() (template.HTML, error) {
	r, err := w.resolve(w.Nonce)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := widgetTmpl.ExecuteTemplate(&buf, "fragment", r.view); err != nil {
		return "", fmt.Errorf("embed: render widget: %w", err)
	}
	return template.HTML(buf.String()), nil
}

// Page renders a standalone HTML document holding the widget, e.g. to serve
// from a route of the partner's app or to open in a popup. Serve it with
// the header from [Widget.ContentSecurityPolicy], or use [Widget.Handler],
// which does both.
func (w Widget) Page() ([]byte, error) {
	r, err := w.resolve(w.Nonce)
	if err != nil {
		return nil, err
	}
	return r.page()
}

func (r *resolved) page() ([]byte, error) {
	var buf bytes.Buffer
	if err := widgetTmpl.ExecuteTemplate(&buf, "page", r.view); err != nil {
		return nil, fmt.Errorf("embed: render page: %w", err)
	}
	return buf.Bytes(), nil
}

// ContentSecurityPolicy returns a Content-Security-Policy header value
// that admits the widget rendered with nonce and nothing else:
//
//	default-src 'none'; script-src 'nonce-…'; style-src 'nonce-…';
//	img-src data:; frame-src <expected origin> [<QR link origin>];
//	connect-src <NotifyURL origin>; base-uri 'none'; form-action 'none'
//
// A page that hosts more than the widget must merge these sources into its
// own policy. The nonce must be base64 or base64url text (see [NewNonce]).
func (w Widget) ContentSecurityPolicy(nonce string) (string, error) {
	if nonce == "" {
		return "", fmt.Errorf("%w: empty nonce", ErrInvalidWidget)
	}
	r, err := w.resolve(nonce)
	if err != nil {
		return "", err
	}
	return r.csp(), nil
}

func (r *resolved) csp() string {
	connect := "'none'"
	if r.connectOrigin != "" {
		connect = r.connectOrigin
	}
	n := "'nonce-" + r.Nonce + "'"
	return "default-src 'none'; script-src " + n + "; style-src " + n +
		"; img-src data:; frame-src " + strings.Join(r.frameOrigins, " ") +
		"; connect-src " + connect + "; base-uri 'none'; form-action 'none'"
}

// NewNonce returns a fresh random CSP nonce: 144 bits from crypto/rand in
// URL-safe base64 (24 characters, no padding), which needs no escaping in
// HTML attributes or headers.
func NewNonce() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("embed: nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Handler returns an [http.Handler] that serves w as a standalone page
// ([Widget.Page]) for GET and HEAD requests; see [NewHandler].
func (w Widget) Handler() http.Handler {
	return NewHandler(func(*http.Request) (Widget, error) { return w, nil })
}

// NewHandler returns an [http.Handler] that serves a standalone widget page
// per GET or HEAD request. It calls widget to get the request's widget (for
// example after generating a fresh QR link for the signed-in user), renders
// it with a fresh nonce (Widget.Nonce is ignored) and sends it with:
//
//   - Content-Security-Policy from [Widget.ContentSecurityPolicy] for that
//     nonce;
//   - Cache-Control: no-store, because the page holds a single-use QR link;
//   - X-Content-Type-Options: nosniff and Content-Type text/html.
//
// Other methods get 405. If widget returns an error or the widget is
// invalid the handler answers 500 with a generic text; the error is not
// shown to the client. Authenticate the user before this handler. The
// policy has no frame-ancestors directive, so the page may be framed by
// other sites; add one (or X-Frame-Options) in middleware if it must not.
func NewHandler(widget func(r *http.Request) (Widget, error)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			rw.Header().Set("Allow", "GET, HEAD")
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w, err := widget(req)
		if err != nil {
			http.Error(rw, "widget unavailable", http.StatusInternalServerError)
			return
		}
		nonce, err := NewNonce()
		if err != nil {
			http.Error(rw, "widget unavailable", http.StatusInternalServerError)
			return
		}
		r, err := w.resolve(nonce)
		if err != nil {
			http.Error(rw, "widget unavailable", http.StatusInternalServerError)
			return
		}
		body, err := r.page()
		if err != nil {
			http.Error(rw, "widget unavailable", http.StatusInternalServerError)
			return
		}
		h := rw.Header()
		h.Set("Content-Security-Policy", r.csp())
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		rw.WriteHeader(http.StatusOK)
		if req.Method != http.MethodHead {
			_, _ = rw.Write(body)
		}
	})
}
