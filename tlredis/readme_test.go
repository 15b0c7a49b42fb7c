package tlredis_test

// The Go blocks of tlredis/README.md (and of any other README that uses
// this module) are the regions between "// readme:begin NAME" and
// "// readme:end" below (one tab of indentation removed); the READMEs mark
// each with "<!-- tlredis/readme_test.go: NAME -->"
// right before the block. TestREADMESnippets fails when they differ, so the
// snippets always compile.

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/webhooks"

	"github.com/tlpartner/tlpartner-go/tlredis"
)

func readmeLimiter(id, secret string) (*tlpartner.Client, error) {
	// readme:begin limiter
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	lim, err := tlredis.NewLimiter(rdb, "tlpartner:ratelimit:egress-1", 25, 10) // one key per egress IP
	// readme:end
	if err != nil {
		return nil, err
	}
	// readme:begin client
	client, err := tlpartner.NewClient(id, secret, tlpartner.WithRateLimiter(lim))
	// readme:end
	return client, err
}

func readmeDedup(rdb *redis.Client, partnerID, secret string) (*webhooks.Handler, error) {
	// readme:begin dedup
	dedup, err := tlredis.NewDeduplicator(rdb) // keys "tlpartner:webhook:<dedup key>"; WithKeyPrefix to change
	if err != nil {
		return nil, err
	}
	h, err := webhooks.NewHandler(partnerID, secret, webhooks.WithDeduplicator(dedup))
	// readme:end
	return h, err
}

func readmeFailClosed(rdb *redis.Client) (*tlredis.Limiter, error) {
	// readme:begin failclosed
	lim, err := tlredis.NewLimiter(rdb, "tlpartner:ratelimit:egress-1", 25, 10,
		tlredis.WithFailMode(tlredis.FailClosed)) // default: FailOpen, with a warning
	// readme:end
	return lim, err
}

func readmeTokenCache(rdb *redis.Client, partner *tlpartner.Client, partnerSecret string) (*tlpartner.PublicAPIPool, error) {
	// readme:begin tokencache
	cache, err := tlredis.NewTokenCache(rdb, []byte(partnerSecret)) // AES-GCM key derived with HKDF; same secret in every process
	if err != nil {
		return nil, err
	}
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache))
	// readme:end
	return pool, err
}

var (
	readmeBegin  = regexp.MustCompile(`^\t// readme:begin (\w+)$`)
	readmeMarker = regexp.MustCompile(`^<!-- tlredis/readme_test\.go: (\w+) -->$`)
)

func TestREADMESnippets(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	regions := map[string]string{}
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		m := readmeBegin.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "\t// readme:end"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], "\t"))
		}
		regions[m[1]] = strings.Join(body, "\n")
	}
	require.Len(t, regions, 5)

	used := map[string]bool{}
	for _, file := range []string{"README.md", "../README.md"} {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		lines := strings.Split(string(raw), "\n")
		for i := 1; i < len(lines); i++ {
			m := readmeMarker.FindStringSubmatch(lines[i-1])
			if m == nil {
				continue
			}
			require.Equal(t, "```go", lines[i], "%s:%d: the marker must precede a Go block", file, i)
			j := i + 1
			for j < len(lines) && lines[j] != "```" {
				j++
			}
			want, ok := regions[m[1]]
			if assert.True(t, ok, "%s:%d: no region %q", file, i, m[1]) {
				assert.Equal(t, want, strings.Join(lines[i+1:j], "\n"), "%s:%d: block %q differs from readme_test.go", file, i+1, m[1])
				used[m[1]] = true
			}
		}
	}
	for name := range regions {
		assert.True(t, used[name], "region %q is in no README", name)
	}

	// The snippets run (nothing is dialled before the first request).
	client, err := readmeLimiter("fleet-partner", "readme-secret-0123456789")
	require.NoError(t, err)
	assert.NotNil(t, client)
	rdb := clientFor(t, deadAddr(t))
	h, err := readmeDedup(rdb, "fleet-partner", "readme-secret-0123456789")
	require.NoError(t, err)
	assert.NotNil(t, h)
	lim, err := readmeFailClosed(rdb)
	require.NoError(t, err)
	assert.NotNil(t, lim)
	pool, err := readmeTokenCache(rdb, client, "readme-secret-0123456789")
	require.NoError(t, err)
	require.NoError(t, pool.Close())
}
