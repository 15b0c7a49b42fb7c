package publicapi

import (
	"net/http"

	"github.com/tlpartner/tlpartner-go/internal/engine"
)

// Shared applies opts once and returns a single Option that gives every
// client created with it the result: the same rate limiter (so
// [WithRateLimit] makes one token bucket for all of them, not one per
// client), the same transport and connections, retry policy, logger,
// User-Agent and base URL. Use it to create many clients, one per
// workspace, under one budget; tlpartner's Client.PublicAPIPool does.
//
// The returned Option replaces everything applied before it, so give it
// first and add per-client options (such as [WithTokenSource]) after it.
// An invalid option, or an invalid base URL, is returned here as a
// [*ValidationError], as NewClient would return it.
func Shared(opts ...Option) (Option, error) {
	cfg := config{Settings: engine.DefaultSettings(apiName), baseURL: DefaultBaseURL}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if _, err := engine.NormalizeBaseURL(apiName, cfg.baseURL); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		// One default transport for every client, instead of a clone per
		// client.
		cfg.HTTPClient = &http.Client{Transport: engine.DefaultTransport()}
	}
	return func(c *config) error {
		*c = cfg
		return nil
	}, nil
}
