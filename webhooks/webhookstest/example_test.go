package webhookstest_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/tlpartner/tlpartner-go/webhooks"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// Unit-test a receiver with requests signed exactly like TimelinesAI's.
func ExampleSigner_NewRequest() {
	const partnerID, secret = "partner_12345", "test-secret"

	// The receiver under test.
	h, err := webhooks.NewHandler(partnerID, secret)
	if err != nil {
		log.Fatal(err)
	}
	h.OnAPITokenRotated(func(ctx context.Context, e *webhooks.APITokenRotated) error {
		fmt.Println("rotated:", e.WorkspaceID)
		return nil
	})

	signer := webhookstest.Signer{PartnerID: partnerID, Secret: secret}
	body := []byte(`{"workspace_id":"my-workspace","event_type":"api_token:rotated","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","rotated_at":"2024-01-01T12:00:00Z"}`)
	req, err := signer.NewRequest(context.Background(), "http://127.0.0.1/webhooks", body)
	if err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// rotated: my-workspace
	// 200
}

// Header gives the raw headers, for receivers built on ConstructEvent or on
// another framework.
func ExampleSigner_Header() {
	signer := webhookstest.Signer{PartnerID: "partner_12345", Secret: "test-secret"}
	header, err := signer.Header()
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"workspace_id":"my-workspace","event_type":"workspace:seats_full","partner_id":"partner_12345","triggered_at":"2024-01-01T12:00:00Z","seats_purchased":10,"seats_available":0}`)
	event, err := webhooks.ConstructEvent(header, body, "partner_12345", "test-secret")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(event.Type(), header.Get("Content-Type"))
	// Output:
	// workspace:seats_full application/json
}
