package tlpartner

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// addFixtureSeeds adds every file of testdata/client as a seed.
func addFixtureSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "client", "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzAPIError: any error body gives an APIError that keeps the status, a
// bounded body and a bounded, valid-UTF-8-if-input-was description.
func FuzzAPIError(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte(`{"error":{"code":1}}`))
	f.Add([]byte("<title>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: 418, Header: http.Header{"Retry-After": {string(body)}}}
		e := newAPIError(resp, body)
		if e.StatusCode != 418 {
			t.Fatal("status lost")
		}
		if len(e.Body) > maxErrorBody {
			t.Fatalf("body not truncated: %d", len(e.Body))
		}
		if len(body) > 0 && len(e.Body) == 0 {
			t.Fatal("body dropped")
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", e.RetryAfter)
		}
		if utf8.Valid(body) && !utf8.ValidString(e.Description) {
			t.Fatalf("invalid UTF-8 description %q", e.Description)
		}
		_ = e.Error()
		_ = e.class()
	})
}

// FuzzDecodeResponses: the tolerant decoders never panic, and whatever
// decodes converts to the public types.
func FuzzDecodeResponses(f *testing.F) {
	addFixtureSeeds(f)
	f.Add([]byte(`{"whatsapp_accounts":[{"user_id":"12"},{"user_id":1.0},{"user_id":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var d workspaceDetailsJSON
		if json.Unmarshal(body, &d) == nil {
			_ = d.public()
		}
		var w workspaceJSON
		if json.Unmarshal(body, &w) == nil {
			_ = w.public()
		}
		var q qrCodeJSON
		_ = json.Unmarshal(body, &q)
		var u createUsersJSON
		if json.Unmarshal(body, &u) == nil {
			_ = usersPublic(u.Users)
		}
		var dc disconnectJSON
		_ = json.Unmarshal(body, &dc)
	})
}
