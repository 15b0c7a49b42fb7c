package tlpartner

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/tlpartner/tlpartner-go/internal/engine"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Version is the version of this SDK. It is sent in the User-Agent header as
// "tlpartner-go/<Version>" (the Public API client sends
// "tlpartner-go/<Version> (publicapi)").
const Version = engine.Version

// DefaultBaseURL is the production root of the Partner API. Every route of
// the API hangs off it. Use [WithBaseURL] to point a [Client] elsewhere, for
// example at a test server.
const DefaultBaseURL = "https://app.timelines.ai/partner/api/v1"

// DefaultTokenLifetime is the default half-width of the validity window of the
// per-request JWT: nbf = now-3m and exp = now+3m, as in the Partner API docs.
const DefaultTokenLifetime = 3 * time.Minute

const userAgentPrefix = "tlpartner-go/" + Version

// Client talks to the Partner API on behalf of one partner. Create it with
// [NewClient]. A Client is safe for concurrent use by multiple goroutines
// and should be reused: it holds no per-request state, and it keeps its
// connections to the API open between calls.
//
// The zero Client (like a nil *Client) is not usable: its methods return a
// [*ValidationError] with Field "client".
type Client struct {
	partnerID string
	// key holds the Partner Secret behind a pointer so that even printing
	// a dereferenced Client with fmt shows only an address.
	key *signingKey

	baseURL   string // without trailing slash, e.g. https://host/partner/api/v1
	serverURL string // baseURL + "/" (form expected by the wire request builders)

	tokenLifetime time.Duration
	now           func() time.Time
	eng           *engine.Engine
}

// clientConfig collects the settings applied by [Option] values.
type clientConfig struct {
	engine.Settings
	baseURL       string
	tokenLifetime time.Duration
	now           func() time.Time
}

// Option configures a [Client] in [NewClient]. Options are applied in order,
// so when the same option is given twice the last one wins. An option that
// receives an invalid value makes [NewClient] fail with a [*ValidationError]
// whose Field names the option.
type Option func(*clientConfig) error

// NewClient returns a [Client] that authenticates as partnerID, signing every
// request with partnerSecret.
//
// Both credentials are required; an empty value, or a partner ID holding
// control characters (it is sent in a header) or invalid UTF-8, gives a
// [*ValidationError].
// Without options the client talks to [DefaultBaseURL] through an
// *http.Client whose transport is a clone of [http.DefaultTransport] (so proxy
// settings from the environment apply) that keeps up to
// [DefaultMaxIdleConnsPerHost] idle connections to the API host (instead of
// net/http's 2), so concurrent calls reuse connections; the client has no
// Client.Timeout: bound each call with its context instead. That client
// follows redirects only within the scheme and host of the request and
// only when the method stays the same, so a redirect can never carry the
// request's token elsewhere, downgrade it to plain http or turn a write
// into a read; any other redirect is returned as an [*APIError] with the
// 3xx status. Retries default to [DefaultRetryPolicy]. There is no
// client-side rate limit unless [WithRateLimit] or [WithRateLimiter] sets
// one.
// Options are applied in order (nil options are ignored); the first invalid
// one is returned as a [*ValidationError].
func NewClient(partnerID, partnerSecret string, opts ...Option) (*Client, error) {
	if partnerID == "" {
		return nil, &ValidationError{Field: "partnerID", Reason: "must not be empty"}
	}
	if engine.HasControl(partnerID) {
		// It is sent in the X-TL-Partner-Id header, where net/http would
		// refuse it on every attempt.
		return nil, &ValidationError{Field: "partnerID", Reason: "must not contain control characters"}
	}
	if !utf8.ValidString(partnerID) {
		// The JWT claim would carry U+FFFD instead and never match the
		// header.
		return nil, &ValidationError{Field: "partnerID", Reason: "must be valid UTF-8"}
	}
	if partnerSecret == "" {
		return nil, &ValidationError{Field: "partnerSecret", Reason: "must not be empty"}
	}
	cfg := clientConfig{
		Settings:      engine.DefaultSettings(apiName),
		baseURL:       DefaultBaseURL,
		tokenLifetime: DefaultTokenLifetime,
		now:           time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, exportError(err)
		}
	}
	base, err := normalizeBaseURL(cfg.baseURL)
	if err != nil {
		return nil, exportError(err)
	}
	key, err := newSigningKey(partnerID, partnerSecret)
	if err != nil {
		return nil, &ValidationError{Field: "partnerID", Reason: "cannot be encoded as JSON"}
	}
	c := &Client{
		partnerID:     partnerID,
		key:           key,
		baseURL:       base,
		serverURL:     base + "/",
		tokenLifetime: cfg.tokenLifetime,
		now:           cfg.now,
	}
	c.eng = engine.New(engine.Config{
		Settings:  cfg.Settings,
		Product:   userAgentPrefix,
		Authorize: c.authorize,
		Classify:  classifyPartner,
	})
	return c, nil
}

// apiName prefixes the errors and log messages of the Partner API client.
const apiName = "tlpartner"

// DefaultMaxIdleConnsPerHost is how many idle keep-alive connections to the
// API host the default transport keeps open (net/http's default is 2). It
// fits up to that many goroutines sharing one [Client] without opening a
// new connection for most calls. With [WithHTTPClient] your transport's
// own setting applies.
const DefaultMaxIdleConnsPerHost = engine.DefaultMaxIdleConnsPerHost

// CloseIdleConnections closes the client's idle keep-alive connections
// (see [http.Client.CloseIdleConnections]); calls in progress are not
// interrupted, and later calls open new connections as needed. With
// [WithHTTPClient] it closes the idle connections of that client's
// transport, which other users of the transport may share.
func (c *Client) CloseIdleConnections() {
	if c.ready() == nil {
		c.eng.CloseIdleConnections()
	}
}

// normalizeBaseURL applies the shared base-URL rule of the engine.
func normalizeBaseURL(raw string) (string, error) {
	base, err := engine.NormalizeBaseURL(apiName, raw)
	return base, exportError(err)
}

// WithBaseURL sets the API root, for example a staging server or the URL of
// a tlpartnertest fake. It must be an absolute http or https URL without
// query or fragment; a trailing slash is tolerated. The default is
// [DefaultBaseURL].
func WithBaseURL(u string) Option {
	return func(c *clientConfig) error {
		if _, err := normalizeBaseURL(u); err != nil {
			return err
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient makes the client send requests through a shallow copy of
// hc, so later changes to hc's fields do not affect the [Client] (its
// Transport, Jar and CheckRedirect are shared, not copied). A nil hc means
// the default client. hc.Timeout, if set, bounds each attempt separately;
// to bound a whole call including its retry waits, use a context deadline.
// When hc.CheckRedirect is nil the copy gets the default client's redirect
// policy (see [NewClient]): redirects are followed only within the same
// scheme and host, keeping the method. Connection reuse then depends on
// hc's transport (net/http's default keeps 2 idle connections per host;
// see [DefaultMaxIdleConnsPerHost]).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *clientConfig) error { return c.SetHTTPClient(hc) }
}

// WithUserAgent appends ua to the User-Agent header, which then reads
// "tlpartner-go/<Version> <ua>". Use it to name your integration. ua must
// not contain control characters.
func WithUserAgent(ua string) Option {
	return func(c *clientConfig) error { return c.SetUserAgent(ua) }
}

// WithLogger makes the client log one Debug record per HTTP attempt with the
// operation, method, path, attempt number, status and duration, an Info
// record before each retry wait, and a Debug record with the wait when a
// request waited a millisecond or more for the rate limiter ([WithRateLimit],
// [WithRateLimiter]). Credentials, tokens and bodies are never logged. A nil
// logger disables logging, which is the default.
func WithLogger(l *slog.Logger) Option {
	return func(c *clientConfig) error {
		c.Logger = l
		return nil
	}
}

// WithMiddleware adds middleware that wraps every HTTP attempt of the
// client, retries included; the first middleware given (over all
// WithMiddleware options) is the outermost. Middleware sees the operation
// name, the attempt number and the retry class through
// [tlhttp.AttemptFromContext], runs after the rate limiter and before the
// request is signed, and never sees the JWT: see package tlhttp for the
// full order. Nil middleware is ignored. Clients made by
// [Client.PublicAPI] do not inherit it; pass publicapi.WithMiddleware
// there.
func WithMiddleware(mw ...tlhttp.Middleware) Option {
	return func(c *clientConfig) error { return c.AddMiddleware(mw) }
}

// WithObserver makes o see every operation of the client from start to
// end (see [tlhttp.Observer]); the module tlotel provides one that records
// OpenTelemetry spans and metrics. A nil o removes the observer, which is
// the default. Clients made by [Client.PublicAPI] do not inherit it; pass
// publicapi.WithObserver there.
func WithObserver(o tlhttp.Observer) Option {
	return func(c *clientConfig) error {
		c.Observer = o
		return nil
	}
}

// WithTokenLifetime sets how far the per-request JWT's validity window
// extends on each side of the current time: nbf = now-d, exp = now+d. The
// default is [DefaultTokenLifetime] (3 minutes, as the docs advise). d must
// be between 1 second and 1 hour.
func WithTokenLifetime(d time.Duration) Option {
	return func(c *clientConfig) error {
		if d < time.Second || d > time.Hour {
			return &ValidationError{Field: "WithTokenLifetime", Reason: "must be between 1s and 1h"}
		}
		c.tokenLifetime = d
		return nil
	}
}

// WithClock replaces time.Now as the source of the current time used for
// the JWT claims. A nil function means time.Now.
//
// Testing knob: for tests only, not production configuration; the README
// section "Testing knobs" lists every such knob of the module.
func WithClock(now func() time.Time) Option {
	return func(c *clientConfig) error {
		if now == nil {
			now = time.Now
		}
		c.now = now
		return nil
	}
}

// ready returns a [*ValidationError] for a nil Client or one that was not
// made by [NewClient], so that misuse gives an error instead of a panic.
func (c *Client) ready() error {
	if c == nil || c.key == nil {
		return &ValidationError{Field: "client", Reason: "must be created with NewClient"}
	}
	return nil
}

// PartnerID returns the partner identifier the client authenticates as
// ("" for a nil Client).
func (c *Client) PartnerID() string {
	if c == nil {
		return ""
	}
	return c.partnerID
}

// BaseURL returns the API root the client sends requests to, without a
// trailing slash ("" for a nil Client).
func (c *Client) BaseURL() string {
	if c == nil {
		return ""
	}
	return c.baseURL
}

// String describes the client without revealing the Partner Secret.
func (c *Client) String() string {
	if c == nil {
		return "tlpartner.Client(nil)"
	}
	return fmt.Sprintf("tlpartner.Client{PartnerID: %q, BaseURL: %q, Secret: %s}", c.partnerID, c.baseURL, redacted)
}

// GoString is like [Client.String]; it keeps %#v from printing the secret.
func (c *Client) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, ...) print the
// redacted [Client.String] form. It has a value receiver so that a
// dereferenced Client (fmt.Sprintf("%s", *c)) prints the same; fmt prints a
// nil *Client as <nil>.
func (c Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue implements [slog.LogValuer] so that logging a Client records only
// its partner ID and base URL.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue(c.String())
	}
	return slog.GroupValue(
		slog.String("partner_id", c.partnerID),
		slog.String("base_url", c.baseURL),
		slog.String("secret", redacted),
	)
}

const redacted = engine.Redacted
