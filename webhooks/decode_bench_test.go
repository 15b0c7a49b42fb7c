package webhooks_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// handDisconnected is what a hand-written receiver decodes
// whatsapp_account:disconnected into.
type handDisconnected struct {
	WorkspaceID       string    `json:"workspace_id"`
	EventType         string    `json:"event_type"`
	PartnerID         string    `json:"partner_id"`
	TriggeredAt       time.Time `json:"triggered_at"`
	WhatsAppAccountID int64     `json:"whatsapp_account_id"`
	PhoneNumberE164   string    `json:"phone_number_e164"`
	UserID            int64     `json:"user_id"`
	DisconnectedAt    time.Time `json:"disconnected_at"`
	Reason            string    `json:"reason"`
}

type handClaims struct {
	PartnerID string `json:"partner_id"`
	jwt.RegisteredClaims
}

// handConstruct is the baseline: the token checked with golang-jwt as its
// documentation shows (HS256 only, exp and nbf required, 30 s leeway), the
// partner ID compared, and the body decoded with json.Unmarshal.
func handConstruct(h http.Header, body []byte, secret []byte) (*handDisconnected, error) {
	var c handClaims
	_, err := jwt.ParseWithClaims(h.Get(webhooks.HeaderSignature), &c,
		func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(testClock))
	if err != nil {
		return nil, err
	}
	if c.PartnerID != h.Get(webhooks.HeaderPartnerID) || c.NotBefore == nil {
		return nil, errors.New("partner mismatch")
	}
	var e handDisconnected
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// BenchmarkConstructEventVsUnmarshal verifies and decodes the same
// delivery with Verifier.ConstructEvent and with the hand-written
// baseline, alternately in one loop; "x-baseline" is the ratio of their
// median times (the target is at most 1.3). BenchmarkParseVsUnmarshal
// does the same for decoding alone.
func BenchmarkConstructEventVsUnmarshal(b *testing.B) {
	h, err := testSigner.Header()
	if err != nil {
		b.Fatal(err)
	}
	body := readFixture(b, "whatsapp_account_disconnected.json")
	v, err := webhooks.NewVerifier(testPartner, testSecret, webhooks.WithClock(testClock))
	if err != nil {
		b.Fatal(err)
	}
	secret := []byte(testSecret)
	testutil.Paired(b, func() error {
		e, err := v.ConstructEvent(h, body)
		if err == nil && e.(*webhooks.WhatsAppAccountDisconnected).UserID != 98765 {
			err = errors.New("bad decode")
		}
		return err
	}, func() error {
		_, err := handConstruct(h, body, secret)
		return err
	})
}

func BenchmarkParseVsUnmarshal(b *testing.B) {
	body := readFixture(b, "whatsapp_account_disconnected.json")
	testutil.Paired(b, func() error {
		_, err := webhooks.Parse(body)
		return err
	}, func() error {
		var e handDisconnected
		return json.Unmarshal(body, &e)
	})
}
