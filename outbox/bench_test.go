package outbox_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
)

// BenchmarkSend compares a direct SendToPhone on the fake with the outbox
// on both stores: "record" is Send alone (the durable write the caller
// waits for), "delivered" is Send plus the worker's send and bookkeeping,
// measured until every message is recorded as sent. Messages go to 50
// chats, as a partner's traffic would.
//
//	go test -run '^$' -bench BenchmarkSend -benchmem ./
func BenchmarkSend(b *testing.B) {
	f := newFake(b)
	ctx := context.Background()
	phone := func(i int) string { return fmt.Sprintf("+1415556%04d", i%50) }
	text := publicapi.SendParams{Text: publicapi.Ptr("benchmark")}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := f.pc.SendToPhone(ctx, phone(i), text); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, sk := range storeKinds {
		b.Run(sk.name+"/record", func(b *testing.B) {
			ob := open(b, sk.mustOpen(b), f.clientFunc(f.srv.PublicAPIURL()))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m := outbox.Message{WorkspaceID: f.ws, Key: fmt.Sprintf("r%d", i), Phone: phone(i), Params: text}
				if _, err := ob.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sk.name+"/delivered", func(b *testing.B) {
			var sent atomic.Int64
			ob := open(b, sk.mustOpen(b), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithWorkers(10),
				outbox.WithOnChange(func(st outbox.Status) {
					if st.State == outbox.Sent {
						sent.Add(1)
					}
				}))
			run(b, ob)
			b.ReportAllocs()
			b.ResetTimer()
			n := b.N
			for i := range n {
				m := outbox.Message{WorkspaceID: f.ws, Key: fmt.Sprintf("d%d", i), Phone: phone(i), Params: text}
				if _, err := ob.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			deadline := time.Now().Add(2 * time.Minute)
			for sent.Load() < int64(n) {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d sent", sent.Load(), n)
				}
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
		})
	}
}
