package tlpartner_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// hostileCase is one way a server (or a proxy in front of it) can reflect
// the credential it was sent. api is "partner" or "public"; reply writes
// the answer for a request that carried cred.
type hostileCase struct {
	name  string
	reply func(w http.ResponseWriter, r *http.Request, api, cred string)
}

// jsonEscape spells s with \u escapes only, as some encoders do.
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

var hostileCases = []hostileCase{
	{"json error body", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"status":"error","error":"e_%[1]s","error_code":%[1]q,"message":"bad %[1]s","description":"bad %[1]s","errors":[{"fields":[%[1]q],"msg":%[1]q}]}`, cred)
	}},
	{"escaped json body", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"status":"error","error":"%[1]s","message":"bad %[1]s","description":"bad %[1]s"}`, jsonEscape(cred))
	}},
	{"headers", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		w.Header().Set("X-Request-Id", "req-"+cred)
		w.Header().Set("X-Echo", cred)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "unavailable")
	}},
	{"redirect then dropped connection", func(w http.ResponseWriter, r *http.Request, _, cred string) {
		if r.URL.Path == "/landing" {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		http.Redirect(w, r, "/landing?t="+url.QueryEscape(cred)+"&raw="+cred, http.StatusFound)
	}},
	{"redirect not followed", func(w http.ResponseWriter, r *http.Request, _, cred string) {
		http.Redirect(w, r, "https://elsewhere.test/x/"+cred+"?t="+url.QueryEscape(cred), http.StatusFound)
	}},
	{"credential in a numeric field", func(w http.ResponseWriter, _ *http.Request, api, cred string) {
		w.Header().Set("Content-Type", "application/json")
		if api == "public" {
			fmt.Fprintf(w, `{"status":"ok","data":{"id":%q}}`, cred)
			return
		}
		fmt.Fprintf(w, `{"workspace_id":"acme","non_recurring_quota":{"remaining_balance":%q}}`, cred)
	}},
	{"credential in a date field", func(w http.ResponseWriter, _ *http.Request, api, cred string) {
		w.Header().Set("Content-Type", "application/json")
		if api == "public" {
			fmt.Fprintf(w, `{"status":"ok","data":{"id":1,"created_timestamp":%q}}`, cred)
			return
		}
		fmt.Fprintf(w, `{"workspace_id":"acme","non_recurring_quota":{"last_updated_at":%q}}`, cred)
	}},
	{"html page", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><head><title>Bad gateway %[1]s</title></head><body><h1>%[1]s</h1></body></html>", cred)
	}},
	{"plain-text 401", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		http.Error(w, "Invalid or expired token: Bearer "+cred, http.StatusUnauthorized)
	}},
	{"200 with status error", func(w http.ResponseWriter, _ *http.Request, _, cred string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"error","message":"token %[1]s refused","error_code":%[1]q}`, cred)
	}},
}

// hostileServer answers every request with c's reply and records every
// credential it was sent.
func hostileServer(t *testing.T, c hostileCase, api string) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen[cred] = true
		mu.Unlock()
		c.reply(w, r, api, cred)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for s := range seen {
			if s != "" {
				out = append(out, s)
			}
		}
		return out
	}
}

// secretForms are the spellings of a secret that must never appear.
func secretForms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), hex.EncodeToString([]byte(secret)), jsonEscape(secret)}
}

// errorRenderings returns the text of err and of every error reachable
// from it, in every fmt form, plus the JSON and Body of every APIError it
// holds.
func errorRenderings(err error) []string {
	var out []string
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 20 {
			return
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out = append(out, fmt.Sprintf(verb, e))
		}
		if b, jerr := json.Marshal(e); jerr == nil {
			out = append(out, string(b))
		}
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			walk(x.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, u := range x.Unwrap() {
				walk(u, depth+1)
			}
		}
	}
	walk(err, 0)
	var pe *publicapi.APIError
	if errors.As(err, &pe) {
		b, _ := json.Marshal(pe)
		out = append(out, string(b), string(pe.Body), pe.RequestID, pe.Description, pe.Code, fmt.Sprint(pe.Fields))
	}
	var te *tlpartner.APIError
	if errors.As(err, &te) {
		b, _ := json.Marshal(te)
		out = append(out, string(b), string(te.Body), te.RequestID, te.Description, te.Code, fmt.Sprint(te.Fields))
	}
	return out
}

// TestHostileServer walks every error a hostile server can cause, for both
// clients: the credential reflected in a JSON body (plain and \u-escaped),
// in headers, in a followed redirect's URL (then the connection drops), in
// a redirect that is not followed, in a numeric or a date field of a
// success, in an HTML page, in a plain-text 401 and in a 200 that says
// "status":"error". For each it checks the whole error chain (every
// error's text and fmt forms, the APIError's JSON and fields), the Debug
// log and fmt of the client: no credential, in any spelling, anywhere.
func TestHostileServer(t *testing.T) {
	t.Parallel()
	fast := publicapi.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	for _, c := range hostileCases {
		t.Run("public/"+c.name, func(t *testing.T) {
			t.Parallel()
			srv, seen := hostileServer(t, c, "public")
			var logs bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var n atomic.Int32
			src := func(context.Context, string) (string, error) {
				return fmt.Sprintf("tlpub_hostile_%d_9f8e7d6c5b4a39281706", n.Add(1)), nil
			}
			obs := &recordingObserver{}
			pc, err := publicapi.NewClient("tlpub_hostile_0_9f8e7d6c5b4a39281706", publicapi.WithBaseURL(srv.URL),
				publicapi.WithLogger(logger), publicapi.WithRetryPolicy(fast), publicapi.WithTokenSource(src),
				publicapi.WithObserver(obs))
			require.NoError(t, err)
			var meta tlhttp.ResponseMeta
			chat, err := pc.GetChat(context.Background(), 1, tlhttp.WithResponseMeta(&meta))
			require.Error(t, err, "%+v", chat)
			creds := seen()
			require.NotEmpty(t, creds)
			mu.Lock()
			logText := logs.String()
			mu.Unlock()
			checkNoCredential(t, creds, append(append(errorRenderings(err), obs.texts()...), logText, fmt.Sprintf("%+v", chat), fmt.Sprintf("%+v", meta)))
			assertNoSecret(t, "publicapi.Client", pc, creds...)
		})
		t.Run("partner/"+c.name, func(t *testing.T) {
			t.Parallel()
			srv, seen := hostileServer(t, c, "partner")
			var logs bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			const secret = "partner-secret-hostile-4c3b2a19"
			obs := &recordingObserver{}
			cl, err := tlpartner.NewClient("partner-1", secret, tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"),
				tlpartner.WithLogger(logger), tlpartner.WithRetryPolicy(tlpartner.RetryPolicy(fast)), tlpartner.WithObserver(obs))
			require.NoError(t, err)
			var meta tlhttp.ResponseMeta
			ws, err := cl.GetWorkspace(context.Background(), "acme", tlhttp.WithResponseMeta(&meta))
			if c.name != "200 with status error" { // a Partner 2xx is a success
				require.Error(t, err, "%+v", ws)
			}
			creds := seen()
			require.NotEmpty(t, creds)
			mu.Lock()
			logText := logs.String()
			mu.Unlock()
			checkNoCredential(t, append(creds, secret), append(append(errorRenderings(err), obs.texts()...), logText, fmt.Sprintf("%+v", ws), fmt.Sprintf("%+v", meta)))
			assertNoSecret(t, "tlpartner.Client", cl, append(creds, secret)...)
		})
	}
}

func checkNoCredential(t *testing.T, creds, texts []string) {
	t.Helper()
	for _, s := range texts {
		for _, cred := range creds {
			for _, form := range secretForms(cred) {
				if strings.Contains(s, form) {
					t.Errorf("credential %q (as %q) in: %.400s", cred, form, s)
				}
			}
		}
	}
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// recordingObserver keeps what the client reports of each operation: the
// response metadata and the renderings of the error.
type recordingObserver struct {
	mu  sync.Mutex
	out []string
}

func (o *recordingObserver) StartOperation(ctx context.Context, op tlhttp.Operation) (context.Context, func(tlhttp.ResponseMeta, error)) {
	return ctx, func(meta tlhttp.ResponseMeta, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.out = append(o.out, fmt.Sprintf("%+v", meta))
		if err != nil {
			o.out = append(o.out, errorRenderings(err)...)
		}
	}
}

func (o *recordingObserver) texts() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.out...)
}
