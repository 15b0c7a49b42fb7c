package webhooks

import (
	"context"
	"net/http"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/hookhttp"
)

// Handler is an [http.Handler] that receives Partner webhook deliveries:
//
//   - a method other than POST gets 405 with "Allow: POST";
//   - a delivery failing [Verifier.Verify] gets 401 (the body is not read);
//   - a body over the limit ([WithMaxBodyBytes], default 1 MiB) gets 413;
//   - a body [Parse] rejects gets 400;
//   - with [WithDeduplicator], a delivery whose [Event.DedupKey] was
//     already claimed gets 200 without running a callback (and is logged);
//   - otherwise the event is dispatched (see [Handler.Dispatch]) and the
//     answer is 200 when the callback returned nil, 500 when it returned an
//     error (so that the sender may retry; the de-duplication claim is
//     released first, so the retry runs the callback again).
//
// Response bodies are short status texts and never say which check failed.
// Register callbacks with the On… methods; registration is safe at any
// time, also while the handler is serving, and a later registration for the
// same event replaces the earlier one. A Handler is safe for concurrent use.
//
// Callbacks run on the request goroutine with the request's context; keep
// them short (the sender's timeout is not documented; the Public API's own
// webhooks allow 5 s) and hand long work to a queue. A panicking callback is
// not recovered by the Handler (net/http's server logs it and drops the
// connection, which the sender sees as a failed delivery); its
// de-duplication claim is released.
type Handler struct {
	router hookhttp.Router[EventType, Event]
	recv   hookhttp.Receiver[Event]
}

// NewHandler returns a [Handler] for deliveries to partnerID signed with
// secret (the Partner Secret). partnerID and secret must not be empty.
// Options: [WithSecrets], [WithLeeway], [WithClock], [WithMaxBodyBytes],
// [WithLogger], [WithDeduplicator], [WithDedupTTL], [WithDeliveryObserver];
// invalid input gives a
// *[ValidationError].
func NewHandler(partnerID, secret string, opts ...Option) (*Handler, error) {
	cfg, err := apply(opts, true)
	if err != nil {
		return nil, err
	}
	v, err := newVerifier(partnerID, secret, &cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{}
	now, leeway := cfg.now, cfg.leeway
	h.recv = hookhttp.Receiver[Event]{
		Name:     "webhooks",
		MaxBody:  cfg.maxBody,
		Logger:   cfg.logger,
		Dedup:    cfg.dedup,
		DedupTTL: cfg.dedupTTL,
		Authenticate: func(r *http.Request) (time.Duration, error) {
			c, err := v.Verify(r.Header)
			if err != nil {
				return 0, err
			}
			// Keep the key at least as long as the token can be replayed.
			return c.ExpiresAt.Add(leeway).Sub(now()), nil
		},
		Parse:    Parse,
		Describe: func(e Event) (string, string) { return string(e.Type()), e.DedupKey() },
		Dispatch: h.Dispatch,
		Observer: cfg.observer,
		Unknown:  func(e Event) bool { _, ok := e.(*UnknownEvent); return ok },
	}
	return h, nil
}

func register[T Event](h *Handler, t EventType, fn func(context.Context, T) error) {
	hookhttp.On(&h.router, t, fn)
}

// OnSeatsFull registers fn for [EventSeatsFull]. A nil fn removes the
// registration.
func (h *Handler) OnSeatsFull(fn func(ctx context.Context, e *SeatsFull) error) {
	register(h, EventSeatsFull, fn)
}

// OnMessagingQuotaNearFull registers fn for [EventMessagingQuotaNearFull].
// A nil fn removes the registration.
func (h *Handler) OnMessagingQuotaNearFull(fn func(ctx context.Context, e *MessagingQuotaNearFull) error) {
	register(h, EventMessagingQuotaNearFull, fn)
}

// OnMessagingQuotaFull registers fn for [EventMessagingQuotaFull]. A nil fn
// removes the registration.
func (h *Handler) OnMessagingQuotaFull(fn func(ctx context.Context, e *MessagingQuotaFull) error) {
	register(h, EventMessagingQuotaFull, fn)
}

// OnTransactionsQuotaFull registers fn for [EventTransactionsQuotaFull]. A
// nil fn removes the registration.
func (h *Handler) OnTransactionsQuotaFull(fn func(ctx context.Context, e *TransactionsQuotaFull) error) {
	register(h, EventTransactionsQuotaFull, fn)
}

// OnAPICallsQuotaFull registers fn for [EventAPICallsQuotaFull]. A nil fn
// removes the registration.
func (h *Handler) OnAPICallsQuotaFull(fn func(ctx context.Context, e *APICallsQuotaFull) error) {
	register(h, EventAPICallsQuotaFull, fn)
}

// OnWhatsAppAccountConnected registers fn for
// [EventWhatsAppAccountConnected]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountConnected(fn func(ctx context.Context, e *WhatsAppAccountConnected) error) {
	register(h, EventWhatsAppAccountConnected, fn)
}

// OnWhatsAppAccountDisconnected registers fn for
// [EventWhatsAppAccountDisconnected]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountDisconnected(fn func(ctx context.Context, e *WhatsAppAccountDisconnected) error) {
	register(h, EventWhatsAppAccountDisconnected, fn)
}

// OnAPITokenRotated registers fn for [EventAPITokenRotated]. A nil fn
// removes the registration.
func (h *Handler) OnAPITokenRotated(fn func(ctx context.Context, e *APITokenRotated) error) {
	register(h, EventAPITokenRotated, fn)
}

// OnEvent registers the catch-all callback. It receives every event that
// has no typed callback, including every *[UnknownEvent]. A nil fn removes
// it.
func (h *Handler) OnEvent(fn func(ctx context.Context, e Event) error) {
	h.router.SetCatchAll(fn)
}

// Dispatch runs the callback registered for e: the typed callback for its
// type if one is registered, otherwise the [Handler.OnEvent] callback. An
// event with no callback at all is acknowledged: Dispatch returns nil, so
// that the sender does not retry an event nobody listens to. Use Dispatch
// with [ConstructEvent] when you verify deliveries yourself.
func (h *Handler) Dispatch(ctx context.Context, e Event) error {
	if e == nil {
		return invalid("e", "must not be nil")
	}
	return h.router.Dispatch(ctx, e.Type(), e)
}

// ServeHTTP receives one delivery; see [Handler] for the status codes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.recv.ServeHTTP(w, r)
}
