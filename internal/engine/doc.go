// Package engine is the one request engine behind both clients of the
// module: the Partner API client (root package tlpartner) and the Public
// API client (package publicapi). It owns everything that is not specific
// to one API, so that no such code exists twice:
//
//   - sending with retries ([Engine.Send]): full-jitter backoff, Retry-After,
//     retry classes per operation ([RetrySafe], [RetryUnsent]), one
//     on-401 credential refresh ([Config.Refresh]);
//   - client-side rate limiting through any [Limiter] (a *rate.Limiter
//     from golang.org/x/time/rate fits); every attempt takes a token;
//   - logging (Debug per attempt and per limiter wait, Info per retry;
//     never headers, tokens or bodies), bounded body reads
//     ([MaxResponseBody]), the redirect policy ([SameOriginRedirects]) and
//     the default transport ([DefaultTransport], [DefaultMaxIdleConnsPerHost]);
//   - scrubbing, at the one place errors and log records leave the engine
//     (scrub.go): Send's error, every error it wraps and every attribute
//     of every record the engine logs lose every credential the call used
//     (each token, each minted JWT), in any JSON- or URL-escaped form;
//   - the error core: [APIError], [ValidationError], [FieldError] and the
//     shared sentinels ([ErrNotFound], [ErrUnauthorized], [ErrForbidden],
//     ...). The sentinels are re-exported as the same values; the error
//     types are declared again in each client package (so go doc shows
//     their fields there), converted with [ExportError], and errors.As
//     works across packages through [RegisterAPIError] and
//     [RegisterValidationError].
//
// # Using it from a client
//
// A client keeps an unexported config that embeds [Settings]; its shared
// options call the setters (WithHTTPClient → [Settings.SetHTTPClient],
// WithRateLimit → [Settings.SetRateLimit], WithRateLimiter →
// [Settings.SetRateLimiter], WithRetryPolicy, WithMaxRetries, WithLogger,
// WithUserAgent), which return a *ValidationError naming the option. The
// constructor then calls [New] with a [Config]:
//
//	eng := engine.New(engine.Config{
//		Settings:   cfg.Settings,          // from engine.DefaultSettings("publicapi") + options
//		Product:    "tlpartner-go/" + Version,
//		Authorize:  func(r *http.Request) (string, error) {
//			tok := currentToken()
//			r.Header.Set("Authorization", "Bearer "+tok)
//			return tok, nil                // scrubbed from every error of the attempt
//		},
//		Refresh:    tokens.refresh,        // optional, func(ctx, stale string) error: one refresh + one resend after a 401
//		Classify:   engine.CodeClassifier(publicCodes),
//		ErrorIn2xx: engine.HasErrorStatus, // a 200 {"status":"error"} becomes an *APIError
//	})
//
// Each method builds an *http.Request without context (body rewindable via
// GetBody, as http.NewRequest does for bytes/strings readers) and calls
// eng.Send(ctx, engine.Op{Name: "SendToPhone", Retry: engine.RetryUnsent}, req).
// Send sets Accept, User-Agent and (for a body) Content-Type:
// application/json unless already set, calls Authorize per attempt, and
// returns the final response with its body read, or an error:
// *APIError (with Operation, Method, Path, Attempts), a *ValidationError
// for a nil ctx, or a transport/context error whose message starts with
// "<api>: <op>: ". Decoding the body is the client's job.
//
// A response handed to users (like tlpartner's Do) must go through
// [RedactResponse] first. [Engine.CloseIdleConnections] backs each client's
// CloseIdleConnections.
//
// # Classification
//
// A [Classifier] maps (status, code, message) to a sentinel; the APIError
// remembers the result and matches it in errors.Is. [CodeClassifier] looks
// the code up in a table and falls back to [StatusSentinel] (401
// ErrUnauthorized, 403 ErrForbidden, 404 ErrNotFound, ...). A classifier
// may return errors.Join(a, b) for a response in two classes (the Partner
// client does so for 403: ErrForbidden and, for compatibility,
// ErrUnauthorized). A 429 is retried unless it classifies as
// ErrQuotaExceeded.
package engine
