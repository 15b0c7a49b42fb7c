package publicwire

import (
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestGeneratedCodeIsFresh fails when publicwire.gen.go no longer matches
// api/public-api.yaml and cfg.yaml.
func TestGeneratedCodeIsFresh(t *testing.T) {
	testutil.CheckGenerated(t, "cfg.yaml", "../../api/public-api.yaml")
}
