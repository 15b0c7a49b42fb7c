package tlpartner_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// TestCallOptionsEveryOperation: every operation of the Partner client
// (all but PublicAPI, a constructor taking publicapi options) ends in
// ...tlhttp.CallOption and honours the options.
func TestCallOptionsEveryOperation(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeFor[*tlpartner.Client]()
	ctxType := reflect.TypeFor[context.Context]()
	optsType := reflect.TypeFor[[]tlhttp.CallOption]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		if m.Type.NumIn() > 1 && m.Type.In(1) == ctxType && m.Name != "PublicAPI" {
			assert.True(t, m.Type.IsVariadic() && m.Type.In(m.Type.NumIn()-1) == optsType,
				"%s does not end in opts ...tlhttp.CallOption", m.Name)
		}
	}
	eps := endpoints()
	eps = append(eps, endpoint{name: "Do", status: 200, fixture: "workspace_get_200.json",
		call: func(ctx context.Context, c *tlpartner.Client, ws string, opts ...tlhttp.CallOption) (any, error) {
			var out map[string]any
			_, err := c.Do(ctx, http.MethodGet, "/workspaces/"+ws, nil, &out, opts...)
			return out, err
		}})
	for _, ep := range eps {
		t.Run(ep.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t)
			m.on(reply(t, 429, "error_rate_limited_429.json", "Retry-After", "0"),
				reply(t, ep.status, ep.fixture, "X-Request-Id", "req-7"))
			var meta tlhttp.ResponseMeta
			_, err := ep.call(bg, c, wsID, tlhttp.WithHeader("X-Job", "nightly"), tlhttp.WithResponseMeta(&meta),
				tlhttp.WithTimeout(time.Minute))
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 2)
			for _, r := range reqs {
				assert.Equal(t, "nightly", r.Header.Get("X-Job"))
			}
			assert.Equal(t, ep.status, meta.StatusCode)
			assert.Equal(t, "req-7", meta.RequestID)
			assert.Equal(t, 2, meta.Attempts)

			c, m = newMock(t)
			m.on(reply(t, 429, "error_rate_limited_429.json", "Retry-After", "0"), reply(t, ep.status, ep.fixture))
			_, err = ep.call(bg, c, wsID, tlhttp.WithMaxRetries(0))
			assert.ErrorIs(t, err, tlpartner.ErrRateLimited)
			assert.Len(t, m.requests(), 1, "WithMaxRetries(0)")

			_, err = ep.call(bg, c, wsID, tlhttp.WithHeader("authorization", "Bearer x"))
			var ve *tlpartner.ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, "WithHeader", ve.Field)
			assert.Len(t, m.requests(), 1, "nothing sent")
		})
	}
}
