package tlotel_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlotel"
)

// Benchmarks of the instrumentation's cost, in one run against one
// loopback server:
//
//	go test -run '^$' -bench . -benchmem ./...
//
// none: the client without observer or middleware; noop: tlotel with the
// no-op tracer and meter providers; recording: tlotel with the SDK's
// tracer provider (always sampling, spans kept in a SpanRecorder that is
// reset as it fills) and meter provider (ManualReader). The target is
// noop ≤ 3% over none.

func benchWorkspace() string {
	var users []string
	for i := range 10 {
		users = append(users, fmt.Sprintf(`{"user_id":%d,"display_name":"User %d","email":"u%d@acme.test","role":"member","status":"active","created_at":"2024-01-01T00:00:00Z"}`, i+1, i, i))
	}
	return `{"workspace_id":"acme-co","display_name":"Acme","seats":{"used":3,"total":10},"users":[` + strings.Join(users, ",") + `],"whatsapp_accounts":[],"qr_links":[]}`
}

func benchServer(b *testing.B) *httptest.Server {
	ws := benchWorkspace()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /partner/api/v1/workspaces/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, ws)
	})
	mux.HandleFunc("POST /integrations/api/messages", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, sendBody)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

type variant struct {
	name string
	tel  func(b *testing.B) *tlotel.Telemetry // nil: no instrumentation
}

func variants() []variant {
	return []variant{
		{"none", nil},
		{"noop", func(b *testing.B) *tlotel.Telemetry {
			tel, err := tlotel.New(tlotel.WithTracerProvider(tracenoop.NewTracerProvider()), tlotel.WithMeterProvider(metricnoop.NewMeterProvider()))
			if err != nil {
				b.Fatal(err)
			}
			return tel
		}},
		{"recording", func(b *testing.B) *tlotel.Telemetry {
			sr := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(resetting{sr}))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
			tel, err := tlotel.New(tlotel.WithTracerProvider(tp), tlotel.WithMeterProvider(mp))
			if err != nil {
				b.Fatal(err)
			}
			return tel
		}},
	}
}

// resetting keeps the SpanRecorder from growing without bound.
type resetting struct{ *tracetest.SpanRecorder }

func (r resetting) OnEnd(s sdktrace.ReadOnlySpan) {
	r.SpanRecorder.OnEnd(s)
	if len(r.Ended()) > 1024 {
		r.Reset()
	}
}

func BenchmarkGetWorkspace(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	for _, v := range variants() {
		b.Run(v.name, func(b *testing.B) {
			opts := []tlpartner.Option{tlpartner.WithBaseURL(srv.URL + "/partner/api/v1")}
			if v.tel != nil {
				opts = append(opts, v.tel(b).PartnerOptions()...)
			}
			c, err := tlpartner.NewClient("bench-partner", "bench-secret-0123456789abcdef", opts...)
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
	}
}

func BenchmarkSendToPhone(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	msg := publicapi.SendParams{Text: publicapi.Ptr("hello")}
	for _, v := range variants() {
		b.Run(v.name, func(b *testing.B) {
			opts := []publicapi.Option{publicapi.WithBaseURL(srv.URL + "/integrations/api")}
			if v.tel != nil {
				opts = append(opts, v.tel(b).PublicAPIOptions()...)
			}
			c, err := publicapi.NewClient("bench-token", opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.SendToPhone(ctx, "+14155550100", msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOverheadPaired alternates calls of an instrumented client and
// of the same client without instrumentation in one loop, and reports the
// ratio of their median call times as "x-none" (noop: the target is at
// most 1.03). Alternating makes both sides share the machine's load, which
// separate benchmarks on a busy machine do not.
func BenchmarkOverheadPaired(b *testing.B) {
	srv := benchServer(b)
	for _, v := range variants()[1:] {
		for _, wired := range []bool{false, true} {
			name := v.name
			partnerOpts := func(tel *tlotel.Telemetry) []tlpartner.Option { return tel.PartnerOptions() }
			publicOpts := func(tel *tlotel.Telemetry) []publicapi.Option { return tel.PublicAPIOptions() }
			if wired {
				// The observer and the middleware installed by hand:
				// the engine's hooks run even when nothing is recorded.
				name += "-wired"
				partnerOpts = func(tel *tlotel.Telemetry) []tlpartner.Option {
					return []tlpartner.Option{tlpartner.WithObserver(tel), tlpartner.WithMiddleware(tel.Middleware)}
				}
				publicOpts = func(tel *tlotel.Telemetry) []publicapi.Option {
					return []publicapi.Option{publicapi.WithObserver(tel), publicapi.WithMiddleware(tel.Middleware)}
				}
			}
			if wired && v.name == "recording" {
				continue // the same as without -wired
			}
			overheadPaired(b, srv.URL, name, v, partnerOpts, publicOpts)
		}
	}
}

func overheadPaired(b *testing.B, base, name string, v variant,
	partnerOpts func(*tlotel.Telemetry) []tlpartner.Option, publicOpts func(*tlotel.Telemetry) []publicapi.Option) {
	ctx := context.Background()
	msg := publicapi.SendParams{Text: publicapi.Ptr("hello")}
	{
		b.Run("GetWorkspace/"+name, func(b *testing.B) {
			mk := func(extra ...tlpartner.Option) *tlpartner.Client {
				c, err := tlpartner.NewClient("bench-partner", "bench-secret-0123456789abcdef",
					append([]tlpartner.Option{tlpartner.WithBaseURL(base + "/partner/api/v1")}, extra...)...)
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			plain, inst := mk(), mk(partnerOpts(v.tel(b))...)
			paired(b, func() error { _, err := inst.GetWorkspace(ctx, "acme-co"); return err },
				func() error { _, err := plain.GetWorkspace(ctx, "acme-co"); return err })
		})
		b.Run("SendToPhone/"+name, func(b *testing.B) {
			mk := func(extra ...publicapi.Option) *publicapi.Client {
				c, err := publicapi.NewClient("bench-token",
					append([]publicapi.Option{publicapi.WithBaseURL(base + "/integrations/api")}, extra...)...)
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			plain, inst := mk(), mk(publicOpts(v.tel(b))...)
			paired(b, func() error { _, err := inst.SendToPhone(ctx, "+14155550100", msg); return err },
				func() error { _, err := plain.SendToPhone(ctx, "+14155550100", msg); return err })
		})
	}
}

func paired(b *testing.B, inst, plain func() error) {
	var ti, tp []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if err := inst(); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := plain(); err != nil {
			b.Fatal(err)
		}
		ti = append(ti, mid.Sub(start))
		tp = append(tp, time.Since(mid))
	}
	slices.Sort(ti)
	slices.Sort(tp)
	b.ReportMetric(float64(ti[len(ti)/2])/float64(tp[len(tp)/2]), "x-none")
	b.ReportMetric(float64(ti[len(ti)/2]-tp[len(tp)/2]), "extra-ns")
}
