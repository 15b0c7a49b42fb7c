package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Handler is an [http.Handler] that receives Partner webhook deliveries:
//
//   - a method other than POST gets 405 with "Allow: POST";
//   - a delivery failing [Verifier.Verify] gets 401 (the body is not read);
//   - a body over the limit ([WithMaxBodyBytes], default 1 MiB) gets 413;
//   - a body [Parse] rejects gets 400;
//   - otherwise the event is dispatched (see [Handler.Dispatch]) and the
//     answer is 200 when the callback returned nil, 500 when it returned an
//     error (so that the sender may retry).
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
// connection, which the sender sees as a failed delivery).
type Handler struct {
	verifier *Verifier
	maxBody  int64
	logger   *slog.Logger

	mu       sync.RWMutex
	typed    map[EventType]func(context.Context, Event) (bool, error)
	catchAll func(context.Context, Event) error
}

// NewHandler returns a [Handler] for deliveries to partnerID signed with
// secret (the Partner Secret). partnerID and secret must not be empty.
// Options: [WithSecrets], [WithLeeway], [WithClock], [WithMaxBodyBytes],
// [WithLogger].
func NewHandler(partnerID, secret string, opts ...HandlerOption) (*Handler, error) {
	cfg := handlerConfig{
		verify:  verifyConfig{leeway: DefaultLeeway, now: time.Now},
		maxBody: DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyHandler(&cfg); err != nil {
			return nil, err
		}
	}
	v, err := newVerifier(partnerID, secret, cfg.verify)
	if err != nil {
		return nil, err
	}
	return &Handler{
		verifier: v,
		maxBody:  cfg.maxBody,
		logger:   cfg.logger,
		typed:    make(map[EventType]func(context.Context, Event) (bool, error)),
	}, nil
}

func register[T Event](h *Handler, t EventType, fn func(context.Context, T) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if fn == nil {
		delete(h.typed, t)
		return
	}
	h.typed[t] = func(ctx context.Context, e Event) (bool, error) {
		te, ok := e.(T)
		if !ok {
			return false, nil
		}
		return true, fn(ctx, te)
	}
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
	h.mu.Lock()
	defer h.mu.Unlock()
	h.catchAll = fn
}

// Dispatch runs the callback registered for e: the typed callback for its
// type if one is registered, otherwise the [Handler.OnEvent] callback. An
// event with no callback at all is acknowledged: Dispatch returns nil, so
// that the sender does not retry an event nobody listens to. Use Dispatch
// with [ConstructEvent] when you verify deliveries yourself.
func (h *Handler) Dispatch(ctx context.Context, e Event) error {
	if e == nil {
		return errors.New("webhooks: Dispatch: nil event")
	}
	h.mu.RLock()
	typed := h.typed[e.Type()]
	catchAll := h.catchAll
	h.mu.RUnlock()
	if typed != nil {
		if handled, err := typed(ctx, e); handled {
			return err
		}
	}
	if catchAll != nil {
		return catchAll(ctx, e)
	}
	return nil
}

// ServeHTTP receives one delivery; see [Handler] for the status codes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		respond(w, http.StatusMethodNotAllowed)
		return
	}
	if _, err := h.verifier.Verify(r.Header); err != nil {
		h.log(r, slog.LevelWarn, "webhooks: delivery rejected", slog.String("reason", err.Error()))
		respond(w, http.StatusUnauthorized)
		return
	}
	if r.ContentLength > h.maxBody {
		h.log(r, slog.LevelWarn, "webhooks: delivery rejected", slog.String("reason", "body too large"),
			slog.Int64("content_length", r.ContentLength))
		respond(w, http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.log(r, slog.LevelWarn, "webhooks: delivery rejected", slog.String("reason", "body too large"))
			respond(w, http.StatusRequestEntityTooLarge)
			return
		}
		h.log(r, slog.LevelWarn, "webhooks: reading body failed", slog.String("error", err.Error()))
		respond(w, http.StatusBadRequest)
		return
	}
	e, err := Parse(body)
	if err != nil {
		h.log(r, slog.LevelWarn, "webhooks: delivery rejected", slog.String("reason", err.Error()))
		respond(w, http.StatusBadRequest)
		return
	}
	if err := h.Dispatch(r.Context(), e); err != nil {
		h.log(r, slog.LevelError, "webhooks: callback failed",
			slog.String("event_type", string(e.Type())),
			slog.String("dedup_key", e.DedupKey()),
			slog.String("error", err.Error()))
		respond(w, http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) log(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	if h.logger == nil {
		return
	}
	attrs = append(attrs, slog.String("remote_addr", r.RemoteAddr))
	h.logger.LogAttrs(r.Context(), level, msg, attrs...)
}

func respond(w http.ResponseWriter, code int) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	text := http.StatusText(code) + "\n"
	h.Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, text)
}
