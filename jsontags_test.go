package tlpartner_test

import (
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
)

// TestJSONTagsEverywhere: every exported field of every exported data type
// of the module's public packages has a json tag, so that one JSON
// convention (snake_case, the API's names) holds everywhere; tlhttp's
// ResponseMeta, Operation, Attempt and Delivery marshalled in PascalCase
// before. publicapi has its own copy of this test.
func TestJSONTagsEverywhere(t *testing.T) {
	for dir, notData := range map[string][]string{
		".":                nil,
		"webhooks":         nil,
		"publicapi/events": nil,
		"tlhttp":           {"CallSettings"}, // what call options add up to, not data
	} {
		if n := testutil.CheckJSONTags(t, dir, notData...); n == 0 {
			t.Errorf("%s: no struct type checked", dir)
		}
	}
}
