package wire

import (
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestGeneratedCodeIsFresh fails when wire.gen.go no longer matches
// api/partner-api.yaml, cfg.yaml and overlay.yaml.
func TestGeneratedCodeIsFresh(t *testing.T) {
	testutil.CheckGenerated(t, "cfg.yaml", "../../api/partner-api.yaml")
}
