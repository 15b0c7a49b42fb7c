package tlpartner_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRootModuleHasNoHeavyDependencies: the dependencies that only some
// users need live in nested modules (tlredis, outbox, tlotel, e2e), so that
// the root go.mod, and what every SDK user downloads, lists none of them.
func TestRootModuleHasNoHeavyDependencies(t *testing.T) {
	raw, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	for _, heavy := range []string{
		"github.com/redis/go-redis", "github.com/chromedp", "github.com/riverqueue",
		"github.com/jackc/pgx", "go.opentelemetry.io", "modernc.org/sqlite",
	} {
		require.NotContains(t, string(raw), heavy, "the root go.mod requires %s; move the code that needs it to a nested module", heavy)
	}
	require.True(t, strings.HasPrefix(string(raw), "module github.com/tlpartner/tlpartner-go\n"))
}
