package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// MaxResponseBody bounds how much of a response body the engine reads.
const MaxResponseBody = 16 << 20

// DefaultMaxIdleConnsPerHost is the number of idle keep-alive connections
// per host that the default transport keeps (net/http keeps 2). Both APIs
// live on one host, so a client used by many goroutines would otherwise
// open and close a connection for most calls. 100 covers 100 concurrent
// callers; more callers still work, with some churn.
const DefaultMaxIdleConnsPerHost = 100

// Settings holds the options that every client of the module shares. A
// client's unexported config embeds it, and its With... options call the
// setters, which validate their input and return a *ValidationError naming
// the option.
type Settings struct {
	// API is the error prefix of the client ("tlpartner", "publicapi").
	API string
	// HTTPClient is a private shallow copy of the caller's client, or nil
	// for the default.
	HTTPClient *http.Client
	// UserAgent is the caller's addition to the User-Agent header.
	UserAgent string
	// Logger receives the engine's records; nil disables logging.
	Logger *slog.Logger
	// Retry is the retry budget.
	Retry RetryPolicy
	// Limiter paces every attempt; nil means no client-side limit.
	Limiter Limiter
	// Middleware wraps every attempt, the first one outermost.
	Middleware []tlhttp.Middleware
	// Observer sees every operation; nil means none.
	Observer tlhttp.Observer
}

// DefaultSettings returns the settings of a client without options.
func DefaultSettings(api string) Settings {
	return Settings{API: api, Retry: DefaultRetryPolicy()}
}

// SetHTTPClient implements WithHTTPClient.
func (s *Settings) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		s.HTTPClient = nil // the default
		return nil
	}
	cp := *hc
	s.HTTPClient = &cp
	return nil
}

// SetUserAgent implements WithUserAgent.
func (s *Settings) SetUserAgent(ua string) error {
	if HasControl(ua) {
		return NewValidationError(s.API, "WithUserAgent", "must not contain control characters")
	}
	s.UserAgent = strings.TrimSpace(ua)
	return nil
}

// SetRetryPolicy implements WithRetryPolicy.
func (s *Settings) SetRetryPolicy(p RetryPolicy) error {
	if err := p.validate(s.API); err != nil {
		return err
	}
	s.Retry = p
	return nil
}

// SetMaxRetries implements WithMaxRetries.
func (s *Settings) SetMaxRetries(n int) error {
	if n < 0 {
		return NewValidationError(s.API, "WithMaxRetries", "must not be negative")
	}
	s.Retry.MaxRetries = n
	return nil
}

// SetRateLimit implements WithRateLimit.
func (s *Settings) SetRateLimit(perSecond float64, burst int) error {
	l, err := NewRateLimiter(s.API, perSecond, burst)
	if err != nil {
		return err
	}
	s.Limiter = l
	return nil
}

// SetRateLimiter implements WithRateLimiter.
func (s *Settings) SetRateLimiter(l Limiter) error {
	if isNil(l) {
		s.Limiter = nil // the default: no limiter
		return nil
	}
	s.Limiter = l
	return nil
}

// AddMiddleware implements WithMiddleware: it appends mws (nil ones are
// ignored) after the middleware already configured.
func (s *Settings) AddMiddleware(mws []tlhttp.Middleware) error {
	for _, mw := range mws {
		if mw != nil {
			s.Middleware = append(s.Middleware[:len(s.Middleware):len(s.Middleware)], mw)
		}
	}
	return nil
}

// HasControl reports whether s holds an ASCII control character, which
// cannot be sent in an HTTP header value.
func HasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// Config configures an [Engine]: the shared settings plus what differs
// between the APIs.
type Config struct {
	Settings
	// Product is the first User-Agent token, e.g. "tlpartner-go/0.1.0";
	// Settings.UserAgent is appended after a space.
	Product string
	// Authorize sets the authentication headers of one attempt and returns
	// the credential it used (a freshly minted JWT, a token), which is then
	// scrubbed from every error of that attempt. It is called once per
	// attempt, retries included.
	Authorize func(req *http.Request) (credential string, err error)
	// Refresh, if set, is called after a 401, with stale set to the
	// credential that Authorize returned for the refused attempt: once per
	// call, and again only when a later attempt is refused with a newer
	// credential (the credential was rotated once more while the call
	// refreshed), at most [maxRefreshes] times per call. A credential
	// refused twice ends the call. It makes the next Authorize use a newer credential: when
	// the current one already differs from stale (another call refreshed
	// meanwhile) it returns nil at once; otherwise it fetches one, sharing
	// a fetch in progress with concurrent callers. It must hold no lock
	// across network I/O and must return ctx's error as soon as ctx ends.
	// When it succeeds the request is sent once more at once, whatever its
	// RetryClass (a 401 means the request was refused before it was
	// processed) and without counting against the retry budget.
	Refresh func(ctx context.Context, stale string) error
	// Classify maps error responses to sentinels; nil means
	// CodeClassifier(nil) (by status only).
	Classify Classifier
	// ErrorIn2xx, if set, reports whether a 2xx body is nevertheless an
	// error (see [HasErrorStatus]); such a response becomes an *APIError.
	ErrorIn2xx func(body []byte) bool
	// Workspace, if set, is the workspace every operation of the client
	// acts on (a Public API client's): the Observer sees it as
	// tlhttp.Operation.WorkspaceID unless the Op names one, and every log
	// record carries it as workspace_id.
	Workspace string
}

// Engine sends the requests of one client: authentication per attempt,
// rate limiting, retries with backoff, logging, bounded body reads, and
// the error core. It is safe for concurrent use.
type Engine struct {
	workspace  string // Config.Workspace
	api        string
	hc         *http.Client
	userAgent  string
	logger     *slog.Logger
	scrubLogs  bool // the logger is a caller's, wrapped in a scrubHandler
	retry      RetryPolicy
	limiter    Limiter
	authorize  func(req *http.Request) (string, error)
	refresh    func(ctx context.Context, stale string) error
	classify   Classifier
	errorIn2xx func(body []byte) bool
	sleep      func(ctx context.Context, d time.Duration) error
	middleware []tlhttp.Middleware
	observer   tlhttp.Observer
}

// New returns an Engine for cfg. Without cfg.HTTPClient it uses an
// *http.Client whose transport is [DefaultTransport] and which has no
// Timeout; a client without CheckRedirect gets [SameOriginRedirects].
func New(cfg Config) *Engine {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: DefaultTransport()}
	} else {
		cp := *hc // never modify the caller's value
		hc = &cp
	}
	if hc.CheckRedirect == nil {
		hc.CheckRedirect = SameOriginRedirects
	}
	ua := cfg.Product
	if cfg.UserAgent != "" {
		if ua != "" {
			ua += " "
		}
		ua += cfg.UserAgent
	}
	logger := cfg.Logger
	scrubLogs := logger != nil
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	} else {
		// Every record the engine logs is scrubbed of the credentials of
		// the call that logs it (see scrub.go).
		logger = slog.New(&scrubHandler{inner: logger.Handler()})
		if cfg.Workspace != "" {
			logger = logger.With(slog.String("workspace_id", cfg.Workspace))
		}
	}
	return &Engine{
		workspace:  cfg.Workspace,
		api:        prefix(cfg.API),
		hc:         hc,
		userAgent:  ua,
		logger:     logger,
		scrubLogs:  scrubLogs,
		retry:      cfg.Retry.WithDefaults(),
		limiter:    cfg.Limiter,
		authorize:  cfg.Authorize,
		refresh:    cfg.Refresh,
		classify:   cfg.Classify,
		errorIn2xx: cfg.ErrorIn2xx,
		sleep:      SleepContext,
		middleware: append([]tlhttp.Middleware(nil), cfg.Middleware...),
		observer:   cfg.Observer,
	}
}

// SetSleep replaces the sleep used for retry waits, for the module's own
// tests (the engine is internal, so users cannot reach it); call it
// before the Engine is used.
func (e *Engine) SetSleep(f func(ctx context.Context, d time.Duration) error) { e.sleep = f }

// Workspace returns Config.Workspace.
func (e *Engine) Workspace() string { return e.workspace }

// HTTPClient returns the *http.Client the engine sends through.
func (e *Engine) HTTPClient() *http.Client { return e.hc }

// Retry returns the effective retry policy.
func (e *Engine) Retry() RetryPolicy { return e.retry }

// Limiter returns the configured limiter, or nil.
func (e *Engine) Limiter() Limiter { return e.limiter }

// UserAgent returns the User-Agent header value.
func (e *Engine) UserAgent() string { return e.userAgent }

// Invalid returns a *ValidationError with the engine's prefix.
func (e *Engine) Invalid(field, reason string) *ValidationError {
	return NewValidationError(e.api, field, reason)
}

// CloseIdleConnections closes the idle keep-alive connections of the
// engine's *http.Client (see http.Client.CloseIdleConnections). It does not
// interrupt calls in progress.
func (e *Engine) CloseIdleConnections() { e.hc.CloseIdleConnections() }

// DefaultTransport returns a clone of http.DefaultTransport (so proxy
// settings from the environment apply) that keeps
// DefaultMaxIdleConnsPerHost idle connections per host.
func DefaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	if t.MaxIdleConns != 0 && t.MaxIdleConns < DefaultMaxIdleConnsPerHost {
		t.MaxIdleConns = DefaultMaxIdleConnsPerHost
	}
	return t
}

// maxRedirects is the number of redirects followed per attempt, as in
// net/http's default policy.
const maxRedirects = 10

// SameOriginRedirects is the redirect policy of the engine's *http.Client
// unless the caller supplied one. net/http forwards the Authorization
// header on a redirect to the same host even from https to http, and to
// subdomains, and turns a POST or PATCH into a GET on 301, 302 and 303.
// This policy follows a redirect only when scheme, host and method stay the
// same and otherwise hands the 3xx response back unfollowed.
func SameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0]
	if len(via) >= maxRedirects || req.Method != first.Method ||
		req.URL.Scheme != first.URL.Scheme || req.URL.Host != first.URL.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// Op describes one API call.
type Op struct {
	// Name is the public method name, used in logs and errors.
	Name string
	// Retry says which failures may be retried.
	Retry RetryClass
	// Call holds the call options the user passed to the method; Send
	// applies them before its own opts.
	Call []tlhttp.CallOption
	// Workspace is the workspace the operation acts on, when the client
	// serves many (a Partner API call's workspace_id); empty means the
	// client's Config.Workspace.
	Workspace string
}

// callState is what one call of [Engine.Send] accumulates.
type callState struct {
	maxRetries int
	extra      http.Header    // headers of tlhttp.WithHeader
	attempts   int            // attempts made
	wait       time.Duration  // total rate-limit wait
	cred       string         // credential of the latest attempt
	firstCred  string         // the first credential the call used
	moreCreds  []string       // any others (after a refresh, or new JWTs per attempt)
	logged     *credHolder    // the credentials for the log handler, when logging
	last       *http.Response // latest response
}

// addCred records a credential the call used, for scrubbing.
func (st *callState) addCred(cred string) {
	if cred == "" || cred == st.firstCred || slices.Contains(st.moreCreds, cred) {
		return
	}
	if st.firstCred == "" {
		st.firstCred = cred
	} else {
		st.moreCreds = append(st.moreCreds, cred)
	}
	if st.logged != nil {
		st.logged.add(cred)
	}
}

// creds returns every credential the call used.
func (st *callState) creds() []string {
	return append([]string{st.firstCred}, st.moreCreds...)
}

// Send performs req (built without a context; a body without GetBody is
// sent once: no retry, no resend after a refresh) with authentication, rate limiting, logging
// and retries, and returns the final response with its body fully read
// (up to MaxResponseBody) and closed. On an error response it returns the
// response, the body and an *APIError; on a transport failure a nil
// response and an error naming the operation. opts are the call's options
// (see package tlhttp for the order of the steps); an invalid one gives a
// *ValidationError before anything is sent.
func (e *Engine) Send(ctx context.Context, op Op, req *http.Request, opts ...tlhttp.CallOption) (*http.Response, []byte, error) {
	if ctx == nil {
		return nil, nil, e.Invalid("ctx", "must not be nil")
	}
	st := callState{maxRetries: e.retry.MaxRetries}
	var meta *tlhttp.ResponseMeta
	if len(op.Call) > 0 {
		opts = append(op.Call[:len(op.Call):len(op.Call)], opts...)
	}
	if len(opts) > 0 {
		cs := tlhttp.ApplyCallOptions(opts)
		if opt, reason := cs.Invalid(); opt != "" {
			return nil, nil, e.Invalid(opt, reason)
		}
		if cs.MaxRetries >= 0 {
			st.maxRetries = cs.MaxRetries
		}
		st.extra = cs.Header
		meta = cs.Response
		if cs.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, cs.Timeout)
			defer cancel()
		}
	}
	if e.scrubLogs {
		// A holder of its own, so that st stays on the stack.
		st.logged = &credHolder{}
		ctx = withCreds(ctx, st.logged)
	}
	if meta == nil && e.observer == nil {
		resp, body, err := e.send(ctx, op, req, &st)
		if err != nil {
			err = scrubError(err, st.creds())
		}
		return resp, body, err
	}
	start := time.Now()
	var done func(tlhttp.ResponseMeta, error)
	if e.observer != nil {
		octx, d := e.observer.StartOperation(ctx, e.operation(op, req))
		if octx != nil {
			ctx = octx
		}
		done = d
	}
	resp, body, err := e.send(ctx, op, req, &st)
	if err != nil {
		err = scrubError(err, st.creds())
	}
	m := tlhttp.ResponseMeta{Attempts: st.attempts, RateLimitWait: st.wait, Duration: time.Since(start)}
	if st.last != nil {
		m.StatusCode = st.last.StatusCode
		// The observer gets the response's own map, scrubbed in place
		// of every credential of the call; the caller's ResponseMeta a
		// copy of it.
		for _, c := range st.creds() {
			scrubHeaderInPlace(st.last.Header, c)
		}
		m.RequestID = requestID(st.last.Header, "")
		m.Header = st.last.Header
	}
	if meta != nil {
		*meta = m
		meta.Header = m.Header.Clone()
	}
	if done != nil {
		done(m, err)
	}
	return resp, body, err
}

// operation describes op and req to the Observer.
func (e *Engine) operation(op Op, req *http.Request) tlhttp.Operation {
	o := tlhttp.Operation{API: e.api, Name: op.Name, RetryClass: op.Retry, Method: req.Method, RateLimited: e.limiter != nil,
		WorkspaceID: cmp.Or(op.Workspace, e.workspace)}
	if u := req.URL; u != nil {
		o.ServerAddress = u.Hostname()
		if p, err := strconv.Atoi(u.Port()); err == nil {
			o.ServerPort = p
		} else if u.Scheme == "http" {
			o.ServerPort = 80
		} else {
			o.ServerPort = 443
		}
	}
	return o
}

// ErrCredentialUnchanged is what a Config.Refresh returns when the fresh
// credential is the one just refused: the call then ends with the 401, as
// resending it would only be refused again.
var ErrCredentialUnchanged = errors.New("credential unchanged by refresh")

// maxRefreshes bounds the credential refreshes of one call: one per
// rotation that lands while the call is under way.
const maxRefreshes = 3

// send is the retry loop of Send.
func (e *Engine) send(ctx context.Context, op Op, req *http.Request, st *callState) (*http.Response, []byte, error) {
	var (
		lastErr   error
		lastResp  *http.Response
		lastBody  []byte
		retries   int
		refreshes int
		refused   string // the credential the last refresh replaced
		wait      bool   // a policy retry: back off first
		// A body without GetBody (a stream) can be sent only once: a
		// second attempt would carry what is left of it.
		replayable = req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	)
	for attempt := 0; ; attempt++ {
		if wait {
			var retryAfter time.Duration
			var apiErr *APIError
			if errors.As(lastErr, &apiErr) {
				retryAfter = apiErr.RetryAfter
			}
			if !e.waitBeforeRetry(ctx, op.Name, retries, retryAfter, lastErr) {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, nil, &abortedError{api: e.api, op: op.Name, ctxErr: ctxErr, last: lastErr}
				}
				return lastResp, lastBody, lastErr
			}
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			if lastErr != nil {
				return nil, nil, &abortedError{api: e.api, op: op.Name, ctxErr: ctxErr, last: lastErr}
			}
			return nil, nil, &requestError{api: e.api, op: op.Name, err: ctxErr}
		}
		// Wait before authorizing, so that a long wait does not eat into
		// a minted token's validity window.
		waited, err := e.waitForLimiter(ctx, op.Name, req, attempt)
		st.wait += waited
		if err != nil {
			if lastErr != nil {
				return nil, nil, &abortedError{api: e.api, op: op.Name, ctxErr: err, last: lastErr}
			}
			return nil, nil, &requestError{api: e.api, op: op.Name, err: err}
		}
		// With middleware the attempt's request carries its Attempt from
		// the start (one context and one request per attempt).
		var cc *chainCall
		actx := ctx
		if len(e.middleware) > 0 {
			cc = &chainCall{e: e, attempt: tlhttp.Attempt{API: e.api, Operation: op.Name, RetryClass: op.Retry,
				Number: attempt + 1, RateLimitWait: waited, RateLimited: e.limiter != nil}}
			actx = tlhttp.ContextWithAttempt(ctx, &cc.attempt)
		}
		r, err := e.prepare(actx, req, attempt, st.extra)
		if err != nil {
			return nil, nil, err
		}
		st.attempts = attempt + 1
		start := time.Now()
		resp, body, cred, kind, err := e.roundTrip(cc, r)
		st.cred = cred
		st.addCred(cred)
		e.logAttempt(ctx, op.Name, r, attempt, resp, err, time.Since(start))
		if err != nil {
			switch kind {
			case failAuth:
				if ctxErr := ctx.Err(); ctxErr != nil {
					// The context ended while Authorize waited for a
					// credential (a token fetch in progress): the
					// caller's context error, nothing sent.
					if lastErr != nil {
						return nil, nil, &abortedError{api: e.api, op: op.Name, ctxErr: ctxErr, last: lastErr}
					}
					return nil, nil, &requestError{api: e.api, op: op.Name, err: ctxErr}
				}
				return nil, nil, err
			case failMiddleware:
				return nil, nil, &requestError{api: e.api, op: op.Name, err: err, msg: scrubString(err.Error(), cred)}
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, nil, &requestError{api: e.api, op: op.Name, err: ctxErr}
			}
			lastErr = &requestError{api: e.api, op: op.Name, err: err, msg: scrubString(err.Error(), cred), attempts: attempt + 1}
			lastResp, lastBody = nil, nil
			if replayable && retries < st.maxRetries && retryableNetError(op.Retry, err) {
				retries++
				wait = true
				continue
			}
			return nil, nil, lastErr
		}
		st.last = resp
		if resp.StatusCode >= 200 && resp.StatusCode < 300 && (e.errorIn2xx == nil || !e.errorIn2xx(body)) {
			return resp, body, nil
		}
		apiErr := e.newAPIError(op.Name, r, resp, body, cred, attempt+1)
		lastErr, lastResp, lastBody = apiErr, resp, body
		if resp.StatusCode == http.StatusUnauthorized && e.refresh != nil && replayable &&
			refreshes < maxRefreshes && (refreshes == 0 || cred != refused) {
			refreshes++
			refused = cred
			if err := e.refresh(ctx, cred); errors.Is(err, ErrCredentialUnchanged) {
				return resp, body, apiErr // nothing newer to send: the 401 stands
			} else if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					// The caller gave up while waiting for a fresh
					// credential: its own context's error, nothing sent.
					return nil, nil, &abortedError{api: e.api, op: op.Name, ctxErr: ctxErr, last: apiErr}
				}
				return resp, body, &refreshError{api: e.api, op: op.Name, err: err, last: apiErr}
			}
			wait = false
			continue
		}
		if replayable && retries < st.maxRetries && retryableStatus(op.Retry, apiErr) {
			retries++
			wait = true
			continue
		}
		return resp, body, apiErr
	}
}

// failKind says where the error of an attempt came from.
type failKind uint8

const (
	failTransport  failKind = iota // sending or reading: the retry rules apply
	failAuth                       // Authorize failed: returned as it is
	failMiddleware                 // a middleware's own error: no retry
)

// roundTrip authorizes and sends one prepared attempt, through the
// middleware chain when there is one (cc, nil without middleware), and
// reads the body. It returns the
// credential the attempt used, for scrubbing.
func (e *Engine) roundTrip(cc *chainCall, r *http.Request) (resp *http.Response, body []byte, cred string, kind failKind, err error) {
	if cc == nil {
		if e.authorize != nil {
			if cred, err = e.authorize(r); err != nil {
				return nil, nil, "", failAuth, err
			}
		}
		resp, err = e.hc.Do(r)
		if err == nil {
			body, err = readBody(resp)
		}
		return resp, body, cred, failTransport, err
	}
	return e.roundTripChain(cc, r)
}

// chainCall is one attempt through the middleware chain: the attempt
// info, the terminal step and what it found, in one allocation.
type chainCall struct {
	e                 *Engine
	attempt           tlhttp.Attempt
	cred              string
	innerErr, authErr error
	body              bodyReader // the body handed up the chain
	read              bool       // body holds the response's bytes
	bytes             []byte
}

// terminal authorizes a private copy of req, so that no request a
// middleware holds ever carries the credential, sends it and reads the
// body.
func (c *chainCall) terminal(req *http.Request) (*http.Response, error) {
	e := c.e
	sendReq := req.WithContext(req.Context())
	// A map of its own (the values are shared, and never modified).
	h := make(http.Header, len(req.Header)+1)
	for k, v := range req.Header {
		h[k] = v
	}
	sendReq.Header = h
	if e.authorize != nil {
		cred, err := e.authorize(sendReq)
		if err != nil {
			c.authErr = err
			return nil, err
		}
		c.cred = cred
	}
	resp, err := e.hc.Do(sendReq)
	if err == nil {
		var b []byte
		if b, err = readBody(resp); err == nil {
			redactChain(resp)
			// A server may echo the credential (a 401 quoting the token,
			// a request-ID header): middleware gets neither.
			if mayContain(b, c.cred) {
				b = scrubBytes(b, c.cred)
			}
			scrubHeaderInPlace(resp.Header, c.cred)
			c.bytes, c.read = b, true
			c.body.Reset(b)
			resp.Body = &c.body
			return resp, nil
		}
	}
	// Middleware gets the transport error without the credential (a
	// redirect target may carry it), keeping its type where it can.
	err = scrubError(err, []string{c.cred})
	c.innerErr = err
	return nil, err
}

// roundTripChain is roundTrip through the middleware chain (a function of
// its own so that none of this costs anything without middleware).
func (e *Engine) roundTripChain(c *chainCall, r *http.Request) (*http.Response, []byte, string, failKind, error) {
	next := tlhttp.Next(c.terminal)
	for i := len(e.middleware) - 1; i >= 0; i-- {
		mw, n := e.middleware[i], next
		next = func(req *http.Request) (*http.Response, error) { return mw(req, n) }
	}
	resp, err := next(r)
	switch {
	case err != nil:
		if c.authErr != nil && sameError(err, c.authErr) {
			return nil, nil, c.cred, failAuth, err
		}
		if c.innerErr != nil && sameError(err, c.innerErr) {
			return nil, nil, c.cred, failTransport, err
		}
		return nil, nil, c.cred, failMiddleware, err
	case resp == nil:
		return nil, nil, c.cred, failMiddleware, errors.New("middleware returned neither a response nor an error")
	}
	if c.read && resp.Body == io.ReadCloser(&c.body) {
		// The body handed up the chain, read or not: the client decodes
		// the bytes it read itself.
		return resp, c.bytes, c.cred, failTransport, nil
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return resp, nil, c.cred, failTransport, nil
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, nil, c.cred, failMiddleware, err
	}
	return resp, body, c.cred, failTransport, nil
}

// mayContain is a quick test that b does not hold cred: it looks for
// cred's last 32 bytes (the signature of a JWT) with the short-needle
// search, which is several times faster on a long body than searching for
// a long credential. A false positive costs only the full scrub.
func mayContain(b []byte, cred string) bool {
	if cred == "" {
		return false
	}
	if len(cred) > 32 && plainCred(cred) {
		cred = cred[len(cred)-32:]
	} else if !plainCred(cred) {
		return true // escaped variants: let the scrub decide
	}
	return bytes.Contains(b, []byte(cred))
}

// bodyReader is the already-read body handed to middleware.
type bodyReader struct{ bytes.Reader }

// Close does nothing: the body is in memory.
func (*bodyReader) Close() error { return nil }

// sameError reports whether a and b are the same error value, without
// panicking on error values of an incomparable type.
func sameError(a, b error) bool {
	defer func() { _ = recover() }()
	return a == b
}

// prepare returns the request for one attempt, bound to ctx, with the
// common headers and the call's extra headers set.
func (e *Engine) prepare(ctx context.Context, req *http.Request, attempt int, extra http.Header) (*http.Request, error) {
	var r *http.Request
	if attempt == 0 {
		r = req.WithContext(ctx)
	} else {
		r = req.Clone(ctx)
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, errors.New(e.api + ": rewind request body: " + err.Error())
			}
			r.Body = b
		}
	}
	h := r.Header
	if h == nil {
		h = http.Header{}
		r.Header = h
	}
	if h.Get("Accept") == "" {
		h.Set("Accept", "application/json")
	}
	if e.userAgent != "" {
		h.Set("User-Agent", e.userAgent)
	}
	if r.Body == nil || r.Body == http.NoBody {
		h.Del("Content-Type")
	} else if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	for k, v := range extra {
		h[k] = v // replaces; never appends to the values of an earlier attempt
	}
	return r, nil
}

// redactChain replaces the credentials in every request reachable from
// resp, in place: those requests are the engine's private copy and the
// ones net/http made for redirects, none of which is used again.
func redactChain(resp *http.Response) {
	for r := resp; r != nil && r.Request != nil; r = r.Request.Response {
		h := r.Request.Header
		if h.Get("Authorization") != "" {
			h.Set("Authorization", "Bearer "+Redacted)
		}
		if h.Get("Proxy-Authorization") != "" {
			h.Set("Proxy-Authorization", Redacted)
		}
	}
}

// scrubHeaderInPlace scrubs cred from every value of h.
func scrubHeaderInPlace(h http.Header, cred string) {
	if cred == "" {
		return
	}
	for _, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, cred) {
				vs[i] = scrubString(v, cred)
			}
		}
	}
}

// requestID returns the first request-ID header of h, scrubbed.
func requestID(h http.Header, cred string) string {
	for _, k := range requestIDHeaders {
		if v := h.Get(k); v != "" {
			return scrubString(v, cred)
		}
	}
	return ""
}

// readBody reads and closes resp.Body, up to MaxResponseBody bytes.
// With a Content-Length the buffer is sized once; without one (a chunked
// answer) io.ReadAll grows it, which allocates about half as much as
// bytes.Buffer's doubling from 512 bytes.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	r := io.LimitReader(resp.Body, MaxResponseBody)
	if n := resp.ContentLength; n > 0 && n <= MaxResponseBody {
		var buf bytes.Buffer
		buf.Grow(int(n) + bytes.MinRead)
		_, err := buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	return io.ReadAll(r)
}

// logAttempt writes one Debug record per attempt. Only metadata is logged:
// never headers, tokens or bodies.
func (e *Engine) logAttempt(ctx context.Context, op string, r *http.Request, attempt int, resp *http.Response, err error, d time.Duration) {
	if !e.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := append(attemptAttrs(op, r, attempt, 3), slog.Duration("duration", d))
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	e.logger.LogAttrs(ctx, slog.LevelDebug, e.api+": request", attrs...)
}

// attemptAttrs returns the log attributes that identify an attempt, with
// room for extra more.
func attemptAttrs(op string, r *http.Request, attempt, extra int) []slog.Attr {
	return append(make([]slog.Attr, 0, 4+extra),
		slog.String("op", op),
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("attempt", attempt+1),
	)
}

// RedactResponse makes every request reachable from resp (resp.Request,
// resp.Request.Response.Request, ... through the redirect chain) a clone
// whose Authorization header reads "Bearer [REDACTED]", so a response
// handed to the caller carries no live credential. It modifies resp in
// place and copies the earlier responses of the chain instead of modifying
// them.
func RedactResponse(resp *http.Response) {
	for r := resp; r != nil && r.Request != nil; {
		req := r.Request.Clone(r.Request.Context())
		if req.Header.Get("Authorization") != "" {
			req.Header.Set("Authorization", "Bearer "+Redacted)
		}
		if req.Header.Get("Proxy-Authorization") != "" {
			req.Header.Set("Proxy-Authorization", Redacted)
		}
		if prev := req.Response; prev != nil {
			cp := *prev
			req.Response = &cp
		}
		r.Request = req
		r = req.Response
	}
}

// HasErrorStatus reports whether a 2xx body is the Public API's error
// envelope ({"status":"error",...}); use it as Config.ErrorIn2xx so that
// such a response becomes an *APIError instead of a zero result.
func HasErrorStatus(body []byte) bool {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"status"`)) {
		return false
	}
	if bytes.HasPrefix(trimmed, []byte(`{"status":"ok"`)) {
		// The usual success envelope: the first key is the status, and it
		// is not an error; no decoder needed.
		return false
	}
	// Stream the top-level keys and stop at "status": a success envelope
	// ({"status":"ok","data":...}) is then rejected after a few bytes
	// instead of a second full decode of a large body.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if key, _ := t.(string); key == "status" {
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return false
			}
			var s string
			return json.Unmarshal(raw, &s) == nil && strings.EqualFold(s, "error") && json.Valid(trimmed)
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}
