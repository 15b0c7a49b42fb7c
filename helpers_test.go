package tlpartner_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jarcoal/httpmock"

	"github.com/tlpartner/tlpartner-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testPartnerID = "acme-partner"
	testSecret    = "pS3cr3t-never-print-me-0123456789"
	// testBase has a path prefix so that URL-joining mistakes show up.
	testBase = "https://partner.test/partner/api/v1"
)

// testNow is the fixed clock of the mock tests.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// recorded is one request seen by the mock transport.
type recorded struct {
	Method   string
	Path     string // escaped path
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
	HasBody  bool
}

// mock is a per-test httpmock transport that records every request and
// answers from a queue of responders (the last one repeats).
type mock struct {
	t  *testing.T
	mt *httpmock.MockTransport

	mu         sync.Mutex
	reqs       []recorded
	responders []httpmock.Responder
}

// newMock returns a client wired to a fresh httpmock.MockTransport. Unless
// opts override it, retries use tiny delays.
func newMock(t *testing.T, opts ...tlpartner.Option) (*tlpartner.Client, *mock) {
	t.Helper()
	m := &mock{t: t, mt: httpmock.NewMockTransport()}
	m.mt.RegisterNoResponder(m.respond)
	base := []tlpartner.Option{
		tlpartner.WithBaseURL(testBase),
		tlpartner.WithHTTPClient(&http.Client{Transport: m.mt}),
		tlpartner.WithClock(func() time.Time { return testNow }),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 2, BaseDelay: time.Microsecond, MaxDelay: 10 * time.Microsecond, MaxRetryAfter: time.Millisecond}),
	}
	c, err := tlpartner.NewClient(testPartnerID, testSecret, append(base, opts...)...)
	require.NoError(t, err)
	return c, m
}

func (m *mock) respond(req *http.Request) (*http.Response, error) {
	rec := recorded{
		Method:   req.Method,
		Path:     req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery,
		Host:     req.URL.Host,
		Header:   req.Header.Clone(),
	}
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		rec.Body, rec.HasBody = b, len(b) > 0
	}
	m.mu.Lock()
	m.reqs = append(m.reqs, rec)
	var r httpmock.Responder
	switch len(m.responders) {
	case 0:
		m.mu.Unlock()
		m.t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return httpmock.NewStringResponse(599, "no responder"), nil
	case 1:
		r = m.responders[0]
	default:
		r = m.responders[0]
		m.responders = m.responders[1:]
	}
	m.mu.Unlock()
	return r(req)
}

// on replaces the responder queue: each request consumes one responder,
// and the last one answers all further requests.
func (m *mock) on(rs ...httpmock.Responder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.responders = append([]httpmock.Responder(nil), rs...)
}

func (m *mock) requests() []recorded {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recorded(nil), m.reqs...)
}

// only returns the single request that was sent, failing otherwise.
func (m *mock) only() recorded {
	m.t.Helper()
	reqs := m.requests()
	require.Len(m.t, reqs, 1, "requests sent")
	return reqs[0]
}

// fixture reads testdata/client/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "client", name))
	require.NoError(t, err)
	return b
}

// reply answers with status and the named fixture (JSON unless the name
// says otherwise) plus optional header key/value pairs.
func reply(t testing.TB, status int, name string, kv ...string) httpmock.Responder {
	body := fixture(t, name)
	ct := "application/json"
	switch {
	case strings.HasSuffix(name, ".html"):
		ct = "text/html; charset=utf-8"
	case strings.HasSuffix(name, ".txt"):
		ct = "text/plain"
	}
	return replyBytes(status, body, append([]string{"Content-Type", ct}, kv...)...)
}

func replyBytes(status int, body []byte, kv ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp := &http.Response{
			Status:        http.StatusText(status),
			StatusCode:    status,
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}
		for i := 0; i+1 < len(kv); i += 2 {
			resp.Header.Add(kv[i], kv[i+1])
		}
		return resp, nil
	}
}

// assertAuth checks the headers every request must carry and verifies the
// Bearer token: HS256, signed with the secret, exactly the claims
// partner_id, nbf = now-3m and exp = now+3m.
func assertAuth(t *testing.T, r recorded, wantJSONBody bool) {
	t.Helper()
	assert.Equal(t, "partner.test", r.Host)
	assert.Equal(t, testPartnerID, r.Header.Get("X-TL-Partner-Id"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Equal(t, "tlpartner-go/"+tlpartner.Version, r.Header.Get("User-Agent"))
	if wantJSONBody {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	} else {
		assert.Empty(t, r.Header.Get("Content-Type"), "Content-Type without a body")
		assert.False(t, r.HasBody, "unexpected body %q", r.Body)
	}
	assertToken(t, r.Header.Get("Authorization"), testNow)
}

func assertToken(t *testing.T, authz string, now time.Time) jwt.MapClaims {
	t.Helper()
	raw, ok := strings.CutPrefix(authz, "Bearer ")
	require.True(t, ok, "Authorization must be a Bearer token, got %q", authz)

	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		return []byte(testSecret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	require.NoError(t, err, "token must verify with the partner secret")
	require.True(t, tok.Valid)
	assert.Equal(t, "HS256", tok.Header["alg"])
	assert.Equal(t, "JWT", tok.Header["typ"])
	assert.Equal(t, testPartnerID, claims["partner_id"])
	assert.Equal(t, float64(now.Add(-3*time.Minute).Unix()), claims["nbf"])
	assert.Equal(t, float64(now.Add(3*time.Minute).Unix()), claims["exp"])
	assert.Len(t, claims, 3, "only partner_id, nbf and exp: %v", claims)

	// A different key must not verify it.
	_, err = jwt.Parse(raw, func(*jwt.Token) (any, error) { return []byte("wrong-secret"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }))
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
	return claims
}

// decodeClaims verifies the token's signature (ignoring the time claims)
// and returns its claims.
func decodeClaims(t *testing.T, authz string) jwt.MapClaims {
	t.Helper()
	raw, ok := strings.CutPrefix(authz, "Bearer ")
	require.True(t, ok)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(testSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	require.NoError(t, err)
	return claims
}

func ts(s string) time.Time {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return v
}

var bg = context.Background()
