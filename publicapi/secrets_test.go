package publicapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/publicapi"
)

// TestEchoedTokenScrubbed: a server or proxy that echoes the token back,
// in any error shape of the Public API, cannot make it appear in the
// *APIError: not in Error(), fmt output, JSON, Code, Description, Fields,
// Body or RequestID, nor in the logs.
func TestEchoedTokenScrubbed(t *testing.T) {
	t.Parallel()
	const token = "4d2d0239-e28c-4f4a-8a4d-3a3ca40056b8"
	echo := map[string]func(tok string) (int, string){
		"envelope message": func(tok string) (int, string) {
			return 401, `{"status":"error","message":"Invalid or expired token ` + tok + `"}`
		},
		"error_code and errors[]": func(tok string) (int, string) {
			return 422, `{"status":"error","message":"bad","error_code":"` + tok + `","errors":[{"fields":["` + tok + `"],"msg":"got ` + tok + `"}]}`
		},
		"200 with status error": func(tok string) (int, string) {
			return 200, `{"status":"error","message":"token ` + tok + ` is disabled"}`
		},
		"unicode escapes": func(tok string) (int, string) {
			return 403, `{"status":"error","message":"Access denied for \u0042earer ` + strings.Replace(tok, "4", `\u0034`, 2) + `"}`
		},
		"html page": func(tok string) (int, string) {
			return 502, "<html><title>Bad gateway</title><body>Authorization: Bearer " + tok + "</body></html>"
		},
		"plain text": func(tok string) (int, string) { return 401, "Unauthorized: Bearer " + tok },
	}
	for name, answer := range echo {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				status, body := answer(tok)
				w.Header().Set("X-Request-Id", "req-"+tok)
				w.WriteHeader(status)
				_, _ = w.Write([]byte(body))
			}))
			t.Cleanup(srv.Close)
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := publicapi.NewClient(token, publicapi.WithBaseURL(srv.URL), publicapi.WithMaxRetries(0), publicapi.WithLogger(logger))
			require.NoError(t, err)
			_, err = c.SendToPhone(context.Background(), "+14155550100", publicapi.SendParams{Text: publicapi.Ptr("hi")})
			var apiErr *publicapi.APIError
			require.ErrorAs(t, err, &apiErr)
			js, err2 := json.Marshal(apiErr)
			require.NoError(t, err2)
			for what, s := range map[string]string{
				"Error()": err.Error(), "%v": fmt.Sprintf("%v", err), "%+v": fmt.Sprintf("%+v", apiErr), "%#v": fmt.Sprintf("%#v", apiErr),
				"JSON": string(js), "Code": apiErr.Code, "Description": apiErr.Description, "Fields": fmt.Sprint(apiErr.Fields),
				"Body": string(apiErr.Body), "RequestID": apiErr.RequestID, "logs": logs.String(),
			} {
				assert.NotContains(t, s, token, what)
				assert.NotContains(t, s, token[9:], what+" (tail)")
			}
			assert.Contains(t, string(apiErr.Body), "[REDACTED]")
		})
	}
}
