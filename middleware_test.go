package tlpartner_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// spy is a middleware that records everything it can reach: the request
// before and after next, the response headers and body, every request of
// the redirect chain, and errors.
type spy struct {
	mu   sync.Mutex
	seen []string
	ops  []string
}

func (s *spy) mw(req *http.Request, next tlhttp.Next) (*http.Response, error) {
	a, _ := tlhttp.AttemptFromContext(req.Context())
	dump := func(r *http.Request) string {
		var b strings.Builder
		b.WriteString(r.Method + " " + r.URL.String() + "\n")
		for k, vs := range r.Header {
			b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
		}
		return b.String()
	}
	s.mu.Lock()
	s.seen = append(s.seen, dump(req))
	s.ops = append(s.ops, a.API+"."+a.Operation)
	s.mu.Unlock()
	resp, err := next(req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, dump(req))
	if err != nil {
		s.seen = append(s.seen, err.Error())
	}
	if resp != nil {
		for k, vs := range resp.Header {
			s.seen = append(s.seen, k+": "+strings.Join(vs, ","))
		}
		for r := resp.Request; r != nil; r = r.Response.Request {
			s.seen = append(s.seen, dump(r))
			if r.Response == nil {
				break
			}
		}
		b, _ := io.ReadAll(resp.Body)
		s.seen = append(s.seen, string(b))
	}
	return resp, err
}

// TestMiddlewareSeesNoCredential: middleware on both clients sees neither
// the JWT nor the Public API token, also when the server echoes the token
// in a 401 and the client refreshes it; the calls still succeed.
func TestMiddlewareSeesNoCredential(t *testing.T) {
	t.Parallel()
	srv := newRotatingServer(t)
	var ps, qs spy
	partner, err := tlpartner.NewClient("partner-1", "partner-secret", tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"),
		tlpartner.WithMiddleware(ps.mw))
	require.NoError(t, err)
	ctx := context.Background()
	pc, err := partner.PublicAPI(ctx, "acme-co", publicapi.WithMiddleware(qs.mw))
	require.NoError(t, err)
	srv.rotate("tok-2-9b1c5a2e") // the next send gets a 401 echoing tok-1, then refreshes
	_, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello")})
	require.NoError(t, err)
	assert.Equal(t, int32(1), srv.unauthorize.Load())

	assert.Equal(t, []string{"tlpartner.GetPublicAPIToken", "tlpartner.GetPublicAPIToken"}, ps.ops)
	assert.Equal(t, []string{"publicapi.SendToPhone", "publicapi.SendToPhone"}, qs.ops)
	for _, s := range ps.seen {
		assert.NotContains(t, s, "eyJ", "the Partner client's middleware saw a JWT")
		assert.NotContains(t, s, "partner-secret")
	}
	all := strings.Join(qs.seen, "\n")
	require.NotEmpty(t, all)
	assert.NotContains(t, all, "tok-1-4d2d0239", "the Public API client's middleware saw the token")
	assert.NotContains(t, all, "tok-2-9b1c5a2e", "the Public API client's middleware saw the token")
	assert.Contains(t, all, "Bearer [REDACTED]")
}
