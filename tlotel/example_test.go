package tlotel_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlotel"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// Instrument a Partner API client, and the Public API client it makes, with
// tracing and metrics. The example records into memory; in production pass
// the tracer and meter providers of your exporter (or none: New then uses
// the global providers).
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tel, err := tlotel.New(tlotel.WithTracerProvider(tp), tlotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}

	srv := tlpartnertest.NewServer(tlpartnertest.Options{})
	defer srv.Close()
	// The fake answers the first request with 429: the call is retried.
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429})
	partner, err := srv.Client(append(tel.PartnerOptions(),
		tlpartner.WithRetryPolicy(tlpartner.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond}))...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: "Acme", SeatsPurchased: 3}); err != nil {
		log.Fatal(err)
	}

	for _, s := range spans.Ended() {
		fmt.Println(s.Name(), s.Parent().IsValid())
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var names []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	fmt.Println(strings.Join(names, "\n"))
	// Output:
	// POST true
	// POST true
	// tlpartner.CreateWorkspace false
	// http.client.request.duration
	// tlpartner.client.attempts
	// tlpartner.client.operation.duration
}

// Give both webhook handlers the Telemetry as their delivery observer:
// every delivery gets a server span and is counted by outcome.
func ExampleTelemetry_StartDelivery() {
	tel, err := tlotel.New() // the global providers
	if err != nil {
		log.Fatal(err)
	}
	partnerHooks, err := webhooks.NewHandler("partner-id", "partner-secret", webhooks.WithDeliveryObserver(tel))
	if err != nil {
		log.Fatal(err)
	}
	publicHooks, err := events.NewHandler(events.WithDeliveryObserver(tel))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(partnerHooks != nil, publicHooks != nil)
	// Output: true true
}
