// Package hookhttp is the HTTP plumbing shared by the SDK's two webhook
// receivers: webhooks.Handler (signed Partner webhooks) and events.Handler
// (unsigned Public API webhook subscriptions). Both answer the same way:
//
//   - a method other than POST gets 405 with "Allow: POST";
//   - a request failing the receiver's authentication gets 401, before the
//     body is read;
//   - a body over the limit gets 413;
//   - a body the receiver's parser rejects gets 400;
//   - a delivery whose de-duplication key was already claimed gets 200
//     without running a callback;
//   - otherwise the callback runs: 200 when it returns nil, 500 when it
//     returns an error (so that the sender retries). A failed or panicking
//     callback releases its de-duplication claim first.
//
// Response bodies are the bare status text. Log records carry the reason,
// the event type, the de-duplication key and the remote address; never the
// request URL, headers or body, which may hold secrets.
package hookhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// Deduplicator has the method set of webhooks.Deduplicator (declared here
// because package webhooks imports this one); see there for the contract.
type Deduplicator interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	Release(ctx context.Context, key string) error
}

// releaseTimeout bounds a Release that runs after the request's context
// may already be done.
const releaseTimeout = 5 * time.Second

// Receiver serves deliveries of events of type E. Its fields are set once
// by the owning handler's constructor and not changed afterwards.
type Receiver[E any] struct {
	// Name prefixes log messages ("webhooks", "events").
	Name string
	// MaxBody is the largest body read; larger ones get 413.
	MaxBody int64
	// Logger receives the records; nil disables logging.
	Logger *slog.Logger
	// Dedup, when not nil, is asked to Claim each event's key.
	Dedup Deduplicator
	// DedupTTL is the ttl passed to Claim (at least the minimum TTL
	// Authenticate reports).
	DedupTTL time.Duration
	// Authenticate, when not nil, checks a request before its body is
	// read. A non-nil error gets 401; its text is logged, so it must not
	// contain secrets. minTTL raises DedupTTL for this delivery (for
	// example to the remaining lifetime of a signature).
	Authenticate func(r *http.Request) (minTTL time.Duration, err error)
	// Parse decodes a body; an error gets 400 and its text is logged.
	Parse func(body []byte) (E, error)
	// Describe returns the event's type and de-duplication key.
	Describe func(e E) (eventType, dedupKey string)
	// Dispatch runs the callbacks for e.
	Dispatch func(ctx context.Context, e E) error
	// Observer, when not nil, sees every delivery.
	Observer tlhttp.DeliveryObserver
	// Unknown reports whether e is of a type the SDK does not know (for
	// Delivery.UnknownType); nil means every type is known.
	Unknown func(e E) bool
}

// ServeHTTP receives one delivery; see the package documentation for the
// status codes.
func (rc *Receiver[E]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.Observer == nil {
		rc.serve(w, r, nil)
		return
	}
	ctx, done := rc.Observer.StartDelivery(r, rc.Name)
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	// A panicking callback leaves the outcome "failed" with no status.
	d := tlhttp.Delivery{Receiver: rc.Name, Outcome: tlhttp.DeliveryFailed}
	defer func() { done(d) }()
	rc.serve(w, r, &d)
}

// note records how a delivery ended, for the Observer.
func note(d *tlhttp.Delivery, outcome tlhttp.DeliveryOutcome, status int, reason string) {
	if d != nil {
		d.Outcome, d.StatusCode, d.Reason = outcome, status, reason
	}
}

// serve is ServeHTTP without the Observer; d, when not nil, receives the
// outcome.
func (rc *Receiver[E]) serve(w http.ResponseWriter, r *http.Request, d *tlhttp.Delivery) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		note(d, tlhttp.DeliveryRejected, http.StatusMethodNotAllowed, "method not allowed")
		Respond(w, http.StatusMethodNotAllowed)
		return
	}
	ttl := rc.DedupTTL
	if rc.Authenticate != nil {
		minTTL, err := rc.Authenticate(r)
		if err != nil {
			rc.reject(r, err.Error())
			note(d, tlhttp.DeliveryRejected, http.StatusUnauthorized, "authentication failed")
			Respond(w, http.StatusUnauthorized)
			return
		}
		ttl = max(ttl, minTTL)
	}
	if r.ContentLength > rc.MaxBody {
		rc.log(r, slog.LevelWarn, "delivery rejected", slog.String("reason", "body too large"),
			slog.Int64("content_length", r.ContentLength))
		note(d, tlhttp.DeliveryRejected, http.StatusRequestEntityTooLarge, "body too large")
		Respond(w, http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			rc.reject(r, "body too large")
			note(d, tlhttp.DeliveryRejected, http.StatusRequestEntityTooLarge, "body too large")
			Respond(w, http.StatusRequestEntityTooLarge)
			return
		}
		rc.log(r, slog.LevelWarn, "reading body failed", slog.String("error", err.Error()))
		note(d, tlhttp.DeliveryRejected, http.StatusBadRequest, "unreadable body")
		Respond(w, http.StatusBadRequest)
		return
	}
	e, err := rc.Parse(body)
	if err != nil {
		rc.reject(r, err.Error())
		note(d, tlhttp.DeliveryRejected, http.StatusBadRequest, "malformed body")
		Respond(w, http.StatusBadRequest)
		return
	}
	typ, key := rc.Describe(e)
	if d != nil {
		d.EventType = typ
		d.UnknownType = rc.Unknown != nil && rc.Unknown(e)
	}
	claimed := false
	if rc.Dedup != nil {
		first, err := rc.Dedup.Claim(r.Context(), key, ttl)
		switch {
		case err != nil:
			// A lost webhook is worse than a duplicate: process it.
			rc.log(r, slog.LevelWarn, "de-duplication store failed; processing the delivery anyway",
				slog.String("event_type", typ), slog.String("dedup_key", key), slog.String("error", err.Error()))
		case !first:
			rc.log(r, slog.LevelInfo, "duplicate delivery acknowledged without running callbacks",
				slog.String("event_type", typ), slog.String("dedup_key", key))
			note(d, tlhttp.DeliveryDuplicate, http.StatusOK, "")
			w.WriteHeader(http.StatusOK)
			return
		default:
			claimed = true
		}
	}
	if err := rc.dispatch(r, e, typ, key, claimed); err != nil {
		rc.log(r, slog.LevelError, "callback failed",
			slog.String("event_type", typ), slog.String("dedup_key", key), slog.String("error", err.Error()))
		note(d, tlhttp.DeliveryFailed, http.StatusInternalServerError, "")
		Respond(w, http.StatusInternalServerError)
		return
	}
	note(d, tlhttp.DeliveryHandled, http.StatusOK, "")
	w.WriteHeader(http.StatusOK)
}

// dispatch runs the callback and, when it fails or panics, releases the
// claim so that the sender's retry runs it again. A panic is re-raised.
func (rc *Receiver[E]) dispatch(r *http.Request, e E, typ, key string, claimed bool) (err error) {
	if claimed {
		ok := false
		defer func() {
			if !ok || err != nil {
				rc.release(r, typ, key)
			}
		}()
		err = rc.Dispatch(r.Context(), e)
		ok = true
		return err
	}
	return rc.Dispatch(r.Context(), e)
}

func (rc *Receiver[E]) release(r *http.Request, typ, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), releaseTimeout)
	defer cancel()
	if err := rc.Dedup.Release(ctx, key); err != nil {
		rc.log(r, slog.LevelWarn, "releasing the de-duplication claim failed; a retry of this delivery will be taken for a duplicate",
			slog.String("event_type", typ), slog.String("dedup_key", key), slog.String("error", err.Error()))
	}
}

func (rc *Receiver[E]) reject(r *http.Request, reason string) {
	rc.log(r, slog.LevelWarn, "delivery rejected", slog.String("reason", reason))
}

func (rc *Receiver[E]) log(r *http.Request, level slog.Level, msg string, attrs ...slog.Attr) {
	if rc.Logger == nil {
		return
	}
	attrs = append(attrs, slog.String("remote_addr", r.RemoteAddr))
	rc.Logger.LogAttrs(r.Context(), level, rc.Name+": "+msg, attrs...)
}

// Respond writes code with its status text as a plain-text body.
func Respond(w http.ResponseWriter, code int) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	text := http.StatusText(code) + "\n"
	h.Set("Content-Length", strconv.Itoa(len(text)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, text)
}

// Router holds the callbacks of a handler: at most one typed callback per
// event type K and one catch-all. It is safe for concurrent use.
type Router[K comparable, E any] struct {
	mu       sync.RWMutex
	typed    map[K]func(context.Context, E) (bool, error)
	catchAll func(context.Context, E) error
}

// On registers fn for events of type k whose dynamic type is T, replacing
// an earlier registration; a nil fn removes it.
func On[T any, K comparable, E any](rt *Router[K, E], k K, fn func(context.Context, T) error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if fn == nil {
		delete(rt.typed, k)
		return
	}
	if rt.typed == nil {
		rt.typed = make(map[K]func(context.Context, E) (bool, error))
	}
	rt.typed[k] = func(ctx context.Context, e E) (bool, error) {
		te, ok := any(e).(T)
		if !ok {
			return false, nil
		}
		return true, fn(ctx, te)
	}
}

// SetCatchAll registers the callback for events without a typed one; nil
// removes it.
func (rt *Router[K, E]) SetCatchAll(fn func(context.Context, E) error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.catchAll = fn
}

// Dispatch runs the typed callback registered for k if e has its type,
// otherwise the catch-all; with neither it returns nil.
func (rt *Router[K, E]) Dispatch(ctx context.Context, k K, e E) error {
	rt.mu.RLock()
	typed := rt.typed[k]
	catchAll := rt.catchAll
	rt.mu.RUnlock()
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

// CanonicalBodyHash returns the SHA-256 of raw after canonicalizing it as
// JSON (keys sorted, whitespace and escapes normalized, numbers kept as
// written), so that two deliveries of the same unknown event that differ
// only in formatting share a de-duplication key. A body that is not JSON
// is hashed as it is.
func CanonicalBodyHash(raw []byte) [sha256.Size]byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if canon, err := json.Marshal(v); err == nil {
			raw = canon
		}
	}
	return sha256.Sum256(raw)
}
