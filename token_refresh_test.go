package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// tokenServer serves the Partner API's token route and the Public API's
// send route of one workspace whose token can be rotated at any moment. It
// counts token fetches, refused sends and applied sends; a fetch can be
// held until release is closed (or for at most 2 s).
type tokenServer struct {
	*httptest.Server
	mu      sync.Mutex
	token   string
	gen     int
	fetches atomic.Int64
	refused atomic.Int64
	applied atomic.Int64
	hold    atomic.Pointer[chan struct{}] // when set, fetches wait for it
}

func newTokenServer(t *testing.T) *tokenServer {
	s := &tokenServer{token: "tok-gen0-3f9a7c21"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /partner/api/v1/workspaces/acme-co/api-token", func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if h := s.hold.Load(); h != nil {
			select {
			case <-*h:
			case <-time.After(2 * time.Second): // a slow Partner API
			case <-r.Context().Done():
				return
			}
		}
		s.mu.Lock()
		tok := s.token
		s.mu.Unlock()
		fmt.Fprintf(w, `{"workspace_id":"acme-co","token":%q}`, tok)
	})
	mux.HandleFunc("POST /integrations/api/messages", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+s.token
		s.mu.Unlock()
		if !ok {
			s.refused.Add(1)
			http.Error(w, `{"status":"error","message":"Invalid or expired token"}`, http.StatusUnauthorized)
			return
		}
		s.applied.Add(1)
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *tokenServer) rotate() {
	s.mu.Lock()
	s.gen++
	s.token = fmt.Sprintf("tok-gen%d-3f9a7c21", s.gen)
	s.mu.Unlock()
}

func (s *tokenServer) publicClient(t *testing.T) *publicapi.Client {
	t.Helper()
	partner, err := tlpartner.NewClient("partner-1", "partner-secret", tlpartner.WithBaseURL(s.URL+"/partner/api/v1"))
	require.NoError(t, err)
	pc, err := partner.PublicAPI(context.Background(), "acme-co", publicapi.WithMaxRetries(0))
	require.NoError(t, err)
	s.fetches.Store(0) // count only refreshes
	return pc
}

func send(ctx context.Context, pc *publicapi.Client) error {
	_, err := pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hi")})
	return err
}

// TestOneFetchPerRotation: 100 goroutines send through one client right
// after a rotation. All of them get a 401, but the token is fetched at most
// twice (once, in practice): concurrent refreshes share one fetch, and a
// call whose token was already replaced just sends again.
func TestOneFetchPerRotation(t *testing.T) {
	t.Parallel()
	srv := newTokenServer(t)
	pc := srv.publicClient(t)
	srv.rotate()
	const n = 100
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- send(context.Background(), pc)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(n), srv.applied.Load(), "every send applied once")
	assert.LessOrEqual(t, srv.fetches.Load(), int64(2), "token fetches for one rotation")
	t.Logf("100 concurrent sends after 1 rotation: %d token fetches, %d 401s, %d applied",
		srv.fetches.Load(), srv.refused.Load(), srv.applied.Load())
}

// TestFetchesAcrossRotations: 1,000 sends by 20 goroutines while the token
// is rotated 3 times: at most 2 fetches per rotation, every send applied
// exactly once.
func TestFetchesAcrossRotations(t *testing.T) {
	t.Parallel()
	srv := newTokenServer(t)
	pc := srv.publicClient(t)
	const total, workers, rotations = 1000, 20, 3
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > total {
					return
				}
				if i%(total/(rotations+1)) == 0 && i < total {
					srv.rotate() // at sends 250, 500 and 750
				}
				if err := send(context.Background(), pc); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	require.Zero(t, failed.Load(), "failed sends (first: %v)", firstErr.Load())
	assert.Equal(t, int64(total), srv.applied.Load(), "every send applied exactly once")
	assert.LessOrEqual(t, srv.fetches.Load(), int64(2*rotations), "token fetches for %d rotations", rotations)
	t.Logf("1000 sends across 3 rotations: %d token fetches, %d 401s, %d applied",
		srv.fetches.Load(), srv.refused.Load(), srv.applied.Load())
}

// TestRefreshHonoursCallersDeadline: while one call's token fetch hangs, a
// call with a 100 ms deadline returns with its own context's error soon
// after its deadline, having sent nothing after its 401; and the hung fetch
// serves the first call once it completes.
func TestRefreshHonoursCallersDeadline(t *testing.T) {
	t.Parallel()
	srv := newTokenServer(t)
	pc := srv.publicClient(t)
	release := make(chan struct{})
	srv.hold.Store(&release)
	srv.rotate()

	slow := make(chan error, 1)
	go func() { slow <- send(context.Background(), pc) }()
	require.Eventually(t, func() bool { return srv.fetches.Load() == 1 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := send(ctx, pc)
	took := time.Since(began)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, took, time.Second, "returned %v after a 100ms deadline", took)
	// The slow call's attempt was refused; the short call's was too, unless
	// its deadline passed before it got to send (a loaded machine). Either
	// way nothing is sent after the 401.
	assert.LessOrEqual(t, srv.refused.Load(), int64(2), "each call sent at most once with the old token, nothing more")
	assert.GreaterOrEqual(t, srv.refused.Load(), int64(1))
	assert.Equal(t, int64(1), srv.fetches.Load(), "the second call joined the fetch in progress")

	close(release)
	require.NoError(t, <-slow)
	assert.Equal(t, int64(1), srv.applied.Load())
	assert.Equal(t, int64(1), srv.fetches.Load())
}

// TestFirstTokenHonoursCallersDeadline: a client created without a token
// fetches the first one on its first call; a call that waits for that
// fetch gives up at its own deadline and sends nothing.
func TestFirstTokenHonoursCallersDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var fetches atomic.Int64
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	}))
	t.Cleanup(srv.Close)
	src := func(ctx context.Context, stale string) (string, error) {
		fetches.Add(1)
		select {
		case <-release:
			return "tok-first-8c1e", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	pc, err := publicapi.NewClient("", publicapi.WithBaseURL(srv.URL), publicapi.WithTokenSource(src))
	require.NoError(t, err)

	slow := make(chan error, 1)
	go func() { slow <- send(context.Background(), pc) }()
	require.Eventually(t, func() bool { return fetches.Load() == 1 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	err = send(ctx, pc)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), time.Second)
	assert.Zero(t, sent.Load(), "nothing sent without a token")

	close(release)
	require.NoError(t, <-slow)
	assert.Equal(t, int64(1), fetches.Load())
	assert.Equal(t, int64(1), sent.Load())
}

// TestAbandonedFetchIsCancelled: when every call waiting for a token fetch
// has given up, the fetch's context is cancelled, and the next call starts
// a fresh fetch instead of joining the cancelled one.
func TestAbandonedFetchIsCancelled(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	cancelled := make(chan struct{})
	var hang atomic.Bool
	hang.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	}))
	t.Cleanup(srv.Close)
	src := func(ctx context.Context, stale string) (string, error) {
		fetches.Add(1)
		if hang.Load() {
			<-ctx.Done()
			close(cancelled)
			return "", ctx.Err()
		}
		return "tok-second-51d0", nil
	}
	pc, err := publicapi.NewClient("", publicapi.WithBaseURL(srv.URL), publicapi.WithTokenSource(src))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, send(ctx, pc), context.DeadlineExceeded)
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the abandoned fetch was not cancelled")
	}
	hang.Store(false)
	require.NoError(t, send(context.Background(), pc))
	assert.Equal(t, int64(2), fetches.Load())
}

// TestSourceGetsStaleToken: the source learns which token was refused
// ("" for the first), so a cache shared between clients can tell a stale
// entry from a newer one.
func TestSourceGetsStaleToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	current := "tok-a-77aa"
	var stales []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+current {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	}))
	t.Cleanup(srv.Close)
	src := func(ctx context.Context, stale string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		stales = append(stales, stale)
		if stale == current {
			return "", errors.New("nothing newer than the stale token")
		}
		return current, nil
	}
	pc, err := publicapi.NewClient("", publicapi.WithBaseURL(srv.URL), publicapi.WithTokenSource(src))
	require.NoError(t, err)
	require.NoError(t, send(context.Background(), pc))
	mu.Lock()
	current = "tok-b-88bb"
	mu.Unlock()
	require.NoError(t, send(context.Background(), pc))
	mu.Lock()
	assert.Equal(t, []string{"", "tok-a-77aa"}, stales)
	mu.Unlock()
}

// TestPanickingSourceIsAnError: the source runs on a goroutine of the
// client's, where the caller could not recover a panic; it becomes the
// call's error instead of ending the program.
func TestPanickingSourceIsAnError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	}))
	t.Cleanup(srv.Close)
	pc, err := publicapi.NewClient("", publicapi.WithBaseURL(srv.URL),
		publicapi.WithTokenSource(func(context.Context, string) (string, error) { panic("vault client not configured") }))
	require.NoError(t, err)
	err = send(context.Background(), pc)
	assert.ErrorContains(t, err, "publicapi: token source: panic: vault client not configured")
}

// TestRotationDuringResend: the token is rotated again right after a
// call, refused with the first token, has fetched the second, so its
// resend is refused too. The call fetches once more and succeeds: a 401
// with a credential the call has not refreshed past yet is a new rotation,
// not a bad credential. A source that keeps bringing tokens the server
// refuses is bounded.
func TestRotationDuringResend(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		current = "tok-1-8c1e55aa"
		gen     = 1
		sends   atomic.Int64
		fetches atomic.Int64
		// how many fetches are followed at once by another rotation
		rotateAfterFetch atomic.Int64
	)
	rotate := func() {
		gen++
		current = fmt.Sprintf("tok-%d-8c1e55aa", gen)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sends.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+current {
			http.Error(w, `{"status":"error","message":"Invalid or expired token"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"status":"ok","data":{"message_uid":"m-1"}}`)
	}))
	t.Cleanup(srv.Close)
	src := func(ctx context.Context, stale string) (string, error) {
		fetches.Add(1)
		mu.Lock()
		defer mu.Unlock()
		tok := current
		if rotateAfterFetch.Add(-1) >= 0 {
			rotate()
		}
		return tok, nil
	}
	pc, err := publicapi.NewClient("tok-1-8c1e55aa", publicapi.WithBaseURL(srv.URL),
		publicapi.WithTokenSource(src), publicapi.WithMaxRetries(0))
	require.NoError(t, err)

	// Rotated once before the call and once more right after its fetch.
	mu.Lock()
	rotate()
	mu.Unlock()
	rotateAfterFetch.Store(1)
	require.NoError(t, send(context.Background(), pc))
	assert.Equal(t, int64(2), fetches.Load(), "one fetch per rotation")
	assert.Equal(t, int64(3), sends.Load())

	// Every fetched token is rotated away before it is used: the call ends
	// with the 401 after a bounded number of fetches.
	sends.Store(0)
	fetches.Store(0)
	mu.Lock()
	rotate()
	mu.Unlock()
	rotateAfterFetch.Store(1000)
	err = send(context.Background(), pc)
	require.ErrorIs(t, err, publicapi.ErrUnauthorized)
	assert.Equal(t, int64(3), fetches.Load(), "bounded refreshes per call")
	assert.Equal(t, int64(4), sends.Load())
}
