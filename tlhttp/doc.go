// Package tlhttp holds the extension points that both API clients of the
// module (tlpartner.Client for the Partner API, publicapi.Client for the
// Public API) and both webhook handlers (webhooks.Handler,
// events.Handler) share:
//
//   - per-call options ([CallOption]) and response metadata
//     ([ResponseMeta]), accepted by every operation of both clients;
//   - [Middleware], which wraps every HTTP attempt (WithMiddleware on
//     either client);
//   - [Observer], which sees every operation from start to end
//     (WithObserver on either client);
//   - [DeliveryObserver], which sees every webhook delivery
//     (WithDeliveryObserver on either handler).
//
// It imports only the standard library. The module
// github.com/tlpartner/tlpartner-go/tlotel builds OpenTelemetry tracing and
// metrics on these hooks.
//
// # Per-call options
//
// One convention holds for every operation of both clients: the last
// parameter is opts ...tlhttp.CallOption, so existing calls compile
// unchanged and a call that needs more says so in place:
//
//	var meta tlhttp.ResponseMeta
//	ws, err := client.GetWorkspace(ctx, id,
//		tlhttp.WithTimeout(5*time.Second),
//		tlhttp.WithHeader("X-Trace-Tag", "nightly-sync"),
//		tlhttp.WithMaxRetries(0),
//		tlhttp.WithResponseMeta(&meta))
//	log.Println(meta.StatusCode, meta.RequestID, meta.Attempts)
//
// (tlpartner.Client.PublicAPI, a constructor rather than an operation,
// takes publicapi options instead.) A new parameter of an operation always
// goes before opts, so this convention never needs to change.
//
// Options apply in order (a later one wins; headers add up) and nil
// options are ignored. An invalid option (a negative timeout, an
// Authorization header, a negative retry budget) fails the call with the client's
// *ValidationError, naming the option, before anything is sent. The
// listing iterators (publicapi's ListChats, ListChatMessages) apply the
// options to each page request, and [ResponseMeta] then describes the
// latest page.
//
// # Order of the steps of a call
//
// For one operation the client does, in this order:
//
//  1. validate the arguments and the call options; apply [WithTimeout] to
//     the context (it bounds the whole call: rate-limit waits, every
//     attempt and every backoff);
//  2. call [Observer.StartOperation] (WithObserver);
//  3. per attempt: wait for the backoff (retries only), wait for the
//     client's rate limiter (WithRateLimit, WithRateLimiter), set the
//     common headers (Accept, User-Agent, Content-Type) and the
//     [WithHeader] headers, then run the middleware chain: the first
//     middleware given to WithMiddleware is the outermost;
//  4. after the innermost middleware calls next, the client authenticates
//     the attempt (a fresh Partner JWT, or the Public API token, in the
//     Authorization header of a private copy of the request), sends it and
//     reads the body; the response handed back up the chain has that
//     header replaced by "Bearer [REDACTED]";
//  5. classify the answer and decide on a retry (back to 3), a token
//     refresh after a 401 (Public API client with a token source), or the
//     end; then call the function StartOperation returned and fill
//     [ResponseMeta].
//
// Middleware therefore never sees a token or JWT through any value the
// SDK hands it, runs once per attempt (retries included; a short-circuit
// answer counts as an attempt), and sees the rate-limit wait that preceded
// its attempt in [Attempt.RateLimitWait].
package tlhttp
