package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
)

// BenchmarkHandler measures deliveries per second through the inbox's
// handler (recorded durably, chat queued) on each store, next to a plain
// events.Handler whose callback does nothing. Every delivery is a new
// message over 100 chats.
func BenchmarkHandler(b *testing.B) {
	run := func(b *testing.B, serve func(r *httptest.ResponseRecorder, body string)) {
		b.ReportAllocs()
		start := time.Now()
		for i := 0; b.Loop(); i++ {
			rec := httptest.NewRecorder()
			serve(rec, messageBody(fmt.Sprintf("bench-%d-%d", start.UnixNano(), i), int64(i%100+1)))
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	}
	b.Run("plain-events-handler", func(b *testing.B) {
		h, err := events.NewHandler(events.WithPathToken(testToken))
		if err != nil {
			b.Fatal(err)
		}
		h.OnMessageReceived(func(context.Context, *events.MessageReceived) error { return nil })
		run(b, func(rec *httptest.ResponseRecorder, body string) {
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/in/ws/"+testToken, strings.NewReader(body)))
		})
	})
	for _, c := range []struct {
		name string
		st   func(testing.TB) outbox.Store
	}{{"inbox-sqlite", sqliteStore}, {"inbox-postgres", postgresStore}} {
		b.Run(c.name, func(b *testing.B) {
			noClient := func(context.Context, string) (*publicapi.Client, error) { return nil, errors.New("not used") }
			in, err := inbox.Open(context.Background(), c.st(b), noClient, func(context.Context, inbox.Message) error { return nil },
				inbox.WithURLToken(testToken))
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			if err := in.AddWorkspace(context.Background(), "ws"); err != nil {
				b.Fatal(err)
			}
			h := in.Handler()
			serve := func(rec *httptest.ResponseRecorder, body string) {
				h.ServeHTTP(rec, httptest.NewRequest("POST", "/in/ws/"+testToken, strings.NewReader(body)))
			}
			b.Run("serial", func(b *testing.B) { run(b, serve) })
			// 16 deliveries at a time, as from several senders.
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(8)
				start := time.Now()
				var next atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1)
						rec := httptest.NewRecorder()
						serve(rec, messageBody(fmt.Sprintf("benchp-%d-%d", start.UnixNano(), i), i%100+1))
						if rec.Code != 200 {
							b.Errorf("status %d: %s", rec.Code, rec.Body)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
			})
		})
	}
}
