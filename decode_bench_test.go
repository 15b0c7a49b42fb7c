package tlpartner

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// BenchmarkDecodeWorkspaceVsUnmarshal decodes the same GetWorkspace body
// the way GetWorkspace does (tolerant mirrors, then the public type) and
// with json.Unmarshal into the hand-written baseWorkspace, alternately in
// one loop; "x-baseline" is the ratio of their median times (the target
// is at most 1.3).
func BenchmarkDecodeWorkspaceVsUnmarshal(b *testing.B) {
	body := benchWorkspaceBody()
	testutil.Paired(b, func() error {
		var out workspaceDetailsJSON
		if err := decodeJSON(body, &out); err != nil {
			return err
		}
		if len(out.public().Users) != 10 {
			return errors.New("bad decode")
		}
		return nil
	}, func() error {
		var ws baseWorkspace
		return json.Unmarshal(body, &ws)
	})
}
