package publicapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 429 without an error code gets the documented rate_limit_exceeded, not
// the status text: what `code:` shows in the CLI.
func TestRateLimitedCode(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"status":"error","message":"Too Many Requests"}`, `{"error":"Too Many Requests","message":"slow down"}`} {
		c, _ := newMockClient(t, answers{jsonAnswer(429, body)}, WithMaxRetries(0))
		_, err := c.GetWorkspace(context.Background())
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr, body)
		assert.Equal(t, "rate_limit_exceeded", apiErr.Code, body)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.NotEmpty(t, apiErr.Description)
	}
	c, _ := newMockClient(t, answers{jsonAnswer(429, `{"status":"error","message":"Quota exceeded","error_code":"quota_exceeded"}`)}, WithMaxRetries(0))
	_, err := c.GetWorkspace(context.Background())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "quota_exceeded", apiErr.Code, "a real code is kept")
}
