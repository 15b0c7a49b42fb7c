package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Credentials issued by TimelinesAI; read them from your secret store.
const (
	partnerID     = "partner_12345"
	partnerSecret = "example-partner-secret"
)

// deliver sends body to h the way TimelinesAI would (signed with secret) and
// returns the status code.
func deliver(h http.Handler, secret, body string) int {
	s := webhookstest.Signer{PartnerID: partnerID, Secret: secret}
	req, err := s.NewRequest(context.Background(), "https://partner.example/timelines/webhooks", []byte(body))
	if err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

func ExampleNewHandler() {
	h, err := webhooks.NewHandler(partnerID, partnerSecret)
	if err != nil {
		log.Fatal(err)
	}
	h.OnWhatsAppAccountConnected(func(ctx context.Context, e *webhooks.WhatsAppAccountConnected) error {
		fmt.Printf("user %d of %s connected %s\n", e.UserID, e.WorkspaceID, e.PhoneNumberE164)
		return nil
	})
	h.OnMessagingQuotaNearFull(func(ctx context.Context, e *webhooks.MessagingQuotaNearFull) error {
		fmt.Printf("%s used %d%% of its messages\n", e.WorkspaceID, e.Utilization())
		return nil
	})
	// Everything without a typed callback, including event types newer
	// than this package.
	h.OnEvent(func(ctx context.Context, e webhooks.Event) error {
		fmt.Printf("other event %s for %s\n", e.Type(), e.Common().WorkspaceID)
		return nil
	})
	// In production: mux.Handle("POST /timelines/webhooks", h), served over HTTPS.

	fmt.Println(deliver(h, partnerSecret, `{"workspace_id":"my-workspace","event_type":"whatsapp_account:connected","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","whatsapp_account_id":67890,"phone_number_e164":"+123456789","user_id":98765}`))
	fmt.Println(deliver(h, partnerSecret, `{"workspace_id":"my-workspace","event_type":"workspace:quota_near_full:messaging","partner_id":"partner_12345","triggered_at":"2024-01-20T08:30:00.000Z","messaging_quota_total":100000,"messaging_quota_used":91000,"current_period_start":"2024-01-01T00:00:00Z","current_period_end":"2024-01-31T23:59:59Z"}`))
	fmt.Println(deliver(h, partnerSecret, `{"workspace_id":"my-workspace","event_type":"workspace:seats_full","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","seats_purchased":10,"seats_available":0}`))
	// A forged delivery never reaches a callback.
	fmt.Println(deliver(h, "guessed-secret", `{"workspace_id":"my-workspace","event_type":"workspace:seats_full"}`))
	// Output:
	// user 98765 of my-workspace connected +123456789
	// 200
	// my-workspace used 91% of its messages
	// 200
	// other event workspace:seats_full for my-workspace
	// 200
	// 401
}

// Receivers with their own router verify and parse with ConstructEvent.
func ExampleConstructEvent() {
	receive := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		event, err := webhooks.ConstructEvent(r.Header, body, partnerID, partnerSecret)
		switch {
		case errors.Is(err, webhooks.ErrMalformedBody):
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		case err != nil: // ErrInvalidSignature, ErrExpired, ErrPartnerMismatch, ...
			fmt.Println("rejected:", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch e := event.(type) {
		case *webhooks.APITokenRotated:
			// The event does not carry the token: fetch it with the Partner API.
			fmt.Printf("token of %s rotated at %s\n", e.WorkspaceID, e.RotatedAt.Format(time.RFC3339))
		default:
			fmt.Println("ignored", e.Type())
		}
		w.WriteHeader(http.StatusOK)
	}

	fmt.Println(deliver(http.HandlerFunc(receive), partnerSecret, `{"workspace_id":"my-workspace","event_type":"api_token:rotated","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","rotated_at":"2024-01-01T12:00:00Z"}`))
	fmt.Println(deliver(http.HandlerFunc(receive), "guessed-secret", `{"event_type":"api_token:rotated"}`))
	// Output:
	// token of my-workspace rotated at 2024-01-01T12:00:00Z
	// 200
	// rejected: webhooks: invalid signature: signature does not match any configured secret
	// 401
}

func ExampleParse() {
	bodies := []string{
		`{"workspace_id":"my-workspace","event_type":"whatsapp_account:disconnected","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00.000Z","whatsapp_account_id":67890,"phone_number_e164":"+123456789","user_id":98765,"disconnected_at":"2024-01-01T12:00:00Z","reason":"(logged out)"}`,
		`{"workspace_id":"my-workspace","event_type":"workspace:quota_full:api_calls","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","api_calls_limit":1000000,"api_calls_used":1000000,"current_period_start":"2024-01-01T00:00:00Z","current_period_end":"2024-01-31T23:59:59Z"}`,
		`{"workspace_id":"my-workspace","event_type":"api-token:rotated","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","rotated_at":"2024-01-01T12:00:00Z"}`,
		`{"workspace_id":"my-workspace","event_type":"workspace:renamed","triggered_at":"2024-01-01T12:00:00Z","display_name":"New"}`,
		`{"event_type":`,
	}
	for _, body := range bodies {
		event, err := webhooks.Parse([]byte(body))
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		switch e := event.(type) {
		case *webhooks.WhatsAppAccountDisconnected:
			fmt.Printf("account %d of user %d disconnected %s\n", e.WhatsAppAccountID, e.UserID, e.Reason)
		case *webhooks.APICallsQuotaFull:
			fmt.Printf("%s used %d of %d API calls until %s\n", e.WorkspaceID, e.APICallsUsed, e.APICallsLimit, e.CurrentPeriodEnd.Format(time.DateOnly))
		case *webhooks.APITokenRotated:
			fmt.Printf("%s (delivered as api-token:rotated)\n", e.Type())
		case *webhooks.UnknownEvent:
			// Newer than this package: the raw body is still there.
			var fields map[string]any
			if err := json.Unmarshal(e.Raw, &fields); err != nil {
				log.Fatal(err)
			}
			fmt.Printf("unknown event %s for %s: display_name=%v\n", e.EventType, e.WorkspaceID, fields["display_name"])
		}
	}
	// Output:
	// account 67890 of user 98765 disconnected (logged out)
	// my-workspace used 1000000 of 1000000 API calls until 2024-01-31
	// api_token:rotated (delivered as api-token:rotated)
	// unknown event workspace:renamed for my-workspace: display_name=New
	// error: webhooks: malformed body: invalid JSON
}

// The signature covers no body and deliveries have no id: let the Handler
// de-duplicate with each event's DedupKey. A MemoryDeduplicator serves one
// process; replicas share a store (module tlredis).
func ExampleWithDeduplicator() {
	h, err := webhooks.NewHandler(partnerID, partnerSecret,
		webhooks.WithDeduplicator(webhooks.NewMemoryDeduplicator(0)))
	if err != nil {
		log.Fatal(err)
	}
	h.OnEvent(func(ctx context.Context, e webhooks.Event) error {
		fmt.Println("handling", e.DedupKey())
		return nil
	})

	body := `{"workspace_id":"my-workspace","event_type":"workspace:seats_full","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","seats_purchased":10,"seats_available":0}`
	fmt.Println(deliver(h, partnerSecret, body))
	// The same event again, with fractional seconds: acknowledged, not handled.
	fmt.Println(deliver(h, partnerSecret, strings.Replace(body, `12:00:00Z`, `12:00:00.000Z`, 1)))
	// Output:
	// handling workspace:seats_full|my-workspace|2024-01-01T12:00:00Z|10
	// 200
	// 200
}

// During a Partner Secret rotation accept both secrets, then drop the old one.
func ExampleWithSecrets() {
	h, err := webhooks.NewHandler(partnerID, "new-partner-secret", webhooks.WithSecrets(partnerSecret))
	if err != nil {
		log.Fatal(err)
	}
	body := `{"workspace_id":"my-workspace","event_type":"workspace:quota_full:transactions","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","current_period_start":"2024-01-01T00:00:00Z","current_period_end":"2024-01-31T23:59:59Z"}`
	fmt.Println(deliver(h, partnerSecret, body))
	fmt.Println(deliver(h, "new-partner-secret", body))
	fmt.Println(deliver(h, "some-other-secret", body))
	// Output:
	// 200
	// 200
	// 401
}

// A Verifier checks only the headers; it suits frameworks that hand you
// headers and body separately.
func ExampleVerifier_Verify() {
	v, err := webhooks.NewVerifier(partnerID, partnerSecret, webhooks.WithLeeway(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	header, err := webhookstest.Signer{PartnerID: partnerID, Secret: partnerSecret}.Header()
	if err != nil {
		log.Fatal(err)
	}
	claims, err := v.Verify(header)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.PartnerID, claims.ExpiresAt.Sub(claims.NotBefore))

	header.Set(webhooks.HeaderPartnerID, "someone-else")
	_, err = v.Verify(header)
	fmt.Println(errors.Is(err, webhooks.ErrPartnerMismatch))
	// Output:
	// partner_12345 6m0s
	// true
}

// The two WhatsApp account events share their payload: handle both through
// the embedded WhatsAppAccountChange. Event structs marshal to the wire form,
// which makes test deliveries easy to build.
func ExampleWhatsAppAccountChange() {
	describe := func(what string, a *webhooks.WhatsAppAccountChange) {
		fmt.Printf("%s: account %d of user %d (%s) %s\n", what, a.WhatsAppAccountID, a.UserID, a.PhoneNumberE164, a.Reason)
	}
	sent := &webhooks.WhatsAppAccountDisconnected{
		CommonFields: webhooks.CommonFields{WorkspaceID: "my-workspace", PartnerID: partnerID, TriggeredAt: time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)},
		WhatsAppAccountChange: webhooks.WhatsAppAccountChange{
			WhatsAppAccountID: 67890, PhoneNumberE164: "+123456789", UserID: 98765, Reason: "(logged out)",
		},
	}
	body, err := json.Marshal(sent)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(body))

	event, err := webhooks.Parse(body)
	if err != nil {
		log.Fatal(err)
	}
	switch e := event.(type) {
	case *webhooks.WhatsAppAccountConnected:
		describe("connected", &e.WhatsAppAccountChange)
	case *webhooks.WhatsAppAccountDisconnected:
		describe("disconnected", &e.WhatsAppAccountChange)
	}
	// Output:
	// {"workspace_id":"my-workspace","event_type":"whatsapp_account:disconnected","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","whatsapp_account_id":67890,"phone_number_e164":"+123456789","user_id":98765,"reason":"(logged out)"}
	// disconnected: account 67890 of user 98765 (+123456789) (logged out)
}
