package tlpartner_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
)

// A connection the server drops says so, with the number of attempts,
// instead of a bare "EOF".
func TestDroppedConnectionReportsAttempts(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c, err := tlpartner.NewClient("p", "s", tlpartner.WithBaseURL(srv.URL),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 2, BaseDelay: time.Microsecond, MaxDelay: time.Microsecond}))
	require.NoError(t, err)
	_, err = c.GetWorkspace(t.Context(), "acme")
	require.Error(t, err)
	assert.Equal(t, int32(3), hits.Load())
	msg := err.Error()
	assert.Contains(t, msg, "GetWorkspace")
	assert.Contains(t, msg, "EOF")
	assert.Contains(t, msg, "the server closed the connection")
	assert.True(t, strings.HasSuffix(msg, "(3 attempts)"), msg)

	// Not retried (CreateUsers may have reached the server): one attempt.
	_, err = c.CreateUsers(t.Context(), "acme", 1)
	require.Error(t, err)
	assert.True(t, strings.HasSuffix(err.Error(), "(1 attempt)"), err.Error())
}

func TestRefusedConnectionReportsAttempts(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := tlpartner.NewClient("p", "s", tlpartner.WithBaseURL("http://"+addr),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 1, BaseDelay: time.Microsecond, MaxDelay: time.Microsecond}))
	require.NoError(t, err)
	_, err = c.CreateWorkspace(t.Context(), tlpartner.CreateWorkspaceParams{DisplayName: "x", SeatsPurchased: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
	assert.True(t, strings.HasSuffix(err.Error(), "(2 attempts)"), err.Error())
}
