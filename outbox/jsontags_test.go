package outbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/internal/testutil"
	"github.com/tlpartner/tlpartner-go/outbox"
)

// TestJSONTagsEverywhere: the outbox's and the inbox's data types carry
// json tags like the SDK's other packages (Message, Receipt, Status and
// the inbox's Message and SubscriptionProblem marshalled in PascalCase
// before).
func TestJSONTagsEverywhere(t *testing.T) {
	for _, dir := range []string{".", "inbox"} {
		if n := testutil.CheckJSONTags(t, dir); n == 0 {
			t.Errorf("%s: no struct type checked", dir)
		}
	}
	b, err := json.Marshal(outbox.Status{ID: 7, WorkspaceID: "acme", Key: "order-1", State: outbox.Sent,
		MessageUID: "m-1", ResolvedBy: outbox.ByResponse, Attempts: 1,
		CreatedAt: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 12, 4, 0, 0, 1, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":7,"workspace_id":"acme","key":"order-1","state":"sent","message_uid":"m-1","resolved_by":"response","attempts":1,"created_at":"2026-12-04T00:00:00Z","updated_at":"2026-12-04T00:00:01Z"}`
	if string(b) != want {
		t.Errorf("Status JSON\n got %s\nwant %s", b, want)
	}
}
