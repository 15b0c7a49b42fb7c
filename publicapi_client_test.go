package tlpartner_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// rotatingServer serves the Partner API's token route and the Public API's
// send route on one host. The workspace token can be rotated behind the
// client's back.
type rotatingServer struct {
	*httptest.Server
	mu          sync.Mutex
	token       string
	tokenFetch  atomic.Int32
	sends       atomic.Int32
	unauthorize atomic.Int32
	refuseAll   atomic.Bool
	partnerUA   atomic.Value // string: the last token fetch's User-Agent
	publicUA    atomic.Value // string: the last send's User-Agent
}

func newRotatingServer(t *testing.T) *rotatingServer {
	s := &rotatingServer{token: "tok-1-4d2d0239"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /partner/api/v1/workspaces/{ws}/api-token", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("ws") != "acme-co" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, `{"error":"workspace_not_found","status":404}`, http.StatusNotFound)
			return
		}
		s.tokenFetch.Add(1)
		s.partnerUA.Store(r.Header.Get("User-Agent"))
		s.mu.Lock()
		defer s.mu.Unlock()
		fmt.Fprintf(w, `{"workspace_id":"acme-co","token":%q}`, s.token)
	})
	mux.HandleFunc("POST /integrations/api/messages", func(w http.ResponseWriter, r *http.Request) {
		s.publicUA.Store(r.Header.Get("User-Agent"))
		s.mu.Lock()
		current := s.token
		s.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "Bearer "+current || s.refuseAll.Load() {
			s.unauthorize.Add(1)
			// A plain-text 401 that echoes what it got.
			http.Error(w, "Invalid or expired token: "+got, http.StatusUnauthorized)
			return
		}
		s.sends.Add(1)
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *rotatingServer) rotate(tok string) {
	s.mu.Lock()
	s.token = tok
	s.mu.Unlock()
}

func TestPublicAPIRefreshesRotatedToken(t *testing.T) {
	t.Parallel()
	srv := newRotatingServer(t)
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	partner, err := tlpartner.NewClient("partner-1", "partner-secret", tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"))
	require.NoError(t, err)
	ctx := context.Background()

	pc, err := partner.PublicAPI(ctx, "acme-co", publicapi.WithLogger(logger))
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/integrations/api", pc.BaseURL())
	assert.Equal(t, int32(1), srv.tokenFetch.Load())

	srv.rotate("tok-2-9b1c5a2e")
	uid, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello")})
	require.NoError(t, err)
	assert.Equal(t, "m-1", uid)
	assert.Equal(t, int32(2), srv.tokenFetch.Load(), "the token was fetched once more")
	assert.Equal(t, int32(1), srv.unauthorize.Load(), "one 401 with the old token")
	assert.Equal(t, int32(1), srv.sends.Load(), "the message was sent exactly once")

	_, err = partner.PublicAPI(ctx, "nope")
	assert.ErrorIs(t, err, tlpartner.ErrNotFound)

	out := logs.String() + fmt.Sprintf("%v %+v %#v", pc, pc, pc)
	for _, tok := range []string{"tok-1-4d2d0239", "tok-2-9b1c5a2e"} {
		assert.NotContains(t, out, tok)
	}
}

func TestPublicAPIRefreshFailsOnce(t *testing.T) {
	t.Parallel()
	srv := newRotatingServer(t)
	partner, err := tlpartner.NewClient("partner-1", "partner-secret", tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"))
	require.NoError(t, err)
	ctx := context.Background()
	pc, err := partner.PublicAPI(ctx, "acme-co")
	require.NoError(t, err)
	srv.refuseAll.Store(true)
	_, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello")})
	assert.ErrorIs(t, err, publicapi.ErrUnauthorized)
	assert.ErrorIs(t, err, tlpartner.ErrUnauthorized, "the sentinels are shared")
	assert.Equal(t, int32(0), srv.sends.Load())
	// The refresh brings back the token that was just refused (the server
	// refuses it, it was not rotated): resending it would only be refused
	// again, so the call ends with the 401 after one fetch.
	assert.Equal(t, int32(1), srv.unauthorize.Load(), "no resend with the refused token")
	assert.NotContains(t, err.Error(), "tok-1-4d2d0239")
}

func TestPublicAPIBaseURLOverride(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newRotatingServer(t)
	partner, err := tlpartner.NewClient("p", "s", tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"))
	require.NoError(t, err)
	pc, err := partner.PublicAPI(ctx, "acme-co", publicapi.WithBaseURL("https://app.timelines.global/integrations/api"))
	require.NoError(t, err)
	assert.Equal(t, "https://app.timelines.global/integrations/api", pc.BaseURL())

	_, err = partner.PublicAPI(ctx, "")
	var ve *tlpartner.ValidationError
	assert.ErrorAs(t, err, &ve)
	assert.Equal(t, int32(1), srv.tokenFetch.Load(), "an invalid workspace ID sends nothing")
}

// TestPublicAPIUserAgentCarriesVersion: both clients name the SDK's one
// Version in their User-Agent; the Public API client marks itself.
func TestPublicAPIUserAgentCarriesVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newRotatingServer(t)
	partner, err := tlpartner.NewClient("p", "s", tlpartner.WithBaseURL(srv.URL+"/partner/api/v1"))
	require.NoError(t, err)
	pc, err := partner.PublicAPI(ctx, "acme-co", publicapi.WithUserAgent("acme-crm/2.0"))
	require.NoError(t, err)
	_, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hello")})
	require.NoError(t, err)
	assert.Regexp(t, `^\d+\.\d+\.\d+`, tlpartner.Version)
	assert.Equal(t, "tlpartner-go/"+tlpartner.Version, srv.partnerUA.Load())
	assert.Equal(t, "tlpartner-go/"+tlpartner.Version+" (publicapi) acme-crm/2.0", srv.publicUA.Load())
}

// TestSentinelsSharedWithPublicAPI: the sentinels of the shared meanings
// are the same values in both packages, and a Public API error matches
// the root's sentinels and types.
func TestSentinelsSharedWithPublicAPI(t *testing.T) {
	t.Parallel()
	pairs := map[string][2]error{
		"ErrUnauthorized":   {tlpartner.ErrUnauthorized, publicapi.ErrUnauthorized},
		"ErrForbidden":      {tlpartner.ErrForbidden, publicapi.ErrForbidden},
		"ErrNotFound":       {tlpartner.ErrNotFound, publicapi.ErrNotFound},
		"ErrRateLimited":    {tlpartner.ErrRateLimited, publicapi.ErrRateLimited},
		"ErrQuotaExceeded":  {tlpartner.ErrQuotaExceeded, publicapi.ErrQuotaExceeded},
		"ErrInvalidRequest": {tlpartner.ErrInvalidRequest, publicapi.ErrInvalidRequest},
		"ErrServer":         {tlpartner.ErrServer, publicapi.ErrServer},
	}
	for name, p := range pairs {
		assert.True(t, p[0] == p[1], "%s differs between the packages", name)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"status":"error","message":"Chat not found","error_code":"not_found"}`)
	}))
	t.Cleanup(srv.Close)
	pc, err := publicapi.NewClient("tok-4d2d0239", publicapi.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = pc.GetChat(context.Background(), 7)
	assert.ErrorIs(t, err, tlpartner.ErrNotFound)
	var apiErr *tlpartner.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "GetChat", apiErr.Operation)
	assert.Equal(t, "not_found", apiErr.Code)

	_, err = pc.GetChat(context.Background(), 0)
	var ve *tlpartner.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "chatID", ve.Field)
}
