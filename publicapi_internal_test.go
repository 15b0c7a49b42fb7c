package tlpartner

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPublicAPIBaseURLDerivation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		DefaultBaseURL:                             "https://app.timelines.ai/integrations/api",
		"http://127.0.0.1:8080/partner/api/v1":     "http://127.0.0.1:8080/integrations/api",
		"https://app.timelines.global/partner/api": "https://app.timelines.global/integrations/api",
		"https://proxy.example/tl/partner/api/v1":  "https://proxy.example/tl/integrations/api",
		"https://proxy.example/custom":             "https://proxy.example/integrations/api",
	} {
		assert.Equal(t, want, publicAPIBaseURL(in), in)
	}
}
