package tlpartner

// Benchmarks. Run them with
//
//	go test -run '^$' -bench . -benchmem -count 5 .
//
// BenchmarkGetWorkspace/sdk and BenchmarkGetWorkspace/baseline do the same
// work against the same loopback httptest server: one authenticated GET and
// a JSON decode of the same body into equivalent structs. The baseline
// signs its JWT by hand with crypto/hmac and uses plain net/http, so the
// difference is the SDK's overhead (token minting through golang-jwt,
// validation, request building through the generated wire layer, tolerant
// decoding and the retry loop).

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func BenchmarkMintToken(b *testing.B) {
	c, err := NewClient("bench-partner", "bench-secret-0123456789abcdef")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.mintToken(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchWorkspaceBody is a realistic GET /workspaces/{id} answer: 10 users,
// 5 WhatsApp accounts, 2 QR links.
func benchWorkspaceBody() []byte {
	var sb strings.Builder
	sb.WriteString(`{"workspace_id":"acme-co","display_name":"acme-co",` +
		`"seats":{"total":10,"used":10,"period_start":"2026-03-01T00:00:00Z","period_end":"2026-03-31T23:59:59Z"},` +
		`"messages_quota":{"total":100000,"used":4567,"period_start":"2026-03-01T00:00:00Z","period_end":"2026-03-31T23:59:59Z"},` +
		`"api_calls_quota":{"total":1000000,"used":12345,"period_start":"2026-03-01T00:00:00Z","period_end":"2026-03-31T23:59:59Z"},` +
		`"non_recurring_quota":{"remaining_balance":50,"last_updated_at":"2026-03-10T12:00:00Z"},"users":[`)
	for i := range 10 {
		if i > 0 {
			sb.WriteByte(',')
		}
		id := strconv.Itoa(100 + i)
		fmt.Fprintf(&sb, `{"user_id":%s,"display_name":"Agent %d","email":"%s-acme-co@partners.timelines.ai","role":"agent","status":"activated","created_at":"2026-03-01T10:00:%02dZ"}`, id, i, id, i)
	}
	sb.WriteString(`],"whatsapp_accounts":[`)
	for i := range 5 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"whatsapp_account_id":%d,"user_id":%d,"connected":true,"phone_number_e164":"+3161234567%d","connection_status":"connected","connected_at":"2026-03-02T10:00:00Z"}`, 9000+i, 100+i, i)
	}
	sb.WriteString(`],"qr_links":[{"qr_link":"https://app.timelines.ai/qr/a1","user_id":106,"expires_at":"2026-03-20T10:00:00Z"},` +
		`{"qr_link":"https://app.timelines.ai/qr/a2","user_id":107,"expires_at":"2026-03-20T11:00:00Z"}]}`)
	return []byte(sb.String())
}

func benchServer(b *testing.B) *httptest.Server {
	body := benchWorkspaceBody()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || r.Header.Get(HeaderPartnerID) == "" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// Baseline types: the same shape as WorkspaceDetails, decoded with the
// standard library's rules.
type (
	baseQuota struct {
		Total       int64     `json:"total"`
		Used        int64     `json:"used"`
		PeriodStart time.Time `json:"period_start"`
		PeriodEnd   time.Time `json:"period_end"`
	}
	baseWorkspace struct {
		ID                string    `json:"workspace_id"`
		DisplayName       string    `json:"display_name"`
		Seats             baseQuota `json:"seats"`
		MessagesQuota     baseQuota `json:"messages_quota"`
		APICallsQuota     baseQuota `json:"api_calls_quota"`
		NonRecurringQuota struct {
			RemainingBalance int64     `json:"remaining_balance"`
			LastUpdatedAt    time.Time `json:"last_updated_at"`
		} `json:"non_recurring_quota"`
		Users []struct {
			ID          int64     `json:"user_id"`
			DisplayName string    `json:"display_name"`
			Email       string    `json:"email"`
			Role        string    `json:"role"`
			Status      string    `json:"status"`
			CreatedAt   time.Time `json:"created_at"`
		} `json:"users"`
		WhatsAppAccounts []struct {
			ID               int64     `json:"whatsapp_account_id"`
			UserID           int64     `json:"user_id"`
			Connected        bool      `json:"connected"`
			PhoneNumberE164  string    `json:"phone_number_e164"`
			ConnectionStatus string    `json:"connection_status"`
			ConnectedAt      time.Time `json:"connected_at"`
		} `json:"whatsapp_accounts"`
		QRLinks []struct {
			URL       string    `json:"qr_link"`
			UserID    int64     `json:"user_id"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"qr_links"`
	}
)

// handJWT signs the Partner API claims with crypto/hmac directly.
func handJWT(partnerID string, secret []byte, now time.Time) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"partner_id":%q,"nbf":%d,"exp":%d}`,
		partnerID, now.Add(-3*time.Minute).Unix(), now.Add(3*time.Minute).Unix())))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func BenchmarkGetWorkspace(b *testing.B) {
	srv := benchServer(b)
	base := srv.URL + "/partner/api/v1"
	const partnerID, secret = "bench-partner", "bench-secret-0123456789abcdef"
	ctx := context.Background()

	b.Run("sdk", func(b *testing.B) {
		c, err := NewClient(partnerID, secret, WithBaseURL(base))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ws, err := c.GetWorkspace(ctx, "acme-co")
			if err != nil {
				b.Fatal(err)
			}
			if len(ws.Users) != 10 {
				b.Fatal("bad decode")
			}
		}
	})

	b.Run("baseline", func(b *testing.B) {
		get := newBaseline(base, partnerID, secret)
		b.ReportAllocs()
		for b.Loop() {
			if err := get(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// newBaseline returns the plain net/http equivalent of GetWorkspace.
func newBaseline(base, partnerID, secret string) func(context.Context) error {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	key := []byte(secret)
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/workspaces/acme-co", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+handJWT(partnerID, key, time.Now()))
		req.Header.Set(HeaderPartnerID, partnerID)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return fmt.Errorf("status %d: %v", resp.StatusCode, err)
		}
		var ws baseWorkspace
		if err := json.Unmarshal(body, &ws); err != nil {
			return err
		}
		if len(ws.Users) != 10 {
			return fmt.Errorf("bad decode")
		}
		return nil
	}
}

// BenchmarkGetWorkspacePaired interleaves SDK and baseline calls inside one
// benchmark, so both see the same machine load, and reports the
// ratio of their median call times as the custom metric "sdk/baseline"
// (the target is at most 1.15). ns/op is the mean of one SDK call plus one
// baseline call.
func BenchmarkGetWorkspacePaired(b *testing.B) {
	srv := benchServer(b)
	base := srv.URL + "/partner/api/v1"
	const partnerID, secret = "bench-partner", "bench-secret-0123456789abcdef"
	ctx := context.Background()
	c, err := NewClient(partnerID, secret, WithBaseURL(base))
	if err != nil {
		b.Fatal(err)
	}
	baseline := newBaseline(base, partnerID, secret)
	sdk := func(ctx context.Context) error {
		_, err := c.GetWorkspace(ctx, "acme-co")
		return err
	}
	// Per-call times of both sides; the ratio of their medians is robust
	// against the outliers a busy machine produces.
	sdkTimes := make([]time.Duration, 0, 1<<14)
	baseTimes := make([]time.Duration, 0, 1<<14)
	timed := func(f func(context.Context) error, into *[]time.Duration) {
		start := time.Now()
		if err := f(ctx); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(start))
	}
	odd := false
	for b.Loop() {
		// Alternate the order so neither side always runs second.
		if odd {
			timed(baseline, &baseTimes)
			timed(sdk, &sdkTimes)
		} else {
			timed(sdk, &sdkTimes)
			timed(baseline, &baseTimes)
		}
		odd = !odd
	}
	if m := median(baseTimes); m > 0 {
		b.ReportMetric(float64(median(sdkTimes))/float64(m), "sdk/baseline")
		b.ReportMetric(float64(median(sdkTimes)), "sdk-median-ns")
		b.ReportMetric(float64(m), "baseline-median-ns")
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkGetWorkspaceParallel runs GetWorkspace from 100 goroutines on one
// Client and reports how many TCP connections the server saw opened per
// 1,000 calls ("conns/1k-calls"): with enough idle connections kept per
// host it is about one connection per goroutine for the whole run, instead
// of one for about every second call. Use a fixed count so that the 100
// first connections do not dominate a short run:
//
//	go test -run '^$' -bench GetWorkspaceParallel -benchmem -benchtime 5000x .
func BenchmarkGetWorkspaceParallel(b *testing.B) {
	body := benchWorkspaceBody()
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	b.Cleanup(srv.Close)
	c, err := NewClient("bench-partner", "bench-secret-0123456789abcdef", WithBaseURL(srv.URL+"/partner/api/v1"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var calls atomic.Int64
	b.SetParallelism((100 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)) // about 100 goroutines
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetWorkspace(ctx, "acme-co"); err != nil {
				b.Error(err)
				return
			}
			calls.Add(1)
		}
	})
	b.StopTimer()
	if n := calls.Load(); n > 0 {
		b.ReportMetric(float64(newConns.Load())*1000/float64(n), "conns/1k-calls")
	}
}
