package tlotel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlotel"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

const (
	partnerID     = "partner-otel"
	partnerSecret = "partner-SECRET-5f1e0c9a7b"
	publicToken   = "tlpub_TOKEN_8c2d4e6f0a"
	phone         = "+14155550123"
	messageText   = "the quarterly numbers are in"
	urlToken      = "urltoken-ABCDEFGHIJKLMNOP0123456789"
)

// recording returns a Telemetry that records into a SpanRecorder and a
// ManualReader.
func recording(t *testing.T) (*tlotel.Telemetry, *tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	tel, err := tlotel.New(tlotel.WithTracerProvider(tp), tlotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	return tel, sr, reader
}

// script answers with the statuses in turn (the last repeats).
func script(t *testing.T, body string, statuses ...int) (*httptest.Server, *atomic.Int32, *sync.Map) {
	t.Helper()
	var n atomic.Int32
	var seen sync.Map // what the server received: Authorization values, bodies
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		seen.Store(r.Header.Get("Authorization"), true)
		seen.Store(string(b), true)
		st := statuses[min(i, len(statuses)-1)]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", i+1))
		if st == 429 || st == 503 {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(st)
		if st < 300 {
			_, _ = io.WriteString(w, body)
		} else {
			_, _ = io.WriteString(w, `{"status":"error","message":"try again"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &seen
}

const workspaceBody = `{"workspace_id":"ws-1","display_name":"Acme","users":[],"whatsapp_accounts":[],"qr_links":[]}`
const sendBody = `{"status":"ok","data":{"message_uid":"1c1f0b4c-6c4e-4f7e-9a0e-5d8f8b0f2a11"}}`

var fastRetry = tlpartner.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}

func partnerClient(t *testing.T, tel *tlotel.Telemetry, base string, extra ...tlpartner.Option) *tlpartner.Client {
	t.Helper()
	opts := append(tel.PartnerOptions(), tlpartner.WithBaseURL(base), tlpartner.WithRetryPolicy(fastRetry))
	c, err := tlpartner.NewClient(partnerID, partnerSecret, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publicClient(t *testing.T, tel *tlotel.Telemetry, base string, extra ...publicapi.Option) *publicapi.Client {
	t.Helper()
	opts := append(tel.PublicAPIOptions(), publicapi.WithBaseURL(base),
		publicapi.WithRetryPolicy(publicapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	c, err := publicapi.NewClient(publicToken, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func attr(s sdktrace.ReadOnlySpan, k attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == k {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func intAttr(t *testing.T, s sdktrace.ReadOnlySpan, k attribute.Key) int64 {
	t.Helper()
	v, ok := attr(s, k)
	if !ok {
		t.Fatalf("span %q has no %s; attributes %v", s.Name(), k, s.Attributes())
	}
	return v.AsInt64()
}

// TestRetriedCallSpans: a call that succeeds on its third attempt gives one
// operation span and three attempt spans under it, with their statuses.
func TestRetriedCallSpans(t *testing.T) {
	tel, sr, _ := recording(t)
	srv, n, _ := script(t, workspaceBody, 503, 503, 200)
	c := partnerClient(t, tel, srv.URL+"/partner/api/v1")
	if _, err := c.GetWorkspace(context.Background(), "ws-1"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Fatalf("server saw %d requests", n.Load())
	}
	spans := sr.Ended()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 4", len(spans))
	}
	parent := spans[len(spans)-1]
	if parent.Name() != "tlpartner.GetWorkspace" || parent.SpanKind() != trace.SpanKindClient {
		t.Fatalf("parent = %q %v", parent.Name(), parent.SpanKind())
	}
	if intAttr(t, parent, "tlpartner.retry_count") != 2 || intAttr(t, parent, "tlpartner.attempts") != 3 ||
		intAttr(t, parent, "http.response.status_code") != 200 || parent.Status().Code == codes.Error {
		t.Fatalf("parent attributes %v status %v", parent.Attributes(), parent.Status())
	}
	if v, _ := attr(parent, "tlpartner.operation"); v.AsString() != "GetWorkspace" {
		t.Fatalf("tlpartner.operation = %q", v.AsString())
	}
	wantStatus := []int64{503, 503, 200}
	for i, s := range spans[:3] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.Name() != "GET" || s.SpanKind() != trace.SpanKindClient {
			t.Fatalf("attempt %d: name %q kind %v parent %v", i+1, s.Name(), s.SpanKind(), s.Parent().SpanID())
		}
		if got := intAttr(t, s, "http.response.status_code"); got != wantStatus[i] {
			t.Fatalf("attempt %d status %d, want %d", i+1, got, wantStatus[i])
		}
		if intAttr(t, s, "tlpartner.attempt") != int64(i+1) {
			t.Fatalf("attempt %d: tlpartner.attempt wrong", i+1)
		}
		_, resend := attr(s, "http.request.resend_count")
		if resend != (i > 0) {
			t.Fatalf("attempt %d: resend_count present = %v", i+1, resend)
		}
		if wantErr := wantStatus[i] >= 500; (s.Status().Code == codes.Error) != wantErr {
			t.Fatalf("attempt %d status %v", i+1, s.Status())
		}
		if v, _ := attr(s, "server.address"); v.AsString() != "127.0.0.1" {
			t.Fatalf("server.address = %q", v.AsString())
		}
	}

	// A call that fails for good: the operation span has error.type.
	sr2 := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr2))
	tel2, _ := tlotel.New(tlotel.WithTracerProvider(tp))
	srv2, _, _ := script(t, sendBody, 429)
	pc := publicClient(t, tel2, srv2.URL, publicapi.WithMaxRetries(1))
	if _, err := pc.SendToPhone(context.Background(), phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)}); err == nil {
		t.Fatal("want an error")
	}
	spans = sr2.Ended()
	parent = spans[len(spans)-1]
	if len(spans) != 3 || parent.Name() != "publicapi.SendToPhone" || parent.Status().Code != codes.Error {
		t.Fatalf("%d spans, parent %q %v", len(spans), parent.Name(), parent.Status())
	}
	if v, _ := attr(parent, "error.type"); v.AsString() != "429" {
		t.Fatalf("error.type = %q", v.AsString())
	}
}

// TestRateLimitWaitRecorded: the wait for the client's limiter shows on
// the operation span, the attempt span and the wait histogram.
func TestRateLimitWaitRecorded(t *testing.T) {
	tel, sr, reader := recording(t)
	srv, _, _ := script(t, sendBody, 200)
	c := publicClient(t, tel, srv.URL, publicapi.WithRateLimit(10, 1)) // one every 100ms
	for range 2 {
		if _, err := c.SendToPhone(context.Background(), phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)}); err != nil {
			t.Fatal(err)
		}
	}
	var ops []sdktrace.ReadOnlySpan
	var attempts []sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == "publicapi.SendToPhone" {
			ops = append(ops, s)
		} else {
			attempts = append(attempts, s)
		}
	}
	if len(ops) != 2 || len(attempts) != 2 {
		t.Fatalf("ops %d attempts %d", len(ops), len(attempts))
	}
	w, ok := attr(ops[1], "tlpartner.rate_limit.wait")
	if !ok || w.AsFloat64() < 0.05 {
		t.Fatalf("second call's wait = %v (present %v)", w.AsFloat64(), ok)
	}
	if w, _ := attr(attempts[1], "tlpartner.rate_limit.wait"); w.AsFloat64() < 0.05 {
		t.Fatalf("second attempt's wait = %v", w.AsFloat64())
	}
	rm := collect(t, reader)
	h := histogram(t, rm, "tlpartner.client.rate_limit.wait")
	var count uint64
	var sum float64
	for _, dp := range h.DataPoints {
		count += dp.Count
		sum += dp.Sum
	}
	if count != 2 || sum < 0.05 {
		t.Fatalf("wait histogram count %d sum %v", count, sum)
	}
}

func collect(t *testing.T, r *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func find(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

func histogram(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Histogram[float64] {
	t.Helper()
	m, ok := find(rm, name)
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T", name, m.Data)
	}
	return h
}

func counter(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Sum[int64] {
	t.Helper()
	m, ok := find(rm, name)
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	s, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T", name, m.Data)
	}
	return s
}

// TestClientMetrics: durations and attempts are counted per attempt and
// per operation.
func TestClientMetrics(t *testing.T) {
	tel, _, reader := recording(t)
	srv, _, _ := script(t, workspaceBody, 503, 200)
	c := partnerClient(t, tel, srv.URL+"/partner/api/v1")
	if _, err := c.GetWorkspace(context.Background(), "ws-1"); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, reader)
	var attempts int64
	byStatus := map[int64]int64{}
	for _, dp := range counter(t, rm, "tlpartner.client.attempts").DataPoints {
		attempts += dp.Value
		v, _ := dp.Attributes.Value("http.response.status_code")
		byStatus[v.AsInt64()] += dp.Value
	}
	if attempts != 2 || byStatus[503] != 1 || byStatus[200] != 1 {
		t.Fatalf("attempts %d by status %v", attempts, byStatus)
	}
	var reqs, ops uint64
	for _, dp := range histogram(t, rm, "http.client.request.duration").DataPoints {
		reqs += dp.Count
	}
	for _, dp := range histogram(t, rm, "tlpartner.client.operation.duration").DataPoints {
		ops += dp.Count
		if v, _ := dp.Attributes.Value("tlpartner.operation"); v.AsString() != "GetWorkspace" {
			t.Fatalf("operation attribute %q", v.AsString())
		}
	}
	if reqs != 2 || ops != 1 {
		t.Fatalf("request durations %d, operation durations %d", reqs, ops)
	}
	if _, ok := find(rm, "tlpartner.client.rate_limit.wait"); ok {
		if h := histogram(t, rm, "tlpartner.client.rate_limit.wait"); len(h.DataPoints) != 0 {
			t.Fatal("a client without a rate limiter recorded a rate-limit wait")
		}
	}
}

// TestWebhookServerSpans: each delivery to either handler gives a server
// span with its outcome, and the deliveries counter counts them.
func TestWebhookServerSpans(t *testing.T) {
	tel, sr, reader := recording(t)
	hooks, err := webhooks.NewHandler(partnerID, partnerSecret, webhooks.WithDeliveryObserver(tel),
		webhooks.WithDeduplicator(webhooks.NewMemoryDeduplicator(100)))
	if err != nil {
		t.Fatal(err)
	}
	var sawSpan bool
	hooks.OnAPITokenRotated(func(ctx context.Context, e *webhooks.APITokenRotated) error {
		sawSpan = trace.SpanFromContext(ctx).SpanContext().IsValid()
		return nil
	})
	evh, err := events.NewHandler(events.WithDeliveryObserver(tel), events.WithPathToken(urlToken))
	if err != nil {
		t.Fatal(err)
	}
	evh.OnEvent(func(ctx context.Context, e events.Event) error { return fmt.Errorf("downstream down") })
	mux := http.NewServeMux()
	mux.Handle("POST /hooks", hooks)
	mux.Handle("POST /events/{token}", evh)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	signer := webhookstest.Signer{PartnerID: partnerID, Secret: partnerSecret}
	partnerBody := []byte(`{"workspace_id":"ws-1","event_type":"api_token:rotated","partner_id":"` + partnerID + `","triggered_at":"2024-01-01T12:00:00Z","rotated_at":"2024-01-01T12:00:00Z"}`)
	post := func(req *http.Request) int {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 2 { // the second is a duplicate
		req, err := signer.NewRequest(context.Background(), srv.URL+"/hooks", partnerBody)
		if err != nil {
			t.Fatal(err)
		}
		if code := post(req); code != 200 {
			t.Fatalf("partner delivery: %d", code)
		}
	}
	bad, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks", strings.NewReader(string(partnerBody)))
	bad.Header.Set("X-TL-Partner-Id", partnerID)
	bad.Header.Set("X-TL-Signature", "forged")
	if code := post(bad); code != 401 {
		t.Fatalf("forged delivery: %d", code)
	}
	evBody := `{"event_type":"message:received:new","message":{"text":"` + messageText + `","message_uid":"u-1","sender":{"phone":"` + phone + `"}},"chat":{"chat_id":1,"phone":"` + phone + `"}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/events/"+urlToken, strings.NewReader(evBody))
	if code := post(req); code != 500 {
		t.Fatalf("event delivery: %d", code)
	}
	if !sawSpan {
		t.Fatal("the callback's context carried no span")
	}
	type row struct{ name, outcome string }
	var got []row
	for _, s := range sr.Ended() {
		if s.SpanKind() != trace.SpanKindServer {
			t.Fatalf("span %q kind %v", s.Name(), s.SpanKind())
		}
		o, _ := attr(s, "tlpartner.webhook.outcome")
		got = append(got, row{s.Name(), o.AsString()})
	}
	want := []row{{"webhooks delivery", "handled"}, {"webhooks delivery", "duplicate"}, {"webhooks delivery", "rejected"}, {"events delivery", "failed"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("spans %v, want %v", got, want)
	}
	last := sr.Ended()[3]
	if last.Status().Code != codes.Error || intAttr(t, last, "http.response.status_code") != 500 {
		t.Fatalf("failed delivery span: %v %v", last.Status(), last.Attributes())
	}
	if v, _ := attr(last, "tlpartner.webhook.event_type"); v.AsString() != "message:received:new" {
		t.Fatalf("event type %q", v.AsString())
	}
	outcomes := map[string]int64{}
	for _, dp := range counter(t, collect(t, reader), "tlpartner.webhook.deliveries").DataPoints {
		o, _ := dp.Attributes.Value("tlpartner.webhook.outcome")
		r, _ := dp.Attributes.Value("tlpartner.webhook.receiver")
		outcomes[r.AsString()+"/"+o.AsString()] += dp.Value
	}
	wantOut := map[string]int64{"webhooks/handled": 1, "webhooks/duplicate": 1, "webhooks/rejected": 1, "events/failed": 1}
	if fmt.Sprint(outcomes) != fmt.Sprint(wantOut) {
		t.Fatalf("deliveries %v, want %v", outcomes, wantOut)
	}
}

// TestNoSecretsRecorded drives both clients (successes, retries, errors,
// a rate limit, a token refresh) and both handlers, then walks every span
// name, attribute, event, link and status and every metric data point's
// attributes for the partner secret, the JWTs and tokens the servers
// received, the phone number and the message text.
func TestNoSecretsRecorded(t *testing.T) {
	tel, sr, reader := recording(t)
	ctx := context.Background()

	srv, _, seenP := script(t, workspaceBody, 401, 503, 200)
	pc := partnerClient(t, tel, srv.URL+"/partner/api/v1", tlpartner.WithRateLimit(1000, 1))
	_, _ = pc.GetWorkspace(ctx, "ws-1")
	_, _ = pc.GetWorkspace(ctx, "ws-1")

	srv2, _, seenQ := script(t, sendBody, 429, 200)
	qc := publicClient(t, tel, srv2.URL)
	_, _ = qc.SendToPhone(ctx, phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)})
	short, cancel := context.WithTimeout(ctx, time.Nanosecond)
	_, _ = qc.SendToPhone(short, phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)})
	cancel()
	_, _ = qc.SendToPhone(ctx, "not a phone "+phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)})

	// A server that echoes the token and the message text in its errors.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Request-Id", r.Header.Get("Authorization"))
		w.WriteHeader(400)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "message": "bad " + r.Header.Get("Authorization") + " " + string(b)})
	}))
	defer echo.Close()
	ec := publicClient(t, tel, echo.URL)
	_, _ = ec.SendToPhone(ctx, phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)})
	epc := partnerClient(t, tel, echo.URL+"/partner/api/v1")
	_, _ = epc.GetWorkspace(ctx, "ws-1")

	evh, _ := events.NewHandler(events.WithDeliveryObserver(tel), events.WithQueryToken("key", urlToken))
	evh.OnEvent(func(context.Context, events.Event) error { return nil })
	evBody := `{"event_type":"message:received:new","message":{"text":"` + messageText + `","message_uid":"u-1"},"chat":{"chat_id":1,"phone":"` + phone + `"}}`
	for _, target := range []string{"/events?key=" + urlToken, "/events?key=wrong-" + urlToken} {
		rec := httptest.NewRecorder()
		evh.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader(evBody)))
	}
	hooks, _ := webhooks.NewHandler(partnerID, partnerSecret, webhooks.WithDeliveryObserver(tel))
	signer := webhookstest.Signer{PartnerID: partnerID, Secret: partnerSecret}
	req, _ := signer.NewRequest(ctx, "http://x/hooks", []byte(`{"workspace_id":"ws-1","event_type":"api_token:rotated","partner_id":"`+partnerID+`"}`))
	hooks.ServeHTTP(httptest.NewRecorder(), req)

	secrets := []string{partnerSecret, publicToken, "4155550123", messageText, urlToken}
	for _, seen := range []*sync.Map{seenP, seenQ} {
		seen.Range(func(k, _ any) bool {
			if a, ok := strings.CutPrefix(k.(string), "Bearer "); ok && a != "" {
				secrets = append(secrets, a) // every JWT and token sent
			}
			return true
		})
	}
	if len(secrets) < 7 { // the five above, the public token again, at least one JWT
		t.Fatalf("too few credentials captured: %d", len(secrets))
	}
	check := func(where, s string) {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s carries a secret (%.6s...): %q", where, sec, s)
			}
		}
	}
	spans := sr.Ended()
	if len(spans) < 15 {
		t.Fatalf("only %d spans recorded", len(spans))
	}
	walked := 0
	for _, s := range spans {
		check("span name", s.Name())
		check("span status", s.Status().Description)
		for _, kv := range s.Attributes() {
			check("span attribute "+string(kv.Key), kv.Value.String())
			walked++
		}
		for _, ev := range s.Events() {
			check("span event", ev.Name)
			for _, kv := range ev.Attributes {
				check("span event attribute "+string(kv.Key), kv.Value.String())
			}
		}
		for _, l := range s.Links() {
			for _, kv := range l.Attributes {
				check("link attribute", kv.Value.String())
			}
		}
		for _, kv := range s.Resource().Attributes() {
			check("resource", kv.Value.String())
		}
	}
	rm := collect(t, reader)
	points := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var sets []attribute.Set
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					sets = append(sets, dp.Attributes)
				}
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					sets = append(sets, dp.Attributes)
				}
			default:
				t.Fatalf("unexpected metric data %T", m.Data)
			}
			for _, set := range sets {
				points++
				for _, kv := range set.ToSlice() {
					check("metric "+m.Name+" attribute "+string(kv.Key), kv.Value.String())
					walked++
				}
			}
		}
	}
	if points < 10 || walked < 100 {
		t.Fatalf("walked only %d attributes over %d data points", walked, points)
	}
}

// TestNoOpProvidersCostNothing: with the no-op tracer provider and a no-op
// meter provider nothing can be recorded, so the option helpers install
// nothing; with either provider recording they install the observer and
// the middleware.
func TestNoOpProvidersCostNothing(t *testing.T) {
	off, err := tlotel.New(tlotel.WithTracerProvider(tracenoop.NewTracerProvider()), tlotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if len(off.PartnerOptions()) != 0 || len(off.PublicAPIOptions()) != 0 {
		t.Fatal("no-op providers: options installed")
	}
	reader := sdkmetric.NewManualReader()
	metricsOnly, err := tlotel.New(tlotel.WithTracerProvider(tracenoop.NewTracerProvider()),
		tlotel.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		t.Fatal(err)
	}
	global, err := tlotel.New() // the global provider may be set later: never judged no-op
	if err != nil {
		t.Fatal(err)
	}
	for _, tel := range []*tlotel.Telemetry{metricsOnly, global} {
		if len(tel.PartnerOptions()) != 2 || len(tel.PublicAPIOptions()) != 2 {
			t.Fatal("a recording provider got no options")
		}
	}
	// Metrics are recorded with the no-op tracer.
	srv, _, _ := script(t, workspaceBody, 200)
	c := partnerClient(t, metricsOnly, srv.URL+"/partner/api/v1")
	if _, err := c.GetWorkspace(context.Background(), "ws-1"); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, dp := range counter(t, collect(t, reader), "tlpartner.client.attempts").DataPoints {
		n += dp.Value
	}
	if n != 1 {
		t.Fatalf("attempts counted %d", n)
	}
}

// TestWorkspaceOnSpansNotMetrics: the operation span of a call whose
// workspace is known carries tlpartner.workspace.id (a Partner API call's
// workspace, a Public API client's WithWorkspaceID); a client without one
// records none, and no metric data point ever carries it.
func TestWorkspaceOnSpansNotMetrics(t *testing.T) {
	tel, sr, reader := recording(t)
	psrv, _, _ := script(t, workspaceBody, 200)
	if _, err := partnerClient(t, tel, psrv.URL+"/partner/api/v1").GetWorkspace(context.Background(), "ws-1"); err != nil {
		t.Fatal(err)
	}
	ssrv, _, _ := script(t, sendBody, 200)
	send := func(pc *publicapi.Client) {
		t.Helper()
		if _, err := pc.SendToPhone(context.Background(), phone, publicapi.SendParams{Text: publicapi.Ptr(messageText)}); err != nil {
			t.Fatal(err)
		}
	}
	send(publicClient(t, tel, ssrv.URL, publicapi.WithWorkspaceID("ws-9")))
	send(publicClient(t, tel, ssrv.URL))

	var got []string
	for _, s := range sr.Ended() {
		if s.SpanKind() != trace.SpanKindClient || !strings.Contains(s.Name(), ".") {
			continue // attempt spans are named after the HTTP method
		}
		v, ok := attr(s, tlotel.AttrWorkspaceID)
		got = append(got, fmt.Sprintf("%s=%s/%v", s.Name(), v.AsString(), ok))
	}
	want := []string{"tlpartner.GetWorkspace=ws-1/true", "publicapi.SendToPhone=ws-9/true", "publicapi.SendToPhone=/false"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("operation spans %v, want %v", got, want)
	}
	for _, sm := range collect(t, reader).ScopeMetrics {
		for _, m := range sm.Metrics {
			b, _ := json.Marshal(m.Data)
			if strings.Contains(string(b), "workspace") {
				t.Fatalf("metric %s carries a workspace: %s", m.Name, b)
			}
		}
	}
}
