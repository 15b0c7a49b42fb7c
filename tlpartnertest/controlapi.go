package tlpartnertest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// ControlPrefix is the path under which [Options.ControlEndpoints] mounts
// the test controls as JSON endpoints, for test suites that are not written
// in Go and drive a stand-alone fake (cmd/tlpartner-fake):
//
//	POST /_fake/scan              {"qr_link": "...", "phone": "+31612345678"}        -> Connection
//	POST /_fake/phone-disconnect  {"workspace_id": "...", "user_id": 1001, "reason": "(logged out)"}
//	POST /_fake/usage             {"workspace_id": "...", "quota": "messaging", "used": 900}
//	POST /_fake/quota             {"workspace_id": "...", "quota": "messaging", "total": 1000}
//	POST /_fake/qr-error          {"qr_link": "...", "message": "QR Code mismatch."}
//	POST /_fake/faults            {"kind": "429"|"503"|"delay"|"drop", "count": 2, "delay_ms": 100, "path": "/workspaces", "method": "GET"}
//	POST /_fake/advance           {"seconds": 3600}
//	POST /_fake/webhook-url       {"url": "http://127.0.0.1:9000/hooks"}
//	GET  /_fake/requests          -> [RecordedRequest...]
//	GET  /_fake/deliveries        -> [Delivery...]
//	GET  /_fake/workspaces/{id}   -> Snapshot
//	GET  /_fake/token?partner_id= -> a fresh partner JWT as plain text (default: the primary partner)
//	GET  /_fake/                  -> this list as JSON
//
// and for the Public API:
//
//	POST /_fake/incoming-message  {"workspace_id": "...", "phone": "+4915112345678", "text": "Hi"}  -> IncomingMessage
//	POST /_fake/reaction          {"workspace_id": "...", "message_uid": "...", "phone": "+4915112345678", "emoji": "👍"}
//	POST /_fake/assign            {"workspace_id": "...", "chat_id": 1000001, "email": "..."}  ("" unassigns)
//	POST /_fake/fail-message      {"workspace_id": "...", "message_uid": "..."}
//	POST /_fake/sync              {"workspace_id": "...", "user_id": 1001, "suspended": true}
//
// /_fake/token answers text so that a shell can use it directly:
//
//	curl -H "X-TL-Partner-Id: test-partner" \
//	     -H "Authorization: Bearer $(curl -s localhost:8080/_fake/token)" \
//	     localhost:8080/partner/api/v1/workspaces/acme-co
//
// Errors answer 400, 404, 405 or 413 (body over 1 MiB) with
// {"error": "..."}. The endpoints have no authentication: they exist only
// when enabled, on a loopback listener.
const ControlPrefix = "/_fake"

// controlInfo describes one test control in the index at /_fake/.
type controlInfo struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Body        string `json:"body,omitempty"`
	Returns     string `json:"returns,omitempty"`
	Description string `json:"description"`
}

// controls is the index served at /_fake/; serveControl routes by it.
var controls = []controlInfo{
	{"POST", "/_fake/scan", `{"qr_link": "...", "phone": "+31612345678"}`, "connection", "simulate the customer scanning a QR link with WhatsApp"},
	{"POST", "/_fake/phone-disconnect", `{"workspace_id": "...", "user_id": 1001, "reason": "(logged out)"}`, "", "simulate a logout on the phone (sends whatsapp_account:disconnected)"},
	{"POST", "/_fake/usage", `{"workspace_id": "...", "quota": "messaging", "used": 900}`, "", "set a quota's usage (may send quota webhooks)"},
	{"POST", "/_fake/quota", `{"workspace_id": "...", "quota": "messaging", "total": 1000}`, "", "set a quota's allowance"},
	{"POST", "/_fake/qr-error", `{"qr_link": "...", "message": "QR Code mismatch."}`, "", "make the fake QR page post TIMELINES_ERROR"},
	{"POST", "/_fake/faults", `{"kind": "429|503|delay|drop", "count": 2, "delay_ms": 100, "path": "/workspaces", "method": "GET"}`, `{"pending": n}`, "inject faults into the next matching API requests"},
	{"POST", "/_fake/advance", `{"seconds": 3600}`, `{"now": "..."}`, "move the fake's domain clock forward (QR expiry, quota periods)"},
	{"POST", "/_fake/webhook-url", `{"url": "http://127.0.0.1:9000/hooks"}`, "", "set where the primary partner's webhooks go"},
	{"GET", "/_fake/requests", "", "[request...]", "every API request so far (tokens redacted)"},
	{"GET", "/_fake/deliveries", "", "[delivery...]", "every webhook delivery so far"},
	{"GET", "/_fake/workspaces/{id}", "", "snapshot", "a workspace's state"},
	{"POST", "/_fake/incoming-message", `{"workspace_id": "...", "phone": "+4915112345678", "text": "Hi"}`, `{"chat_id", "message_uid", "whatsapp_account_id", "new_chat"}`, "a contact sends a WhatsApp message (Public API webhooks message:received:new, chat:incoming:new)"},
	{"POST", "/_fake/reaction", `{"workspace_id": "...", "message_uid": "...", "phone": "+4915112345678", "emoji": "👍"}`, "", "a contact reacts to a message (\"\" clears; message:reaction)"},
	{"POST", "/_fake/assign", `{"workspace_id": "...", "chat_id": 1000001, "email": "..."}`, "", "assign a chat to a teammate (\"\" unassigns; chat:responsible:*)"},
	{"POST", "/_fake/fail-message", `{"workspace_id": "...", "message_uid": "..."}`, "", "fail a queued or sent message and refund its credits"},
	{"POST", "/_fake/sync", `{"workspace_id": "...", "user_id": 1001, "suspended": true}`, "", "suspend or resume message syncing of a user's account (whatsapp:account:suspended/resumed)"},
	{"GET", "/_fake/token", "", "JWT (text/plain)", "a fresh partner JWT, valid for 3 minutes; ?partner_id= picks a partner (default: the primary)"},
	{"GET", "/_fake/", "", "this index", "the list of test controls"},
}

// controlMethod returns the method of the control op (path without the
// prefix), or "" for an unknown op.
func controlMethod(op string) string {
	if strings.HasPrefix(op, "workspaces/") {
		op = "workspaces/{id}"
	}
	for _, c := range controls {
		if c.Path == ControlPrefix+"/"+op {
			return c.Method
		}
	}
	return ""
}

type controlConnection struct {
	WorkspaceID       string    `json:"workspace_id"`
	UserID            int64     `json:"user_id"`
	WhatsAppAccountID int64     `json:"whatsapp_account_id"`
	PhoneNumberE164   string    `json:"phone_number_e164"`
	ConnectedAt       time.Time `json:"connected_at"`
}

type controlRequest struct {
	Time        time.Time   `json:"time"`
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	RawQuery    string      `json:"raw_query,omitempty"`
	Header      http.Header `json:"header"`
	Body        string      `json:"body"`
	PartnerID   string      `json:"partner_id,omitempty"`
	WorkspaceID string      `json:"workspace_id,omitempty"`
	StatusCode  int         `json:"status_code"`
	Fault       string      `json:"fault,omitempty"`
}

type controlDelivery struct {
	PartnerID    string             `json:"partner_id"`
	EventType    webhooks.EventType `json:"event_type"`
	WorkspaceID  string             `json:"workspace_id"`
	URL          string             `json:"url"`
	Body         json.RawMessage    `json:"body"`
	Attempts     int                `json:"attempts"`
	StatusCode   int                `json:"status_code"`
	Error        string             `json:"error,omitempty"`
	Public       bool               `json:"public,omitempty"`
	Subscription int64              `json:"subscription_id,omitempty"`
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, ControlPrefix), "/")
	fail := func(status int, err error) {
		writeRaw(w, status, map[string]string{"error": err.Error()})
	}
	var in struct {
		QRLink      string  `json:"qr_link"`
		Phone       string  `json:"phone"`
		WorkspaceID string  `json:"workspace_id"`
		UserID      int64   `json:"user_id"`
		Reason      string  `json:"reason"`
		Quota       string  `json:"quota"`
		Used        int     `json:"used"`
		Total       int     `json:"total"`
		Message     string  `json:"message"`
		Kind        string  `json:"kind"`
		Count       int     `json:"count"`
		DelayMs     int64   `json:"delay_ms"`
		Path        string  `json:"path"`
		Method      string  `json:"method"`
		Seconds     float64 `json:"seconds"`
		URL         string  `json:"url"`
		Text        string  `json:"text"`
		MessageUID  string  `json:"message_uid"`
		Emoji       string  `json:"emoji"`
		ChatID      int64   `json:"chat_id"`
		Email       string  `json:"email"`
		Suspended   bool    `json:"suspended"`
	}
	wantMethod := controlMethod(op)
	if wantMethod == "" {
		fail(http.StatusNotFound, errors.New("unknown control endpoint; GET "+ControlPrefix+"/ lists them"))
		return
	}
	if r.Method != wantMethod {
		w.Header().Set("Allow", wantMethod)
		fail(http.StatusMethodNotAllowed, errors.New("method not allowed"))
		return
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return // client went away
		}
		if len(body) > maxBody {
			fail(http.StatusRequestEntityTooLarge, errors.New("request body too large (limit 1 MiB)"))
			return
		}
		if aerr := decodeBody(body, &in, true); aerr != nil {
			fail(http.StatusBadRequest, errors.New(aerr.desc))
			return
		}
	}
	ok := func(v any) { writeRaw(w, http.StatusOK, v) }
	switch {
	case op == "scan":
		c, err := s.SimulateScan(in.QRLink, in.Phone)
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(controlConnection(*c))
	case op == "phone-disconnect":
		if err := s.SimulatePhoneDisconnect(in.WorkspaceID, in.UserID, in.Reason); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(map[string]bool{"ok": true})
	case op == "usage" || op == "quota":
		var err error
		if op == "usage" {
			err = s.SetUsage(in.WorkspaceID, QuotaKind(in.Quota), in.Used)
		} else {
			err = s.SetQuota(in.WorkspaceID, QuotaKind(in.Quota), in.Total)
		}
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(map[string]bool{"ok": true})
	case op == "qr-error":
		if err := s.EmitQRError(in.QRLink, in.Message); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(map[string]bool{"ok": true})
	case op == "faults":
		kinds := map[string]FaultKind{"429": Fault429, "503": Fault503, "delay": FaultDelay, "drop": FaultDrop, "lose-response": FaultLoseResponse}
		k, known := kinds[in.Kind]
		if !known {
			fail(http.StatusBadRequest, errors.New(`kind must be "429", "503", "delay", "drop" or "lose-response"`))
			return
		}
		s.InjectFaults(Fault{Kind: k, Count: in.Count, Delay: time.Duration(in.DelayMs) * time.Millisecond, Path: in.Path, Method: in.Method})
		ok(map[string]int{"pending": s.PendingFaults()})
	case op == "advance":
		if in.Seconds < 0 {
			fail(http.StatusBadRequest, errors.New("seconds must not be negative"))
			return
		}
		s.Advance(time.Duration(in.Seconds * float64(time.Second)))
		ok(map[string]string{"now": stamp(s.Now())})
	case op == "webhook-url":
		s.SetWebhookURL(in.URL)
		ok(map[string]bool{"ok": true})
	case op == "requests":
		out := []controlRequest{}
		for _, rr := range s.Requests() {
			cr := controlRequest{Time: rr.Time, Method: rr.Method, Path: rr.Path, RawQuery: rr.RawQuery, Header: rr.Header,
				Body: string(rr.Body), PartnerID: rr.PartnerID, WorkspaceID: rr.WorkspaceID, StatusCode: rr.StatusCode}
			if rr.Fault != 0 {
				cr.Fault = rr.Fault.String()
			}
			out = append(out, cr)
		}
		ok(out)
	case op == "deliveries":
		out := []controlDelivery{}
		for _, d := range s.Deliveries() {
			cd := controlDelivery{PartnerID: d.PartnerID, EventType: d.EventType, WorkspaceID: d.WorkspaceID, URL: d.URL,
				Body: json.RawMessage(d.Body), Attempts: d.Attempts, StatusCode: d.StatusCode,
				Public: d.Public, Subscription: d.SubscriptionID}
			if d.Err != nil {
				cd.Error = d.Err.Error()
			}
			out = append(out, cd)
		}
		ok(out)
	case op == "incoming-message":
		m, err := s.SimulateIncomingMessage(in.WorkspaceID, in.Phone, in.Text)
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(map[string]any{"chat_id": m.ChatID, "message_uid": m.MessageUID, "whatsapp_account_id": m.WhatsAppAccountID, "new_chat": m.NewChat})
	case op == "reaction" || op == "assign" || op == "fail-message" || op == "sync":
		var err error
		switch op {
		case "reaction":
			err = s.SimulateReaction(in.WorkspaceID, in.MessageUID, in.Phone, in.Emoji)
		case "assign":
			err = s.SimulateChatAssignment(in.WorkspaceID, in.ChatID, in.Email)
		case "fail-message":
			err = s.FailMessage(in.WorkspaceID, in.MessageUID)
		default:
			err = s.setSyncSuspended(in.WorkspaceID, in.UserID, in.Suspended)
		}
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		ok(map[string]bool{"ok": true})
	case op == "":
		ok(map[string]any{"controls": controls})
	case op == "token":
		pid := r.URL.Query().Get("partner_id")
		if pid == "" {
			pid = s.primary
		}
		secret := s.PartnerSecret(pid)
		if secret == "" {
			fail(http.StatusNotFound, errors.New("unknown partner"))
			return
		}
		// A partner request token has the same claims as a webhook
		// signature: partner_id, nbf = now-3m, exp = now+3m, HS256.
		tok, err := webhookstest.Signer{PartnerID: pid, Secret: secret}.Token()
		if err != nil {
			fail(http.StatusInternalServerError, errors.New("cannot sign"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, tok+"\n")
	case strings.HasPrefix(op, "workspaces/"):
		snap, found := s.Workspace(strings.TrimPrefix(op, "workspaces/"))
		if !found {
			fail(http.StatusNotFound, ErrUnknownWorkspace)
			return
		}
		ok(snap)
	}
}
