package engine

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAPIError: any error body gives an APIError that keeps the status, a
// bounded body and a bounded, valid-UTF-8-if-input-was description, and
// never keeps the attempt's credential.
func FuzzAPIError(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "client", "*"))
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
	f.Add([]byte(`{"error":{"code":1}}`))
	f.Add([]byte("<title>"))
	f.Add([]byte(`{"error":"\u0065yJcred.abc/def","message":"eyJcred.abc\/def"}`))
	f.Add([]byte(`{"status":"error","message":"bad","errors":[{"fields":"x","msg":"y"},{"fields":["a"]},3]}`))
	const cred = "eyJcred.abc/def"
	e := New(Config{Settings: DefaultSettings("tlpartner")})
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: 418, Header: http.Header{"Retry-After": {string(body)}}}
		ae := e.newAPIError("Op", nil, resp, body, cred, 1)
		if ae.StatusCode != 418 {
			t.Fatal("status lost")
		}
		if len(ae.Body) > MaxErrorBody {
			t.Fatalf("body not truncated: %d", len(ae.Body))
		}
		if len(body) > 0 && len(ae.Body) == 0 {
			t.Fatal("body dropped")
		}
		if ae.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", ae.RetryAfter)
		}
		if utf8.Valid(body) && !utf8.ValidString(ae.Description) {
			t.Fatalf("invalid UTF-8 description %q", ae.Description)
		}
		for _, s := range []string{ae.Error(), ae.Description, ae.Code, string(ae.Body)} {
			if containsCred(s, cred) {
				t.Fatalf("credential kept in %q", s)
			}
		}
		_ = ae.Is(ErrServer)
	})
}

func containsCred(s, cred string) bool {
	for _, v := range credVariants(cred) {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}
