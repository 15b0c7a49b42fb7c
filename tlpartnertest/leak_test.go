package tlpartnertest_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

// TestCloseLeavesNoGoroutines runs every kind of background work (event
// streams, a webhook delivery stuck in a slow receiver, a delayed request)
// and checks that Close ends all of it.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	slow := newSlowReceiver(t)

	tr := &http.Transport{DisableKeepAlives: true}
	hc := &http.Client{Transport: tr}

	srv := tlpartnertest.NewServer(tlpartnertest.Options{WebhookURL: slow.URL, ControlEndpoints: true})
	_, _, link := issueLink(t, srv, "leak") // no webhook yet: 3 seats, 2 used
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 3 {
		req, _ := http.NewRequestWithContext(ctx, "GET", link+"/events", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
	}
	if _, err := srv.SimulateScan(link, "+31612345678"); err != nil { // webhook to the slow receiver
		t.Fatal(err)
	}
	srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: time.Hour})
	delayed := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.PartnerAPIURL()+"/workspaces/leak", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		delayed <- err
	}()
	for srv.PendingFaults() != 0 { // wait until the delayed request arrived
		runtime.Gosched()
	}

	srv.Close()
	if err := <-delayed; err == nil {
		t.Error("the delayed request got an answer from a closed server")
	}
	cancel()
	tr.CloseIdleConnections()

	fakeGoroutines := func() []string {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var out []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "tlpartnertest.(*Server)") {
				out = append(out, g)
			}
		}
		return out
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(fakeGoroutines()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if left := fakeGoroutines(); len(left) > 0 {
		t.Fatalf("fake goroutines still running after Close:\n%s", strings.Join(left, "\n\n"))
	}
}
