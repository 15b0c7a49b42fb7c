package events

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/hookhttp"
)

// Handler is an [http.Handler] that receives Public API webhook deliveries
// (the workspace's webhook subscriptions):
//
//   - a method other than POST gets 405 with "Allow: POST";
//   - with [WithPathToken] or [WithQueryToken], a request without the
//     right URL token gets 401 (the body is not read);
//   - a body over the limit ([WithMaxBodyBytes], default 1 MiB) gets 413;
//   - a body [Parse] rejects gets 400;
//   - with [WithDeduplicator], a delivery whose [Event.DedupKey] was
//     already claimed gets 200 without running a callback (and is logged);
//   - otherwise the event is dispatched (see [Handler.Dispatch]) and the
//     answer is 200 when the callback returned nil, 500 when it returned an
//     error (the de-duplication claim is released first, so a re-sent
//     delivery runs the callback again).
//
// It shares this behaviour, and its code, with [webhooks.Handler] for the
// signed Partner webhooks. Response bodies are short status texts and never
// say which check failed. Register callbacks with the On… methods;
// registration is safe at any time, also while serving, and a later
// registration for the same event replaces the earlier one. A Handler is
// safe for concurrent use.
//
// The sender waits 5 seconds for the answer. Callbacks run on the request
// goroutine with the request's context; keep them short and hand long work
// to a queue.
type Handler struct {
	router hookhttp.Router[EventType, Event]
	recv   hookhttp.Receiver[Event]
}

// NewHandler returns a [Handler]. Options: [WithPathToken],
// [WithQueryToken], [WithMaxBodyBytes], [WithLogger], [WithDeduplicator],
// [WithDedupTTL], [WithDeliveryObserver]; an invalid option gives a *[webhooks.ValidationError].
func NewHandler(opts ...Option) (*Handler, error) {
	cfg := config{maxBody: DefaultMaxBodyBytes, dedupTTL: DefaultDedupTTL}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	h := &Handler{}
	h.recv = hookhttp.Receiver[Event]{
		Name:     "events",
		MaxBody:  cfg.maxBody,
		Logger:   cfg.logger,
		Dedup:    cfg.dedup,
		DedupTTL: cfg.dedupTTL,
		Parse:    Parse,
		Describe: func(e Event) (string, string) { return string(e.Type()), e.DedupKey() },
		Dispatch: h.Dispatch,
		Observer: cfg.observer,
		Unknown:  func(e Event) bool { _, ok := e.(*UnknownEvent); return ok },
	}
	if checks := cfg.checks; len(checks) > 0 {
		h.recv.Authenticate = func(r *http.Request) (time.Duration, error) {
			for _, c := range checks {
				if err := c.check(r); err != nil {
					return 0, err
				}
			}
			return 0, nil
		}
	}
	return h, nil
}

// tokenCheck compares one URL token against the SHA-256 sums of the
// configured tokens (so that the Handler holds no token in the clear).
type tokenCheck struct {
	param string // "" checks the last path segment
	sums  [][sha256.Size]byte
}

var (
	errTokenMissing = errors.New("events: URL token missing")
	errTokenWrong   = errors.New("events: URL token wrong")
)

func (c tokenCheck) check(r *http.Request) error {
	var got string
	if c.param == "" {
		p := r.URL.Path
		got = p[strings.LastIndexByte(p, '/')+1:]
	} else {
		vals := r.URL.Query()[c.param]
		if len(vals) > 1 {
			return errTokenWrong
		}
		if len(vals) == 1 {
			got = vals[0]
		}
	}
	if got == "" {
		return errTokenMissing
	}
	sum := sha256.Sum256([]byte(got))
	match := 0
	for _, s := range c.sums {
		match |= subtle.ConstantTimeCompare(sum[:], s[:])
	}
	if match != 1 {
		return errTokenWrong
	}
	return nil
}

func on[T Event](h *Handler, t EventType, fn func(context.Context, T) error) {
	hookhttp.On(&h.router, t, fn)
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
// with [Parse] when you receive deliveries with your own HTTP code.
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

// OnMessageNew registers fn for [EventMessageNew]. A nil fn removes the registration.
func (h *Handler) OnMessageNew(fn func(ctx context.Context, e *MessageNew) error) {
	on(h, EventMessageNew, fn)
}

// OnMessageSent registers fn for [EventMessageSent]. A nil fn removes the registration.
func (h *Handler) OnMessageSent(fn func(ctx context.Context, e *MessageSent) error) {
	on(h, EventMessageSent, fn)
}

// OnMessageReceived registers fn for [EventMessageReceived]. A nil fn removes the registration.
func (h *Handler) OnMessageReceived(fn func(ctx context.Context, e *MessageReceived) error) {
	on(h, EventMessageReceived, fn)
}

// OnMessageReaction registers fn for [EventMessageReaction]. A nil fn removes the registration.
func (h *Handler) OnMessageReaction(fn func(ctx context.Context, e *MessageReaction) error) {
	on(h, EventMessageReaction, fn)
}

// OnChatNew registers fn for [EventChatNew]. A nil fn removes the registration.
func (h *Handler) OnChatNew(fn func(ctx context.Context, e *ChatNew) error) { on(h, EventChatNew, fn) }

// OnChatIncoming registers fn for [EventChatIncoming]. A nil fn removes the registration.
func (h *Handler) OnChatIncoming(fn func(ctx context.Context, e *ChatIncoming) error) {
	on(h, EventChatIncoming, fn)
}

// OnChatOutgoing registers fn for [EventChatOutgoing]. A nil fn removes the registration.
func (h *Handler) OnChatOutgoing(fn func(ctx context.Context, e *ChatOutgoing) error) {
	on(h, EventChatOutgoing, fn)
}

// OnChatAssigned registers fn for [EventChatAssigned]. A nil fn removes the registration.
func (h *Handler) OnChatAssigned(fn func(ctx context.Context, e *ChatAssigned) error) {
	on(h, EventChatAssigned, fn)
}

// OnChatUnassigned registers fn for [EventChatUnassigned]. A nil fn removes the registration.
func (h *Handler) OnChatUnassigned(fn func(ctx context.Context, e *ChatUnassigned) error) {
	on(h, EventChatUnassigned, fn)
}

// OnWhatsAppAccountConnected registers fn for [EventWhatsAppAccountConnected]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountConnected(fn func(ctx context.Context, e *WhatsAppAccountConnected) error) {
	on(h, EventWhatsAppAccountConnected, fn)
}

// OnWhatsAppAccountDisconnected registers fn for [EventWhatsAppAccountDisconnected]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountDisconnected(fn func(ctx context.Context, e *WhatsAppAccountDisconnected) error) {
	on(h, EventWhatsAppAccountDisconnected, fn)
}

// OnWhatsAppAccountSuspended registers fn for [EventWhatsAppAccountSuspended]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountSuspended(fn func(ctx context.Context, e *WhatsAppAccountSuspended) error) {
	on(h, EventWhatsAppAccountSuspended, fn)
}

// OnWhatsAppAccountResumed registers fn for [EventWhatsAppAccountResumed]. A nil fn removes the registration.
func (h *Handler) OnWhatsAppAccountResumed(fn func(ctx context.Context, e *WhatsAppAccountResumed) error) {
	on(h, EventWhatsAppAccountResumed, fn)
}

// OnCallIncomingEnded registers fn for [EventCallIncomingEnded]. A nil fn removes the registration.
func (h *Handler) OnCallIncomingEnded(fn func(ctx context.Context, e *CallIncomingEnded) error) {
	on(h, EventCallIncomingEnded, fn)
}

// OnCallOutgoingEnded registers fn for [EventCallOutgoingEnded]. A nil fn removes the registration.
func (h *Handler) OnCallOutgoingEnded(fn func(ctx context.Context, e *CallOutgoingEnded) error) {
	on(h, EventCallOutgoingEnded, fn)
}

// OnCallIncomingMissed registers fn for [EventCallIncomingMissed]. A nil fn removes the registration.
func (h *Handler) OnCallIncomingMissed(fn func(ctx context.Context, e *CallIncomingMissed) error) {
	on(h, EventCallIncomingMissed, fn)
}
