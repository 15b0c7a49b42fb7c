package publicapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// DefaultBaseURL is the production root of the Public API. Use
// [WithBaseURL] to point a [Client] elsewhere, for example at a test server
// or the white-label host https://app.timelines.global/integrations/api.
const DefaultBaseURL = "https://app.timelines.ai/integrations/api"

const (
	apiName = "publicapi"
	// userAgentProduct starts the User-Agent header; [WithUserAgent]
	// appends to it.
	userAgentProduct = "tlpartner-go/" + engine.Version + " (publicapi)"
	redacted         = engine.Redacted
)

// Client talks to the Public API on behalf of one workspace. Create it with
// [NewClient] or, from a Partner API client, with tlpartner's
// Client.PublicAPI. A Client is safe for concurrent use and should be
// reused: it keeps its connections alive.
//
// The Client holds the workspace's token; printing it with any fmt verb,
// logging it or encoding it as JSON never shows the token.
type Client struct {
	eng    *engine.Engine
	server string // base URL + "/" (the form the wire builders expect)
	tok    *tokenState
}

// tokenState is the current token and, optionally, where a fresh one comes
// from after a 401. It sits behind a pointer so that even a dereferenced
// Client printed with fmt shows only an address.
//
// Concurrency: mu guards token and fetch and is never held across the
// source call. All callers that need a fresh token at the same time share
// one fetch (one request to the source per rotation); each of them waits
// for it only as long as its own context allows.
type tokenState struct {
	src TokenSource

	mu    sync.Mutex
	token string
	fetch *tokenFetch // the fetch in progress, or nil
}

// tokenFetch is one call of the token source, shared by every caller that
// waits for its result.
type tokenFetch struct {
	stale   string        // the token the fetch replaces ("" for the first)
	done    chan struct{} // closed when token and err are set
	cancel  context.CancelFunc
	waiters int // callers still waiting; the fetch is cancelled at 0
	token   string
	err     error
}

// current returns the token, fetching it first if the client was created
// without one.
func (t *tokenState) current(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" || t.src == nil {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	return t.await(ctx)
}

// refresh makes the current token differ from stale, the token a request
// was refused with: when another call already replaced it, it returns at
// once; otherwise it joins the fetch in progress or starts one. It
// implements engine.Config.Refresh.
func (t *tokenState) refresh(ctx context.Context, stale string) error {
	t.mu.Lock()
	if t.token != stale {
		t.mu.Unlock()
		return nil
	}
	tok, err := t.await(ctx)
	if err == nil && tok == stale {
		// The source brought back the token the server just refused:
		// resending with it would only be refused again.
		return engine.ErrCredentialUnchanged
	}
	return err
}

// await joins the fetch in progress, or starts one for the current token,
// and waits for its result or for ctx to end. It is called with t.mu held
// and releases it.
//
// While a fetch is in progress the token stays what it was when the fetch
// started (only the fetch replaces it), so every caller that joins wants
// exactly the token the fetch will bring.
func (t *tokenState) await(ctx context.Context) (string, error) {
	f := t.fetch
	if f == nil {
		// The fetch belongs to no single caller: it keeps the starter's
		// context values (for tracing) but not its deadline, and is
		// cancelled when the last waiter gives up.
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &tokenFetch{stale: t.token, done: make(chan struct{}), cancel: cancel}
		t.fetch = f
		go t.run(fctx, f)
	}
	f.waiters++
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		t.mu.Lock()
		f.waiters--
		if f.waiters == 0 && t.fetch == f {
			// Nobody wants this result any more: cancel it, and let the
			// next caller start afresh rather than join a cancelled fetch.
			t.fetch = nil
			f.cancel()
		}
		t.mu.Unlock()
		return "", ctx.Err()
	}
}

// run calls the source for f and publishes the result.
func (t *tokenState) run(ctx context.Context, f *tokenFetch) {
	defer f.cancel()
	tok, err := t.call(ctx, f.stale)
	if err != nil {
		err = fmt.Errorf("%s: token source: %w", apiName, err)
	} else if err = checkToken("WithTokenSource", tok); err != nil {
		tok = ""
	}
	t.mu.Lock()
	if t.fetch == f {
		// Not abandoned: the result is the client's token from now on.
		t.fetch = nil
		if err == nil {
			t.token = tok
		}
	}
	f.token, f.err = tok, err
	t.mu.Unlock()
	close(f.done)
}

// call calls the source. A panic of the source, which runs on a goroutine
// of its own where the caller could not recover it, becomes an error.
func (t *tokenState) call(ctx context.Context, stale string) (tok string, err error) {
	defer func() {
		if p := recover(); p != nil {
			tok, err = "", fmt.Errorf("panic: %v", p)
		}
	}()
	return t.src(ctx, stale)
}

func (t *tokenState) authorize(r *http.Request) (string, error) {
	tok, err := t.current(r.Context())
	if err != nil {
		return "", err
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	return tok, nil
}

func checkToken(field, tok string) error {
	// The reason does not repeat the field: "invalid token: must not be
	// empty"; for a source it names what the source returned.
	subject := ""
	if field != "token" {
		subject = "the token it returned "
	}
	switch {
	case strings.TrimSpace(tok) == "":
		return invalid(field, subject+"must not be empty")
	case engine.HasControl(tok) || strings.ContainsAny(tok, " \t"):
		return invalid(field, subject+"must not contain spaces or control characters")
	}
	return nil
}

// config collects the settings applied by [Option] values.
type config struct {
	engine.Settings
	baseURL   string
	source    TokenSource
	workspace string
}

// Option configures a [Client] in [NewClient]. Options are applied in order;
// when one is given twice the last one wins. An invalid value makes
// NewClient fail with a [*ValidationError] naming the option.
type Option func(*config) error

// RetryPolicy bounds the client's retries: how many, and the backoff
// between them. Which failures are retried follows from the operation (see
// the package documentation's retry table), not from the policy. Waits use
// exponential backoff with full jitter: before retry n the client sleeps a
// random duration in [0, min(MaxDelay, BaseDelay·2^(n-1))); a Retry-After
// header replaces the backoff, capped at MaxRetryAfter. Zero durations mean
// the default; MaxRetries is used as given, so RetryPolicy{} disables
// retries. tlpartner.RetryPolicy has the same fields, so one value
// configures both clients after a conversion: tlpartner.RetryPolicy(p).
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retries. Default 2; negative values are invalid.
	MaxRetries int `json:"max_retries"`
	// BaseDelay is the backoff ceiling before the first retry; it doubles
	// for every further retry. Default 1s.
	BaseDelay time.Duration `json:"base_delay"`
	// MaxDelay caps the backoff ceiling. Default 16s.
	MaxDelay time.Duration `json:"max_delay"`
	// MaxRetryAfter caps a wait requested by the server through
	// Retry-After. Default 16s.
	MaxRetryAfter time.Duration `json:"max_retry_after"`
}

// DefaultRetryPolicy returns the policy of a client without
// [WithRetryPolicy]: 2 retries, backoff base 1s, backoff cap 16s,
// Retry-After capped at 16s.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy(engine.DefaultRetryPolicy()) }

// Limiter paces requests on the client side: Wait blocks until one request
// may be sent, and returns an error without waiting further when ctx is
// done (or when it knows ctx's deadline would pass first). A *rate.Limiter
// from golang.org/x/time/rate satisfies it, as does the tlredis module's
// limiter shared by several processes. tlpartner.Limiter has the same
// method, so one value may pace both clients under one budget.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Documented server limits (rate-limits guide: per IP address, not per
// token): 30 requests per second with 10 more queued; beyond that the
// server answers 429. The help center says 50 requests per minute instead;
// see the README's contradictions table.
const (
	ServerRateLimit = 30
	ServerRateBurst = 10
)

// WithBaseURL sets the API root (default [DefaultBaseURL]). It must be an
// absolute http or https URL without query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sends requests through a private copy of hc. Its
// Transport, Timeout and Jar apply; without a CheckRedirect of its own the
// copy follows redirects only within the same scheme, host and method. A
// nil hc means the default client.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithLogger makes the client log every attempt at Debug level (method,
// escaped path, status, duration; never headers, tokens or bodies) and
// every retry at Info level. A nil logger disables logging, which is the
// default (as in the Partner client).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.Logger = l
		return nil
	}
}

// WithRetryPolicy replaces the retry policy (default
// [DefaultRetryPolicy]). Which failures are retried depends on the
// operation; see the package documentation.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error { return c.SetRetryPolicy(engine.RetryPolicy(p)) }
}

// WithMaxRetries sets only the number of retries after the first attempt;
// 0 disables retries.
func WithMaxRetries(n int) Option {
	return func(c *config) error { return c.SetMaxRetries(n) }
}

// WithRateLimit paces this client's requests with a token bucket: at most
// perSecond requests per second on average, in bursts of up to burst.
// Every attempt, retries included, takes a token; waits honour the context.
// [ServerRateLimit] and [ServerRateBurst] hold the documented numbers.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) error { return c.SetRateLimit(perSecond, burst) }
}

// WithRateLimiter paces requests with l, which may be shared between
// clients (the documented limit is per IP address). A nil l (or a typed nil
// pointer) removes the limiter, the default.
func WithRateLimiter(l Limiter) Option {
	return func(c *config) error { return c.SetRateLimiter(l) }
}

// WithUserAgent appends ua to the User-Agent header, which then reads
// "tlpartner-go/<Version> (publicapi) <ua>" (Version is tlpartner.Version).
// Use it to name your integration; ua must not contain control characters.
func WithUserAgent(ua string) Option {
	return func(c *config) error { return c.SetUserAgent(ua) }
}

// WithMiddleware adds middleware that wraps every HTTP attempt of the
// client, retries and the resend after a token refresh included; the first
// middleware given (over all WithMiddleware options) is the outermost.
// Middleware sees the operation name, the attempt number and the retry
// class through [tlhttp.AttemptFromContext], runs after the rate limiter
// and before the token is added, and never sees the token: see package
// tlhttp for the full order. Nil middleware is ignored.
func WithMiddleware(mw ...tlhttp.Middleware) Option {
	return func(c *config) error { return c.AddMiddleware(mw) }
}

// WithObserver makes o see every operation of the client from start to
// end (see [tlhttp.Observer]); the module tlotel provides one that records
// OpenTelemetry spans and metrics. A nil o removes the observer, which is
// the default.
func WithObserver(o tlhttp.Observer) Option {
	return func(c *config) error {
		c.Observer = o
		return nil
	}
}

// TokenSource supplies a workspace's Public API token to a [Client] (see
// [WithTokenSource]). stale is the token the client's request was just
// refused with (a 401), or "" when the client has no token yet. A source
// backed by a cache shared between clients or processes should return its
// cached token when that differs from stale, and fetch a new one (and
// cache it) only when the cached token is stale; a source without a cache
// can ignore stale.
//
// The client calls the source from a goroutine of its own, never more than
// once at a time, and shares each result with every call waiting for it.
// ctx carries the values of the call that needed the token but not its
// deadline; it is cancelled when no call waits for the result any more, so
// bound the fetch with ctx.
type TokenSource func(ctx context.Context, stale string) (string, error)

// WithTokenSource makes the client refresh its token: after a 401 it asks
// src for a fresh token and sends the request once more (a 401 means the
// server refused the request before processing it, so this is safe for
// sends too). When [NewClient] gets an empty token, src also supplies the
// first one, on the first request. tlpartner's Client.PublicAPI sets a
// source that calls GetPublicAPIToken, so a workspace whose token was
// rotated keeps working.
//
// However many calls get a 401 at the same time, src is called once per
// rotation: a call whose token was already replaced by another call's
// refresh just sends again with the new token, and calls that need a
// fresh token while a fetch is in progress wait for that fetch. A call
// waiting for a fetch gives up when its own context ends, with the
// context's error, and sends nothing more; no lock is held while src runs.
// A nil src means no source, the default.
func WithTokenSource(src TokenSource) Option {
	return func(c *config) error {
		c.source = src
		return nil
	}
}

// WithWorkspaceID names the workspace the client's token belongs to. It
// changes no request: every operation reports it to observers as
// [tlhttp.Operation.WorkspaceID] (the module tlotel puts it on spans as
// tlpartner.workspace.id), log records carry it as workspace_id, and
// [Client.WorkspaceID] returns it, so a process serving thousands of
// workspaces can tell their calls apart. tlpartner's Client.PublicAPI and
// PublicAPIPool set it. An empty id means none, the default; an id with
// '/' or control characters is refused.
func WithWorkspaceID(id string) Option {
	return func(c *config) error {
		if engine.HasControl(id) || strings.Contains(id, "/") || !utf8.ValidString(id) {
			return invalid("WithWorkspaceID", "must be a workspace ID (no '/' or control characters)")
		}
		c.workspace = id
		return nil
	}
}

// NewClient returns a [Client] that authenticates with token, a workspace's
// Public API token. The token may be empty only with [WithTokenSource].
//
// Without options the client talks to [DefaultBaseURL] through an
// *http.Client with a clone of the default transport and no Timeout (bound
// each call with its context), follows redirects only within the same
// scheme, host and method, retries per [DefaultRetryPolicy] and has no
// client-side rate limit. A plain token is never refreshed: after a
// rotation calls fail with [ErrUnauthorized].
func NewClient(token string, opts ...Option) (*Client, error) {
	cfg := config{Settings: engine.DefaultSettings(apiName), baseURL: DefaultBaseURL}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, exportError(err)
		}
	}
	if token != "" || cfg.source == nil {
		if err := checkToken("token", token); err != nil {
			return nil, err
		}
	}
	base, err := engine.NormalizeBaseURL(apiName, cfg.baseURL)
	if err != nil {
		return nil, exportError(err)
	}
	tok := &tokenState{token: token, src: cfg.source}
	ecfg := engine.Config{
		Settings:   cfg.Settings,
		Product:    userAgentProduct,
		Authorize:  tok.authorize,
		Classify:   classify,
		ErrorIn2xx: engine.HasErrorStatus,
		Workspace:  cfg.workspace,
	}
	if cfg.source != nil {
		ecfg.Refresh = tok.refresh
	}
	return &Client{eng: engine.New(ecfg), server: base + "/", tok: tok}, nil
}

// WorkspaceID returns the workspace named by [WithWorkspaceID], or "" when
// none was.
func (c *Client) WorkspaceID() string {
	if c == nil || c.eng == nil {
		return ""
	}
	return c.eng.Workspace()
}

// BaseURL returns the API root the client sends to, without a trailing
// slash.
func (c *Client) BaseURL() string {
	if c == nil {
		return ""
	}
	return strings.TrimSuffix(c.server, "/")
}

// CloseIdleConnections closes idle keep-alive connections; calls in
// progress are not interrupted.
func (c *Client) CloseIdleConnections() { c.eng.CloseIdleConnections() }

// String describes the client without revealing its token.
func (c *Client) String() string {
	if c == nil {
		return "publicapi.Client(nil)"
	}
	ws := ""
	if id := c.WorkspaceID(); id != "" {
		ws = ", WorkspaceID: " + strconv.Quote(id)
	}
	return "publicapi.Client{BaseURL: " + c.BaseURL() + ws + ", Token: " + redacted + "}"
}

// GoString is like [Client.String], so %#v does not print the token.
func (c *Client) GoString() string { return c.String() }

// Format makes every fmt verb print [Client.String]. It has a value
// receiver so that a dereferenced Client (fmt.Sprintf("%s", *c)) prints
// the same; fmt prints a nil *Client as <nil>.
func (c Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue implements [slog.LogValuer] without the token.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue(c.String())
	}
	if id := c.WorkspaceID(); id != "" {
		return slog.GroupValue(slog.String("base_url", c.BaseURL()), slog.String("workspace_id", id), slog.String("token", redacted))
	}
	return slog.GroupValue(slog.String("base_url", c.BaseURL()), slog.String("token", redacted))
}

// MarshalJSON encodes the client as
// {"base_url":...,"workspace_id":...,"token":"[REDACTED]"} (workspace_id
// only when [WithWorkspaceID] named one).
func (c *Client) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		BaseURL     string `json:"base_url"`
		WorkspaceID string `json:"workspace_id,omitempty"`
		Token       string `json:"token"`
	}{c.BaseURL(), c.WorkspaceID(), redacted})
}

// ready reports a nil or zero Client.
func (c *Client) ready() error {
	if c == nil || c.eng == nil {
		return invalid("client", "use NewClient; the zero Client is not usable")
	}
	return nil
}
