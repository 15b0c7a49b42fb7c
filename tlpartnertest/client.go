package tlpartnertest

import (
	"fmt"
	"time"

	"github.com/tlpartner/tlpartner-go"
)

// FastRetryPolicy is the retry policy [Server.Client] installs by default:
// the SDK's default number of retries with millisecond waits, so tests that
// inject 429 or 503 faults stay fast. Pass tlpartner.WithRetryPolicy to
// [Server.Client] to use another one.
func FastRetryPolicy() tlpartner.RetryPolicy {
	return tlpartner.RetryPolicy{
		MaxRetries:    tlpartner.DefaultMaxRetries,
		BaseDelay:     time.Millisecond,
		MaxDelay:      20 * time.Millisecond,
		MaxRetryAfter: 20 * time.Millisecond,
	}
}

// Client returns a *tlpartner.Client for the primary partner, pointed at
// the fake (tlpartner.WithBaseURL(s.PartnerAPIURL())) and using [FastRetryPolicy].
// opts are applied after those defaults, so they can override them.
func (s *Server) Client(opts ...tlpartner.Option) (*tlpartner.Client, error) {
	return s.PartnerClient(s.primary, opts...)
}

// PartnerClient is like [Server.Client] for any partner known to the fake.
func (s *Server) PartnerClient(partnerID string, opts ...tlpartner.Option) (*tlpartner.Client, error) {
	secret := s.PartnerSecret(partnerID)
	if secret == "" {
		return nil, fmt.Errorf("tlpartnertest: unknown partner %q", partnerID)
	}
	all := append([]tlpartner.Option{
		tlpartner.WithBaseURL(s.PartnerAPIURL()),
		tlpartner.WithRetryPolicy(FastRetryPolicy()),
	}, opts...)
	return tlpartner.NewClient(partnerID, secret, all...)
}
