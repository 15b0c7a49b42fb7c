package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

func TestSendOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store, _ := sk.open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		ctx := context.Background()
		m := outbox.Message{WorkspaceID: f.ws, Key: "order-1", Phone: "+14155550100", Params: publicapi.SendParams{Text: publicapi.Ptr("hello once")}}
		r1, err := ob.Send(ctx, m)
		require.NoError(t, err)
		assert.False(t, r1.Duplicate)
		st, err := ob.Status(ctx, f.ws, "order-1")
		require.NoError(t, err)
		assert.Equal(t, outbox.Pending, st.State)
		assert.Empty(t, f.sentTexts(t), "nothing is sent before Run")

		r2, err := ob.Send(ctx, m)
		require.NoError(t, err)
		assert.True(t, r2.Duplicate)
		assert.Equal(t, r1.ID, r2.ID)

		run(t, ob)
		st = waitState(t, ob, f.ws, "order-1", 10*time.Second)
		assert.Equal(t, outbox.Sent, st.State)
		assert.Equal(t, outbox.ByResponse, st.ResolvedBy)
		assert.NotEmpty(t, st.MessageUID)
		assert.Equal(t, 1, st.Attempts)
		msg, err := f.pc.GetMessage(ctx, st.MessageUID)
		require.NoError(t, err)
		assert.Equal(t, "hello once", msg.Text)

		_, err = ob.Send(ctx, m)
		require.NoError(t, err)
		time.Sleep(200 * time.Millisecond)
		assert.Equal(t, map[string]int{"hello once": 1}, f.sentTexts(t))
	})
}
