package inbox_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/outbox/internal/pgtest"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func TestMain(m *testing.M) {
	if os.Getenv(soakChildEnv) != "" {
		receiverMain()
		return
	}
	os.Exit(pgtest.Main(m))
}

func stores() map[string]func(testing.TB) outbox.Store {
	return map[string]func(testing.TB) outbox.Store{"sqlite": sqliteStore, "postgres": postgresStore}
}

// TestDeliversDroppedAndRepeated: with 30% of deliveries dropped and 10%
// repeated, every message reaches the callback once, in chat order.
func TestDeliversDroppedAndRepeated(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			var col collector
			in, err := inbox.Open(context.Background(), st(t), w.clients(t), col.deliver,
				inbox.WithURLToken(testToken), inbox.WithCatchUpInterval(time.Second), inbox.WithLookBack(time.Minute),
				inbox.WithPollInterval(50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			base := serve(t, in.Handler())
			ctx := context.Background()
			if err := in.AddWorkspace(ctx, w.ws); err != nil {
				t.Fatal(err)
			}
			if _, err := w.client(t).CreateWebhook(ctx, publicapiHook("message:received:new", base+"/hooks/"+w.ws+"/"+testToken)); err != nil {
				t.Fatal(err)
			}
			if err := w.srv.SetWebhookFaults(tlpartnertest.WebhookFaults{Drop: 0.3, Duplicate: 0.1, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			startRun(t, in)
			const n, chats = 60, 6
			var want []string
			for i := range n {
				m, err := w.srv.SimulateIncomingMessage(w.ws, phone(i%chats), "hello")
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, m.MessageUID)
			}
			waitFor(t, 20*time.Second, "every message delivered", func() bool { return len(col.snapshot()) >= n })
			time.Sleep(1500 * time.Millisecond) // a catch-up round more: nothing may come twice
			checkOnceInOrder(t, col.snapshot(), want)
		})
	}
}

// checkOnceInOrder checks that calls hold every UID of want once, and
// that UIDs of one chat come in want's order.
func checkOnceInOrder(t *testing.T, calls []inbox.Message, want []string) {
	t.Helper()
	pos := map[string]int{}
	for i, uid := range want {
		pos[uid] = i
	}
	seen := map[string]int{}
	last := map[int64]int{}
	for _, m := range calls {
		seen[m.UID]++
		p, ok := pos[m.UID]
		if !ok {
			t.Errorf("unexpected message %s", m.UID)
			continue
		}
		if q, ok := last[m.ChatID]; ok && q > p {
			t.Errorf("chat %d: message %d delivered after message %d", m.ChatID, p, q)
		}
		last[m.ChatID] = p
	}
	for _, uid := range want {
		if seen[uid] != 1 {
			t.Errorf("message %s delivered %d times", uid, seen[uid])
		}
	}
}
