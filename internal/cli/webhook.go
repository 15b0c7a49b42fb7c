package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// partnerPayload returns the documented example payload of a Partner
// webhook event type, with triggered_at (and the event's own times) set to
// now and the billing period set to the current month, so that receivers
// that de-duplicate or check freshness accept repeated triggers.
func partnerPayload(t webhooks.EventType, partnerID string, now time.Time) map[string]any {
	ts := now.UTC().Format(time.RFC3339)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	period := map[string]any{
		"current_period_start": start.Format(time.RFC3339),
		"current_period_end":   start.AddDate(0, 1, 0).Add(-time.Second).Format(time.RFC3339),
	}
	p := map[string]any{
		"workspace_id": "my-workspace",
		"event_type":   string(t),
		"partner_id":   partnerID,
		"triggered_at": ts,
	}
	add := func(m map[string]any) {
		for k, v := range m {
			p[k] = v
		}
	}
	switch t {
	case webhooks.EventSeatsFull:
		add(map[string]any{"seats_purchased": 10, "seats_available": 0})
	case webhooks.EventMessagingQuotaNearFull:
		add(map[string]any{"messaging_quota_total": 100000, "messaging_quota_used": 92000, "utilization_pct": 92})
		add(period)
	case webhooks.EventMessagingQuotaFull:
		add(map[string]any{"messaging_quota_total": 100000, "messaging_quota_used": 100000, "utilization_pct": 100})
		add(period)
	case webhooks.EventTransactionsQuotaFull:
		add(period)
	case webhooks.EventAPICallsQuotaFull:
		add(map[string]any{"api_calls_limit": 1000000, "api_calls_used": 1000000})
		add(period)
	case webhooks.EventWhatsAppAccountConnected:
		add(map[string]any{"whatsapp_account_id": 67890, "phone_number_e164": "+123456789", "user_id": 98765})
	case webhooks.EventWhatsAppAccountDisconnected:
		add(map[string]any{"whatsapp_account_id": 67890, "phone_number_e164": "+123456789", "user_id": 98765, "disconnected_at": ts, "reason": "(logged out)"})
	case webhooks.EventAPITokenRotated:
		add(map[string]any{"rotated_at": ts})
	default:
		return nil
	}
	return p
}

// partnerEvents are the event types trigger signs, in documentation order.
var partnerEvents = []webhooks.EventType{
	webhooks.EventSeatsFull,
	webhooks.EventMessagingQuotaNearFull,
	webhooks.EventMessagingQuotaFull,
	webhooks.EventTransactionsQuotaFull,
	webhooks.EventAPICallsQuotaFull,
	webhooks.EventWhatsAppAccountConnected,
	webhooks.EventWhatsAppAccountDisconnected,
	webhooks.EventAPITokenRotated,
}

// publicPayload returns the documented example payload of an (unsigned)
// Public API webhook event (either naming of package events), or nil for
// an unknown type. Times are now, in the Public API's own format.
func publicPayload(t string, now time.Time) map[string]any {
	et := events.EventType(t)
	if !et.Known() {
		return nil
	}
	ts := now.Format("2006-01-02 15:04:05 -0700")
	person := func(name, phone string) map[string]any { return map[string]any{"full_name": name, "phone": phone} }
	chat := map[string]any{"full_name": "Agent Smith", "chat_url": "https://app.timelines.ai/chat/123456/messages/", "chat_id": 123456, "is_group": false,
		"phone": "+123456789", "responsible_name": "Agent Brown", "responsible_email": "agent-brown@example.com"}
	account := map[string]any{"full_name": "Agent Brown", "email": "agent-brown@example.com", "phone": "+123456789"}
	p := map[string]any{"event_type": t}
	switch c := et.Canonical(); c {
	case events.EventMessageNew, events.EventMessageReceived, events.EventMessageSent:
		direction := "received"
		if c == events.EventMessageSent {
			direction = "sent"
		}
		p["chat"], p["whatsapp_account"] = chat, account
		p["message"] = map[string]any{"text": "Sending some example document to you", "direction": direction, "origin": "Public API",
			"timestamp": ts, "message_uid": "c7ec509d-0171-1ead-a84b-c6943a644768",
			"sender": person("John Smith", "+123456789"), "recipient": person("John Smith", "+123456789")}
	case events.EventMessageReaction:
		p["chat"], p["whatsapp_account"] = chat, account
		p["reaction"] = map[string]any{"message_uid": "c7ec509d-0171-1ead-a84b-c6943a644768", "action": "set", "emoji": "👍",
			"timestamp": ts, "reactor": person("John Smith", "+123456789"), "reactions": map[string]any{"👍": 1}}
	case events.EventCallIncomingEnded, events.EventCallOutgoingEnded, events.EventCallIncomingMissed:
		direction, status, duration := "incoming", "ended", 125
		if c == events.EventCallOutgoingEnded {
			direction = "outgoing"
		}
		if c == events.EventCallIncomingMissed {
			status, duration = "missed", 0
		}
		p["chat"], p["whatsapp_account"] = chat, account
		p["call_details"] = map[string]any{"duration": duration, "direction": direction, "is_video": false, "status": status, "timestamp": ts,
			"message_uid": "5e0b1d9c-2f7a-4b38-9a61-0f6d2c8e4a10", "caller": person("John Smith", "+123456789"), "recipient": person("Agent Brown", "+123456789")}
	case events.EventWhatsAppAccountConnected, events.EventWhatsAppAccountDisconnected, events.EventWhatsAppAccountSuspended, events.EventWhatsAppAccountResumed:
		p["whatsapp_account"] = map[string]any{"id": "15559876543@s.whatsapp.net", "phone": "+15559876543", "connected_on": ts, "status": "Active",
			"account_name": "Sales line", "owner_name": "Kate Smith", "owner_email": "kate.smith@acme.com"}
	default: // the chat events
		p["whatsapp_account"] = map[string]any{"full_name": "Kate Smith", "email": "kate.smith@acme.com", "phone": "+15559876543"}
		p["chat"] = map[string]any{"id": 123456, "name": "John Doe", "phone": "+14155551234", "jid": "14155551234@s.whatsapp.net", "is_group": false,
			"closed": false, "read": true, "labels": []string{"vip"}, "unattended_customer": false, "whatsapp_account_id": "15559876543@s.whatsapp.net",
			"chat_url": "https://app.timelines.ai/chat/123456/messages/", "created_timestamp": ts,
			"responsible_name": "Kate Smith", "responsible_email": "kate.smith@acme.com"}
	}
	return p
}

// publicEvents are the Public API event types trigger sends, in the
// reference's names (the overview's chat names are accepted too).
var publicEvents = []events.EventType{
	events.EventMessageNew, events.EventMessageReceived, events.EventMessageSent, events.EventMessageReaction,
	events.EventChatNew, events.EventChatIncoming, events.EventChatOutgoing, events.EventChatAssigned, events.EventChatUnassigned,
	events.EventWhatsAppAccountConnected, events.EventWhatsAppAccountDisconnected, events.EventWhatsAppAccountSuspended, events.EventWhatsAppAccountResumed,
	events.EventCallIncomingEnded, events.EventCallOutgoingEnded, events.EventCallIncomingMissed,
}

// setFlag collects repeatable field=value overrides.
type setFlag []string

func (s *setFlag) String() string     { return strings.Join(*s, ",") }
func (s *setFlag) Set(v string) error { *s = append(*s, v); return nil }

// applySet sets a top-level field (or a dotted path into nested objects)
// of payload. The value is parsed as JSON when it is valid JSON (numbers,
// true, null, objects) and taken as a string otherwise.
func applySet(payload map[string]any, kv string) error {
	key, raw, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return usagef("--set %q: want field=value", kv)
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		v = raw
	}
	parts := strings.Split(key, ".")
	m := payload
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
	return nil
}

func triggerCommand() *command {
	var list strings.Builder
	for _, t := range partnerEvents {
		fmt.Fprintf(&list, "  %s\n", t)
	}
	var pub strings.Builder
	for _, t := range publicEvents {
		fmt.Fprintf(&pub, "  %s\n", t)
	}
	return &command{
		name: "trigger", summary: "send a signed Partner webhook (or an unsigned Public API event) to a URL", args: "EVENT",
		help: `Send a webhook delivery of EVENT to --to and print the status and body the
receiver answered; exit status 1 when it answered other than 2xx.

Partner webhook events are signed like TimelinesAI signs them (X-TL-Partner-Id
and an HS256 X-TL-Signature JWT made with the Partner Secret of the current
credentials):
` + list.String() + `
Public API webhook events are unsigned (TimelinesAI does not sign them):
` + pub.String() + `  (and the overview's names chat:created, chat:assigned, ...)

The body is the documented example payload; triggered_at and similar times are
set to now. Override fields with --workspace-id and --set field=value
(repeatable; value parsed as JSON when valid, e.g. --set seats_purchased=25,
--set message.text=hi), or replace the body with --data FILE ('-' for stdin).`,
		setup: func(fs *flag.FlagSet) runFunc {
			to := fs.String("to", "", "receiver URL (required)")
			ws := fs.String("workspace-id", "", "workspace_id of the payload")
			data := fs.String("data", "", "send this file's JSON as the body instead of the example ('-': stdin)")
			dry := fs.Bool("dry-run", false, "print the body without sending it")
			timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the receiver")
			var sets setFlag
			fs.Var(&sets, "set", "override a payload field: field=value (repeatable; dotted paths reach nested objects)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := wantArgs(args, "EVENT"); err != nil {
					return err
				}
				return a.trigger(ctx, args[0], *to, *ws, *data, sets, *dry, *timeout)
			}
		},
	}
}

func (a *app) trigger(ctx context.Context, event, to, ws, dataFile string, sets []string, dry bool, timeout time.Duration) error {
	et := webhooks.EventType(event)
	partner := et.Known()
	if !partner && !events.EventType(event).Known() {
		return usagef("unknown event %q (see 'tlpartner trigger --help' for the list)", event)
	}
	if to == "" && !dry {
		return usagef("--to URL is required")
	}
	var c creds
	if partner {
		var err error
		if c, err = a.credentials(); err != nil {
			return err
		}
	}
	now := time.Now()
	var payload map[string]any
	switch {
	case dataFile != "":
		b, err := a.readInput(dataFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &payload); err != nil || payload == nil {
			return usagef("--data %s: not a JSON object", dataFile)
		}
	case partner:
		payload = partnerPayload(webhooks.EventType(event), c.partnerID, now)
		if et != payload["event_type"] {
			payload["event_type"] = event // keep a documented alias as given
		}
	default:
		payload = publicPayload(event, now)
	}
	if ws != "" {
		payload["workspace_id"] = ws
	}
	for _, s := range sets {
		if err := applySet(payload, s); err != nil {
			return err
		}
	}
	body, err := json.MarshalIndent(payload, "", "  ")
	if err != nil {
		return err
	}
	if dry {
		_, err := fmt.Fprintf(a.env.Stdout, "%s\n", body)
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var req *http.Request
	if partner {
		req, err = webhookstest.Signer{PartnerID: c.partnerID, Secret: c.secret}.NewRequest(ctx, to, body)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return usagef("--to %q: %v", to, err)
	}
	req.Header.Set("User-Agent", "tlpartner-cli")
	kind := "unsigned Public API event"
	if partner {
		kind = "Partner webhook signed for partner " + c.partnerID
	}
	a.debugf("POST %s (%s, %d bytes)", to, kind, len(body))
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("trigger %s: %w", event, err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	out := struct {
		EventType  string         `json:"event_type"`
		URL        string         `json:"url"`
		Signed     bool           `json:"signed"`
		StatusCode int            `json:"status_code"`
		Status     string         `json:"status"`
		Accepted   bool           `json:"accepted"`
		Body       string         `json:"body"`
		Payload    map[string]any `json:"payload"`
	}{event, to, partner, resp.StatusCode, resp.Status, ok, string(respBody), payload}
	if err := a.emit(out, func(w *tw) {
		w.line(fmt.Sprintf("sent %s to %s (%s)", event, to, kind))
		w.line(fmt.Sprintf("receiver answered %s", resp.Status))
		if len(respBody) > 0 {
			w.line(strings.TrimRight(string(respBody), "\n"))
		}
	}); err != nil {
		return err
	}
	if !ok {
		return &failure{msg: fmt.Sprintf("receiver refused the delivery: %s", resp.Status)}
	}
	return nil
}

// readInput reads a file, or standard input for "-".
func (a *app) readInput(name string) ([]byte, error) {
	var r io.Reader = a.env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("%v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 8<<20))
	if err != nil {
		return nil, usagef("reading %s: %v", name, err)
	}
	return b, nil
}

func verifyCommand() *command {
	return &command{
		name: "verify", summary: "check whether a captured Partner webhook delivery verifies", args: "[CAPTURE]",
		help: `Read a captured Partner webhook delivery and say whether it verifies with the
current credentials' Partner Secret, and why not. Exit status 0 when it
verifies, 1 when it does not.

CAPTURE (a file, or standard input when absent or '-') holds either a raw HTTP
request (request line, headers, blank line, body), or the headers alone ("Name:
value" lines), a blank line and the body. Alternatively give --headers FILE and
--body FILE.

A delivery's signature is valid for about 3 minutes either side of sending
(plus 30 s leeway); to check an older capture as of its arrival, give --at
with the time it arrived (RFC 3339).`,
		setup: func(fs *flag.FlagSet) runFunc {
			headers := fs.String("headers", "", "file with the delivery's headers (Name: value lines)")
			body := fs.String("body", "", "file with the delivery's body")
			at := fs.String("at", "", "verify as of this time (RFC 3339) instead of now")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 1 {
					return usagef("unexpected argument %q", args[1])
				}
				var h http.Header
				var b []byte
				var err error
				switch {
				case *headers != "" || *body != "":
					if len(args) > 0 || *headers == "" {
						return usagef("give --headers and --body, or one CAPTURE")
					}
					raw, err := a.readInput(*headers)
					if err != nil {
						return err
					}
					if h, _, err = parseCapture(raw); err != nil {
						return err
					}
					if *body != "" {
						if b, err = a.readInput(*body); err != nil {
							return err
						}
					}
				default:
					name := "-"
					if len(args) == 1 {
						name = args[0]
					}
					raw, err := a.readInput(name)
					if err != nil {
						return err
					}
					if h, b, err = parseCapture(raw); err != nil {
						return err
					}
				}
				now := time.Now()
				if *at != "" {
					if now, err = time.Parse(time.RFC3339, *at); err != nil {
						return usagef("--at: want an RFC 3339 time such as 2024-01-01T12:00:00Z")
					}
				}
				return a.verify(h, b, now)
			}
		},
	}
}

// parseCapture splits a captured delivery into headers and body: a raw HTTP
// request, or a header block, a blank line and the body.
func parseCapture(raw []byte) (http.Header, []byte, error) {
	raw = bytes.TrimLeft(raw, "\r\n")
	if line, _, _ := bytes.Cut(raw, []byte("\n")); bytes.Contains(line, []byte(" HTTP/")) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return nil, nil, usagef("capture is not a valid HTTP request: %v", err)
		}
		body, _ := io.ReadAll(req.Body)
		return req.Header, body, nil
	}
	sep := []byte("\n\n")
	norm := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	head, body, _ := bytes.Cut(norm, sep)
	h, err := parseHeaderBlock(head)
	return h, body, err
}

// parseHeaderBlock parses "Name: value" lines.
func parseHeaderBlock(raw []byte) (http.Header, error) {
	r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(bytes.TrimRight(raw, "\r\n")), strings.NewReader("\r\n\r\n"))))
	mh, err := r.ReadMIMEHeader()
	if err != nil {
		return nil, usagef("cannot parse the headers: %v", err)
	}
	return http.Header(mh), nil
}

// verifyReasons explains each verification failure.
var verifyReasons = []struct {
	err    error
	reason string
	hint   string
}{
	{webhooks.ErrMissingHeader, "missing_header", "a genuine delivery carries X-TL-Partner-Id and X-TL-Signature; check that the capture kept the headers"},
	{webhooks.ErrInvalidSignature, "invalid_signature", "the token was not signed with this Partner Secret (wrong secret or profile, a forged or altered token, or not HS256)"},
	{webhooks.ErrExpired, "expired", "the token's exp has passed; give --at with the time the delivery arrived, or check the clocks"},
	{webhooks.ErrNotYetValid, "not_yet_valid", "the token's nbf is in the future: the sender's or this machine's clock is off"},
	{webhooks.ErrMissingClaim, "missing_claim", "a validly signed token must carry nbf, exp and a string partner_id"},
	{webhooks.ErrPartnerMismatch, "partner_mismatch", "the partner_id claim, the X-TL-Partner-Id header and your partner ID must all be equal"},
	{webhooks.ErrMalformedBody, "malformed_body", "the signature is fine but the body is not a Partner webhook payload"},
}

func (a *app) verify(h http.Header, body []byte, now time.Time) error {
	c, err := a.credentials()
	if err != nil {
		return err
	}
	v, err := webhooks.NewVerifier(c.partnerID, c.secret, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		return err
	}
	type result struct {
		Verified  bool    `json:"verified"`
		Reason    string  `json:"reason,omitempty"`
		Error     string  `json:"error,omitempty"`
		Hint      string  `json:"hint,omitempty"`
		PartnerID string  `json:"partner_id"`
		NotBefore rfc3339 `json:"not_before"`
		ExpiresAt rfc3339 `json:"expires_at"`
		CheckedAt rfc3339 `json:"checked_at"`
		EventType string  `json:"event_type"`
		Workspace string  `json:"workspace_id"`
		DedupKey  string  `json:"dedup_key,omitempty"`
	}
	res := result{CheckedAt: rfc3339(now), PartnerID: h.Get(webhooks.HeaderPartnerID)}
	nbf, exp := unverifiedTimes(h.Get(webhooks.HeaderSignature))
	res.NotBefore, res.ExpiresAt = rfc3339(nbf), rfc3339(exp)
	var ev webhooks.Event
	claims, err := v.Verify(h)
	if err == nil {
		res.NotBefore, res.ExpiresAt = rfc3339(claims.NotBefore), rfc3339(claims.ExpiresAt)
		ev, err = webhooks.Parse(body)
	}
	if ev != nil {
		res.EventType, res.Workspace, res.DedupKey = string(ev.Type()), ev.Common().WorkspaceID, ev.DedupKey()
	}
	if err != nil {
		res.Error = err.Error()
		res.Reason, res.Hint = "invalid", ""
		for _, r := range verifyReasons {
			if errors.Is(err, r.err) {
				res.Reason, res.Hint = r.reason, r.hint
				break
			}
		}
	} else {
		res.Verified = true
	}
	if err := a.emit(res, func(w *tw) {
		if res.Verified {
			w.line("verified: the signature is valid for partner " + c.partnerID)
		} else {
			w.line("NOT verified: " + res.Error)
			w.kv("reason", res.Reason)
			w.kv("hint", res.Hint)
		}
		w.kv("partner id header", orDash(res.PartnerID))
		w.kv("token valid", fmt.Sprintf("%s to %s", human(nbf), human(exp)))
		w.kv("checked at", human(now))
		if ev != nil {
			w.kv("event", res.EventType)
			w.kv("workspace", orDash(res.Workspace))
			w.kv("dedup key", res.DedupKey)
		}
		w.line("note: the signature does not cover the body; see the webhooks package documentation on replay")
	}); err != nil {
		return err
	}
	if !res.Verified {
		return &failure{msg: "the delivery does not verify: " + res.Reason}
	}
	return nil
}

// unverifiedTimes reads nbf and exp from a JWT without verifying it, only
// to explain a failure; zero times when they cannot be read.
func unverifiedTimes(tok string) (nbf, exp time.Time) {
	tok = strings.TrimSpace(tok)
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = tok[7:]
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return
	}
	var c struct {
		NBF json.Number `json:"nbf"`
		EXP json.Number `json:"exp"`
	}
	if json.Unmarshal(b, &c) != nil {
		return
	}
	sec := func(n json.Number) time.Time {
		if v, err := n.Int64(); err == nil && v > 0 {
			return time.Unix(v, 0)
		}
		return time.Time{}
	}
	return sec(c.NBF), sec(c.EXP)
}
