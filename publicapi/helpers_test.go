package publicapi

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

const (
	testToken = "4d2d0239-e28c-4f4a-8a4d-3a3ca40056b8"
	testBase  = "https://api.test/integrations/api"
)

// fastRetries keeps retry waits negligible in tests.
var fastRetries = RetryPolicy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Millisecond}

// recorded is one request as the mock transport saw it.
type recorded struct {
	Method string
	Path   string // escaped
	Query  string // raw
	Header http.Header
	Body   string
}

// recorder answers with canned responses in order (the last one repeats)
// and records every request.
type recorder struct {
	mu       sync.Mutex
	reqs     []recorded
	answers  []func(*http.Request) (*http.Response, error)
	fallback func(*http.Request) (*http.Response, error)
}

func (r *recorder) responder(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Header: req.Header.Clone(), Body: string(body)})
	n := len(r.reqs)
	r.mu.Unlock()
	if n <= len(r.answers) {
		return r.answers[n-1](req)
	}
	if r.fallback != nil {
		return r.fallback(req)
	}
	return r.answers[len(r.answers)-1](req)
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func jsonAnswer(status int, body string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

func textAnswer(status int, body string, header ...string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "text/plain; charset=utf-8")
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		return resp, nil
	}
}

// newMockClient returns a client whose every request goes to a recorder
// answering with answers.
func newMockClient(t *testing.T, answers []func(*http.Request) (*http.Response, error), opts ...Option) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{answers: answers}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(rec.responder)
	all := append([]Option{
		WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: mt}),
		WithRetryPolicy(fastRetries),
	}, opts...)
	c, err := NewClient(testToken, all...)
	require.NoError(t, err)
	return c, rec
}
