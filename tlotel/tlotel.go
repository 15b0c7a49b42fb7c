// Package tlotel records OpenTelemetry traces and metrics for both API
// clients of tlpartner-go (the Partner API's tlpartner.Client and the
// Public API's publicapi.Client) and for both webhook handlers
// (webhooks.Handler and events.Handler). It is its own module, so that the
// SDK's go.mod lists no OpenTelemetry dependency:
//
//	go get github.com/tlpartner/tlpartner-go/tlotel
//
// One [Telemetry] serves every client and handler of a process:
//
//	tel, err := tlotel.New(tlotel.WithTracerProvider(tp), tlotel.WithMeterProvider(mp))
//	partner, err := tlpartner.NewClient(id, secret, tel.PartnerOptions()...)
//	public, err := partner.PublicAPI(ctx, workspaceID, tel.PublicAPIOptions()...)
//	hooks, err := webhooks.NewHandler(id, secret, webhooks.WithDeliveryObserver(tel))
//	events, err := events.NewHandler(events.WithDeliveryObserver(tel))
//
// # Spans
//
// Every client operation gives a client span named after the API and the
// method ("tlpartner.GetWorkspace", "publicapi.SendToPhone"), and under it
// one client span per HTTP attempt named after the HTTP method, as the
// HTTP client semantic conventions ask. Attributes:
//
//   - both: http.request.method, server.address, server.port,
//     http.response.status_code, error.type, tlpartner.api,
//     tlpartner.operation;
//   - the operation span: tlpartner.retry_class, tlpartner.attempts,
//     tlpartner.retry_count, tlpartner.workspace.id when the call's
//     workspace is known (see [tlhttp.Operation.WorkspaceID]; never on a
//     metric, where thousands of workspaces would be thousands of series)
//     and, when the client has a rate limiter, tlpartner.rate_limit.wait
//     (seconds, over all attempts);
//   - the attempt span: tlpartner.attempt, http.request.resend_count (from
//     the second attempt on) and tlpartner.rate_limit.wait (that attempt's
//     wait, when the client has a rate limiter).
//
// A webhook delivery gives a server span named "webhooks delivery" or
// "events delivery" with http.request.method, http.response.status_code,
// tlpartner.webhook.receiver, tlpartner.webhook.event_type,
// tlpartner.webhook.outcome (handled, duplicate, rejected, failed) and
// tlpartner.webhook.reject_reason (the metric uses "_OTHER" for event types
// the SDK does not know, to bound its cardinality). It is a child of the span already in
// the request's context (an otelhttp handler around it, say) and never of
// a trace context sent by the caller: the deliveries come from outside.
//
// No attribute, span name, status description or event carries a token,
// JWT, secret, phone number, message text, URL path or query, header or
// body: paths and queries can hold phone numbers, JIDs, chat names and the
// URL token of Public API webhooks, so url.full and url.path are not
// recorded. Errors are described by error.type only (the HTTP status, or
// "timeout", "canceled", "invalid_request", "network", "_OTHER"), never by
// their message. Trace context is not injected into requests to
// TimelinesAI.
//
// # Cost
//
// With the no-op tracer provider of go.opentelemetry.io/otel/trace/noop and
// a meter provider whose client instruments are disabled (a no-op one),
// [Telemetry.PartnerOptions] and [Telemetry.PublicAPIOptions] install
// nothing, so instrumentation that is switched off costs nothing; when the
// observer and the middleware are installed by hand they step aside at
// once. BenchmarkOverheadPaired measures each case against an
// uninstrumented client in one loop.
//
// # Metrics
//
//   - http.client.request.duration (s, histogram): per attempt;
//   - tlpartner.client.operation.duration (s, histogram): per operation,
//     retries and waits included;
//   - tlpartner.client.attempts ({attempt}, counter): per attempt;
//   - tlpartner.client.rate_limit.wait (s, histogram): per operation of a
//     client with a rate limiter;
//   - tlpartner.webhook.deliveries ({delivery}, counter): per delivery, by
//     receiver, outcome and event type.
package tlotel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/tlpartner/tlpartner-go/tlotel"

// Attribute keys of this package beyond the OpenTelemetry semantic
// conventions.
const (
	AttrAPI             = attribute.Key("tlpartner.api")
	AttrOperation       = attribute.Key("tlpartner.operation")
	AttrRetryClass      = attribute.Key("tlpartner.retry_class")
	AttrAttempt         = attribute.Key("tlpartner.attempt")
	AttrAttempts        = attribute.Key("tlpartner.attempts")
	AttrRetryCount      = attribute.Key("tlpartner.retry_count")
	AttrRateLimitWait   = attribute.Key("tlpartner.rate_limit.wait")
	AttrWorkspaceID     = attribute.Key("tlpartner.workspace.id")
	AttrWebhookReceiver = attribute.Key("tlpartner.webhook.receiver")
	AttrWebhookEvent    = attribute.Key("tlpartner.webhook.event_type")
	AttrWebhookOutcome  = attribute.Key("tlpartner.webhook.outcome")
	AttrWebhookReason   = attribute.Key("tlpartner.webhook.reject_reason")
)

// Semantic-convention keys (HTTP client and server spans).
const (
	keyMethod      = attribute.Key("http.request.method")
	keyStatus      = attribute.Key("http.response.status_code")
	keyServerAddr  = attribute.Key("server.address")
	keyServerPort  = attribute.Key("server.port")
	keyErrorType   = attribute.Key("error.type")
	keyResendCount = attribute.Key("http.request.resend_count")
)

// Option configures [New].
type Option func(*config)

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets the tracer provider (default: the global one,
// otel.GetTracerProvider, at the time of New). A nil tp keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider sets the meter provider (default: the global one,
// otel.GetMeterProvider, at the time of New). A nil mp keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// Telemetry records the spans and metrics of any number of clients and
// webhook handlers. It is a [tlhttp.Observer] (operation spans), its
// [Telemetry.Middleware] method a [tlhttp.Middleware] (attempt spans) and
// it is a [tlhttp.DeliveryObserver] (webhook server spans). It is safe for
// concurrent use.
type Telemetry struct {
	tracer     trace.Tracer
	reqDur     metric.Float64Histogram
	opDur      metric.Float64Histogram
	attempts   metric.Int64Counter
	limitWait  metric.Float64Histogram
	deliveries metric.Int64Counter
	ops        sync.Map // opKey → *opInfo
	noSpans    bool     // the tracer provider makes no spans
}

// off reports whether nothing would be recorded: no spans, and every
// client instrument disabled (a no-op meter provider, or views dropping
// them). Then the observer and the middleware step aside at once.
func (t *Telemetry) off(ctx context.Context) bool {
	return t.noSpans && !t.reqDur.Enabled(ctx) && !t.attempts.Enabled(ctx) &&
		!t.opDur.Enabled(ctx) && !t.limitWait.Enabled(ctx)
}

// endNothing is the end of an operation that records nothing.
func endNothing(tlhttp.ResponseMeta, error) {}

// durationBuckets are the semantic conventions' advised boundaries for
// HTTP durations, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// New returns a Telemetry that records through the configured providers.
// It fails only when the meter provider refuses to create an instrument.
func New(opts ...Option) (*Telemetry, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	explicit := cfg.tp != nil
	if !explicit {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	version := trace.WithInstrumentationVersion(tlpartner.Version)
	t := &Telemetry{tracer: cfg.tp.Tracer(ScopeName, version)}
	// The no-op provider of go.opentelemetry.io/otel/trace/noop makes no
	// spans. The global provider is never judged so: it may be set after
	// New.
	switch cfg.tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		t.noSpans = explicit
	}
	m := cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(tlpartner.Version))
	var err, e error
	t.reqDur, e = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP client requests (one per attempt)."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	t.opDur, e = m.Float64Histogram("tlpartner.client.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of client operations, retries and waits included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	t.attempts, e = m.Int64Counter("tlpartner.client.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("HTTP attempts made by client operations, retries included."))
	err = errors.Join(err, e)
	t.limitWait, e = m.Float64Histogram("tlpartner.client.rate_limit.wait", metric.WithUnit("s"),
		metric.WithDescription("Time an operation waited for the client-side rate limiter."),
		metric.WithExplicitBucketBoundaries(0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	err = errors.Join(err, e)
	t.deliveries, e = m.Int64Counter("tlpartner.webhook.deliveries", metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook deliveries served, by outcome (handled, duplicate, rejected, failed)."))
	err = errors.Join(err, e)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// PartnerOptions returns the options that instrument a tlpartner.Client:
// tlpartner.WithObserver(t) and tlpartner.WithMiddleware(t.Middleware).
// When nothing can be recorded (the tracer provider is the no-op one of
// go.opentelemetry.io/otel/trace/noop and every client instrument is
// disabled, as with a no-op meter provider), it returns no options, so
// the client pays nothing for the instrumentation.
func (t *Telemetry) PartnerOptions() []tlpartner.Option {
	if t.off(context.Background()) {
		return nil
	}
	return []tlpartner.Option{tlpartner.WithObserver(t), tlpartner.WithMiddleware(t.Middleware)}
}

// PublicAPIOptions returns the options that instrument a publicapi.Client:
// publicapi.WithObserver(t) and publicapi.WithMiddleware(t.Middleware), or
// none when nothing can be recorded (see [Telemetry.PartnerOptions]).
func (t *Telemetry) PublicAPIOptions() []publicapi.Option {
	if t.off(context.Background()) {
		return nil
	}
	return []publicapi.Option{publicapi.WithObserver(t), publicapi.WithMiddleware(t.Middleware)}
}

// opInfo is what every call of one operation against one server shares,
// built once: the attributes, the span name and the span options.
type opInfo struct {
	name        string
	common      attribute.Set
	opStart     []trace.SpanStartOption // the operation span
	tryStart    []trace.SpanStartOption // an attempt span
	rateLimited bool
	outcomes    sync.Map // outcomeKey → *outcomeOpts
}

type opKey struct {
	api, name, method, host string
	port                    int
	retry                   tlhttp.RetryClass
	rateLimited             bool
}

type outcomeKey struct {
	status  int
	errType string
}

// outcomeOpts are the metric options of one outcome of an operation.
type outcomeOpts struct {
	record []metric.RecordOption
	add    []metric.AddOption
}

// info returns the shared data of an operation, building it once.
func (t *Telemetry) info(k opKey) *opInfo {
	if v, ok := t.ops.Load(k); ok {
		return v.(*opInfo)
	}
	common := attribute.NewSet(
		AttrAPI.String(k.api),
		AttrOperation.String(k.name),
		keyMethod.String(k.method),
		keyServerAddr.String(k.host),
		keyServerPort.Int(k.port),
	)
	kvs := common.ToSlice()
	oi := &opInfo{
		name:   k.api + "." + k.name,
		common: common,
		opStart: []trace.SpanStartOption{
			trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(append(kvs, AttrRetryClass.String(k.retry.String()))...),
		},
		tryStart:    []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(kvs...)},
		rateLimited: k.rateLimited,
	}
	v, _ := t.ops.LoadOrStore(k, oi)
	return v.(*opInfo)
}

// outcome returns the metric options for the outcome (status, errType).
func (oi *opInfo) outcome(status int, errType string) *outcomeOpts {
	k := outcomeKey{status, errType}
	if v, ok := oi.outcomes.Load(k); ok {
		return v.(*outcomeOpts)
	}
	set := metricAttrs(oi.common, status, errType)
	o := &outcomeOpts{
		record: []metric.RecordOption{metric.WithAttributeSet(set)},
		add:    []metric.AddOption{metric.WithAttributeSet(set)},
	}
	v, _ := oi.outcomes.LoadOrStore(k, o)
	return v.(*outcomeOpts)
}

// StartOperation starts the operation span; see [tlhttp.Observer].
func (t *Telemetry) StartOperation(ctx context.Context, op tlhttp.Operation) (context.Context, func(tlhttp.ResponseMeta, error)) {
	if t.off(ctx) {
		return ctx, endNothing
	}
	oi := t.info(opKey{op.API, op.Name, op.Method, op.ServerAddress, op.ServerPort, op.RetryClass, op.RateLimited})
	ctx, span := t.tracer.Start(ctx, oi.name, oi.opStart...)
	if op.WorkspaceID != "" && span.IsRecording() {
		// On the span only: a metric label per workspace would be
		// thousands of series.
		span.SetAttributes(AttrWorkspaceID.String(op.WorkspaceID))
	}
	return ctx, func(m tlhttp.ResponseMeta, err error) {
		errType := errorType(err, m.StatusCode)
		if span.IsRecording() {
			attrs := make([]attribute.KeyValue, 0, 5)
			attrs = append(attrs, AttrAttempts.Int(m.Attempts), AttrRetryCount.Int(max(m.Attempts-1, 0)))
			if m.StatusCode != 0 {
				attrs = append(attrs, keyStatus.Int(m.StatusCode))
			}
			if oi.rateLimited {
				attrs = append(attrs, AttrRateLimitWait.Float64(m.RateLimitWait.Seconds()))
			}
			if errType != "" {
				attrs = append(attrs, keyErrorType.String(errType))
				span.SetStatus(codes.Error, errType)
			}
			span.SetAttributes(attrs...)
		}
		span.End()
		if t.opDur.Enabled(ctx) {
			t.opDur.Record(ctx, m.Duration.Seconds(), oi.outcome(m.StatusCode, errType).record...)
		}
		if oi.rateLimited && t.limitWait.Enabled(ctx) {
			t.limitWait.Record(ctx, m.RateLimitWait.Seconds(), oi.outcome(0, "").record...)
		}
	}
}

// Middleware records the attempt span and the per-attempt metrics; it is
// a [tlhttp.Middleware]. The attempt span's parent is the span in the
// request's context: the operation span when the client also has the
// Telemetry as its observer.
func (t *Telemetry) Middleware(req *http.Request, next tlhttp.Next) (*http.Response, error) {
	ctx := req.Context()
	if t.off(ctx) {
		return next(req)
	}
	a, _ := tlhttp.AttemptFromContext(ctx)
	host, port := hostPort(req)
	oi := t.info(opKey{a.API, a.Operation, req.Method, host, port, a.RetryClass, a.RateLimited})
	start := time.Now()
	ctx, span := t.tracer.Start(ctx, req.Method, oi.tryStart...)
	if span.IsRecording() {
		span.SetAttributes(AttrAttempt.Int(a.Number))
		if a.Number > 1 {
			span.SetAttributes(keyResendCount.Int(a.Number - 1))
		}
		if a.RateLimited {
			span.SetAttributes(AttrRateLimitWait.Float64(a.RateLimitWait.Seconds()))
		}
		req = req.WithContext(ctx)
	}
	resp, err := next(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	errType := errorType(err, status)
	if span.IsRecording() {
		if status != 0 {
			span.SetAttributes(keyStatus.Int(status))
		}
		if errType != "" {
			span.SetAttributes(keyErrorType.String(errType))
			span.SetStatus(codes.Error, errType)
		}
	}
	span.End()
	reqDur, attempts := t.reqDur.Enabled(ctx), t.attempts.Enabled(ctx)
	if reqDur || attempts {
		o := oi.outcome(status, errType)
		if reqDur {
			t.reqDur.Record(ctx, time.Since(start).Seconds(), o.record...)
		}
		if attempts {
			t.attempts.Add(ctx, 1, o.add...)
		}
	}
	return resp, err
}

// metricAttrs adds the outcome to the common attributes.
func metricAttrs(common attribute.Set, status int, errType string) attribute.Set {
	if status == 0 && errType == "" {
		return common
	}
	kvs := common.ToSlice()
	if status != 0 {
		kvs = append(kvs, keyStatus.Int(status))
	}
	if errType != "" {
		kvs = append(kvs, keyErrorType.String(errType))
	}
	return attribute.NewSet(kvs...)
}

// hostPort returns the server address and port of req's URL.
func hostPort(req *http.Request) (string, int) {
	if req.URL == nil {
		return "", 0
	}
	if p, err := strconv.Atoi(req.URL.Port()); err == nil {
		return req.URL.Hostname(), p
	}
	if req.URL.Scheme == "http" {
		return req.URL.Hostname(), 80
	}
	return req.URL.Hostname(), 443
}

// errorType describes a failure for error.type without its message
// (messages can echo input: phone numbers, message text). A status of 400
// or more is an error even when err is nil (the attempt spans see 4xx and
// 5xx answers before the client turns them into errors).
func errorType(err error, status int) string {
	if err == nil {
		if status >= 400 {
			return strconv.Itoa(status)
		}
		return ""
	}
	return failureType(err)
}

// failureType is errorType for a non-nil error.
func failureType(err error) string {
	var apiErr *tlpartner.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode != 0:
		return strconv.Itoa(apiErr.StatusCode)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, tlpartner.ErrInvalidRequest):
		return "invalid_request"
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		if netErr.Timeout() {
			return "timeout"
		}
		return "network"
	}
	return "_OTHER"
}

// StartDelivery starts the server span of a webhook delivery; see
// [tlhttp.DeliveryObserver]. The span's parent is the span in r's context,
// if any; trace headers of the request are ignored.
func (t *Telemetry) StartDelivery(r *http.Request, receiver string) (context.Context, func(tlhttp.Delivery)) {
	ctx, span := t.tracer.Start(r.Context(), receiver+" delivery",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(keyMethod.String(r.Method), AttrWebhookReceiver.String(receiver)))
	return ctx, func(d tlhttp.Delivery) {
		if span.IsRecording() {
			attrs := []attribute.KeyValue{AttrWebhookOutcome.String(string(d.Outcome))}
			if d.StatusCode != 0 {
				attrs = append(attrs, keyStatus.Int(d.StatusCode))
			}
			if d.EventType != "" {
				attrs = append(attrs, AttrWebhookEvent.String(truncate(d.EventType, 64)))
			}
			if d.Reason != "" {
				attrs = append(attrs, AttrWebhookReason.String(d.Reason))
			}
			span.SetAttributes(attrs...)
			if d.Outcome == tlhttp.DeliveryFailed {
				errType := "callback"
				if d.StatusCode == 0 {
					errType = "panic"
				}
				span.SetAttributes(keyErrorType.String(errType))
				span.SetStatus(codes.Error, errType)
			}
		}
		span.End()
		attrs := []attribute.KeyValue{AttrWebhookReceiver.String(receiver), AttrWebhookOutcome.String(string(d.Outcome))}
		switch {
		case d.UnknownType:
			attrs = append(attrs, AttrWebhookEvent.String("_OTHER")) // bounded cardinality
		case d.EventType != "":
			attrs = append(attrs, AttrWebhookEvent.String(d.EventType))
		}
		t.deliveries.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var (
	_ tlhttp.Observer         = (*Telemetry)(nil)
	_ tlhttp.DeliveryObserver = (*Telemetry)(nil)
	_ tlhttp.Middleware       = (*Telemetry)(nil).Middleware
)
