package tlpartner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
