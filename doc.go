// Package tlpartner is a Go client for the TimelinesAI Partner API, the
// server-to-server API that approved partners use to provision TimelinesAI
// workspaces for their customers.
//
// Create one [Client] per partner credential pair and share it; it is safe
// for concurrent use:
//
//	c, err := tlpartner.NewClient(partnerID, partnerSecret)
//	if err != nil {
//		// only a *tlpartner.ValidationError: empty credentials or a bad option
//	}
//	ws, err := c.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{
//		DisplayName:    "acme-co",
//		SeatsPurchased: 5,
//	})
//
// # Endpoints
//
// Every documented Partner API route has a typed method:
// [Client.CreateWorkspace], [Client.GetWorkspace], [Client.UpdateWorkspace],
// [Client.CreateUsers], [Client.GenerateQR], [Client.GetPublicAPIToken],
// [Client.RotatePublicAPIToken] and [Client.DisconnectWhatsApp]. Routes or
// fields the SDK does not know yet are reachable through [Client.Do], which
// signs and retries requests the same way.
//
// # Optional input
//
// Every method follows one convention. Required inputs are plain values:
// positional arguments when a method has nothing optional (workspaceID,
// userID, count), otherwise plain fields of an XxxParams struct that is
// passed by value, never as a pointer. Every optional input is a pointer
// field of that struct (or, for a list filter of the Public API client, a
// slice): nil (for a slice, nil or empty) means "not sent, the server's
// default (or the current value) applies"; set it with the generic [Ptr]:
//
//	c.UpdateWorkspace(ctx, wsID, tlpartner.UpdateWorkspaceParams{SeatsPurchased: tlpartner.Ptr(10)})
//	c.GenerateQR(ctx, wsID, userID, tlpartner.GenerateQRParams{ExpiresInHours: tlpartner.Ptr(48)})
//	c.GenerateQR(ctx, wsID, userID, tlpartner.GenerateQRParams{}) // the server's default, 24 h
//
// A set field is validated like a required one: out of range gives a
// [*ValidationError] whose Field names it (for example
// "GenerateQRParams.ExpiresInHours"), and nothing is sent.
//
// # Options
//
// Every constructor of the module takes functional options (With…), with
// one rule for all of them, in every package: options apply in order and
// the last one given wins; a nil Option is ignored; and a nil argument (a
// nil logger, rate limiter, HTTP client, clock, token source,
// deduplicator, token cache, fallback or hook, including a typed nil
// pointer) means the option's default, exactly as if the option had not
// been given. So WithLogger(nil) logs nothing (the default),
// WithRateLimiter(nil) removes any limiter, WithHTTPClient(nil) uses the
// default client and WithClock(nil) uses time.Now. Any other invalid value
// makes the constructor fail with a [*ValidationError] naming the option.
//
// # Authentication
//
// Each HTTP attempt (including every retry) carries a freshly minted HS256
// JWT signed with the Partner Secret, with the claims partner_id, nbf and exp
// (by default nbf = now-3m and exp = now+3m, see [WithTokenLifetime]), plus
// the X-TL-Partner-Id header. Tokens are never cached, logged or included in
// errors: a JWT the server echoes back (in a body, a header or a redirect
// target, also JSON- or URL-escaped) is replaced by [REDACTED] in the
// error's text, in every error it wraps and in every log attribute, and
// neither the Client nor the Partner Secret prints with any fmt verb, as a
// value or a pointer.
//
// # Errors
//
// Input that cannot be valid is rejected before any request is sent, with a
// [*ValidationError]. Non-2xx answers become an [*APIError]; match them with
// errors.Is against the sentinels ([ErrNotFound], [ErrSeatsFull],
// [ErrConflict], [ErrUnauthorized], [ErrForbidden], [ErrRateLimited],
// [ErrQuotaExceeded], [ErrInvalidRequest], [ErrServer]) or inspect them with
// errors.As. An [APIError] names the call that failed ("tlpartner:
// GetWorkspace: 404 workspace_not_found: ...") and never holds the request's
// token.
//
// # Retries
//
// Requests are retried with capped, fully jittered exponential backoff only
// when repeating them is safe; see [RetryPolicy] for the per-operation table.
//
// # Rate limits
//
// TimelinesAI limits requests per source IP address ([ServerRateLimit] per
// second plus a queued burst of [ServerRateBurst]), shared by every
// integration on that IP; beyond them it answers 429, which the client
// retries (see [RetryPolicy]). The client does not pace requests unless
// [WithRateLimit] gives it a token bucket or [WithRateLimiter] a limiter of
// your own (a *rate.Limiter, or one shared by several processes); for bulk
// work, share one client configured with, for example, WithRateLimit(25,
// 10), so that requests wait on the client instead of being rejected and
// retried.
//
// # Per-call options, middleware and tracing
//
// Every operation takes opts ...tlhttp.CallOption as its last parameter
// (the one exception is [Client.PublicAPI], a constructor that takes
// publicapi options): a timeout for the whole call, extra headers, the
// retry budget, and a [tlhttp.ResponseMeta] that receives the status,
// request ID, headers, attempts and rate-limit wait. [WithMiddleware] wraps
// every attempt and [WithObserver] sees every operation; package tlhttp
// documents the convention and the order of the steps of a call, and the
// module github.com/tlpartner/tlpartner-go/tlotel builds OpenTelemetry
// tracing and metrics on them.
//
// # Testing
//
// Package github.com/tlpartner/tlpartner-go/tlpartnertest runs a stateful
// fake Partner API on 127.0.0.1 for your own tests; point a client at it
// with [WithBaseURL] (its Server.Client method does that for you). Use
// a small [RetryPolicy] to keep retry tests fast. [WithClock], which pins
// token times, is a testing knob, not production configuration; the
// README section "Testing knobs" lists every one in the module.
package tlpartner
