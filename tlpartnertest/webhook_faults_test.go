package tlpartnertest_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestWebhookFaults checks that SetWebhookFaults drops and repeats about
// the asked fractions of deliveries, that the receiver sees exactly what
// the records say, and that the same seed gives the same choices.
func TestWebhookFaults(t *testing.T) {
	t.Parallel()
	run := func(seed int) (pattern []int, receiverGot int) {
		srv := newFake(t, tlpartnertest.Options{})
		rcv := newHookReceiver(t, nil)
		ws := newPubWS(t, srv, fmt.Sprintf("faults-%d", seed), "+31633333333")
		ws.subscribe("message:received:new", rcv.URL)
		if err := srv.SetWebhookFaults(tlpartnertest.WebhookFaults{Drop: 0.3, Duplicate: 0.1, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		const n = 400
		for i := range n {
			if _, err := srv.SimulateIncomingMessage(ws.id, "+4915100000001", fmt.Sprint("m", i)); err != nil {
				t.Fatal(err)
			}
		}
		// Wait for the last event's record(s): n events make between n and
		// 2n records; wait until every event is accounted for.
		var ds []tlpartnertest.Delivery
		for want := n; ; {
			ds = publicDeliveries(waitN(t, srv, want))
			events := 0
			for _, d := range ds {
				if !d.Duplicate {
					events++
				}
			}
			if events >= n {
				break
			}
			want = len(ds) + (n - events)
		}
		dropped, twice := 0, 0
		for i, d := range ds {
			switch {
			case d.Dropped:
				dropped++
				if d.Attempts != 0 || d.OK() || d.Duplicate {
					t.Fatalf("dropped record %+v", d)
				}
				pattern = append(pattern, 0)
			case d.Duplicate:
				twice++
				if i == 0 || string(ds[i-1].Body) != string(d.Body) || !d.OK() {
					t.Fatal("a duplicate does not follow its original")
				}
				pattern[len(pattern)-1] = 2
			default:
				if !d.OK() {
					t.Fatalf("delivery failed: %v", d.Err)
				}
				pattern = append(pattern, 1)
			}
		}
		if dropped < n*20/100 || dropped > n*40/100 || twice < n*5/100 || twice > n*15/100 {
			t.Fatalf("seed %d: %d dropped, %d twice of %d", seed, dropped, twice, n)
		}
		rcv.mu.Lock()
		receiverGot = len(rcv.bodies)
		rcv.mu.Unlock()
		if receiverGot != n-dropped+twice {
			t.Fatalf("receiver got %d bodies, records say %d", receiverGot, n-dropped+twice)
		}
		return pattern, receiverGot
	}
	p1, _ := run(7)
	p2, _ := run(7)
	p3, _ := run(8)
	if !slices.Equal(p1, p2) {
		t.Fatal("the same seed gave different choices")
	}
	if slices.Equal(p1, p3) {
		t.Fatal("different seeds gave the same choices")
	}
}

func TestWebhookFaultsValidation(t *testing.T) {
	t.Parallel()
	srv := newFake(t, tlpartnertest.Options{})
	for _, f := range []tlpartnertest.WebhookFaults{{Drop: -0.1}, {Duplicate: 1.5}, {Drop: 0.6, Duplicate: 0.6}} {
		var ve *tlpartner.ValidationError
		if err := srv.SetWebhookFaults(f); !errors.As(err, &ve) {
			t.Fatalf("%+v: %v", f, err)
		}
	}
	if err := srv.SetWebhookFaults(tlpartnertest.WebhookFaults{}); err != nil {
		t.Fatal(err)
	}
}
