package tlpartnertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/webhooks"
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
//
// and for the Public API:
//
//	POST /_fake/incoming-message  {"workspace_id": "...", "phone": "+4915112345678", "text": "Hi"}  -> IncomingMessage
//	POST /_fake/reaction          {"workspace_id": "...", "message_uid": "...", "phone": "+4915112345678", "emoji": "👍"}
//	POST /_fake/assign            {"workspace_id": "...", "chat_id": 1000001, "email": "..."}  ("" unassigns)
//	POST /_fake/fail-message      {"workspace_id": "...", "message_uid": "..."}
//	POST /_fake/sync              {"workspace_id": "...", "user_id": 1001, "suspended": true}
//
// Errors answer 400 or 404 with {"error": "..."}. The endpoints have no
// authentication: they exist only when enabled, on a loopback listener.
const ControlPrefix = "/_fake"

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
	op := strings.TrimPrefix(r.URL.Path, ControlPrefix+"/")
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
		Used        int64   `json:"used"`
		Total       int64   `json:"total"`
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
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &in); err != nil {
				fail(http.StatusBadRequest, errors.New("malformed JSON body"))
				return
			}
		}
	}
	post := map[string]bool{"scan": true, "phone-disconnect": true, "usage": true, "quota": true, "qr-error": true, "faults": true, "advance": true, "webhook-url": true,
		"incoming-message": true, "reaction": true, "assign": true, "fail-message": true, "sync": true}
	wantMethod := http.MethodGet
	if post[op] {
		wantMethod = http.MethodPost
	}
	if r.Method != wantMethod {
		w.Header().Set("Allow", wantMethod)
		fail(http.StatusMethodNotAllowed, errors.New("method not allowed"))
		return
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
		kinds := map[string]FaultKind{"429": Fault429, "503": Fault503, "delay": FaultDelay, "drop": FaultDrop}
		k, known := kinds[in.Kind]
		if !known {
			fail(http.StatusBadRequest, errors.New(`kind must be "429", "503", "delay" or "drop"`))
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
	case strings.HasPrefix(op, "workspaces/"):
		snap, found := s.Workspace(strings.TrimPrefix(op, "workspaces/"))
		if !found {
			fail(http.StatusNotFound, ErrUnknownWorkspace)
			return
		}
		ok(snap)
	default:
		fail(http.StatusNotFound, errors.New("unknown control endpoint"))
	}
}
