package tlpartner_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tlpartner "github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/webhooks"
)

// TestGoDocShowsErrorFields runs `go doc` as a user would and checks that
// the error types, the retry policy and the limiter show their fields and
// methods in every package that offers them (aliases of internal types
// showed none: "no method or field APIError.RequestID").
func TestGoDocShowsErrorFields(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go doc")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	const mod = "github.com/tlpartner/tlpartner-go"
	want := map[string][]string{
		"APIError": {"Operation string", "StatusCode int", "Code string", "Description string",
			"Fields []FieldError", "Body []byte", "RequestID string", "RetryAfter time.Duration",
			"func (e *APIError) Error() string", "func (e *APIError) Is(target error) bool"},
		"FieldError":      {"Fields []string", "Message string"},
		"ValidationError": {"Field string", "Reason string", "func (e *ValidationError) Error() string"},
		"RetryPolicy":     {"MaxRetries int", "BaseDelay time.Duration", "MaxDelay time.Duration", "MaxRetryAfter time.Duration"},
		"Limiter":         {"Wait(ctx context.Context) error"},
	}
	pkgs := map[string][]string{
		mod:                {"APIError", "FieldError", "ValidationError", "RetryPolicy", "Limiter"},
		mod + "/publicapi": {"APIError", "FieldError", "ValidationError", "RetryPolicy", "Limiter"},
		mod + "/webhooks":  {"ValidationError"},
	}
	for pkg, names := range pkgs {
		for _, name := range names {
			out, err := exec.Command(goBin, "doc", pkg, name).CombinedOutput()
			if err != nil {
				t.Errorf("go doc %s %s: %v\n%s", pkg, name, err, out)
				continue
			}
			for _, w := range want[name] {
				if !strings.Contains(string(out), w) {
					t.Errorf("go doc %s %s does not show %q:\n%s", pkg, name, w, out)
				}
			}
		}
	}
	for _, pkg := range []string{mod, mod + "/publicapi"} {
		out, err := exec.Command(goBin, "doc", pkg, "APIError.RequestID").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RequestID string") {
			t.Errorf("go doc %s APIError.RequestID: %v\n%s", pkg, err, out)
		}
	}
}

// TestErrorTypesHaveTheSameFields keeps the packages' error types, retry
// policies and limiters in step: same exported fields, types and tags.
func TestErrorTypesHaveTheSameFields(t *testing.T) {
	t.Parallel()
	same := [][]any{
		{tlpartner.APIError{}, publicapi.APIError{}},
		{tlpartner.FieldError{}, publicapi.FieldError{}},
		{tlpartner.ValidationError{}, publicapi.ValidationError{}, webhooks.ValidationError{}},
		{tlpartner.RetryPolicy{}, publicapi.RetryPolicy{}},
	}
	shape := func(v any) string {
		var b strings.Builder
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.IsExported() {
				typ := strings.NewReplacer("tlpartner.", "", "publicapi.", "", "webhooks.", "").Replace(f.Type.String())
				fmt.Fprintf(&b, "%s %s %q;", f.Name, typ, f.Tag)
			}
		}
		return b.String()
	}
	for _, group := range same {
		for _, v := range group[1:] {
			assert.Equal(t, shape(group[0]), shape(v), "%T and %T", group[0], v)
		}
	}
	var _ publicapi.Limiter = tlpartner.Limiter(nil) // one method set
	var _ tlpartner.Limiter = publicapi.Limiter(nil)
}

// TestErrorsAsAcrossPackages: each client returns its own package's types,
// and errors.As fills the other package's with the same values.
func TestErrorsAsAcrossPackages(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-77")
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"status":"error","message":"bad","error_code":"validation_error","errors":[{"fields":["phone"],"msg":"invalid"}]}`)
	}))
	t.Cleanup(srv.Close)

	pc, err := publicapi.NewClient("tok-4d2d0239", publicapi.WithBaseURL(srv.URL), publicapi.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = pc.GetChat(context.Background(), 7)
	own, ok := err.(*publicapi.APIError)
	require.True(t, ok, "publicapi returns %T, want *publicapi.APIError", err)
	var root *tlpartner.APIError
	require.ErrorAs(t, err, &root)
	assert.Equal(t, own.Error(), root.Error())
	assert.True(t, strings.HasPrefix(root.Error(), "publicapi: GetChat: 422 validation_error"), root.Error())
	assert.Equal(t, "req-77", root.RequestID)
	assert.Equal(t, 1, root.Attempts)
	assert.Equal(t, []tlpartner.FieldError{{Fields: []string{"phone"}, Message: "invalid"}}, root.Fields)
	assert.ErrorIs(t, root, tlpartner.ErrInvalidRequest)
	assert.ErrorIs(t, own, publicapi.ErrInvalidRequest)
	var back *publicapi.APIError
	require.ErrorAs(t, root, &back)
	assert.Equal(t, own, back)

	partner, err := tlpartner.NewClient("p", "s", tlpartner.WithBaseURL(srv.URL), tlpartner.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = partner.GetWorkspace(context.Background(), "ws1")
	_, ok = err.(*tlpartner.APIError)
	require.True(t, ok, "tlpartner returns %T, want *tlpartner.APIError", err)
	var pub *publicapi.APIError
	require.ErrorAs(t, fmt.Errorf("wrapped: %w", err), &pub)
	assert.Equal(t, "GetWorkspace", pub.Operation)
	assert.ErrorIs(t, pub, tlpartner.ErrInvalidRequest)

	// Validation errors: each package's own type, and every other one
	// through errors.As.
	_, err = pc.GetChat(context.Background(), 0)
	_, ok = err.(*publicapi.ValidationError)
	require.True(t, ok, "%T", err)
	var rv *tlpartner.ValidationError
	require.ErrorAs(t, err, &rv)
	assert.Equal(t, "chatID", rv.Field)
	assert.Equal(t, err.Error(), rv.Error())

	_, err = tlpartner.NewClient("", "s")
	_, ok = err.(*tlpartner.ValidationError)
	require.True(t, ok, "%T", err)
	var pv *publicapi.ValidationError
	require.ErrorAs(t, err, &pv)
	assert.Equal(t, "partnerID", pv.Field)

	_, err = tlpartner.NewClient("p", "s", tlpartner.WithMaxRetries(-1)) // refused by the engine
	_, ok = err.(*tlpartner.ValidationError)
	require.True(t, ok, "%T", err)
	_, err = publicapi.NewClient("t", publicapi.WithRateLimit(0, 1))
	_, ok = err.(*publicapi.ValidationError)
	require.True(t, ok, "%T", err)

	_, err = webhooks.NewVerifier("", "secret")
	_, ok = err.(*webhooks.ValidationError)
	require.True(t, ok, "%T", err)
	require.ErrorAs(t, err, &rv)
	assert.True(t, errors.Is(err, tlpartner.ErrInvalidRequest))

	_, err = events.NewHandler(events.WithDedupTTL(-1))
	_, ok = err.(*webhooks.ValidationError)
	require.True(t, ok, "%T", err)
	assert.True(t, strings.HasPrefix(err.Error(), "events: invalid WithDedupTTL"), err.Error())

	// Hand-built values behave as documented.
	assert.Equal(t, "tlpartner: invalid x: y", (&tlpartner.ValidationError{Field: "x", Reason: "y"}).Error())
	assert.Equal(t, "publicapi: invalid x: y", (&publicapi.ValidationError{Field: "x", Reason: "y"}).Error())
	assert.ErrorIs(t, &publicapi.APIError{StatusCode: 404}, publicapi.ErrNotFound)
	assert.Equal(t, "publicapi: 404 Not Found", (&publicapi.APIError{StatusCode: 404}).Error())
}
