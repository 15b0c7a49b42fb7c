package tlpartnertest

import (
	"math/rand/v2"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// WebhookFaults makes the fake lose or repeat webhook deliveries, Partner
// and Public API alike, the way an unreliable sender does. Each delivery
// draws one number from a generator seeded with Seed: below Drop it is
// dropped (never sent, recorded with [Delivery.Dropped]); below
// Drop+Duplicate it is sent twice (two records, the second with
// [Delivery.Duplicate]); otherwise it is sent once. Deliveries go out one at
// a time in event order, so the same seed and the same events give the same
// choices. A dropped delivery does not count in a subscription's
// errors_counter: the receiver never saw it.
type WebhookFaults struct {
	// Drop is the fraction of deliveries never sent, from 0 to 1.
	Drop float64
	// Duplicate is the fraction of deliveries sent twice, from 0 to 1.
	Duplicate float64
	// Seed seeds the choice.
	Seed int
}

// SetWebhookFaults replaces the webhook delivery faults; the zero
// WebhookFaults turns them off. Fractions outside 0..1, or adding up to
// more than 1, give a *tlpartner.ValidationError and change nothing.
func (s *Server) SetWebhookFaults(f WebhookFaults) error {
	switch {
	case !(f.Drop >= 0 && f.Drop <= 1):
		return engine.NewValidationError("tlpartnertest", "WebhookFaults.Drop", "must be between 0 and 1")
	case !(f.Duplicate >= 0 && f.Duplicate <= 1):
		return engine.NewValidationError("tlpartnertest", "WebhookFaults.Duplicate", "must be between 0 and 1")
	case f.Drop+f.Duplicate > 1:
		return engine.NewValidationError("tlpartnertest", "WebhookFaults", "Drop plus Duplicate must not exceed 1")
	}
	wh := &s.wh
	wh.mu.Lock()
	defer wh.mu.Unlock()
	wh.faults = nil
	if f.Drop > 0 || f.Duplicate > 0 {
		wh.faults = &webhookFaultState{WebhookFaults: f, rng: rand.New(rand.NewPCG(uint64(f.Seed), uint64(f.Seed)^0x9e3779b97f4a7c15))}
	}
	return nil
}

type webhookFaultState struct {
	WebhookFaults
	rng *rand.Rand
}

// webhookCopies says how many times the next delivery is sent: 0, 1 or 2.
func (s *Server) webhookCopies() int {
	wh := &s.wh
	wh.mu.Lock()
	defer wh.mu.Unlock()
	f := wh.faults
	if f == nil {
		return 1
	}
	switch r := f.rng.Float64(); {
	case r < f.Drop:
		return 0
	case r < f.Drop+f.Duplicate:
		return 2
	}
	return 1
}
