package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
)

// Scrubbing happens where errors and log records leave the engine:
//
//   - [Engine.Send] passes its error through scrubError with every
//     credential the call used (the Public API token before and after a
//     refresh, each freshly minted JWT), so no error text and no error
//     reachable through errors.Unwrap or errors.As holds one: not an
//     *url.Error naming a redirect target that carries the token, not a
//     token-source failure, not a body the server echoed it in;
//   - the engine's logger goes through scrubHandler, which scrubs the
//     message and every attribute of a record with the credentials of the
//     call that logged it (found in the context).
//
// Values the server echoes back are scrubbed in the forms it may spell
// them in (see credVariants).

// scrubError returns err with every credential in creds replaced by
// [Redacted], in its text and in every error reachable from it. An error
// that holds none is returned as it is, so errors.Is and errors.As find
// the same values as before; one that does is rebuilt: the engine's own
// types, *url.Error and *net.OpError keep their type with scrubbed
// contents, and any other error that holds a credential is replaced by an
// error with the scrubbed text that still wraps (scrubbed copies of) what
// it wrapped and reports the same Timeout.
func scrubError(err error, creds []string) error {
	if err == nil || !anyCred(creds) || !leaks(err, creds, 0) {
		return err
	}
	return rebuild(err, creds, 0)
}

// maxErrorDepth bounds the walk of an error tree (a cyclic Unwrap would
// otherwise never end).
const maxErrorDepth = 32

func anyCred(creds []string) bool {
	for _, c := range creds {
		if c != "" {
			return true
		}
	}
	return false
}

// containsCred reports whether s holds a credential in any of its forms.
func holdsCred(s string, creds []string) bool {
	for _, c := range creds {
		if c == "" {
			continue
		}
		for _, v := range credVariants(c) {
			if strings.Contains(s, v) {
				return true
			}
		}
	}
	return false
}

// scrubAll is scrubString for several credentials.
func scrubAll(s string, creds []string) string {
	for _, c := range creds {
		s = scrubString(s, c)
	}
	return s
}

// leaks reports whether err or any error reachable from it holds a
// credential (in its text or, for an *APIError, in any field).
func leaks(err error, creds []string, depth int) bool {
	if err == nil {
		return false
	}
	if depth > maxErrorDepth {
		return true // be safe: rebuild flattens what is this deep
	}
	if holdsCred(err.Error(), creds) {
		return true
	}
	if ae, ok := err.(*APIError); ok && apiErrorLeaks(ae, creds) {
		return true
	}
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		return leaks(x.Unwrap(), creds, depth+1)
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			if leaks(e, creds, depth+1) {
				return true
			}
		}
	}
	return false
}

func apiErrorLeaks(e *APIError, creds []string) bool {
	if holdsCred(string(e.Body), creds) || holdsCred(e.Code, creds) ||
		holdsCred(e.Description, creds) || holdsCred(e.RequestID, creds) {
		return true
	}
	for _, f := range e.Fields {
		if holdsCred(f.Message, creds) || holdsCred(strings.Join(f.Fields, "\x00"), creds) {
			return true
		}
	}
	return false
}

// scrubAPIError scrubs every field of e in place (e is the engine's own
// value of the current call).
func scrubAPIError(e *APIError, creds []string) {
	for _, c := range creds {
		e.Body = scrubEscapedJSON(scrubBytes(e.Body, c), c)
		e.Code = scrubString(e.Code, c)
		e.Description = scrubString(e.Description, c)
		e.RequestID = scrubString(e.RequestID, c)
		for i := range e.Fields {
			e.Fields[i].Message = scrubString(e.Fields[i].Message, c)
			for j := range e.Fields[i].Fields {
				e.Fields[i].Fields[j] = scrubString(e.Fields[i].Fields[j], c)
			}
		}
	}
}

// rebuild returns a copy of err without credentials (see scrubError).
func rebuild(err error, creds []string, depth int) error {
	if err == nil {
		return nil
	}
	if depth > maxErrorDepth {
		return &scrubbedError{msg: scrubAll(err.Error(), creds)}
	}
	if !leaks(err, creds, depth) {
		return err
	}
	next := func(e error) error { return rebuild(e, creds, depth+1) }
	switch x := err.(type) {
	case *APIError:
		scrubAPIError(x, creds)
		return x
	case *requestError:
		msg := x.msg
		if msg == "" {
			msg = x.err.Error()
		}
		return &requestError{api: x.api, op: x.op, err: next(x.err), msg: scrubAll(msg, creds)}
	case *abortedError:
		return &abortedError{api: x.api, op: x.op, ctxErr: next(x.ctxErr), last: next(x.last)}
	case *refreshError:
		if x.last != nil {
			scrubAPIError(x.last, creds)
		}
		return &refreshError{api: x.api, op: x.op, err: next(x.err), last: x.last}
	case *url.Error:
		return &url.Error{Op: x.Op, URL: scrubAll(x.URL, creds), Err: next(x.Err)}
	case *net.OpError:
		cp := *x
		cp.Err = next(x.Err)
		return &cp
	}
	s := &scrubbedError{msg: scrubAll(err.Error(), creds)}
	if t, ok := err.(interface{ Timeout() bool }); ok {
		s.timeout = t.Timeout()
	}
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		if u := x.Unwrap(); u != nil {
			s.wrapped = []error{next(u)}
		}
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			s.wrapped = append(s.wrapped, next(e))
		}
	}
	return s
}

// scrubbedError stands in for an error whose text held a credential: the
// scrubbed text, the (scrubbed) errors it wrapped and its Timeout.
type scrubbedError struct {
	msg     string
	wrapped []error
	timeout bool
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.wrapped }

// Timeout reports whether the original error was a timeout.
func (e *scrubbedError) Timeout() bool { return e.timeout }

// credsKey is the context key of the credentials of the current call,
// which scrubHandler reads.
type credsKey struct{}

// credHolder holds the credentials of one call for scrubHandler. It is
// written by the call's goroutine and read by the handler, which may run
// on another goroutine (a token fetch started by the call), hence the
// lock.
type credHolder struct {
	mu    sync.Mutex
	creds []string
}

func (h *credHolder) add(cred string) {
	h.mu.Lock()
	h.creds = append(h.creds, cred)
	h.mu.Unlock()
}

// withCreds returns ctx carrying h for the engine's log handler.
func withCreds(ctx context.Context, h *credHolder) context.Context {
	return context.WithValue(ctx, credsKey{}, h)
}

// credsFrom returns the credentials of the call that logs with ctx.
func credsFrom(ctx context.Context) []string {
	if ctx == nil {
		return nil
	}
	h, _ := ctx.Value(credsKey{}).(*credHolder)
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.creds
}

// scrubHandler wraps the caller's slog.Handler: every record the engine
// logs has the call's credentials replaced by [Redacted] in its message
// and in every attribute (strings, errors, groups, LogValuers and any
// other value whose fmt form holds one).
type scrubHandler struct{ inner slog.Handler }

func (h *scrubHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	creds := credsFrom(ctx)
	if !anyCred(creds) {
		return h.inner.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, scrubAll(r.Message, creds), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(a, creds))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *scrubHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &scrubHandler{inner: h.inner.WithAttrs(attrs)}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{inner: h.inner.WithGroup(name)}
}

// scrubAttr returns a with the credentials scrubbed from its value.
func scrubAttr(a slog.Attr, creds []string) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, scrubAll(v.String(), creds))
	case slog.KindGroup:
		group := v.Group()
		attrs := make([]any, len(group))
		for i, g := range group {
			attrs[i] = scrubAttr(g, creds)
		}
		return slog.Group(a.Key, attrs...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.Any(a.Key, scrubError(err, creds))
		}
		if s := fmt.Sprint(v.Any()); holdsCred(s, creds) {
			return slog.String(a.Key, scrubAll(s, creds))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
