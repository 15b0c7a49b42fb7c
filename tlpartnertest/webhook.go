package tlpartnertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Delivery is the outcome of one webhook, Partner or Public API, as returned by
// [Server.Deliveries] and [Server.WaitForDeliveries]. It is recorded once
// the delivery finished: accepted, or failed after all attempts.
type Delivery struct {
	// PartnerID is the partner the webhook was sent for.
	PartnerID string
	// EventType is the body's event_type, for example
	// [webhooks.EventWhatsAppAccountConnected].
	EventType webhooks.EventType
	// WorkspaceID is the body's workspace_id.
	WorkspaceID string
	// URL is where it was sent.
	URL string
	// Body is the exact JSON body sent.
	Body []byte
	// Attempts is the number of HTTP attempts made.
	Attempts int
	// StatusCode is the status of the last attempt (0 if none was received).
	StatusCode int
	// Err is nil when the receiver answered 2xx, else why the last attempt failed.
	Err error
	// Public is true for a Public API webhook: unsigned, sent to the URL of
	// a webhook subscription of the workspace. EventType then holds the
	// Public API event type, for example "message:received:new".
	Public bool
	// SubscriptionID is the Public API webhook subscription a Public
	// delivery was made for; 0 for Partner webhooks.
	SubscriptionID int64
	// Dropped is true when [Server.SetWebhookFaults] dropped the delivery:
	// nothing was sent (Attempts is 0, Err says why).
	Dropped bool
	// Duplicate is true for the second copy of a delivery that
	// [Server.SetWebhookFaults] sent twice.
	Duplicate bool
}

// OK reports whether the receiver accepted the webhook (answered 2xx).
func (d Delivery) OK() bool { return d.Err == nil }

type pendingWebhook struct {
	partnerID, secret, url string
	eventType              webhooks.EventType
	workspaceID            string
	body                   []byte
	public                 bool  // an unsigned Public API webhook
	subscriptionID         int64 // its subscription
}

type webhookState struct {
	mu         sync.Mutex
	queue      []pendingWebhook
	wake       chan struct{} // buffered(1): queue non-empty
	deliveries []Delivery
	changed    chan struct{} // closed and replaced when deliveries grows
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	client     *http.Client
	faults     *webhookFaultState // SetWebhookFaults; nil: none
}

// ---- bodies (flat JSON, field names as in the spec's Wh* schemas) ----

type webhookBase struct {
	WorkspaceID string             `json:"workspace_id"`
	EventType   webhooks.EventType `json:"event_type"`
	PartnerID   string             `json:"partner_id"`
	TriggeredAt string             `json:"triggered_at"`
}

type webhookSeats struct {
	webhookBase
	SeatsPurchased int `json:"seats_purchased"`
	SeatsAvailable int `json:"seats_available"`
}

type webhookMessaging struct {
	webhookBase
	Total              int64  `json:"messaging_quota_total"`
	Used               int64  `json:"messaging_quota_used"`
	UtilizationPct     int64  `json:"utilization_pct"`
	CurrentPeriodStart string `json:"current_period_start"`
	CurrentPeriodEnd   string `json:"current_period_end"`
}

type webhookTransactions struct {
	webhookBase
	CurrentPeriodStart string `json:"current_period_start"`
	CurrentPeriodEnd   string `json:"current_period_end"`
}

type webhookAPICalls struct {
	webhookBase
	Limit              int64  `json:"api_calls_limit"`
	Used               int64  `json:"api_calls_used"`
	CurrentPeriodStart string `json:"current_period_start"`
	CurrentPeriodEnd   string `json:"current_period_end"`
}

type webhookAccount struct {
	webhookBase
	AccountID      int64  `json:"whatsapp_account_id"`
	Phone          string `json:"phone_number_e164"`
	UserID         int64  `json:"user_id"`
	DisconnectedAt string `json:"disconnected_at,omitempty"`
	Reason         string `json:"reason,omitempty"`
}

type webhookRotated struct {
	webhookBase
	RotatedAt string `json:"rotated_at"`
}

type eventBody interface{ eventInfo() webhookBase }

func (b webhookBase) eventInfo() webhookBase { return b }

func (s *Server) base(ws *workspace, eventType webhooks.EventType, now time.Time) webhookBase {
	return webhookBase{WorkspaceID: ws.id, EventType: eventType, PartnerID: ws.partnerID, TriggeredAt: stamp(now)}
}

// emitWebhook queues a webhook for ws's partner if it has a webhook URL.
// Call with s.mu held.
func (s *Server) emitWebhook(ws *workspace, body eventBody) {
	p := s.partners[ws.partnerID]
	if p == nil || p.webhookURL == "" {
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		return
	}
	info := body.eventInfo()
	s.enqueueWebhook(pendingWebhook{
		partnerID: p.id, secret: p.secret, url: p.webhookURL,
		eventType: info.EventType, workspaceID: info.WorkspaceID, body: b,
	})
}

// enqueueWebhook hands a webhook, Partner or Public, to the delivery loop.
func (s *Server) enqueueWebhook(p pendingWebhook) {
	wh := &s.wh
	wh.mu.Lock()
	wh.queue = append(wh.queue, p)
	wh.mu.Unlock()
	select {
	case wh.wake <- struct{}{}:
	default:
	}
}

// SetWebhookURL sets (or, with "", clears) the primary partner's webhook
// URL. Events that happen afterwards are delivered there.
func (s *Server) SetWebhookURL(u string) {
	_ = s.SetPartnerWebhookURL(s.primary, u)
}

// SetPartnerWebhookURL sets the webhook URL of any partner known to the fake.
func (s *Server) SetPartnerWebhookURL(partnerID, u string) error {
	return s.withPartner(partnerID, func(p *partnerState) { p.webhookURL = u })
}

// Deliveries returns a copy of the finished webhook deliveries, in the
// order they finished (deliveries are sent one at a time, in event order).
func (s *Server) Deliveries() []Delivery {
	s.wh.mu.Lock()
	defer s.wh.mu.Unlock()
	return cloneDeliveries(s.wh.deliveries)
}

// WaitForDeliveries blocks until at least n webhook deliveries have
// finished (accepted or failed after all attempts) and returns all finished
// deliveries. It returns early with the deliveries so far and an error when
// ctx ends or the server is closed.
func (s *Server) WaitForDeliveries(ctx context.Context, n int) ([]Delivery, error) {
	wh := &s.wh
	for {
		wh.mu.Lock()
		if len(wh.deliveries) >= n {
			out := cloneDeliveries(wh.deliveries)
			wh.mu.Unlock()
			return out, nil
		}
		ch := wh.changed
		wh.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Deliveries(), fmt.Errorf("tlpartnertest: waiting for %d webhook deliveries: %w", n, ctx.Err())
		case <-s.done:
			return s.Deliveries(), fmt.Errorf("tlpartnertest: server closed while waiting for %d webhook deliveries", n)
		}
	}
}

func cloneDeliveries(in []Delivery) []Delivery {
	out := make([]Delivery, len(in))
	for i, d := range in {
		d.Body = append([]byte(nil), d.Body...)
		out[i] = d
	}
	return out
}

func (s *Server) startWebhooks() {
	wh := &s.wh
	wh.wake = make(chan struct{}, 1)
	wh.changed = make(chan struct{})
	wh.ctx, wh.cancel = context.WithCancel(context.Background())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	wh.client = &http.Client{Transport: tr, Timeout: s.opts.WebhookTimeout}
	wh.wg.Add(1)
	go s.deliverLoop()
}

func (s *Server) stopWebhooks() {
	wh := &s.wh
	wh.cancel()
	wh.wg.Wait()
	wh.client.CloseIdleConnections()
}

func (s *Server) deliverLoop() {
	wh := &s.wh
	defer wh.wg.Done()
	for {
		wh.mu.Lock()
		var next *pendingWebhook
		if len(wh.queue) > 0 {
			p := wh.queue[0]
			wh.queue = wh.queue[1:]
			next = &p
		}
		wh.mu.Unlock()
		if next == nil {
			select {
			case <-wh.wake:
				continue
			case <-wh.ctx.Done():
				return
			}
		}
		copies := s.webhookCopies()
		if copies == 0 {
			s.logf("webhook %s %s dropped (injected fault)", next.eventType, next.workspaceID)
			s.recordDelivery(Delivery{PartnerID: next.partnerID, EventType: next.eventType, WorkspaceID: next.workspaceID,
				URL: next.url, Body: next.body, Public: next.public, SubscriptionID: next.subscriptionID,
				Dropped: true, Err: errDropped})
		}
		for i := range copies {
			d := s.deliver(next)
			if wh.ctx.Err() != nil {
				return // closed mid-delivery: not recorded
			}
			if d.Public && !d.OK() {
				s.countSubscriptionError(d.SubscriptionID)
			}
			d.Duplicate = i > 0
			s.recordDelivery(d)
		}
	}
}

var errDropped = errors.New("tlpartnertest: delivery dropped by SetWebhookFaults")

// recordDelivery appends a finished delivery and wakes its waiters.
func (s *Server) recordDelivery(d Delivery) {
	wh := &s.wh
	wh.mu.Lock()
	wh.deliveries = append(wh.deliveries, d)
	close(wh.changed)
	wh.changed = make(chan struct{})
	wh.mu.Unlock()
}

// deliver sends one webhook with bounded retries.
func (s *Server) deliver(p *pendingWebhook) Delivery {
	wh := &s.wh
	d := Delivery{PartnerID: p.partnerID, EventType: p.eventType, WorkspaceID: p.workspaceID, URL: p.url, Body: p.body,
		Public: p.public, SubscriptionID: p.subscriptionID}
	backoff := s.opts.WebhookBackoff
	for attempt := 1; attempt <= s.opts.WebhookAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-wh.ctx.Done():
				t.Stop()
				return d
			}
			backoff *= 2
		}
		d.Attempts = attempt
		d.StatusCode, d.Err = s.postWebhook(p)
		s.logf("webhook %s %s attempt %d -> %d %v", p.eventType, p.workspaceID, attempt, d.StatusCode, errString(d.Err))
		if d.Err == nil {
			return d
		}
	}
	return d
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// postWebhook makes one delivery attempt, signed like TimelinesAI with the
// partner's secret and the real clock (the receiver checks nbf and exp
// against its own real clock, not the fake's domain clock).
// Public API webhooks are unsigned, like the real ones: a plain JSON POST.
func (s *Server) postWebhook(p *pendingWebhook) (int, error) {
	var req *http.Request
	var err error
	if p.public {
		req, err = http.NewRequestWithContext(s.wh.ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		signer := webhookstest.Signer{PartnerID: p.partnerID, Secret: p.secret}
		req, err = signer.NewRequest(s.wh.ctx, p.url, p.body)
	}
	if err != nil {
		return 0, fmt.Errorf("tlpartnertest: webhook request: %w", err)
	}
	req.Header.Set("User-Agent", "tlpartnertest-webhooks")
	resp, err := s.wh.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL's path or query may carry a secret (the Public API
			// receiver's URL token): keep only the origin.
			ue.URL = originOf(ue.URL)
		}
		return 0, fmt.Errorf("tlpartnertest: webhook post: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("tlpartnertest: webhook receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// originOf returns scheme://host of a URL, "[invalid URL]" if it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[invalid URL]"
	}
	return u.Scheme + "://" + u.Host
}
