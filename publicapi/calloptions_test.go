package publicapi

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/tlhttp"
)

// TestCallOptionsEveryOperation: every operation ends in
// ...tlhttp.CallOption and honours the options: its header reaches the
// server, the response metadata is filled, the retry budget replaces the
// client's, and an invalid option fails before anything is sent.
func TestCallOptionsEveryOperation(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeFor[*Client]()
	ctxType := reflect.TypeFor[context.Context]()
	optsType := reflect.TypeFor[[]tlhttp.CallOption]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		if m.Type.NumIn() > 1 && m.Type.In(1) == ctxType {
			assert.True(t, m.Type.IsVariadic() && m.Type.In(m.Type.NumIn()-1) == optsType,
				"%s does not end in opts ...tlhttp.CallOption", m.Name)
		}
	}
	for _, op := range retryOps() {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			c, rec := newMockClient(t, answers{
				textAnswer(429, `{"status":"error","message":"slow down"}`, "Retry-After", "0"),
				textAnswer(200, answerBody(t, op.answer), "X-Request-Id", "req-42"),
			})
			var meta tlhttp.ResponseMeta
			err := op.call(context.Background(), c, tlhttp.WithHeader("X-Job", "nightly"), tlhttp.WithResponseMeta(&meta),
				tlhttp.WithTimeout(time.Minute))
			require.NoError(t, err)
			reqs := rec.requests()
			require.Len(t, reqs, 2)
			for _, r := range reqs {
				assert.Equal(t, "nightly", r.Header.Get("X-Job"))
			}
			assert.Equal(t, 200, meta.StatusCode)
			assert.Equal(t, "req-42", meta.RequestID)
			assert.Equal(t, 2, meta.Attempts)
			assert.Equal(t, "req-42", meta.Header.Get("X-Request-Id"))

			// WithMaxRetries(0): the 429 is not retried.
			c, rec = newMockClient(t, answers{
				textAnswer(429, `{"status":"error","message":"slow down"}`, "Retry-After", "0"),
				textAnswer(200, answerBody(t, op.answer)),
			})
			err = op.call(context.Background(), c, tlhttp.WithMaxRetries(0), tlhttp.WithResponseMeta(&meta))
			assert.ErrorIs(t, err, ErrRateLimited)
			assert.Len(t, rec.requests(), 1)
			assert.Equal(t, 429, meta.StatusCode)

			// Authorization cannot be set per call; nothing is sent.
			err = op.call(context.Background(), c, tlhttp.WithHeader("Authorization", "Bearer other"))
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, "WithHeader", ve.Field)
			assert.Len(t, rec.requests(), 1)
		})
	}
}
