package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// walkErrors calls f for err and every error reachable from it through
// Unwrap.
func walkErrors(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(x.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			walkErrors(e, f)
		}
	}
}

// TestRedirectTargetScrubbed: the server redirects (same origin, so the
// redirect is followed) to a URL that carries the token, then drops the
// connection. Neither the returned error, nor any error reachable from it,
// nor the Debug log holds the token; the *url.Error is still reachable,
// with the target scrubbed. Before, the log line and the unwrapped
// *url.Error held the raw token.
func TestRedirectTargetScrubbed(t *testing.T) {
	t.Parallel()
	const tok = "tok-live-5ecret-9f8e7d6c"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/chats" {
			http.Redirect(w, r, "/v1/landing?token="+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), http.StatusFound)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	e := New(Config{
		Settings: Settings{API: "publicapi", Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Retry: RetryPolicy{MaxRetries: 1, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}},
		Authorize: func(r *http.Request) (string, error) {
			r.Header.Set("Authorization", "Bearer "+tok)
			return tok, nil
		},
	})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/chats", nil)
	_, _, err := e.Send(context.Background(), Op{Name: "ListChats", Retry: RetrySafe}, req)
	if err == nil {
		t.Fatal("no error")
	}
	walkErrors(err, func(x error) {
		for _, s := range []string{x.Error(), fmt.Sprintf("%+v", x), fmt.Sprintf("%#v", x)} {
			if strings.Contains(s, tok) {
				t.Errorf("%T holds the token: %s", x, s)
			}
		}
	})
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "token="+Redacted) {
		t.Errorf("url.Error not reachable or not scrubbed: %v", ue)
	}
	if strings.Contains(logs.String(), tok) {
		t.Errorf("log holds the token:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "token="+Redacted) {
		t.Errorf("log lost the scrubbed target:\n%s", logs.String())
	}
}

// TestScrubErrorKeepsChain: scrubbing rebuilds only errors that hold a
// credential, keeps *net.OpError (so a dial failure is still known as
// unsent) and the Timeout of an error it replaces, and leaves other errors
// as they are.
func TestScrubErrorKeepsChain(t *testing.T) {
	t.Parallel()
	const tok = "tok-abc+/=xyz-123456"
	creds := []string{"", tok}
	plain := errors.New("connection refused")
	if got := scrubError(plain, creds); got != plain {
		t.Fatalf("untouched error replaced: %v", got)
	}
	op := &net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{"lookup " + url.QueryEscape(tok) + ": i/o timeout"}}
	wrapped := fmt.Errorf("send: %w", &url.Error{Op: "Get", URL: "https://h/x?t=" + url.QueryEscape(tok), Err: op})
	got := scrubError(wrapped, creds)
	walkErrors(got, func(x error) {
		if holdsCred(x.Error(), []string{tok}) {
			t.Errorf("%T holds the token: %s", x, x.Error())
		}
	})
	if !notSent(got) {
		t.Error("dial failure no longer recognised as unsent")
	}
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Error("context.DeadlineExceeded no longer reachable")
	}
	if !strings.Contains(got.Error(), "send: Get \"https://h/x?t="+Redacted+"\": dial tcp: lookup "+Redacted+": i/o timeout") {
		t.Errorf("text = %q", got.Error())
	}
	var ne net.Error
	if !errors.As(got, &ne) || !ne.Timeout() {
		t.Error("net.Error timeout lost")
	}
	if scrubError(nil, creds) != nil {
		t.Error("nil became non-nil")
	}
}

// TestLogAttributesScrubbed: every kind of attribute the engine's logger
// gets is scrubbed with the credentials of the call in the context.
func TestLogAttributesScrubbed(t *testing.T) {
	t.Parallel()
	const tok = "tok-attr-0a1b2c3d4e"
	var buf bytes.Buffer
	h := &scrubHandler{inner: slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}
	holder := &credHolder{}
	holder.add(tok)
	ctx := withCreds(context.Background(), holder)
	slog.New(h).With("static", "kept").WithGroup("g").Log(ctx, slog.LevelDebug, "msg "+tok,
		"s", "x"+tok,
		"err", fmt.Errorf("wrapped: %w", errors.New(tok)),
		"any", struct{ T string }{tok},
		slog.Group("grp", "inner", tok),
		"n", 42,
		"w", io.EOF)
	out := buf.String()
	if strings.Contains(out, tok) || strings.Count(out, Redacted) != 5 || !strings.Contains(out, `"n":42`) || !strings.Contains(out, "kept") {
		t.Fatalf("log = %s", out)
	}
}

// timeoutError is a leaf error that is a timeout and wraps
// context.DeadlineExceeded, like net/http's.
type timeoutError struct{ msg string }

func (e timeoutError) Error() string { return e.msg }
func (e timeoutError) Timeout() bool { return true }
func (e timeoutError) Unwrap() error { return context.DeadlineExceeded }
