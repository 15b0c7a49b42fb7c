package tlpartnertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// APIPrefix is the path under which the fake mounts the Partner API, the
// same path the real service uses. [Server.PartnerAPIURL] returns
// [Server.URL] plus this prefix.
const APIPrefix = "/partner/api/v1"

// PublicAPIPrefix is the path of the Public API (the per-workspace API that
// a Public API token unlocks), the same path the real service uses.
// [Server.PublicAPIURL] returns [Server.URL] plus this prefix.
const PublicAPIPrefix = "/integrations/api"

// DefaultPartnerID is the partner ID of the primary partner when
// [Options.PartnerID] is empty.
const DefaultPartnerID = "test-partner"

// Default values used when the corresponding [Options] field is zero.
const (
	DefaultQRRotateInterval = 45 * time.Second
	DefaultWebhookAttempts  = 3
	DefaultWebhookBackoff   = 100 * time.Millisecond
	DefaultWebhookTimeout   = 5 * time.Second
	DefaultClockSkew        = 5 * time.Second
	DefaultSendInterval     = 2 * time.Second
	DefaultMaxFileSize      = 16 << 20
)

// Options configures a [Server]. The zero value is usable: it gives one
// partner "test-partner" with a random secret, no webhook URL and no
// embedding origins. A bad value (an empty or duplicate partner ID, an
// embedding origin a browser would never report, a bad or non-loopback
// Addr) makes [StartServer] fail with a *tlpartner.ValidationError whose
// Field names the Options field, for example "Options.Partners[1].ID".
type Options struct {
	// PartnerID is the ID of the primary partner. Default [DefaultPartnerID].
	PartnerID string
	// Secret is the primary partner's secret (the HS256 key). Default: 32
	// random bytes, hex-encoded; read it back with [Server.Secret].
	Secret string
	// Partners lists extra partners the fake knows, for example to test that
	// one partner cannot reach another partner's workspaces. IDs must be
	// unique and differ from PartnerID.
	Partners []Partner
	// WebhookURL is where the primary partner's Partner webhooks are
	// delivered. Empty means no deliveries (see [Server.SetWebhookURL]).
	WebhookURL string
	// EmbedOrigins is the primary partner's embedding allowlist: the exact
	// parent origins (scheme://host[:port]) the fake QR page talks to.
	EmbedOrigins []string
	// QRRotateInterval is how often the fake QR page emits a new QR image
	// after TIMELINES_START_QR. Default [DefaultQRRotateInterval] (45 s, like
	// the real page); tests typically use a few hundred milliseconds.
	QRRotateInterval time.Duration
	// QRTimeout, when positive, makes the fake QR page stop rotating and show
	// "QR Code timed out" this long after the QR flow was started, without
	// telling the parent (the documented gap of the real page). Zero means
	// the QR never times out.
	QRTimeout time.Duration
	// Now is the fake's domain clock: creation times, QR link expiry, quota
	// periods and webhook triggered_at values. Default time.Now. JWT
	// validation and webhook signatures always use the real clock, because
	// the other side mints and checks them with its real clock.
	// See also [Server.Advance].
	Now func() time.Time
	// ClockSkew is the leeway applied when checking a request JWT's nbf and
	// exp. Default [DefaultClockSkew]; a negative value means no leeway.
	ClockSkew time.Duration
	// Logf, when set, receives one line per API request and per webhook
	// delivery attempt (never secrets or tokens). testing.T.Logf fits; close
	// the server before the test ends.
	Logf func(format string, args ...any)
	// Addr is the TCP address to listen on. Default "127.0.0.1:0" (a random
	// free port). Non-loopback addresses are refused unless AllowNonLoopback
	// is set.
	Addr string
	// AllowNonLoopback allows Addr to name a non-loopback interface. The fake
	// has no real security; only set this on an isolated network.
	AllowNonLoopback bool
	// ControlEndpoints mounts the test controls as unauthenticated JSON
	// endpoints under [ControlPrefix] and adds a "Simulate scan" form to the
	// fake QR page, for driving a stand-alone fake from other languages or
	// by hand. Off by default.
	ControlEndpoints bool
	// WebhookAttempts is the number of delivery attempts per webhook
	// (default [DefaultWebhookAttempts]).
	WebhookAttempts int
	// WebhookBackoff is the pause before the second attempt; it doubles
	// for each further attempt (default [DefaultWebhookBackoff]).
	WebhookBackoff time.Duration
	// WebhookTimeout bounds each delivery attempt (default
	// [DefaultWebhookTimeout]).
	WebhookTimeout time.Duration
	// SendInterval is the Public API's send pacing on the fake's clock:
	// each WhatsApp account sends its queued messages one at a time, this
	// long apart, and each later status step (sent → delivered → read)
	// takes this long too. Default [DefaultSendInterval] (the documented
	// ~2 s); a negative value means no pause at all.
	SendInterval time.Duration
	// MaxFileSize caps a file uploaded through the Public API (kept in
	// memory). Default [DefaultMaxFileSize].
	MaxFileSize int64
}

// Partner describes an extra partner known to the fake (see
// [Options.Partners]).
type Partner struct {
	// ID is the partner ID (X-TL-Partner-Id and the JWT partner_id claim).
	ID string
	// Secret is the partner's HS256 key. Empty means a random secret; read
	// it back with [Server.PartnerSecret].
	Secret string
	// Inactive makes every request of this partner fail with
	// partner_not_active.
	Inactive bool
	// WebhookURL is where this partner's webhooks are delivered.
	WebhookURL string
	// EmbedOrigins is this partner's embedding allowlist.
	EmbedOrigins []string
}

// Server is a running fake of the TimelinesAI Partner API. It is safe for
// concurrent use. In tests create it with [New], which closes it when the
// test ends; elsewhere use [StartServer] (or [NewServer]) and stop it with
// [Server.Close].
type Server struct {
	// URL is the root of the fake, scheme://host:port without a trailing
	// slash (for example "http://127.0.0.1:41234"), like httptest.Server's
	// URL. QR links are issued under it. Pass [Server.PartnerAPIURL] to
	// tlpartner.WithBaseURL.
	URL string

	opts     Options
	primary  string
	origin   string
	listener net.Listener
	http     *http.Server

	offset atomic.Int64 // nanoseconds added to the domain clock

	mu         sync.Mutex
	closed     bool
	partners   map[string]*partnerState
	workspaces map[string]*workspace
	users      map[int64]*user
	links      map[string]*qrLink
	nextUserID int64
	nextAcctID int64
	nextGroup  int64
	nextReq    int64
	faults     []*faultRule
	requests   []RecordedRequest

	handlers  sync.WaitGroup // in-flight HTTP handlers
	done      chan struct{}  // closed by Close
	serveDone chan struct{}  // closed when the HTTP server's Serve returns

	wh webhookState

	pub publicState // the Public API's data (public_state.go)
}

// New starts a fake for the test t on [Options.Addr] (default 127.0.0.1
// with a random port) and closes it when the test and its subtests end
// (t.Cleanup). Unless opts.Logf is set, the fake's log lines go to t.Logf,
// so they show with -v or when the test fails. If the fake cannot start, New
// stops the test with t.Fatal.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := StartServer(opts)
	if err != nil {
		t.Fatal(err)
		return nil // only reached when t.Fatal does not stop the goroutine
	}
	t.Cleanup(s.Close)
	return s
}

// NewServer is like [New] for code that has no testing.TB, such as
// TestMain: the caller must call [Server.Close]. Like httptest.NewServer it
// panics if it cannot listen or if opts is invalid; use [StartServer] to get
// an error instead.
func NewServer(opts Options) *Server {
	s, err := StartServer(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// StartServer is like [NewServer] but returns an error instead of panicking.
func StartServer(opts Options) (*Server, error) {
	if opts.PartnerID == "" {
		opts.PartnerID = DefaultPartnerID
	}
	if opts.Secret == "" {
		opts.Secret = randomHex(32)
	}
	if opts.QRRotateInterval <= 0 {
		opts.QRRotateInterval = DefaultQRRotateInterval
	}
	if opts.ClockSkew == 0 {
		opts.ClockSkew = DefaultClockSkew
	} else if opts.ClockSkew < 0 {
		opts.ClockSkew = 0
	}
	if opts.WebhookAttempts <= 0 {
		opts.WebhookAttempts = DefaultWebhookAttempts
	}
	if opts.WebhookBackoff <= 0 {
		opts.WebhookBackoff = DefaultWebhookBackoff
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = DefaultWebhookTimeout
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.SendInterval == 0 {
		opts.SendInterval = DefaultSendInterval
	} else if opts.SendInterval < 0 {
		opts.SendInterval = 0
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	s := &Server{
		opts:       opts,
		primary:    opts.PartnerID,
		partners:   map[string]*partnerState{},
		workspaces: map[string]*workspace{},
		users:      map[int64]*user{},
		links:      map[string]*qrLink{},
		nextUserID: 1000,
		nextAcctID: 900000,
		nextGroup:  500,
		done:       make(chan struct{}),
		serveDone:  make(chan struct{}),
	}
	s.pub.init()
	s.partners[opts.PartnerID] = &partnerState{
		id: opts.PartnerID, secret: opts.Secret, active: true,
		webhookURL: opts.WebhookURL, embedOrigins: cloneStrings(opts.EmbedOrigins),
	}
	for i, o := range opts.EmbedOrigins {
		if err := checkOrigin(o); err != nil {
			return nil, optionError(fmt.Sprintf("Options.EmbedOrigins[%d]", i), err.Error())
		}
	}
	for i, p := range opts.Partners {
		field := fmt.Sprintf("Options.Partners[%d]", i)
		if p.ID == "" {
			return nil, optionError(field+".ID", "must not be empty")
		}
		if _, dup := s.partners[p.ID]; dup {
			return nil, optionError(field+".ID", fmt.Sprintf("duplicate partner ID %q", p.ID))
		}
		for j, o := range p.EmbedOrigins {
			if err := checkOrigin(o); err != nil {
				return nil, optionError(fmt.Sprintf("%s.EmbedOrigins[%d]", field, j), err.Error())
			}
		}
		secret := p.Secret
		if secret == "" {
			secret = randomHex(32)
		}
		s.partners[p.ID] = &partnerState{
			id: p.ID, secret: secret, active: !p.Inactive,
			webhookURL: p.WebhookURL, embedOrigins: cloneStrings(p.EmbedOrigins),
		}
	}
	if err := checkListenAddr(opts.Addr, opts.AllowNonLoopback); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("tlpartnertest: listen: %w", err)
	}
	s.listener = ln
	s.origin = "http://" + ln.Addr().String()
	s.URL = s.origin
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.startWebhooks()
	go func() {
		defer close(s.serveDone)
		_ = s.http.Serve(ln)
	}()
	return s, nil
}

// ErrNonLoopback: [Options.Addr] names a non-loopback address and
// [Options.AllowNonLoopback] is not set. The fake has no real security, so
// it listens only on loopback unless told otherwise.
var ErrNonLoopback = errors.New("tlpartnertest: refusing to listen on a non-loopback address")

// optionError is the error for a bad [Options] value: a
// *tlpartner.ValidationError, as for bad options in every package of the
// SDK, with Field naming the Options field.
func optionError(field, reason string) error {
	return engine.ValidationAs[tlpartner.ValidationError]("tlpartnertest", field, reason)
}

// nonLoopbackError is the *tlpartner.ValidationError for Options.Addr that
// also matches [ErrNonLoopback].
type nonLoopbackError struct{ error }

func (e nonLoopbackError) Unwrap() []error { return []error{e.error, ErrNonLoopback} }

// checkListenAddr refuses non-loopback listen addresses unless allowed.
// Its errors are *tlpartner.ValidationError for Options.Addr.
func checkListenAddr(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return optionError("Options.Addr", fmt.Sprintf("bad listen address %q: %v", addr, err))
	}
	if allow {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nonLoopbackError{optionError("Options.Addr",
			fmt.Sprintf("refusing to listen on the non-loopback address %q (set AllowNonLoopback to override)", addr))}
	}
	return nil
}

// checkOrigin validates an embedding origin. Like the real allowlist it is
// matched exactly against the origin a browser reports (event.origin), so
// only the serialized form a browser produces is accepted: http or https,
// a lower-case host, no default port, no user info, path, query or fragment.
// Anything else could never match and would only hide a typo.
func checkOrigin(o string) error {
	bad := func(why string) error {
		return fmt.Errorf("embed origin %q must be scheme://host[:port] as a browser reports it: %s", o, why)
	}
	u, err := url.Parse(o)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "":
		return bad("not an absolute URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme must be http or https")
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(o, "#"):
		return bad("no user info, path, query or fragment")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad("invalid port")
		}
		if (u.Scheme == "http" && n == 80) || (u.Scheme == "https" && n == 443) {
			return bad("browsers drop the default port")
		}
	}
	if u.Scheme+"://"+strings.ToLower(u.Host) != o {
		return bad("scheme and host must be lower-case")
	}
	return nil
}

// PartnerAPIURL returns the base URL of the fake Partner API, [Server.URL]
// plus [APIPrefix], for example "http://127.0.0.1:41234/partner/api/v1".
// Pass it to tlpartner.WithBaseURL ([Server.Client] does).
func (s *Server) PartnerAPIURL() string { return s.origin + APIPrefix }

// PublicAPIURL returns the base URL of the fake's Public API, [Server.URL]
// plus [PublicAPIPrefix], for example
// "http://127.0.0.1:41234/integrations/api".
func (s *Server) PublicAPIURL() string { return s.origin + PublicAPIPrefix }

// PartnerID returns the primary partner's ID.
func (s *Server) PartnerID() string { return s.primary }

// Secret returns the primary partner's secret.
func (s *Server) Secret() string { return s.opts.Secret }

// PartnerSecret returns the secret of any partner known to the fake, or ""
// if the partner is unknown.
func (s *Server) PartnerSecret(partnerID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partners[partnerID]; p != nil {
		return p.secret
	}
	return ""
}

// String describes the server without its secret.
func (s *Server) String() string {
	return fmt.Sprintf("tlpartnertest.Server{URL: %s, PartnerID: %s}", s.origin, s.primary)
}

// GoString is like [Server.String], so %#v does not print the secret.
func (s *Server) GoString() string { return s.String() }

// Now returns the fake's current domain time: [Options.Now] (or time.Now)
// plus everything passed to [Server.Advance].
func (s *Server) Now() time.Time {
	base := time.Now
	if s.opts.Now != nil {
		base = s.opts.Now
	}
	return base().Add(time.Duration(s.offset.Load())).UTC()
}

// Advance moves the fake's domain clock forward by d, for example past a QR
// link's expiry. It does not affect JWT validation, which uses the real clock.
// Queued Public API messages whose time has come move on (queued → sent →
// delivered → read, see [Options.SendInterval]) and their webhooks are sent.
func (s *Server) Advance(d time.Duration) {
	s.offset.Add(int64(d))
	s.publicTick()
}

// Close shuts the fake down: it stops accepting requests, ends open QR-page
// event streams, aborts pending webhook deliveries and waits for every
// goroutine it started. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	_ = s.http.Close()
	<-s.serveDone
	s.handlers.Wait()
	s.stopWebhooks()
}

// serveHTTP is the top-level handler: API routes, QR pages, 404 otherwise.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "tlpartnertest: server closed", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()

	switch p := r.URL.Path; {
	case p == APIPrefix || strings.HasPrefix(p, APIPrefix+"/"):
		s.serveAPI(w, r)
	case p == PublicAPIPrefix || strings.HasPrefix(p, PublicAPIPrefix+"/"):
		s.servePublic(w, r)
	case strings.HasPrefix(p, FilesPrefix+"/"):
		s.serveFileDownload(w, r)
	case strings.HasPrefix(p, "/qr/"):
		s.serveQR(w, r)
	case s.opts.ControlEndpoints && (p == ControlPrefix || strings.HasPrefix(p, ControlPrefix+"/")):
		s.serveControl(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf("tlpartnertest: "+format, args...)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func cloneStrings(in []string) []string {
	if in == nil {
		return nil
	}
	return append([]string(nil), in...)
}

// sleepCtx waits d or until ctx or the server ends; it reports whether the
// full duration elapsed.
func (s *Server) sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}
