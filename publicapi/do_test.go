package publicapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDo: the escape hatch has the shape and safety of tlpartner.Client.Do
// (there was none): JSON in and out, the response with a readable body
// and a redacted Authorization, the token scrubbed from errors, a
// {"status":"error"} 200 as an *APIError.
func TestDo(t *testing.T) {
	t.Parallel()
	var gotAuth, gotBody, gotPath atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotAuth.Store(r.Header.Get("Authorization"))
		gotBody.Store(string(b))
		gotPath.Store(r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/echo":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"status":"error","message":"bad token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		case "/api/soft-error":
			fmt.Fprint(w, `{"status":"error","message":"Chat not found","error_code":"not_found"}`)
		default:
			fmt.Fprint(w, `{"status":"ok","data":{"id":7}}`)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testToken, WithBaseURL(srv.URL+"/api"), WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()

	var out struct {
		Status string `json:"status"`
		Data   struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	resp, err := c.Do(ctx, "post", "/chats/7/notes?x=1", map[string]any{"text": "hi"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testToken, gotAuth.Load())
	assert.JSONEq(t, `{"text":"hi"}`, gotBody.Load().(string))
	assert.Equal(t, "/api/chats/7/notes?x=1", gotPath.Load())
	assert.Equal(t, int64(7), out.Data.ID)
	assert.Equal(t, "ok", out.Status)
	b, _ := io.ReadAll(resp.Body)
	assert.JSONEq(t, `{"status":"ok","data":{"id":7}}`, string(b))
	assert.Equal(t, http.MethodPost, resp.Request.Method)
	assert.NotContains(t, fmt.Sprint(resp.Request.Header), testToken, "the response's request carries no token")

	resp, err = c.Do(ctx, "GET", "/echo", json.RawMessage(`{}`), nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Do GET", ae.Operation)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.NotContains(t, err.Error()+string(ae.Body), testToken)
	assert.ErrorIs(t, err, ErrInvalidRequest)

	_, err = c.Do(ctx, "GET", "/soft-error", nil, &out)
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, ErrNotFound)

	for _, tc := range []struct{ method, path, field string }{
		{"GET", "https://evil.test/x", "path"},
		{"GET", "//evil.test/x", "path"},
		{"GET", "no-slash", "path"},
		{"BAD METHOD", "/x", "method"},
		{"", "/x", "method"},
	} {
		gotPath.Store("")
		_, err := c.Do(ctx, tc.method, tc.path, nil, nil)
		var ve *ValidationError
		if assert.ErrorAs(t, err, &ve, "%q %q", tc.method, tc.path) {
			assert.Equal(t, tc.field, ve.Field)
		}
		assert.Equal(t, "", gotPath.Load(), "nothing sent for %q %q", tc.method, tc.path)
	}
	_, err = c.Do(ctx, "POST", "/x", map[string]any{"f": func() {}}, nil)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "body", ve.Field)
	var nilClient *Client
	_, err = nilClient.Do(ctx, "GET", "/x", nil, nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

// TestDoRetriesByMethod: GET and the other idempotent methods are retried
// after a 502, POST is not (it may have been processed).
func TestDoRetriesByMethod(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]int{"GET": 2, "PUT": 2, "DELETE": 2, "POST": 1} {
		c, rec := newMockClient(t, answers{textAnswer(502, "bad gateway"), jsonAnswer(200, `{"status":"ok"}`)})
		_, err := c.Do(context.Background(), method, "/x", nil, nil)
		assert.Len(t, rec.requests(), want, method)
		if want == 1 {
			assert.ErrorIs(t, err, ErrServer, method)
		} else {
			assert.NoError(t, err, method)
		}
	}
}

// TestDoRedirects: a redirect to another host is not followed, so the
// token never reaches it; the 3xx comes back as an *APIError.
func TestDoRedirects(t *testing.T) {
	t.Parallel()
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evilHits.Add(1) }))
	t.Cleanup(evil.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/steal", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	resp, err := c.Do(context.Background(), "GET", "/x", nil, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Zero(t, evilHits.Load())
	assert.False(t, errors.Is(err, ErrNotFound))
}
