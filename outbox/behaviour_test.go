package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go/outbox"
	"github.com/tlpartner/tlpartner-go/outbox/inbox"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/publicapi/events"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
)

func textMsg(ws, key, phone, text string) outbox.Message {
	return outbox.Message{WorkspaceID: ws, Key: key, Phone: phone, Params: publicapi.SendParams{Text: publicapi.Ptr(text)}}
}

func countPosts(srv *tlpartnertest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/messages") {
			n++
		}
	}
	return n
}

// An ambiguous send is reconciled with the chat before anything is sent
// again: a lost response is found (no resend); a request that never got
// processed (dropped, or a 503) is resent after the settle window.
func TestAmbiguousSends(t *testing.T) {
	cases := []struct {
		fault        tlpartnertest.FaultKind
		by           string
		wantAttempts int
	}{
		{tlpartnertest.FaultLoseResponse, outbox.ByReconcile, 1},
		{tlpartnertest.FaultDrop, outbox.ByResponse, 2},
		{tlpartnertest.Fault503, outbox.ByResponse, 2},
	}
	forEachStore(t, func(t *testing.T, sk storeKind) {
		for _, tc := range cases {
			t.Run(tc.fault.String(), func(t *testing.T) {
				f := newFake(t)
				store, _ := sk.open(t)
				ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
				f.srv.InjectFaults(tlpartnertest.Fault{Kind: tc.fault, Method: "POST", Path: "/messages"})
				run(t, ob)
				_, err := ob.Send(context.Background(), textMsg(f.ws, "k1", "+14155550101", "ambiguous "+tc.fault.String()))
				require.NoError(t, err)
				st := waitState(t, ob, f.ws, "k1", 15*time.Second)
				assert.Equal(t, outbox.Sent, st.State, st.LastError)
				assert.Equal(t, tc.by, st.ResolvedBy)
				assert.Equal(t, tc.wantAttempts, st.Attempts)
				assert.Equal(t, tc.wantAttempts, countPosts(f.srv))
				assert.Equal(t, map[string]int{"ambiguous " + tc.fault.String(): 1}, f.sentTexts(t))
				m, err := f.pc.GetMessage(context.Background(), st.MessageUID)
				require.NoError(t, err)
				assert.Equal(t, "ambiguous "+tc.fault.String(), m.Text)
			})
		}
	})
}

// Refusals before processing (429 beyond the client's own retries) are
// retried with backoff and then succeed.
func TestRefusalsRetried(t *testing.T) {
	f := newFake(t)
	store, _ := storeKinds[0].open(t)
	ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
	f.srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 7, Method: "POST", Path: "/messages"})
	run(t, ob)
	_, err := ob.Send(context.Background(), textMsg(f.ws, "k", "+14155550102", "after 429s"))
	require.NoError(t, err)
	st := waitState(t, ob, f.ws, "k", 15*time.Second)
	assert.Equal(t, outbox.Sent, st.State, st.LastError)
	assert.Equal(t, 3, st.Attempts, "7 refusals: 3 per attempt with the client's 2 retries")
	assert.Equal(t, map[string]int{"after 429s": 1}, f.sentTexts(t))

	// Too many refusals fail the entry; nothing is sent.
	f.srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 1000, Method: "POST", Path: "/messages"})
	ob2 := open(t, storeKinds[0].mustOpen(t), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithMaxRefusals(2))
	run(t, ob2)
	_, err = ob2.Send(context.Background(), textMsg(f.ws, "k2", "+14155550102", "never"))
	require.NoError(t, err)
	st = waitState(t, ob2, f.ws, "k2", 15*time.Second)
	assert.Equal(t, outbox.Failed, st.State)
	assert.Contains(t, st.LastError, "refused 2 times")
	f.srv.ClearFaults()
	assert.Equal(t, map[string]int{"after 429s": 1}, f.sentTexts(t))
}

// Permanent errors fail the entry at once and are never retried.
func TestPermanentErrors(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store, _ := sk.open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		run(t, ob)
		ctx := context.Background()
		// A chat that does not exist: 404.
		_, err := ob.Send(ctx, outbox.Message{WorkspaceID: f.ws, Key: "no-chat", ChatID: 999999, Params: publicapi.SendParams{Text: publicapi.Ptr("x")}})
		require.NoError(t, err)
		st := waitState(t, ob, f.ws, "no-chat", 10*time.Second)
		assert.Equal(t, outbox.Failed, st.State)
		assert.Contains(t, st.LastError, "404")
		// Quota used up.
		require.NoError(t, f.srv.SetQuota(f.ws, tlpartnertest.QuotaMessaging, 0))
		_, err = ob.Send(ctx, textMsg(f.ws, "quota", "+14155550103", "over quota"))
		require.NoError(t, err)
		st = waitState(t, ob, f.ws, "quota", 10*time.Second)
		assert.Equal(t, outbox.Failed, st.State)
		assert.Contains(t, strings.ToLower(st.LastError), "quota")
		assert.Equal(t, 1, st.Attempts)
		time.Sleep(300 * time.Millisecond)
		assert.Equal(t, 2, countPosts(f.srv), "a permanent error is never retried")
		assert.Empty(t, f.sentTexts(t))
	})
}

// When the chat cannot be listed after an ambiguous send, the entry ends
// unresolved and is not sent again; the message:sent:new hook settles an
// ambiguous send without listing.
func TestUnresolvedAndEventHook(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store, _ := sk.open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()), outbox.WithMaxReconcileFailures(3))
		run(t, ob)
		ctx := context.Background()
		f.srv.InjectFaults(
			tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST", Path: "/messages"},
			tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 1000, Method: "GET"},
		)
		_, err := ob.Send(ctx, textMsg(f.ws, "u", "+14155550104", "unresolved"))
		require.NoError(t, err)
		st := waitState(t, ob, f.ws, "u", 15*time.Second)
		assert.Equal(t, outbox.Unresolved, st.State)
		assert.Contains(t, st.LastError, "could not reconcile")
		assert.Equal(t, 1, countPosts(f.srv))
		f.srv.ClearFaults()
		assert.Equal(t, map[string]int{"unresolved": 1}, f.sentTexts(t))

		// The event hook: the chat still cannot be listed, but the webhook
		// names the message.
		ob2 := open(t, sk.mustOpen(t), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithSettleWindow(time.Hour), outbox.WithMaxReconcileFailures(1000))
		stop := runStop(t, ob2)
		t.Cleanup(stop)
		f.srv.InjectFaults(
			tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST", Path: "/messages"},
			tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 100000, Method: "GET"},
		)
		_, err = ob2.Send(ctx, textMsg(f.ws, "e", "+14155550105", "by event"))
		require.NoError(t, err)
		require.Eventually(t, func() bool { return countPosts(f.srv) == 2 }, 10*time.Second, 10*time.Millisecond)
		time.Sleep(100 * time.Millisecond)
		st, err = ob2.Status(ctx, f.ws, "e")
		require.NoError(t, err)
		require.Equal(t, outbox.Sending, st.State)
		stop() // no reconciliation from here on: only the event can settle it
		f.srv.ClearFaults()
		var msg *publicapi.Message
		for ch, err := range f.pc.ListChats(ctx, publicapi.ListChatsParams{Phone: publicapi.Ptr("+14155550105")}) {
			require.NoError(t, err)
			for m, err := range f.pc.ListChatMessages(ctx, ch.ID, publicapi.ListChatMessagesParams{}) {
				require.NoError(t, err)
				msg = &m
			}
		}
		require.NotNil(t, msg)
		// An event for another text changes nothing.
		other := &events.MessageSent{}
		other.Chat.ID, other.Message.UID, other.Message.Text, other.Message.Origin = msg.ChatID, "not-it", "other", "Public API"
		require.NoError(t, ob2.MessageSent(ctx, f.ws, other))
		ev := &events.MessageSent{}
		ev.Chat.ID, ev.Chat.Phone = msg.ChatID, "+14155550105"
		ev.Message.UID, ev.Message.Text, ev.Message.Origin, ev.Message.Timestamp = msg.UID, msg.Text, "Public API", msg.Timestamp
		require.NoError(t, ob2.MessageSent(ctx, f.ws, ev))
		st, err = ob2.Status(ctx, f.ws, "e")
		require.NoError(t, err)
		assert.Equal(t, outbox.Sent, st.State)
		assert.Equal(t, outbox.ByEvent, st.ResolvedBy)
		assert.Equal(t, msg.UID, st.MessageUID)
	})
}

// Bad input gets a clear error and nothing is stored.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store, _ := sk.open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		ctx := context.Background()
		text := publicapi.SendParams{Text: publicapi.Ptr("hi")}
		cases := []struct {
			name  string
			m     outbox.Message
			field string
		}{
			{"empty key", outbox.Message{WorkspaceID: f.ws, Phone: "+14155550100", Params: text}, "Message.Key"},
			{"long key", outbox.Message{WorkspaceID: f.ws, Key: strings.Repeat("k", outbox.MaxKeyLength+1), Phone: "+14155550100", Params: text}, "Message.Key"},
			{"control in key", outbox.Message{WorkspaceID: f.ws, Key: "a\nb", Phone: "+14155550100", Params: text}, "Message.Key"},
			{"no content", outbox.Message{WorkspaceID: f.ws, Key: "k", Phone: "+14155550100"}, "Message.Params"},
			{"empty text", outbox.Message{WorkspaceID: f.ws, Key: "k", Phone: "+14155550100", Params: publicapi.SendParams{Text: publicapi.Ptr("")}}, "Message.Params"},
			{"no recipient", outbox.Message{WorkspaceID: f.ws, Key: "k", Params: text}, "Message"},
			{"two recipients", outbox.Message{WorkspaceID: f.ws, Key: "k", Phone: "+14155550100", ChatID: 5, Params: text}, "Message"},
			{"bad phone", outbox.Message{WorkspaceID: f.ws, Key: "k", Phone: "4155550100", Params: text}, "Message.Phone"},
			{"bad jid", outbox.Message{WorkspaceID: f.ws, Key: "k", JID: "nope", Params: text}, "Message.JID"},
			{"no workspace", outbox.Message{Key: "k", Phone: "+14155550100", Params: text}, "Message.WorkspaceID"},
		}
		for _, tc := range cases {
			_, err := ob.Send(ctx, tc.m)
			var ve *outbox.ValidationError
			require.ErrorAs(t, err, &ve, tc.name)
			assert.Equal(t, tc.field, ve.Field, tc.name)
			assert.ErrorIs(t, err, publicapi.ErrInvalidRequest, tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "outbox: invalid "), "%s: %v", tc.name, err)
		}
		_, err := ob.Send(ctx, textMsg("no-such-workspace", "k", "+14155550100", "hi"))
		assert.ErrorIs(t, err, publicapi.ErrNotFound)
		_, err = ob.Status(ctx, "no-such-workspace", "k")
		assert.ErrorIs(t, err, outbox.ErrNotFound)
		for _, tc := range cases {
			if tc.m.Key != "" {
				_, err := ob.Status(ctx, tc.m.WorkspaceID, tc.m.Key)
				assert.ErrorIs(t, err, outbox.ErrNotFound, "%s was stored", tc.name)
			}
		}
		// The same key for another message is refused, the first stays.
		r1, err := ob.Send(ctx, textMsg(f.ws, "same", "+14155550100", "first"))
		require.NoError(t, err)
		r2, err := ob.Send(ctx, textMsg(f.ws, "same", "+14155550100", "second"))
		assert.ErrorIs(t, err, outbox.ErrKeyReused)
		assert.Equal(t, r1.ID, r2.ID)
		assert.True(t, r2.Duplicate)
		run(t, ob)
		waitState(t, ob, f.ws, "same", 10*time.Second)
		assert.Equal(t, map[string]int{"first": 1}, f.sentTexts(t))

		_, err = outbox.Open(ctx, store, nil)
		assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
		_, err = outbox.Open(ctx, outbox.Store{}, f.clientFunc(f.srv.PublicAPIURL()))
		assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
		_, err = outbox.Open(ctx, store, f.clientFunc(f.srv.PublicAPIURL()), outbox.WithAttemptTimeout(time.Minute), outbox.WithRescueAfter(time.Second))
		assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
	})
}

// The transactional outbox: a rolled-back transaction sends nothing; a
// committed one sends once.
func TestTransactionalEnqueue(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		f := newFake(t)
		store, dsn := storeKinds[1].open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		pool, err := pgxpool.New(ctx, dsn)
		require.NoError(t, err)
		defer pool.Close()
		_, err = pool.Exec(ctx, "CREATE TABLE orders (id TEXT PRIMARY KEY)")
		require.NoError(t, err)
		for _, commit := range []bool{false, true} {
			key := fmt.Sprintf("order-%v", commit)
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "INSERT INTO orders VALUES ($1)", key)
			require.NoError(t, err)
			_, err = ob.SendTx(ctx, tx, textMsg(f.ws, key, "+14155550106", key))
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit(ctx))
			} else {
				require.NoError(t, tx.Rollback(ctx))
			}
		}
		checkTx(t, f, ob)
	})
	t.Run("sqlite", func(t *testing.T) {
		f := newFake(t)
		store, _ := storeKinds[0].open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		db := ob.DB()
		require.NotNil(t, db)
		_, err := db.ExecContext(ctx, "CREATE TABLE orders (id TEXT PRIMARY KEY)")
		require.NoError(t, err)
		for _, commit := range []bool{false, true} {
			key := fmt.Sprintf("order-%v", commit)
			tx, err := db.BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, "INSERT INTO orders VALUES (?)", key)
			require.NoError(t, err)
			_, err = ob.SendSQLTx(ctx, tx, textMsg(f.ws, key, "+14155550106", key))
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit())
			} else {
				require.NoError(t, tx.Rollback())
			}
		}
		checkTx(t, f, ob)
		_, err = ob.SendSQLTx(ctx, nil, textMsg(f.ws, "k", "+14155550106", "x"))
		assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
		_, err = ob.SendTx(ctx, nil, textMsg(f.ws, "k", "+14155550106", "x"))
		assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
	})
}

func checkTx(t *testing.T, f *fake, ob *outbox.Outbox) {
	ctx := context.Background()
	_, err := ob.Status(ctx, f.ws, "order-false")
	assert.ErrorIs(t, err, outbox.ErrNotFound, "a rolled-back send is not recorded")
	run(t, ob)
	st := waitState(t, ob, f.ws, "order-true", 10*time.Second)
	assert.Equal(t, outbox.Sent, st.State)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, map[string]int{"order-true": 1}, f.sentTexts(t))
}

// One chat's messages go out in the order their keys were recorded, even
// when some attempts are refused or ambiguous.
func TestOrderPerChat(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store, _ := sk.open(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()), outbox.WithWorkers(8))
		ctx := context.Background()
		var want []string
		for i := range 12 {
			text := fmt.Sprintf("m%02d", i)
			want = append(want, text)
			_, err := ob.Send(ctx, textMsg(f.ws, text, "+14155550107", text))
			require.NoError(t, err)
		}
		f.srv.InjectFaults(
			tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 4, Method: "POST", Path: "/messages"},
			tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Count: 1, Method: "POST", Path: "/messages"},
			tlpartnertest.Fault{Kind: tlpartnertest.FaultDrop, Count: 1, Method: "POST", Path: "/messages"},
		)
		run(t, ob)
		for _, k := range want {
			assert.Equal(t, outbox.Sent, waitState(t, ob, f.ws, k, 20*time.Second).State)
		}
		var got []string
		for ch, err := range f.pc.ListChats(ctx, publicapi.ListChatsParams{Phone: publicapi.Ptr("+14155550107")}) {
			require.NoError(t, err)
			for m, err := range f.pc.ListChatMessages(ctx, ch.ID, publicapi.ListChatMessagesParams{SortOrder: publicapi.Ptr(publicapi.SortAscending)}) {
				require.NoError(t, err)
				got = append(got, m.Text)
			}
		}
		assert.Equal(t, want, got)
	})
}

// A chat whose job is gone (its worker died holding it, or anything else)
// is picked up by the sweeper.
func TestSweeperTakesOverOrphanedChat(t *testing.T) {
	f := newFake(t)
	store, _ := storeKinds[0].open(t)
	ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
	ctx := context.Background()
	_, err := ob.Send(ctx, textMsg(f.ws, "orphan", "+14155550108", "orphan"))
	require.NoError(t, err)
	n, err := ob.DB().ExecContext(ctx, "DELETE FROM river_job")
	require.NoError(t, err)
	deleted, _ := n.RowsAffected()
	require.Equal(t, int64(1), deleted)
	run(t, ob)
	st := waitState(t, ob, f.ws, "orphan", 30*time.Second)
	assert.Equal(t, outbox.Sent, st.State)
	assert.Equal(t, map[string]int{"orphan": 1}, f.sentTexts(t))
}

// countingLimiter counts the waits of the client's rate limiter.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error { l.n.Add(1); return ctx.Err() }

// Every request the outbox makes (sends and reconciliation listings) goes
// through the client's rate limiter, so a shared or fleet limiter
// (tlredis) bounds the outbox too.
func TestRateLimiterRespected(t *testing.T) {
	f := newFake(t)
	lim := &countingLimiter{}
	c, err := publicapi.NewClient(f.token, publicapi.WithBaseURL(f.srv.PublicAPIURL()), publicapi.WithRetryPolicy(testRetry), publicapi.WithRateLimiter(lim))
	require.NoError(t, err)
	clients := func(_ context.Context, ws string) (*publicapi.Client, error) { return c, nil }
	ob := open(t, storeKinds[0].mustOpen(t), clients)
	f.srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST", Path: "/messages"},
		tlpartnertest.Fault{Kind: tlpartnertest.Fault429, Count: 2, Method: "POST", Path: "/messages"})
	f.srv.ResetRequests()
	run(t, ob)
	for i := range 3 {
		_, err := ob.Send(context.Background(), textMsg(f.ws, fmt.Sprint(i), "+14155550109", fmt.Sprint("limited ", i)))
		require.NoError(t, err)
	}
	for i := range 3 {
		assert.Equal(t, outbox.Sent, waitState(t, ob, f.ws, fmt.Sprint(i), 10*time.Second).State)
	}
	reqs := len(f.srv.Requests())
	assert.Greater(t, reqs, 5, "sends, a refused retry and the reconciliation listings")
	assert.Equal(t, int64(reqs), lim.n.Load(), "every request waited on the limiter")
}

// Run stops cleanly: an attempt under way when the context ends records
// its outcome, and a later Run finishes the entry without a second send.
func TestRunStopsCleanly(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		store := sk.mustOpen(t)
		ob := open(t, store, f.clientFunc(f.srv.PublicAPIURL()))
		f.srv.InjectFaults(tlpartnertest.Fault{Kind: tlpartnertest.FaultDelay, Delay: 500 * time.Millisecond, Method: "POST", Path: "/messages"})
		_, err := ob.Send(context.Background(), textMsg(f.ws, "stop", "+14155550110", "stopped mid-send"))
		require.NoError(t, err)
		stop := runStop(t, ob)
		require.Eventually(t, func() bool { return countPosts(f.srv) == 0 && f.srv.PendingFaults() == 0 }, 5*time.Second, 5*time.Millisecond)
		stop() // while the send is delayed at the server
		st, err := ob.Status(context.Background(), f.ws, "stop")
		require.NoError(t, err)
		assert.Contains(t, []outbox.State{outbox.Sent, outbox.Sending}, st.State, "the attempt's outcome is recorded")
		assert.Equal(t, 1, st.Attempts)
		run(t, ob)
		st = waitState(t, ob, f.ws, "stop", 10*time.Second)
		assert.Equal(t, outbox.Sent, st.State)
		assert.Equal(t, map[string]int{"stopped mid-send": 1}, f.sentTexts(t))
	})
}

// Finished entries are pruned after the retention; their key is then free.
func TestRetention(t *testing.T) {
	f := newFake(t)
	ob := open(t, storeKinds[0].mustOpen(t), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithRetention(300*time.Millisecond))
	ctx := context.Background()
	_, err := ob.Send(ctx, textMsg(f.ws, "old", "+14155550111", "old"))
	require.NoError(t, err)
	run(t, ob)
	assert.Equal(t, outbox.Sent, waitState(t, ob, f.ws, "old", 10*time.Second).State)
	require.Eventually(t, func() bool {
		_, err := ob.Status(ctx, f.ws, "old")
		return errors.Is(err, outbox.ErrNotFound)
	}, 15*time.Second, 50*time.Millisecond, "the sent entry is pruned")
	_, err = outbox.Open(ctx, storeKinds[0].mustOpen(t), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithRetention(0))
	assert.ErrorIs(t, err, publicapi.ErrInvalidRequest)
}

// The partner client's pool is a ClientFunc: an unknown workspace is
// refused at Send (nothing stored), a known one is sent.
func TestWithPublicAPIPool(t *testing.T) {
	f := newFake(t)
	partner, err := f.srv.Client()
	require.NoError(t, err)
	pool, err := partner.PublicAPIPool()
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close() })
	ob := open(t, storeKinds[0].mustOpen(t), pool.Get)
	ctx := context.Background()
	_, err = ob.Send(ctx, textMsg("no-such-workspace", "k", "+14155550112", "x"))
	assert.ErrorIs(t, err, publicapi.ErrNotFound)
	_, err = ob.Status(ctx, "no-such-workspace", "k")
	assert.ErrorIs(t, err, outbox.ErrNotFound)
	_, err = ob.Send(ctx, textMsg(f.ws, "k", "+14155550112", "via the pool"))
	require.NoError(t, err)
	run(t, ob)
	assert.Equal(t, outbox.Sent, waitState(t, ob, f.ws, "k", 10*time.Second).State)
	assert.Equal(t, map[string]int{"via the pool": 1}, f.sentTexts(t))
}

// An unresolved entry is settled by hand with MarkSent; a failed one is
// sent again with Resend once its cause is fixed.
func TestMarkSentAndResend(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		f := newFake(t)
		ob := open(t, sk.mustOpen(t), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithMaxReconcileFailures(1))
		ctx := context.Background()
		run(t, ob)
		f.srv.InjectFaults(
			tlpartnertest.Fault{Kind: tlpartnertest.FaultLoseResponse, Method: "POST", Path: "/messages"},
			tlpartnertest.Fault{Kind: tlpartnertest.Fault503, Count: 1000, Method: "GET"},
		)
		_, err := ob.Send(ctx, textMsg(f.ws, "u", "+14155550113", "lost"))
		require.NoError(t, err)
		require.Equal(t, outbox.Unresolved, waitState(t, ob, f.ws, "u", 10*time.Second).State)
		f.srv.ClearFaults()
		assert.ErrorIs(t, ob.Resend(ctx, f.ws, "nope"), outbox.ErrNotFound)
		assert.ErrorIs(t, ob.MarkSent(ctx, f.ws, "u", ""), publicapi.ErrInvalidRequest)
		require.NoError(t, ob.MarkSent(ctx, f.ws, "u", "uid-found-by-hand"))
		st, err := ob.Status(ctx, f.ws, "u")
		require.NoError(t, err)
		assert.Equal(t, outbox.Sent, st.State)
		assert.Equal(t, outbox.ByHand, st.ResolvedBy)
		assert.Equal(t, "uid-found-by-hand", st.MessageUID)
		assert.ErrorIs(t, ob.MarkSent(ctx, f.ws, "u", "again"), outbox.ErrState)
		assert.ErrorIs(t, ob.Resend(ctx, f.ws, "u"), outbox.ErrState)

		require.NoError(t, f.srv.SetQuota(f.ws, tlpartnertest.QuotaMessaging, 0))
		_, err = ob.Send(ctx, textMsg(f.ws, "q", "+14155550113", "after top-up"))
		require.NoError(t, err)
		require.Equal(t, outbox.Failed, waitState(t, ob, f.ws, "q", 10*time.Second).State)
		require.NoError(t, f.srv.SetQuota(f.ws, tlpartnertest.QuotaMessaging, 1000))
		require.NoError(t, ob.Resend(ctx, f.ws, "q"))
		st = waitState(t, ob, f.ws, "q", 10*time.Second)
		assert.Equal(t, outbox.Sent, st.State, st.LastError)
		assert.Equal(t, map[string]int{"lost": 1, "after top-up": 1}, f.sentTexts(t))
	})
}

// On a store shared with an inbox whose River client is the leader (the
// only client that runs periodic jobs), finished entries are still
// pruned: the outbox's own sweeper prunes.
func TestRetentionWhenInboxLeads(t *testing.T) {
	f := newFake(t)
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	token, err := events.GenerateToken()
	require.NoError(t, err)
	in, err := inbox.Open(ctx, outbox.SQLite(path), f.clientFunc(f.srv.PublicAPIURL()),
		func(context.Context, inbox.Message) error { return nil }, inbox.WithURLToken(token))
	require.NoError(t, err)
	inCtx, stopInbox := context.WithCancel(ctx)
	inDone := make(chan error, 1)
	go func() { inDone <- in.Run(inCtx) }()
	t.Cleanup(func() {
		stopInbox()
		assert.NoError(t, <-inDone)
		_ = in.Close()
	})
	ob := open(t, outbox.SQLite(path), f.clientFunc(f.srv.PublicAPIURL()), outbox.WithRetention(300*time.Millisecond))
	require.Eventually(t, func() bool {
		var n int
		return ob.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_leader`).Scan(&n) == nil && n == 1
	}, 15*time.Second, 20*time.Millisecond, "the inbox's client is elected leader")
	_, err = ob.Send(ctx, textMsg(f.ws, "old", "+14155550114", "old"))
	require.NoError(t, err)
	run(t, ob)
	assert.Equal(t, outbox.Sent, waitState(t, ob, f.ws, "old", 10*time.Second).State)
	require.Eventually(t, func() bool {
		_, err := ob.Status(ctx, f.ws, "old")
		return errors.Is(err, outbox.ErrNotFound)
	}, 20*time.Second, 50*time.Millisecond, "the sent entry is pruned although the inbox's client leads")
}

// TestSQLitePaths: an SQLite store is the file its path names, whatever
// characters the name has ("a?b.db" opened "a" without the busy timeout,
// "d#e.db" opened "d", "c%41.db" opened "cA.db"), with synchronous=FULL,
// and a store that could
// not be durable (":memory:", a "file:" URI, a control character) is
// refused before anything is created.
func TestSQLitePaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	none := func(context.Context, string) (*publicapi.Client, error) { return nil, errors.New("unused") }
	for _, name := range []string{"a?b.db", "c%41.db", "d#e.db", "plain.db"} {
		ob, err := outbox.Open(ctx, outbox.SQLite(filepath.Join(dir, name)), none)
		require.NoError(t, err, name)
		var sync int
		require.NoError(t, ob.DB().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync), name)
		assert.Equal(t, 2, sync, "%s: synchronous=FULL", name)
		require.NoError(t, ob.Close())
		_, err = os.Stat(filepath.Join(dir, name))
		assert.NoError(t, err, "%s: the file the path names", name)
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".db" {
			names = append(names, e.Name())
		}
	}
	assert.ElementsMatch(t, []string{"a?b.db", "c%41.db", "d#e.db", "plain.db"}, names)

	for _, path := range []string{":memory:", "file:x.db?mode=memory", filepath.Join(dir, "bad\n.db")} {
		_, err := outbox.Open(ctx, outbox.SQLite(path), none)
		var ve *outbox.ValidationError
		require.ErrorAs(t, err, &ve, "%q", path)
		assert.Equal(t, "store", ve.Field)
	}
	_, err = os.Stat("x.db")
	assert.True(t, os.IsNotExist(err), "nothing created for a refused store")
}
