package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tlpartner/tlpartner-go/publicapi"
)

const queueName = "tlpartner_outbox"

// sendArgs is the River job that drains one chat: it sends the chat's
// open entries in order. A chat has at most one such job waiting or
// running (River's unique jobs), plus the sweeper's.
type sendArgs struct {
	WorkspaceID string `json:"workspace_id"`
	Chat        string `json:"chat"`
	// Entry is set on a job inserted for one entry while the chat's job
	// was running (it might end without seeing the entry).
	Entry int64 `json:"entry,omitempty"`
	// Sweep is set on a job inserted by the sweeper for a chat nobody
	// worked on for a while (its worker died): the period's number.
	Sweep int64 `json:"sweep,omitempty"`
}

func (sendArgs) Kind() string { return "tlpartner_outbox_chat" }

func (sendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// pruneArgs is the job that deleted finished entries older than the
// retention. The sweeper of every running process prunes now (a periodic
// job runs only in the River leader, which may be another client of a
// shared store, such as an inbox's); the worker stays for jobs queued by
// an earlier version.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "tlpartner_outbox_prune" }

func (pruneArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueName} }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	o *Outbox
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	if w.o.cfg.retention <= 0 {
		return nil
	}
	for {
		more, err := w.o.prune(ctx)
		if err != nil || !more {
			return err
		}
	}
}

// pruneBatch bounds the entries one prune statement deletes, so that it
// holds the store's write lock briefly.
const pruneBatch = 1000

// prune deletes up to pruneBatch finished entries older than the
// retention; more reports that the batch was full. Processes pruning at
// once delete each entry once.
func (o *Outbox) prune(ctx context.Context) (more bool, err error) {
	cut := o.now().Add(-o.cfg.retention).UnixNano()
	n, err := o.b.db().exec(ctx, `DELETE FROM tlpartner_outbox WHERE id IN (SELECT id FROM tlpartner_outbox
WHERE state IN ('sent', 'failed', 'unresolved') AND updated_at < ? ORDER BY updated_at LIMIT ?)`, cut, pruneBatch)
	if err != nil {
		return false, fmt.Errorf("outbox: prune: %w", err)
	}
	return n == pruneBatch, nil
}

// pruneEvery is how often the sweeper prunes: every min(1h, retention),
// at least every second.
func (o *Outbox) pruneEvery() time.Duration { return min(time.Hour, max(time.Second, o.cfg.retention)) }

// retryPolicy spaces River's retries of a job (after a store failure, or
// after the rescuer took it from a crashed process) with the outbox's
// backoff instead of River's default, which grows to hours.
type retryPolicy struct{ o *Outbox }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return p.o.now().Add(p.o.backoff(job.Attempt))
}

// entry is a row of the outbox table as the worker needs it.
type entry struct {
	id             int64
	workspaceID    string
	key            string
	chat           string
	msg            stored
	state          string
	uid            string
	attempts       int
	refusals       int
	reconcileFails int
	firstAttemptAt time.Time
	attemptAt      time.Time
}

const entryColumns = `id, workspace_id, msg_key, chat, message, state, message_uid, attempts, refusals, reconcile_failures, first_attempt_at, attempt_at`

func scanEntry(row scanner) (*entry, error) {
	var (
		e         entry
		body      string
		first, at int64
	)
	if err := row.Scan(&e.id, &e.workspaceID, &e.key, &e.chat, &body, &e.state, &e.uid, &e.attempts, &e.refusals, &e.reconcileFails, &first, &at); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &e.msg); err != nil {
		return nil, fmt.Errorf("decode entry %d: %w", e.id, err)
	}
	if first != 0 {
		e.firstAttemptAt = time.Unix(0, first)
	}
	if at != 0 {
		e.attemptAt = time.Unix(0, at)
	}
	return &e, nil
}

func (o *Outbox) load(ctx context.Context, q querier, id int64) (*entry, error) {
	return scanEntry(q.queryRow(ctx, `SELECT `+entryColumns+` FROM tlpartner_outbox WHERE id = ?`, id))
}

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	o *Outbox
}

// lease is how long a worker owns an entry it works on; another worker
// takes it over only after that (the first one crashed).
func (o *Outbox) lease() time.Duration { return o.cfg.attemptTimeout + o.cfg.attemptTimeout/2 }

// Work drains the job's chat up to and including the job's entry: it
// works on the chat's earliest open entry (so that one chat's messages go
// out in the order they were recorded), and on the next when that one is
// done, until its own entry is done. Every job of a chat can do this, so
// a crashed worker's chat is taken over by the next job that wakes up;
// a lease on the entry keeps two workers from working on it at once.
// Waits are River snoozes, which do not count as attempts; errors
// returned to River are store failures, retried with the outbox's backoff.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	o := w.o
	db := o.b.db()
	began := o.now()
	ws, chat := job.Args.WorkspaceID, job.Args.Chat
	for {
		if o.now().Sub(began) > o.cfg.attemptTimeout/2 {
			return river.JobSnooze(0) // leave time to record; go on at once
		}
		// Lease the chat's earliest open entry, if it is due and nobody
		// holds it.
		now := o.now().UnixNano()
		head, err := scanEntry(db.queryRow(ctx, `UPDATE tlpartner_outbox SET lease_until = ?
WHERE id = (SELECT id FROM tlpartner_outbox WHERE workspace_id = ? AND chat = ? AND state IN ('pending', 'sending') ORDER BY id LIMIT 1)
AND lease_until < ? AND not_before <= ? RETURNING `+entryColumns, now+int64(o.lease()), ws, chat, now, now))
		if errors.Is(err, sql.ErrNoRows) {
			var leaseUntil, notBefore int64
			err := db.queryRow(ctx, `SELECT lease_until, not_before FROM tlpartner_outbox WHERE workspace_id = ? AND chat = ? AND state IN ('pending', 'sending') ORDER BY id LIMIT 1`,
				ws, chat).Scan(&leaseUntil, &notBefore)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return nil // the chat is drained
			case err != nil:
				return err
			case leaseUntil >= now:
				return nil // another worker drains the chat (the sweeper covers for it if it dies)
			}
			return river.JobSnooze(time.Duration(notBefore-now) + time.Millisecond) // the head waits
		}
		if err != nil {
			return err
		}
		wait, err := o.step(ctx, head)
		if err != nil {
			return err
		}
		if wait > 0 {
			return river.JobSnooze(wait)
		}
	}
}

// sweepLoop gives a job to every chat whose earliest open entry nobody
// worked on for a while although it was due: its worker died between
// steps. It runs in every process that runs workers; River's unique jobs
// keep the processes from inserting the same job twice in a period.
//
// It also prunes ([WithRetention]): at its first round, then every
// [Outbox.pruneEvery], one bounded batch per round until none is left.
// Pruning here rather than in a River periodic job makes it independent
// of which River client sharing the store is the leader.
func (o *Outbox) sweepLoop(ctx context.Context) {
	var nextPrune time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(jitter(o.cfg.chatWait)):
		}
		if err := o.sweepOnce(ctx); err != nil && ctx.Err() == nil {
			o.cfg.logger.WarnContext(ctx, "outbox: sweep", "error", err.Error())
		}
		if now := o.now(); o.cfg.retention > 0 && !now.Before(nextPrune) {
			more, err := o.prune(ctx)
			if err != nil && ctx.Err() == nil {
				o.cfg.logger.WarnContext(ctx, "outbox: prune", "error", err.Error())
			}
			if err == nil && !more {
				nextPrune = now.Add(jitter(o.pruneEvery()) + o.pruneEvery()/2)
			}
		}
	}
}

func (o *Outbox) sweepOnce(ctx context.Context) error {
	now := o.now()
	stale := now.Add(-o.cfg.chatWait).UnixNano()
	rows, err := o.b.db().query(ctx, `SELECT o.workspace_id, o.chat FROM tlpartner_outbox o
WHERE o.state IN ('pending', 'sending') AND o.lease_until < ? AND o.not_before < ? AND o.updated_at < ?
AND NOT EXISTS (SELECT 1 FROM tlpartner_outbox p WHERE p.workspace_id = o.workspace_id AND p.chat = o.chat AND p.state IN ('pending', 'sending') AND p.id < o.id)
ORDER BY o.id LIMIT 500`, now.UnixNano(), stale, stale)
	if err != nil {
		return err
	}
	var chats []sendArgs
	for rows.Next() {
		var a sendArgs
		if err := rows.Scan(&a.WorkspaceID, &a.Chat); err != nil {
			rows.Close()
			return err
		}
		chats = append(chats, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(chats) == 0 {
		return err
	}
	return o.b.sweep(ctx, chats, o.cfg.chatWait)
}

// step takes one leased entry one step: it sends a pending entry, or
// reconciles an ambiguous one. It returns how long to wait before the
// next step, or 0 when the entry reached a final state; either way the
// lease is released.
func (o *Outbox) step(ctx context.Context, e *entry) (time.Duration, error) {
	client, err := o.clients(ctx, e.workspaceID)
	if err != nil {
		if errors.Is(err, publicapi.ErrNotFound) || errors.Is(err, publicapi.ErrInvalidRequest) {
			return 0, o.finish(ctx, e, Failed, "", "", "workspace: "+err.Error())
		}
		return o.refused(ctx, e, "workspace client: "+err.Error())
	}
	if e.state == string(Sending) {
		return o.reconcile(ctx, client, e)
	}
	return o.attempt(ctx, client, e)
}

// recordCtx is for the update after an attempt: it runs even when ctx
// ended meanwhile, so that no outcome is left unrecorded.
func (o *Outbox) recordCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// attempt marks a pending entry as sending (durably, before any request)
// and sends it.
func (o *Outbox) attempt(ctx context.Context, client *publicapi.Client, e *entry) (time.Duration, error) {
	start := o.now()
	first := start
	if !e.firstAttemptAt.IsZero() {
		first = e.firstAttemptAt
	}
	n, err := o.b.db().exec(ctx, `UPDATE tlpartner_outbox SET state = 'sending', attempt_at = ?, first_attempt_at = ?, attempts = attempts + 1, updated_at = ?
WHERE id = ? AND state = 'pending'`, start.UnixNano(), first.UnixNano(), start.UnixNano(), e.id)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return o.release(ctx, e, time.Millisecond) // changed under us: look again
	}
	e.state, e.attemptAt, e.firstAttemptAt = string(Sending), start, first
	uid, sendErr := o.post(ctx, client, e)
	rctx, cancel := o.recordCtx(ctx)
	defer cancel()
	switch outcomeOf(sendErr) {
	case sent:
		return 0, o.finish(rctx, e, Sent, uid, ByResponse, "")
	case refused:
		return o.refused(rctx, e, sendErr.Error())
	case permanent:
		return 0, o.finish(rctx, e, Failed, "", "", sendErr.Error())
	}
	// Ambiguous: the message may be queued. Keep it 'sending' and
	// reconcile before anything is sent again.
	if _, err := o.b.db().exec(rctx, `UPDATE tlpartner_outbox SET last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending'`,
		"ambiguous: "+sendErr.Error(), o.now().UnixNano(), e.id); err != nil {
		return 0, err
	}
	if ctx.Err() != nil {
		return o.release(rctx, e, time.Millisecond)
	}
	return o.reconcile(ctx, client, e)
}

// release gives the entry's lease up and returns wait.
func (o *Outbox) release(ctx context.Context, e *entry, wait time.Duration) (time.Duration, error) {
	_, err := o.b.db().exec(ctx, `UPDATE tlpartner_outbox SET lease_until = 0 WHERE id = ?`, e.id)
	return wait, err
}

// post sends the entry's message with the method its recipient needs.
func (o *Outbox) post(ctx context.Context, c *publicapi.Client, e *entry) (string, error) {
	p := e.msg.params()
	switch {
	case e.msg.Phone != "":
		return c.SendToPhone(ctx, e.msg.Phone, p)
	case e.msg.JID != "":
		return c.SendToJID(ctx, e.msg.JID, p)
	}
	return c.SendToChat(ctx, e.msg.ChatID, p)
}

type outcome int

const (
	sent outcome = iota
	refused
	permanent
	ambiguous
)

// outcomeOf sorts a send's error. Refused: the request provably was not
// processed (a 429 that is not a quota error, a failed dial, a 401 after
// the client's token refresh). Permanent: the server answered that it
// will not send it (4xx, quota, validation, a 2xx whose body says error).
// Everything else (a 5xx, a connection lost after the request was
// written, a timeout, an answer that could not be read) is ambiguous.
func outcomeOf(err error) outcome {
	if err == nil {
		return sent
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return permanent
	}
	var ae *publicapi.APIError
	if errors.As(err, &ae) {
		switch {
		case errors.Is(ae, publicapi.ErrQuotaExceeded):
			return permanent
		case ae.StatusCode == 429 || ae.StatusCode == 401:
			return refused
		case ae.StatusCode >= 500:
			return ambiguous
		}
		return permanent
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) && opErr.Op == "dial" {
		return refused
	}
	return ambiguous
}

// refused puts the entry back to pending and returns the backoff, or
// fails it after too many refusals.
func (o *Outbox) refused(ctx context.Context, e *entry, msg string) (time.Duration, error) {
	if e.refusals+1 >= o.cfg.maxRefusals {
		return 0, o.finish(ctx, e, Failed, "", "", fmt.Sprintf("refused %d times; last: %s", e.refusals+1, msg))
	}
	wait := o.backoff(e.refusals + 1)
	now := o.now()
	_, err := o.b.db().exec(ctx, `UPDATE tlpartner_outbox SET state = 'pending', refusals = refusals + 1, last_error = ?, lease_until = 0, not_before = ?, updated_at = ?
WHERE id = ? AND state IN ('pending', 'sending')`, "refused: "+msg, now.Add(wait).UnixNano(), now.UnixNano(), e.id)
	return wait, err
}

func (o *Outbox) backoff(n int) time.Duration {
	d := o.cfg.retryBase
	for i := 1; i < n && d < o.cfg.retryMax; i++ {
		d *= 2
	}
	return jitter(min(d, o.cfg.retryMax))
}

// jitter returns a duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// finish records a final state (only from pending or sending, so a state
// recorded by another path stays) and calls the change hook.
func (o *Outbox) finish(ctx context.Context, e *entry, st State, uid, by, msg string) error {
	now := o.now()
	n, err := o.b.db().exec(ctx, `UPDATE tlpartner_outbox SET state = ?, message_uid = ?, resolved_by = ?, last_error = ?, lease_until = 0, updated_at = ?
WHERE id = ? AND state IN ('pending', 'sending')`, string(st), uid, by, msg, now.UnixNano(), e.id)
	if err != nil {
		return err
	}
	if n > 0 && o.cfg.onChange != nil {
		o.cfg.onChange(Status{ID: e.id, WorkspaceID: e.workspaceID, Key: e.key, State: st, MessageUID: uid, ResolvedBy: by,
			LastError: msg, Attempts: e.attempts, UpdatedAt: now})
	}
	return nil
}

// reconcile looks for the message of an ambiguous attempt in its chat.
// Found: sent. Not found within the settle window: look again later.
// Not found after it: back to pending, and sent again. Listing failures
// are retried with backoff and end in Unresolved.
func (o *Outbox) reconcile(ctx context.Context, client *publicapi.Client, e *entry) (time.Duration, error) {
	if e.attemptAt.IsZero() {
		e.attemptAt = o.now()
	}
	if e.firstAttemptAt.IsZero() {
		e.firstAttemptAt = e.attemptAt
	}
	uid, err := o.find(ctx, client, e)
	rctx, cancel := o.recordCtx(ctx)
	defer cancel()
	if err != nil {
		if ctx.Err() != nil {
			return o.release(rctx, e, time.Millisecond)
		}
		fails := e.reconcileFails + 1
		if fails >= o.cfg.maxReconcileFails {
			return 0, o.finish(rctx, e, Unresolved, "", "", fmt.Sprintf("could not reconcile an ambiguous send after %d tries; last: %v", fails, err))
		}
		wait, now := o.backoff(fails), o.now()
		_, err := o.b.db().exec(rctx, `UPDATE tlpartner_outbox SET reconcile_failures = ?, last_error = ?, lease_until = 0, not_before = ?, updated_at = ? WHERE id = ? AND state = 'sending'`,
			fails, "reconcile: "+err.Error(), now.Add(wait).UnixNano(), now.UnixNano(), e.id)
		return wait, err
	}
	if uid != "" {
		return 0, o.finish(rctx, e, Sent, uid, ByReconcile, "")
	}
	if wait := e.attemptAt.Add(o.cfg.settleWindow).Sub(o.now()); wait > 0 {
		wait = min(wait, o.cfg.reconcileInterval)
		_, err := o.b.db().exec(rctx, `UPDATE tlpartner_outbox SET reconcile_failures = 0, lease_until = 0, not_before = ?, updated_at = ? WHERE id = ? AND state = 'sending'`,
			o.now().Add(wait).UnixNano(), o.now().UnixNano(), e.id)
		return wait, err
	}
	// Not there after the settle window: it was not sent. Send again.
	n, err := o.b.db().exec(rctx, `UPDATE tlpartner_outbox SET state = 'pending', reconcile_failures = 0, updated_at = ? WHERE id = ? AND state = 'sending'`,
		o.now().UnixNano(), e.id)
	if err != nil {
		return 0, err
	}
	if n == 0 || ctx.Err() != nil {
		return o.release(rctx, e, time.Millisecond)
	}
	e.state = string(Pending)
	return o.attempt(ctx, client, e)
}

// find returns the UID of a message in the entry's chat that matches it:
// sent from the workspace through the Public API since the first attempt
// (minus the clock skew), with the same text and attachment presence, and
// not recorded for another entry. "" when there is none.
func (o *Outbox) find(ctx context.Context, c *publicapi.Client, e *entry) (string, error) {
	chats, err := o.chatsOf(ctx, c, e)
	if err != nil || len(chats) == 0 {
		return "", err
	}
	after := e.firstAttemptAt.Add(-o.cfg.clockSkew)
	text := ""
	if e.msg.Text != nil {
		text = *e.msg.Text
	}
	wantFile := e.msg.FileUID != nil || e.msg.AttachmentTemplateID != nil
	for _, chatID := range chats {
		params := publicapi.ListChatMessagesParams{FromMe: publicapi.Ptr(true), After: &after, SortOrder: publicapi.Ptr(publicapi.SortAscending)}
		for m, err := range c.ListChatMessages(ctx, chatID, params) {
			if err != nil {
				return "", err
			}
			if m.UID == "" || m.Text != text || m.HasAttachment != wantFile || !fromPublicAPI(m.Origin) {
				continue
			}
			var other int
			if err := o.b.db().queryRow(ctx, `SELECT count(*) FROM tlpartner_outbox WHERE workspace_id = ? AND message_uid = ? AND id <> ?`,
				e.workspaceID, m.UID, e.id).Scan(&other); err != nil {
				return "", err
			}
			if other == 0 {
				return m.UID, nil
			}
		}
	}
	return "", nil
}

// fromPublicAPI accepts the origin the docs show, and an absent one.
func fromPublicAPI(origin string) bool {
	origin = strings.TrimSpace(origin)
	return origin == "" || strings.EqualFold(origin, "Public API")
}

// chatsOf finds the chats the entry's message could be in: the chat
// itself, or the direct chats with the phone (or the phone of a contact
// JID), or the chats whose JID matches a group or other JID.
func (o *Outbox) chatsOf(ctx context.Context, c *publicapi.Client, e *entry) ([]int64, error) {
	if e.msg.ChatID != 0 {
		return []int64{e.msg.ChatID}, nil
	}
	phone := e.msg.Phone
	var params publicapi.ListChatsParams
	if phone == "" {
		user, domain, _ := strings.Cut(e.msg.JID, "@")
		if domain == "s.whatsapp.net" || domain == "c.us" {
			phone = "+" + user
		} else if domain == "g.us" {
			params.Group = publicapi.Ptr(true)
		}
	}
	if phone != "" {
		params.Phone = &phone
	}
	var ids []int64
	for ch, err := range c.ListChats(ctx, params) {
		if err != nil {
			return nil, err
		}
		switch {
		case phone != "" && (samePhone(ch.Phone, phone) || ch.JID == e.msg.JID && e.msg.JID != ""):
			ids = append(ids, ch.ID)
		case phone == "" && ch.JID == e.msg.JID:
			ids = append(ids, ch.ID)
		}
	}
	return ids, nil
}

func samePhone(a, b string) bool {
	return strings.TrimPrefix(a, "+") == strings.TrimPrefix(b, "+") && a != ""
}
